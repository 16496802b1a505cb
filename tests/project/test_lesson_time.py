"""The time model: what each kind of cell costs, core and optional sections, the placeholders."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from lesson_time import (
    CODE_CELL_SECONDS,
    CODE_LINE_SECONDS,
    EXERCISE_SECONDS,
    TOGGLE_SECONDS,
    Time,
    course_core,
    fill_time,
    lesson_time,
    times,
)


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def seconds(minutes: int) -> float:
    return minutes * 60.0


def test_prose_is_read_at_150_words_a_minute_without_link_targets_or_tags() -> None:
    words = " ".join(["word"] * 150)
    assert lesson_time([md(words)]) == Time(1, 0)
    linked = f"[lesson](https://example.org/a/very/long/address) <b>x</b> | --- | {words}"
    assert lesson_time([md(linked * 3)]) == Time(3, 0)  # "lesson", "x": 2 words more a copy


def test_a_code_cell_costs_a_fixed_time_and_a_time_a_line_hidden_checks_nothing() -> None:
    cell = "a = 1\nb = 2\n\nprint(a + b)\n%load_ext gradlab"
    expected = CODE_CELL_SECONDS + 3 * CODE_LINE_SECONDS
    assert lesson_time([code(cell)] * 12) == Time(round(12 * expected / 60), 0)
    assert lesson_time([code(cell, ["remove-cell"])] * 12) == Time(0, 0)


def test_toggles_and_exercises_cost_their_extra() -> None:
    base = lesson_time([code("x = 1")] * 24).core
    assert lesson_time([code("gl.compare(a, b)")] * 24).core == base + 24 * TOGGLE_SECONDS / 60
    assert lesson_time([code('gl.grade("02", globals())')]).core == round(
        (EXERCISE_SECONDS + CODE_CELL_SECONDS + CODE_LINE_SECONDS) / 60)


def test_optional_lasts_to_the_next_heading_of_its_level_and_solutions_count_nothing() -> None:
    minute = " ".join(["word"] * 150)
    cells = [md(f"# Title\n{minute}\n## *Optional* · AMP\n{minute}"),
             md(f"### a subsection, still optional\n{minute}"),
             md(f"## Your turn\n{minute}\n### Optional: more\n{minute}"),
             md(f"## Solution (peek if stuck)\n{minute}"), code("x = 1\n" * 20)]
    assert lesson_time(cells) == Time(2, 3)


@pytest.mark.parametrize(("time", "phrase"), [
    (Time(9, 3), "about 12 minutes (core 9, optional 3)"), (Time(9, 0), "about 9 minutes")])
def test_phrase(time: Time, phrase: str) -> None:
    assert time.phrase() == phrase


def test_fill_time_replaces_the_placeholders_in_markdown_only() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [md("*Time:* {time}. Lesson 03: {time:03}. Course: {core_total} minutes."),
                      md(" ".join(["word"] * 300)), code("print('{time}')")]
    own = lesson_time(notebook.cells)
    assert own == Time(3, 0)  # ~310 words and a one-line code cell
    fill_time(notebook)
    course = times()
    assert notebook.cells[0].source == (
        f"*Time:* about 3 minutes. Lesson 03: {course['03_no_grad_block'].phrase()}. "
        f"Course: {sum(t.core for s, t in course.items() if s[:2] <= '09')} minutes.")
    assert notebook.cells[2].source == "print('{time}')"


def test_the_core_path_adds_the_core_of_lessons_00_to_09_only() -> None:
    found = {"00_a": Time(5, 1), "09_b": Time(8, 20), "10_c": Time(7, 3), "13_d": Time(16, 0),
             "instructor_notes": Time(6, 0)}
    assert course_core(found) == 13
