"""The course map: "Next" walks every lesson in order, and the fact check comes after what it
quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LINK = re.compile(r"\]\((\d\d_[a-z_]+|instructor_notes)\.ipynb\)")


def _markdown(name: str) -> list[str]:
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def _next(name: str) -> str:
    """The first notebook linked under a notebook's "## Next" heading."""
    text = "\n".join(_markdown(name))
    section = text[text.index("## Next"):]
    found = LINK.search(section)
    assert found is not None, f"{name}: no link under Next"
    return found.group(1)


def test_next_from_the_start_page_walks_every_numbered_notebook_in_order() -> None:
    numbered = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    walked, here = ["00_start_here"], "00_start_here"
    while (here := _next(here)) != "00_start_here":
        assert here not in walked, f"Next goes round before the end: {[*walked, here]}"
        walked.append(here)
    assert walked == numbered


def test_the_start_page_links_the_instructor_notes() -> None:
    assert any("(instructor_notes.ipynb)" in text for text in _markdown("00_start_here"))


def test_the_fact_check_quotes_only_lessons_before_it() -> None:
    quoted = {m for text in _markdown("11_fact_check") for m in LINK.findall(text)}
    assert quoted and all(name < "11" for name in quoted - {"12_capstone"}), sorted(quoted)
