"""`gl.grade` and `python -m gradlab grade NN FILE`: an exercise graded against its reference
solution (`notebooks/solutions/NN_*.py`), on the same seed and data, with feedback in words."""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gradlab.diagnose import diagnose_scope, run_recorded, unrelated_error
from gradlab.explain import explain
from gradlab.report import Report

__all__ = ["EXERCISES", "Exercise", "Feedback", "add_command", "exercise_namespace", "grade",
           "run_command"]

SEED = 0
TOLERANCE = 1e-4  # relative difference (of norms) under which two tensors count as equal


@dataclass(frozen=True)
class Exercise:
    """One exercise: its reference solution file, its data (`x` with `features` columns, `y`),
    the forward values compared, and its own quantities with what to look at when they differ."""

    solution: str
    features: int = 3
    spread: float = 1.0  # scale of `x`: wide enough that every op of the exercise acts
    forward: tuple[str, ...] = ("output", "loss")
    quantities: Mapping[str, str] = field(default_factory=dict)
    tips: Mapping[str, str] = field(default_factory=dict)  # text in the answer -> tip


EXERCISES: dict[str, Exercise] = {
    "01": Exercise("01_missing_requires_grad.py"),
    "02": Exercise("02_no_grad_block.py"),
    "03": Exercise("03_detach_and_numpy.py"),
    "04": Exercise("04_in_place.py", spread=8.0),  # the gate's clamp cuts rows at both ends
    "05": Exercise(
        "05_double_backward.py", forward=("features", "loss_a", "loss_b"),
        tips={"retain_graph": "tip: `(loss_a + loss_b).backward()` gives the same gradients in "
                              "one backward pass, and frees the graph at once."}),
    "06": Exercise(
        "06_non_leaf_grad.py", forward=("h", "loss"),
        quantities={"hidden_grad": "`h` is not a leaf, so backward keeps its gradient only if "
                                   "`h.retain_grad()` ran before `loss.backward()`; "
                                   "`hidden_grad` must be the gradient of `h` itself"}),
    "07": Exercise("07_debug_your_own.py", features=4),
    "09": Exercise("09_silent_gradients.py"),
    "10": Exercise(
        "10_training_loop.py", forward=(),
        quantities={"w": "after three steps `w` must be the same leaf, updated in place under "
                         "`torch.no_grad()`, with `w.grad` reset before each backward (else "
                         "gradients accumulate)",
                    "loss": "the last step's loss"}),
}


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


def _exercise(key: str) -> tuple[str, Exercise]:
    key = str(key).strip().zfill(2)
    if key not in EXERCISES:
        raise ValueError(f"no exercise {key!r}: the exercises are {', '.join(EXERCISES)}")
    return key, EXERCISES[key]


def exercise_namespace(key: str) -> dict[str, Any]:
    """What the exercise cell sees: torch, `nn`, `F`, numpy as `np`, and the exercise's `x`, `y`
    (seeded like `gl.setup()`: the lesson's own unless the exercise spreads `x` wider)."""
    _, exercise = _exercise(key)
    generator = torch.Generator().manual_seed(SEED)
    x = exercise.spread * torch.randn(16, exercise.features, generator=generator)
    y = torch.randn(16, 1, generator=generator)
    return {"torch": torch, "nn": nn, "F": F, "np": np, "x": x, "y": y}


def _solution_path(exercise: Exercise) -> Path:
    here = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
    for folder in (here, Path.cwd() / "solutions", Path.cwd() / "notebooks" / "solutions"):
        if (folder / exercise.solution).is_file():
            return folder / exercise.solution
    raise ValueError(f"the reference solution {exercise.solution} was not found: grading needs "
                     "the course's notebooks/solutions folder (run from a clone of the course)")


def _reference(key: str) -> dict[str, Any]:
    """The names the reference solution defines: the exercise's contract."""
    _, exercise = _exercise(key)
    path = _solution_path(exercise)
    namespace = exercise_namespace(key)
    before = set(namespace)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return {k: v for k, v in namespace.items() if k not in before and not k.startswith("_")}


@dataclass
class _Run:
    scope: dict[str, Any]
    report: Report | None
    error: BaseException | None
    problem: str = ""


def _run(key: str, defined: Any) -> _Run:
    """Run one version of the exercise under the recorder, on the exercise's seed and data."""
    data = exercise_namespace(key)
    x, y = data["x"], data["y"]
    if isinstance(defined, type):
        model_class = defined

        def step() -> dict[str, Any]:
            model = model_class()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            output = model(x)
            loss = F.mse_loss(output, y)
            loss.backward()  # type: ignore[no-untyped-call]
            return locals()
        run: Callable[[], Any] = step
    else:
        run = types.FunctionType(defined.__code__, {**defined.__globals__, "x": x, "y": y},
                                 defined.__name__, defined.__defaults__, defined.__closure__)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        try:
            scope, rec, error, caught = run_recorded(run, run.__code__)
        except TypeError as problem:
            return _Run({}, None, None, str(problem).replace("the function given to gradlab",
                                                             f"`{defined.__name__}`"))
    if error is not None and explain(error) is None:
        return _Run(scope, None, error, f"it raises {unrelated_error(error)}")
    try:
        report = diagnose_scope(scope, rec, error, caught)
    except ValueError as problem:
        return _Run(scope, None, error, str(problem))
    return _Run(scope, report, error)


def _parameters(scope: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Every parameter of the modules in `scope`, named like `model.named_parameters()` (with
    the variable's name in front when there are several modules)."""
    modules = [(k, v) for k, v in scope.items() if isinstance(v, nn.Module)]
    inner = {id(sub) for _, m in modules for sub in list(m.modules())[1:]}
    modules = [(k, m) for k, m in modules if id(m) not in inner]
    return {(f"{k}.{n}" if len(modules) > 1 else n): p
            for k, m in modules for n, p in m.named_parameters()}


def _trained(scope: Mapping[str, Any]) -> set[str]:
    """The names of the parameters some optimizer in `scope` updates."""
    ids = {id(p) for o in scope.values() if isinstance(o, torch.optim.Optimizer)
           for group in o.param_groups for p in group["params"]}
    return {n for n, p in _parameters(scope).items() if id(p) in ids}


def _attribute(scope: Mapping[str, Any], name: str) -> Any:
    modules = [v for v in scope.values() if isinstance(v, nn.Module)]
    parts = name.split(".")
    value: Any = modules[0] if len(modules) == 1 else scope.get(parts.pop(0))
    for part in parts:
        value = getattr(value, part, None)
    return value


def _difference(mine: torch.Tensor, ref: torch.Tensor) -> float:
    """The relative difference of two tensors of the same shape, as a fraction of `ref`."""
    a, b = mine.detach().double(), ref.detach().double()
    return float((a - b).norm() / b.norm().clamp_min(1e-12))


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f} %" if fraction >= 0.01 else f"{fraction * 100:.2g} %"


def _ratio(mine: torch.Tensor, ref: torch.Tensor) -> float | None:
    """k when `mine` is k times `ref` for a whole number k or 1/k other than 1, else None."""
    a, b = mine.detach().double().flatten(), ref.detach().double().flatten()
    if float(b.norm()) == 0.0:
        return None
    k = float(a @ b / (b @ b))
    whole = round(k) if k >= 1 else 1 / max(round(1 / k), 1) if k > 0 else 0.0
    if whole not in (0.0, 1) and abs(k - whole) < 1e-3 and _difference(a, k * b) < TOLERANCE:
        return k
    return None


def _value_lines(name: str, scope: Mapping[str, Any], ref: torch.Tensor, hint: str) -> list[str]:
    where = f": {hint}" if hint else ""
    if name not in scope:
        return [f"`{name}` is not among your version's variables: keep the exercise's names."]
    mine = scope[name]
    if not isinstance(mine, torch.Tensor):
        found = "None" if mine is None else f"a {type(mine).__name__}"
        return [f"`{name}` is {found}, the reference's is a tensor of shape "
                f"{tuple(ref.shape)}{where}."]
    if mine.shape != ref.shape:
        return [f"`{name}` has shape {tuple(mine.shape)}, the reference's {tuple(ref.shape)}: it "
                f"is not the same quantity{where}."]
    difference = _difference(mine, ref)
    if difference > TOLERANCE:
        return [f"`{name}` differs from the reference's by {_percent(difference)}{where}."]
    return []


def _missing_parameter(scope: Mapping[str, Any], name: str) -> str:
    value = _attribute(scope, name)
    if isinstance(value, torch.Tensor):
        return (f"`{name}` is a plain tensor, not an `nn.Parameter`: `model.parameters()` does "
                f"not list it, so no optimizer ever updates it.")
    return f"`{name}` is not a parameter of your version (the reference has it)."


def _parameter_lines(mine: _Run, ref: _Run, contract: Mapping[str, Any]) -> list[str]:
    mine_params, ref_params = _parameters(mine.scope), _parameters(ref.scope)
    lines = [_missing_parameter(mine.scope, n) for n in ref_params if n not in mine_params]
    extra = [n for n in mine_params if n not in ref_params]
    if extra:
        lines.append(f"your version has parameters the reference does not: "
                     f"{', '.join(f'`{n}`' for n in extra)}; every parameter should be used.")
    for name, p in ref_params.items():
        q = mine_params.get(name)
        if q is None:
            continue
        if q.shape != p.shape:
            lines.append(f"`{name}` has shape {tuple(q.shape)}, the reference's "
                         f"{tuple(p.shape)}.")
        elif _difference(q, p) > TOLERANCE:
            lines.append(f"`{name}` starts from other values than the reference's: create the "
                         f"layers in the same order as the exercise does.")
        elif not q.requires_grad:
            lines.append(f"`{name}` has requires_grad=False: it is frozen, so it never trains.")
    if not any(isinstance(v, type) for v in contract.values()):
        untrained = sorted(_trained(ref.scope) - _trained(mine.scope))
        if untrained:
            lines.append(f"the optimizer does not update {', '.join(f'`{n}`' for n in untrained)}"
                         f": give it every parameter, as the reference does.")
    return lines


def _grad_lines(mine: _Run, ref: _Run, silent: bool) -> list[str]:
    mine_params, ref_params = _parameters(mine.scope), _parameters(ref.scope)
    lines: list[str] = []
    differing: list[str] = []
    ratios: dict[str, float] = {}
    for name, p in ref_params.items():
        q = mine_params.get(name)
        if q is None or q.shape != p.shape or q.grad is None or p.grad is None:
            continue
        ratio = _ratio(q.grad, p.grad)
        if ratio is not None:
            ratios[name] = ratio
    silent = silent and not ratios
    for name, p in ref_params.items():
        q = mine_params.get(name)
        if q is None or q.shape != p.shape or name in ratios:
            continue
        if p.grad is None:
            if q.grad is not None:
                lines.append(f"`{name}.grad` should stay None, as in the reference: nothing in "
                             f"the loss depends on `{name}`.")
            continue
        if q.grad is None:
            lines.append(f"`{name}.grad` is None: backward never reached `{name}`, so something "
                         f"between it and the loss cuts the graph.")
            continue
        difference = _difference(q.grad, p.grad)
        if difference > TOLERANCE:
            zero = " (all zero)" if not q.grad.any() else ""
            differing.append(f"`{name}.grad` by {_percent(difference)}{zero}")
    if differing:
        why = (" while the forward values match and no error was raised: autograd did not see "
               "part of what the forward pass did. Look for `.data` (a change behind autograd's "
               "back) or `.detach()` (a path the gradient does not take)" if silent else "")
        first, *others = differing
        also = f" ({', '.join(others)})" if others else ""
        lines.append(f"{first.replace(' by ', ' differs from the reference by ', 1)}{also}{why}.")
    for k in sorted(set(round(r, 3) for r in ratios.values())):
        names = ", ".join(f"`{n}.grad`" for n, r in ratios.items() if round(r, 3) == k)
        why = ("backward ran more than once over this part of the graph, and gradients "
               "accumulate in `.grad`" if k > 1 else f"as if the loss were scaled by {k:g}")
        lines.append(f"{names} {'is' if ',' not in names else 'are'} {k:g}× the reference's: "
                     f"{why}.")
    return lines


def _source(defined: Any) -> str:
    try:
        return inspect.getsource(defined)
    except (OSError, TypeError):
        return ""


def _compare(key: str, exercise: Exercise, contract: Mapping[str, Any],
             namespace: Mapping[str, Any]) -> Feedback:
    (name, defined), = ((n, namespace[n]) for n in contract)
    ref = _run(key, contract[name])
    if ref.problem or ref.error is not None:
        raise RuntimeError(f"the reference solution of exercise {key} does not run: "
                           f"{ref.problem or ref.error}")
    if isinstance(contract[name], type) != isinstance(defined, type) or not callable(defined):
        kind = "a class" if isinstance(contract[name], type) else "a function"
        return _not_yet([f"`{name}` must be {kind}, as in the exercise."], Report())
    mine = _run(key, defined)
    report = mine.report or Report()
    lines: list[str] = []
    if mine.problem:
        return _not_yet([mine.problem], report)
    if report.exception is not None:
        raised = report.exception
        sentence = raised.first_line.split(". ")[0].rstrip(".")
        means = f"\n    means: {raised.explanation}" if raised.explanation else ""
        return _not_yet([f"it raises {raised.type}: {sentence}.{means}", *_finding_lines(report)],
                        report)
    found = _finding_lines(report)
    named = {n for f in report.problems for n in f.names}
    lines = _comparison_lines(exercise, contract, mine, ref, silent=not found)
    lines = [line for line in lines if not any(f"`{n}`" in line or f"`{n}.grad`" in line
                                               for n in named)]
    if found or lines:
        return _not_yet([*found, *lines], report)
    grads = [n for n, p in _parameters(ref.scope).items() if p.grad is not None]
    compared = ", ".join([*exercise.forward, *exercise.quantities])
    source = _source(defined)
    tips = [tip for text, tip in exercise.tips.items() if text in source]
    return Feedback(True, (f"✔ solved: {compared} and the gradients of {len(grads)} parameters "
                           f"({', '.join(grads)}) match the reference solution.", *tips), report)


def _finding_lines(report: Report) -> list[str]:
    return [f"gradlab: {f.message.rstrip('.')}{f' (at {f.where})' if f.where else ''}; "
            f"fix: {f.fix}" for f in report.problems]


def _comparison_lines(exercise: Exercise, contract: Mapping[str, Any], mine: _Run, ref: _Run,
                      silent: bool) -> list[str]:
    """What differs from the reference, from the cause to its effects: the parameters, else the
    forward values, else the gradients and the exercise's own quantities."""
    lines = _parameter_lines(mine, ref, contract)
    if lines:
        return lines
    for value in exercise.forward:
        lines += _value_lines(value, mine.scope, ref.scope[value],
                              "the forward pass computes something else than the exercise asks")
    if lines:
        return lines
    lines = _grad_lines(mine, ref, silent)
    for value, hint in exercise.quantities.items():
        lines += _value_lines(value, mine.scope, ref.scope[value], hint)
    return lines


def _not_yet(lines: list[str], report: Report) -> Feedback:
    return Feedback(False, ("✘ not yet:", *(f"  - {line}" for line in lines)), report)


def grade(exercise: str, namespace: Mapping[str, Any]) -> Feedback:
    """Grade exercise `exercise` ("04"): run what `namespace` defines under the names of the
    reference solution (in a notebook: `globals()`) and the reference itself on the same seed and
    data, and compare the forward values, every gradient, the exercise's own quantities and
    gradlab's findings."""
    if not isinstance(exercise, (str, int)) or isinstance(exercise, bool):
        raise TypeError(f"gl.grade() takes the exercise's number, e.g. gl.grade('04', globals()); "
                        f"got {exercise!r}")
    if not isinstance(namespace, Mapping):
        raise TypeError("gl.grade() takes the namespace that holds your answer as its second "
                        f"argument: gl.grade('04', globals()); got {type(namespace).__name__}")
    key, spec = _exercise(exercise)
    contract = _reference(key)
    missing = [n for n in contract if n not in namespace]
    if missing:
        return _not_yet([f"define {', '.join(f'`{n}`' for n in missing)} first (run the "
                         f"exercise cell)."], Report())
    return _compare(key, spec, contract, namespace)


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `grade NN FILE` to the command line's subcommands."""
    command = commands.add_parser(
        "grade", help="grade an exercise against its reference solution",
        description="Exit codes: 0 solved, 1 not yet, 2 usage error or a file that does not run.")
    command.add_argument("exercise", help=f"the lesson's exercise: {', '.join(EXERCISES)}")
    command.add_argument("file", help="your answer: a file that defines the same names as the "
                                      "lesson's notebooks/solutions/NN_*.py")


def run_command(args: argparse.Namespace) -> int:
    """Run FILE with what the exercise cell sees, grade it and print the feedback; return the
    exit code (0 solved, 1 not yet, 2 usage error)."""
    try:
        key, _ = _exercise(args.exercise)
        contract = _reference(key)
    except ValueError as problem:
        print(f"gradlab grade: {problem}", file=sys.stderr)
        return 2
    if not os.path.isfile(args.file):
        print(f"gradlab grade: no such file: {args.file}", file=sys.stderr)
        return 2
    namespace = {**exercise_namespace(key), "__name__": "gradlab_exercise",
                 "__file__": args.file, "__builtins__": __builtins__}
    try:
        with open(args.file, encoding="utf-8") as handle:
            exec(compile(handle.read(), args.file, "exec"), namespace)
    except Exception as error:  # noqa: BLE001 - any failure of the learner's file is reported
        print(f"gradlab grade: {args.file} does not run: {unrelated_error(error)}",
              file=sys.stderr)
        return 2
    missing = [n for n in contract if n not in namespace]
    if missing:
        print(f"gradlab grade: {args.file} does not define {', '.join(missing)} (exercise {key} "
              f"defines {', '.join(contract)}, like its reference solution)", file=sys.stderr)
        return 2
    feedback = grade(key, namespace)
    print(feedback)
    return 0 if feedback.solved else 1
