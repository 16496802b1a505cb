"""Each warning once, without torch's build path: in a stored notebook's outputs, no warning
message appears twice (printed on stderr or listed by a gradlab report as "the program warned"),
and no output carries a path of the machine torch was built on (`/__w/pytorch/...`)."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
BUILD_PATH = "/__w/pytorch"
STDERR_WARNING = re.compile(r"^.*?\b(\w*Warning): (.+)$", re.MULTILINE)
REPORTED_HTML = re.compile(r"<i>the program warned:</i> <code>(.*?)</code>", re.DOTALL)
REPORTED_TEXT = re.compile(r"^the program warned: (.+)$", re.MULTILINE)


def message(warned: str) -> str:
    """A warning's message without where it came from (`line 6: `, `file.py:12: `) or its
    category, so the same message from two places counts as the same."""
    found = STDERR_WARNING.match(warned.strip())
    return found.group(2).strip() if found else warned.strip()


def warnings_of(output: dict[str, Any]) -> list[str]:
    """The warning messages one stored output shows: its stderr lines, or the report's list
    (from the HTML when there is HTML, else the plain text: one display, shown once)."""
    if output.get("output_type") == "stream":
        if output.get("name") != "stderr":
            return []
        return [found.group(2).strip()
                for found in STDERR_WARNING.finditer("".join(output["text"]))]
    data = output.get("data", {})
    if "text/html" in data:
        page = "".join(data["text/html"])
        return [message(html.unescape(w)) for w in REPORTED_HTML.findall(page)]
    return [message(w) for w in REPORTED_TEXT.findall("".join(data.get("text/plain", "")))]


def outputs(path: Path) -> list[dict[str, Any]]:
    """Every stored output of a notebook's code cells, in order."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_warning_message_is_shown_twice_in_a_notebook(path: Path) -> None:
    counts = Counter(w for output in outputs(path) for w in warnings_of(output))
    assert [f"{n}× {w[:120]}" for w, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_output_carries_torchs_build_path(path: Path) -> None:
    shown = [json.dumps(output) for output in outputs(path)]
    assert [text[text.find(BUILD_PATH) - 80:][:200] for text in shown if BUILD_PATH in text] == []


def test_the_reader_finds_warnings_on_stderr_and_in_reports_and_ignores_where_they_came_from(
        ) -> None:
    stderr = {"output_type": "stream", "name": "stderr",
              "text": "<cell>:3: UserWarning: The .grad attribute is being accessed.\n"
                      "  print(out.grad)\n"}
    report: dict[str, Any] = {"output_type": "display_data", "data": {
        "text/html": "<p><i>the program warned:</i> <code>line 6: UserWarning: The .grad "
                     "attribute is being accessed.</code></p>",
        "text/plain": "the program warned: line 6: UserWarning: The .grad attribute is being "
                      "accessed."}}
    stdout = {"output_type": "stream", "name": "stdout", "text": "UserWarning: printed\n"}
    assert warnings_of(stderr) == warnings_of(report) == ["The .grad attribute is being accessed."]
    assert warnings_of({"output_type": "display_data", "data": {
        "text/plain": report["data"]["text/plain"]}}) == warnings_of(report)
    assert warnings_of(stdout) == []
