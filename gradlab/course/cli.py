"""The course's commands: `python -m gradlab grade NN FILE`, `hint NN [--level K]` and
`solution NN`."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Protocol

from gradlab.course.exercise import exercise_keys, exercise_namespace, load

__all__ = ["COMMANDS", "add_commands", "run_command"]

COMMANDS = ("grade", "hint", "solution")


class _Commands(Protocol):
    """What argparse's `add_subparsers()` returns, as far as the course uses it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def add_commands(commands: _Commands) -> None:
    """Add `grade NN FILE`, `hint NN [--level K]` and `solution NN` to the subcommands."""
    ids = ", ".join(exercise_keys())
    grade = commands.add_parser(
        "grade", help="grade an exercise against its reference solution",
        description="Exit codes: 0 solved, 1 not yet, 2 usage error or a file that does not run.")
    grade.add_argument("exercise", help=f"the exercise's id: {ids}")
    grade.add_argument("file", help="your answer: a file that defines the exercise's class or "
                                    "function, under the same name")
    hint = commands.add_parser("hint", help="show a hint of an exercise: 1 the symptom, 2 where, "
                                            "3 the fix")
    hint.add_argument("exercise", help=f"the exercise's id: {ids}")
    hint.add_argument("--level", type=int, choices=(1, 2, 3), default=1,
                      help="which hint: 1 the symptom (default), 2 where, 3 the fix")
    solution = commands.add_parser("solution", help="show an exercise's reference solution")
    solution.add_argument("exercise", help=f"the exercise's id: {ids}")


def _grade_file(key: str, path: str) -> int:
    from gradlab.course.grading import grade
    from gradlab.diagnosis import unrelated_error

    _, exercise = load(key)
    if not os.path.isfile(path):
        print(f"gradlab grade: no such file: {path}", file=sys.stderr)
        return 2
    namespace = {**exercise_namespace(key), "__name__": "gradlab_exercise",
                 "__file__": path, "__builtins__": __builtins__}
    try:
        with open(path, encoding="utf-8") as handle:
            exec(compile(handle.read(), path, "exec"), namespace)
    except Exception as error:  # noqa: BLE001 - any failure of the learner's file is reported
        print(f"gradlab grade: {path} does not run: {unrelated_error(error)}", file=sys.stderr)
        return 2
    if exercise.name not in namespace:
        print(f"gradlab grade: {path} does not define {exercise.name} (exercise {key} asks "
              f"for it)", file=sys.stderr)
        return 2
    feedback = grade(key, namespace)
    print(feedback)
    return 0 if feedback.solved else 1


def run_command(args: argparse.Namespace) -> int:
    """Run a course command; return the exit code (grade: 0 solved, 1 not yet; 2 usage
    error)."""
    from gradlab.course.hints import hint, solution

    try:
        key, _ = load(args.exercise)
    except ValueError as problem:
        print(f"gradlab {args.command}: {problem}", file=sys.stderr)
        return 2
    if args.command == "grade":
        return _grade_file(key, args.file)
    print(hint(key, args.level) if args.command == "hint" else solution(key))
    return 0
