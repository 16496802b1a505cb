"""The course apart from the library: `import gradlab` loads no course code, the library never
imports `gradlab.course`, and every exercise module follows the format."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import gradlab as gl
from gradlab.course.exercise import Exercise, exercise_keys, load, normalise

PACKAGE = Path(gl.__file__).resolve().parent


def test_import_gradlab_loads_no_course_code() -> None:
    code = ("import sys, gradlab as gl; assert 'gradlab.course' not in sys.modules; "
            "gl.grade; assert 'gradlab.course.predict' not in sys.modules; gl.predict; "
            "assert 'gradlab.course.predict' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_library_never_imports_the_course() -> None:
    # the command line (`__main__`) is the one front that adds the course's subcommands
    for path in PACKAGE.rglob("*.py"):
        if "course" in path.relative_to(PACKAGE).parts or path.name == "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith("gradlab.course") for n in names), path


def test_the_course_names_are_public() -> None:
    for name in ("grade", "hint", "solution", "predict", "error_of", "Feedback"):
        assert name in gl.__all__
        assert getattr(gl, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        gl.nothing  # noqa: B018


@pytest.mark.parametrize("key", exercise_keys())
def test_every_exercise_module_follows_the_format(key: str) -> None:
    _, exercise = load(key)
    assert isinstance(exercise, Exercise)
    assert exercise.goal.strip() and exercise.lesson
    assert f"def {exercise.name}(" in exercise.solution or \
        f"class {exercise.name}(" in exercise.solution
    assert exercise.parts(), "a goal with no part to compare passes anything"


@pytest.mark.parametrize(("given", "key"), [("5", "05"), (5, "05"), (" 05 ", "05"),
                                            ("12.1", "12.1")])
def test_ids_are_normalised(given: object, key: str) -> None:
    assert normalise(given) == key


def test_error_of_states_what_a_snippet_raises() -> None:
    assert gl.error_of(lambda: 1 / 0) == "ZeroDivisionError: division by zero"
    assert gl.error_of(lambda: None) == ""
