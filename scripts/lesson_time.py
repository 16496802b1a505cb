"""How long a lesson takes a novice, computed from its cells (the times the course prints).

The model (a novice: knows Python and a little PyTorch, meets autograd's internals here):
- prose: 150 words a minute. Adults read plain English at about 240; technical text read to be
  understood, with inline code, at 100-200, so the middle of that range. Words are counted
  after dropping link targets, HTML tags and table rules; the text of collapsed answers counts.
- a code cell: 25 s (read what it does, run it, look at the output) plus 2.5 s a line (about
  25 lines a minute: novices read unfamiliar code slower than prose). Blank lines, `%` magics
  and cells tagged `remove-cell` (hidden checks nobody reads) count nothing.
- extras, for what asks the learner to act: a toggle (`gl.compare`: flip both sides, compare
  the graphs) 90 s; a prediction (`gl.predict`) 45 s; a question with a collapsed answer
  (`<details>`) 60 s to think before opening it; an exercise (`gl.grade` outside the solution)
  8 minutes to write and check a fix.
Calibration: on the eleven lessons as they stood before core and optional were marked, each
lesson's figure falls inside the range a reviewer estimated by reading them as a novice (for
example 17 minutes for the start page, 39 for silent gradients; the course 5.6 hours against
5.5-7 hours estimated).

Core and optional: a markdown heading (`##`, `###`, ...) whose text starts with "Optional"
(after any `*`, `_`, `(` or `[`, any case: "## Optional · In the wild", "### *Optional:* AMP")
opens an optional section; it lasts until the next heading of the same or a higher level
(fewer `#`). Everything else is core. A section whose heading starts with "Solution" (the
reference solution at a lesson's end) counts nothing: a learner who reads it spends the
exercise's time there instead of writing the fix.

Run: python scripts/lesson_time.py [NAME ...]   (per lesson core/optional/total, course core).
The build fills placeholders with `fill_time`: `{time}` in a lesson's markdown becomes e.g.
"about 12 minutes (core 9, optional 3)"; `{time:NN}` is lesson NN's phrase and `{core_total}`
the core path's minutes (both computed from lessons/*.py).

The core path is the core of lessons 00-09 (`CORE_PATH`): the start page, the foundation, every
failure family and the training loop. Lessons 10-14 come after it (debugging a script of your
own, the fact check, the capstone, the cheat sheet, what next) and the instructor notes are for
teachers: lesson 00's map says so, and their times are shown but not added to the path.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 150
CODE_CELL_SECONDS = 25.0
CODE_LINE_SECONDS = 2.5
TOGGLE_SECONDS = 90.0
PREDICTION_SECONDS = 45.0
QUESTION_SECONDS = 60.0
EXERCISE_SECONDS = 8 * 60.0

HEADING = re.compile(r"^(#{1,6})\s+[*_(\[]*(\w*)")
PLACEHOLDER = re.compile(r"\{time(?::(\w+))?\}|\{core_total\}")


@dataclass(frozen=True)
class Time:
    """A lesson's minutes, core and optional, rounded so the two add up to the total."""

    core: int
    optional: int

    @property
    def total(self) -> int:
        return self.core + self.optional

    def phrase(self) -> str:
        """What a lesson's header says: "about 12 minutes (core 9, optional 3)"."""
        if not self.optional:
            return f"about {self.core} minutes"
        return f"about {self.total} minutes (core {self.core}, optional {self.optional})"


def prose_seconds(text: str) -> float:
    """Reading time of markdown prose at WORDS_PER_MINUTE."""
    text = re.sub(r"\]\([^)]*\)", "]", text)              # link targets are not read
    text = re.sub(r"<[^>]+>", " ", text)                   # nor HTML tags
    words = [w for w in text.split() if re.search(r"\w", w)]  # table rules, bullets, `#`
    return len(words) * 60.0 / WORDS_PER_MINUTE


def code_seconds(source: str) -> float:
    """Reading, running and looking at one code cell, with its extras."""
    lines = [ln for ln in source.splitlines() if ln.strip() and not ln.lstrip().startswith("%")]
    if not lines:
        return 0.0
    seconds = CODE_CELL_SECONDS + CODE_LINE_SECONDS * len(lines)
    seconds += TOGGLE_SECONDS * source.count("gl.compare(")
    seconds += PREDICTION_SECONDS * source.count("gl.predict(")
    return seconds + EXERCISE_SECONDS * source.count("gl.grade(")


def _split(cells: list[Any]) -> list[tuple[str, int, str, str]]:
    """The cells as pieces (kind, heading level or 0, heading's first word, text): a markdown
    cell is cut at each heading line, so a section that starts mid-cell gets its own words."""
    pieces: list[tuple[str, int, str, str]] = []
    for cell in cells:
        if cell["cell_type"] == "code":
            if "remove-cell" not in cell.get("metadata", {}).get("tags", []):
                pieces.append(("code", 0, "", cell["source"]))
            continue
        for line in cell["source"].splitlines():
            found = HEADING.match(line)
            if found:
                pieces.append(("markdown", len(found.group(1)), found.group(2).lower(), ""))
            elif not pieces or pieces[-1][0] != "markdown":
                pieces.append(("markdown", 0, "", ""))
            kind, level, word, text = pieces[-1]
            pieces[-1] = (kind, level, word, f"{text}{line}\n")
    return pieces


def lesson_time(cells: list[Any]) -> Time:
    """The minutes of a notebook's cells (nbformat cells or dicts with cell_type, source,
    metadata), split into core and optional as the module docstring says."""
    seconds = {"core": 0.0, "optional": 0.0, "solution": 0.0}
    open_sections: list[tuple[int, str]] = []   # (heading level, kind) of enclosing sections
    for kind, level, word, text in _split(cells):
        if level:
            while open_sections and open_sections[-1][0] >= level:
                open_sections.pop()
            if word in ("optional", "solution"):
                open_sections.append((level, word))
        section = open_sections[0][1] if open_sections else "core"
        if kind == "code":
            seconds[section] += code_seconds(text)
        else:
            seconds[section] += prose_seconds(text)
            seconds[section] += QUESTION_SECONDS * text.count("<details>")
    core = round(seconds["core"] / 60)
    return Time(core, round((seconds["core"] + seconds["optional"]) / 60) - core)


def times(names: list[str] | None = None) -> dict[str, Time]:
    """Each lesson's time, from its source in lessons/*.py read as the build reads it (all of
    them, or those named by file stem or by number)."""
    from build_notebooks import read  # the build imports this module: import it when used

    found = {}
    for path in sorted((ROOT / "lessons").glob("*.py")):
        if not names or path.stem in names or path.stem[:2] in names:
            found[path.stem] = lesson_time(read(path.read_text(encoding="utf-8"), path.stem).cells)
    return found


CORE_PATH = tuple(f"{n:02d}" for n in range(10))  # lessons 00-09


def course_core(found: dict[str, Time]) -> int:
    """The core path's minutes: the core of lessons 00-09 (see the module docstring)."""
    return sum(t.core for stem, t in found.items() if stem[:2] in CORE_PATH)


def fill_time(notebook: Any) -> Any:
    """Replace `{time}`, `{time:NN}` and `{core_total}` in the notebook's markdown cells (see
    the module docstring) and return the notebook."""
    own = lesson_time(notebook.cells)
    course: dict[str, Time] = {}

    def phrase(found: re.Match[str]) -> str:
        if found.group(0) == "{time}":
            return own.phrase()
        if not course:
            course.update(times())
        if found.group(0) == "{core_total}":
            return str(course_core(course))
        (name,) = [stem for stem in course if stem[:2] == found.group(1) or stem == found.group(1)]
        return course[name].phrase()

    for cell in notebook.cells:
        if cell["cell_type"] == "markdown":
            cell["source"] = PLACEHOLDER.sub(phrase, cell["source"])
    return notebook


def main(names: list[str]) -> None:
    """Print each lesson's core, optional and total minutes, and the course's."""
    found = times(names)
    print(f"{'lesson':<28}{'core':>6}{'optional':>10}{'total':>7}")
    for name, time in found.items():
        print(f"{name:<28}{time.core:>6}{time.optional:>10}{time.total:>7}")
    print(f"{'core path (lessons 00-09)':<34}{course_core(found):>6}")


if __name__ == "__main__":
    main(sys.argv[1:])
