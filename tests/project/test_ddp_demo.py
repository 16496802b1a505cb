"""Lesson 09 shows what two DDP processes print (forked processes cannot run inside a Jupyter
kernel, so the lesson shows the output of notebooks/ddp_unused.py): check that it is true."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_lesson_09_shows_what_the_ddp_script_prints() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = str(free.getsockname()[1])
    run = subprocess.run([sys.executable, "ddp_unused.py", port], cwd=ROOT / "notebooks",
                         capture_output=True, text=True, timeout=120, check=True)
    lesson = (ROOT / "lessons" / "09_training_loop.py").read_text(encoding="utf-8")
    block = re.search(r"# ```text\n(.*?)# ```\n", lesson, re.DOTALL)
    assert block is not None, "lesson 09 no longer shows the script's output"
    shown = "".join(line.removeprefix("# ") + "\n" for line in block.group(1).splitlines())
    assert run.stdout == shown
    assert "rank 0, step 2: Expected to have finished reduction" in shown
