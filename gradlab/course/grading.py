"""`gl.grade`: an answer graded against its exercise's reference solution, run on the same seed
and data, one goal part at a time; the feedback says which part is missing, never a guessed
cause, and no fix (that is the last hint)."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from gradlab.course.compare import gradient_lines, parameter_lines, parameters, value_lines
from gradlab.course.exercise import Exercise, exercise_namespace, load, reference_scope
from gradlab.course.hints import hints_used
from gradlab.diagnosis import diagnose_scope, run_recorded, unrelated_error
from gradlab.explanations import explain
from gradlab.report import Report

__all__ = ["Feedback", "grade"]


@dataclass(frozen=True)
class Feedback:
    """Whether an exercise is solved and, if not, what differs from the reference, in words."""

    solved: bool
    lines: tuple[str, ...]
    report: Report

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)


@dataclass
class _Run:
    scope: dict[str, Any]
    report: Report
    problem: str = ""  # why the run cannot be compared (an error unrelated to autograd)
    backwards: int = 0  # calls of backward() (autograd.grad not counted)


def _class_step(model_class: type, x: torch.Tensor, y: torch.Tensor) -> Callable[[], Any]:
    """A class exercise's run: build the model and an SGD optimizer, one MSE loss, backward."""
    def step() -> dict[str, Any]:
        model = model_class()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        output = model(x)
        loss = F.mse_loss(output, y)
        loss.backward()  # type: ignore[no-untyped-call]
        return locals()
    return step


def _run(key: str, exercise: Exercise, defined: Any) -> _Run:
    """Run one version of the exercise under the recorder, on the exercise's seed and data."""
    data = exercise_namespace(key)
    x, y = data["x"], data["y"]
    if isinstance(defined, type):
        run = _class_step(defined, x, y)
    else:
        run = types.FunctionType(defined.__code__, {**defined.__globals__, "x": x, "y": y},
                                 defined.__name__, defined.__defaults__, defined.__closure__)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(exercise.seed)
        try:
            scope, rec, error, caught = run_recorded(run, run.__code__)
        except TypeError as problem:
            return _Run({}, Report(), str(problem).replace("the function given to gradlab",
                                                           f"`{defined.__name__}`"))
    backwards = sum(getattr(e, "op", "") != "autograd.grad" for e in rec.of_kind("backward"))
    if error is not None and explain(error) is None:
        return _Run(scope, Report(), f"it raises {unrelated_error(error)}")
    try:
        report = diagnose_scope(scope, rec, error, caught)
    except ValueError as problem:  # nothing gradlab can judge (no loss): the parts still can
        if error is not None:
            return _Run(scope, Report(), str(problem))
        report = Report()
    return _Run(scope, report, backwards=backwards)


def _finding_lines(report: Report) -> list[str]:
    """gradlab's findings on the answer, without their fix (the fix is the last hint)."""
    return [f"gradlab: {f.message.rstrip('.')}{f' (at {f.where})' if f.where else ''}."
            for f in report.problems]


def _part_lines(exercise: Exercise, mine: _Run, ref: _Run) -> list[str]:
    """What differs from the reference, part by part, from the cause to its effects: the
    parameters, else the forward values, else the gradients and the exercise's quantities."""
    if exercise.parameters:
        lines = parameter_lines(mine.scope, ref.scope)
        if lines:
            return lines
    lines = []
    for value in exercise.forward:
        lines += value_lines(value, mine.scope, ref.scope[value], "")
    if lines:
        return [*lines, "the forward pass computes something else than the exercise asks: "
                        "the gradients are compared once it matches."]
    if exercise.gradients:
        lines += gradient_lines(mine.scope, ref.scope, mine.backwards)
    for value, what in exercise.quantities.items():
        lines += value_lines(value, mine.scope, ref.scope[value], what)
    return lines


def _names(value: Any) -> set[str]:
    """The names and string constants of a code object (its nested ones too): what an answer
    uses, when its source text cannot be read (code run by `exec`)."""
    if isinstance(value, types.CodeType):
        found = {*value.co_names, *value.co_varnames}
        return found.union(*(_names(c) for c in value.co_consts))
    if isinstance(value, tuple):
        return {v for v in value if isinstance(v, str)}.union(*(_names(v) for v in value))
    return set()


def _uses(defined: Any, text: str) -> bool:
    """Whether the answer's source, or else its code, uses `text` (a name, or a piece of code
    when the source is readable)."""
    try:
        return text in inspect.getsource(defined)
    except (OSError, TypeError):
        functions = vars(defined).values() if isinstance(defined, type) else [defined]
        return any(text in _names(getattr(f, "__code__", None)) for f in functions)


def _hints_line(key: str) -> str:
    used = hints_used(key)
    more = f"; gl.hint(\"{key}\") gives the next" if used < 3 else \
        f"; gl.solution(\"{key}\") shows the reference"
    return f"hints used: {used} of 3{more}."


def _not_yet(key: str, exercise: Exercise, lines: list[str], report: Report) -> Feedback:
    return Feedback(False, ("✘ not yet:", *(f"  - {line}" for line in lines),
                            f"goal: {exercise.goal}", _hints_line(key)), report)


def _compare(key: str, exercise: Exercise, defined: Any) -> Feedback:
    reference = reference_scope(key)[exercise.name]
    ref = _run(key, exercise, reference)
    if ref.problem or ref.report.exception is not None:
        raise RuntimeError(f"the reference solution of exercise {key} does not run: "
                           f"{ref.problem or ref.report.exception}")
    if isinstance(reference, type) != isinstance(defined, type) or not callable(defined):
        kind = "a class" if isinstance(reference, type) else "a function"
        return _not_yet(key, exercise, [f"`{exercise.name}` must be {kind}, as in the "
                                        f"exercise."], Report())
    mine = _run(key, exercise, defined)
    if mine.problem:
        return _not_yet(key, exercise, [mine.problem], mine.report)
    report = mine.report
    if report.exception is not None:
        raised = report.exception
        sentence = raised.first_line.split(". ")[0].rstrip(".")
        means = f"\n    means: {raised.explanation}" if raised.explanation else ""
        return _not_yet(key, exercise, [f"it raises {raised.type}: {sentence}.{means}",
                                        *_finding_lines(report)], report)
    lines = _part_lines(exercise, mine, ref)
    if lines:
        return _not_yet(key, exercise, [*lines, *_finding_lines(report)], report)
    return _solved(key, exercise, ref, defined, report)


def _solved(key: str, exercise: Exercise, ref: _Run, defined: Any, report: Report) -> Feedback:
    grads = [n for n, p in parameters(ref.scope).items() if p.grad is not None]
    parts = [*(f"`{n}`" for n in exercise.forward), *(f"`{n}`" for n in exercise.quantities)]
    if exercise.gradients:
        parts.append(f"the gradients of {len(grads)} parameters ({', '.join(grads)})")
    elif exercise.parameters:
        parts.append("the parameters")
    tips = [tip for text, tip in exercise.tips.items() if _uses(defined, text)]
    notes = [f"note: {line}" for line in _finding_lines(report)]
    source = [f"source: {exercise.source}"] if exercise.source else []
    return Feedback(True, (f"✔ solved: {', '.join(parts)} match the reference solution.",
                           *tips, *notes, *source, f"hints used: {hints_used(key)} of 3."),
                    report)


def grade(exercise: str | int, namespace: Mapping[str, Any]) -> Feedback:
    """Grade exercise `exercise` ("05"): run what `namespace` defines under the exercise's name
    (in a notebook: `globals()`) and the reference solution on the same seed and data, and
    compare each part of the exercise's goal."""
    if isinstance(exercise, bool) or not isinstance(exercise, (str, int)):
        raise TypeError(f"gl.grade() takes the exercise's id, e.g. gl.grade('05', globals()); "
                        f"got {exercise!r}")
    if not isinstance(namespace, Mapping):
        raise TypeError("gl.grade() takes the namespace that holds your answer as its second "
                        f"argument: gl.grade('05', globals()); got {type(namespace).__name__}")
    key, spec = load(exercise)
    if spec.name not in namespace:
        return _not_yet(key, spec, [f"define `{spec.name}` first (run the exercise cell)."],
                        Report())
    return _compare(key, spec, namespace[spec.name])
