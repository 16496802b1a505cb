"""The hint ladder (symptom, where, fix, then a pointer to the solution), the solution on
request, `gl.grade` counting hints, and the command line's grade, hint and solution."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import gradlab as gl
from gradlab.__main__ import main
from gradlab.course import hints
from gradlab.course.exercise import Edit, exercise_keys, exercise_namespace, load

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_kernel() -> Iterator[None]:
    hints._used.clear()
    yield
    hints._used.clear()


@pytest.mark.parametrize("key", exercise_keys())
def test_three_different_hints_then_a_pointer_to_the_solution(key: str) -> None:
    shown = [str(gl.hint(key)) for _ in range(3)]
    texts = load(key)[1].hints
    assert len(set(texts)) == 3 and all(t.strip() for t in texts)
    for level, (line, text) in enumerate(zip(shown, texts, strict=True), start=1):
        assert line.startswith(f"hint {level} of 3")
        assert line.endswith(text)
    last = str(gl.hint(key))
    assert "no more hints" in last and f'gl.solution("{key}")' in last


def test_a_level_shows_that_rung_and_counts_as_climbed() -> None:
    assert gl.hint("05", level=3).text == load("05")[1].hints[2]
    assert hints.hints_used("05") == 3
    assert hints.hints_used("06") == 0  # one ladder per exercise
    with pytest.raises(ValueError, match="level= is 1, 2 or 3"):
        gl.hint("05", level=4)


def test_grade_says_how_many_hints_were_used() -> None:
    namespace = exercise_namespace("05")
    exec(load("05")[1].starter, namespace)
    assert str(gl.grade("05", namespace)).endswith('hints used: 0 of 3; gl.hint("05") gives '
                                                    'the next.')
    gl.hint("5")
    gl.hint("05")
    assert "hints used: 2 of 3" in str(gl.grade("05", namespace))
    exec(load("05")[1].solution, namespace)
    assert str(gl.grade("05", namespace)).endswith("hints used: 2 of 3.")


def test_the_solution_is_the_reference_as_text_and_highlighted_html() -> None:
    shown = gl.solution("12.2")
    assert shown.code == load("12.2")[1].solution
    assert str(shown).startswith("# the reference solution of exercise 12.2\ndef val_step")
    html = shown._repr_html_()
    assert "<span" in html and "val_step" in html


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m gradlab ARGS`, in this process (what `main` prints and returns)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_command_line_hint_and_solution() -> None:
    first, third, whole = _cli("hint", "5"), _cli("hint", "05", "--level", "3"), \
        _cli("solution", "05")
    assert (first.returncode, third.returncode, whole.returncode) == (0, 0, 0)
    assert first.stdout.strip() == f"hint 1 of 3 (symptom) for exercise 05: " \
                                   f"{load('05')[1].hints[0]}"
    assert third.stdout.strip().endswith(load("05")[1].hints[2])
    assert load("05")[1].solution.strip() in whole.stdout
    unknown = _cli("hint", "99")
    assert unknown.returncode == 2 and "no exercise '99'" in unknown.stderr


def test_command_line_grade_exit_codes(tmp_path: Path) -> None:
    right, wrong = tmp_path / "right.py", tmp_path / "wrong.py"
    right.write_text(load("05")[1].solution)
    wrong.write_text(Edit("out = h + self.mix(h)", "out = h\n        out.data += self.mix(h)")
                     .apply(load("05")[1].solution))
    solved = subprocess.run([sys.executable, "-m", "gradlab", "grade", "05", str(right)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    not_yet = _cli("grade", "5", str(wrong))
    assert (solved.returncode, not_yet.returncode) == (0, 1), solved.stderr + not_yet.stderr
    assert solved.stdout.startswith("✔ solved")
    assert "changed in place through .data (add_" in not_yet.stdout


def test_command_line_tips_on_a_right_answer_that_backwards_twice(tmp_path: Path) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text(load("06")[1].right[0].apply(load("06")[1].solution))
    result = _cli("grade", "06", str(answer))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tip: once the advantages are detached, `retain_graph=True` is not needed" \
        in result.stdout


@pytest.mark.parametrize(("source", "message"), [
    ("class GatedResidual(nn.Module):\n    def forward(self, x)\n", "does not run: SyntaxError"),
    ("import nothing_like_this\n", "does not run: ModuleNotFoundError"),
    ("class Other(nn.Module):\n    pass\n", "does not define GatedResidual"),
])
def test_command_line_rejects_a_file_that_does_not_run(tmp_path: Path, source: str,
                                                       message: str) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text(source)
    result = _cli("grade", "05", str(answer))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_command_line_names_an_unknown_exercise_or_file(tmp_path: Path) -> None:
    unknown = _cli("grade", "99", str(tmp_path / "x.py"))
    missing = _cli("grade", "05", str(tmp_path / "nowhere.py"))
    assert (unknown.returncode, missing.returncode) == (2, 2)
    assert "no exercise '99': the exercises are 02, 03" in unknown.stderr
    assert "no such file" in missing.stderr
