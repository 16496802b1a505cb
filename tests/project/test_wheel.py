"""The library on its own: the wheel, installed without extras in a fresh venv, runs
`python -m gradlab check` with torch, numpy and graphviz only; the course's packages are absent
and the toggle says how to get them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from cli.test_cli import SCRIPT_NO_GRAD

ROOT = Path(__file__).resolve().parents[2]
ALONE = """\
import importlib.util, sys
import gradlab as gl
print([m for m in ("ipywidgets", "IPython", "torchviz", "matplotlib", "jupyterlab")
       if importlib.util.find_spec(m) is not None])
try:
    gl.compare
except ImportError as error:
    print(error)
"""

pytestmark = pytest.mark.slow


def pip(python: Path | str, *args: str) -> None:
    """Run pip quietly with this machine's pip configuration; the torch index of `make`, if set."""
    index = os.environ.get("TORCH_INDEX_URL")
    extra = ["--extra-index-url", index] if index and args[0] == "install" else []
    subprocess.run([str(python), "-m", "pip", *args, "--quiet", *extra], check=True,
                   capture_output=True, timeout=900)


def test_the_wheel_without_extras_runs_gradlab_check(tmp_path: Path) -> None:
    source = tmp_path / "src"  # built from a copy: the build leaves nothing in the work tree
    shutil.copytree(ROOT / "gradlab", source / "gradlab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    pip(sys.executable, "wheel", "--no-deps", "--no-build-isolation", "-w",
        str(tmp_path / "dist"), str(source))
    (wheel,) = (tmp_path / "dist").glob("gradlab-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True,
                   timeout=300)
    python = tmp_path / "venv" / "bin" / "python"
    # the torch of this run (its build too, e.g. +cpu), from pip's cache or index
    pip(python, "install", f"torch=={torch.__version__}", str(wheel))
    (tmp_path / "train.py").write_text(SCRIPT_NO_GRAD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(python), "-m", "gradlab", "check", "train.py", "--json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 1, done.stderr
    (finding,) = json.loads(done.stdout)
    assert (finding["kind"], finding["where"]) == ("no_grad", "train.py:7")
    alone = subprocess.run([str(python), "-c", ALONE], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300, check=True)
    missing, error = alone.stdout.splitlines()
    assert missing == "[]"  # none of the course's packages came with the library
    assert 'pip install "gradlab[course]"' in error and "is not installed" in error
