"""`gl.diagnose`: run or take a loss, find the models and optimizers around it, analyse."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch

from gradlab.analysis import analyse
from gradlab.context import Context
from gradlab.explanations import explain
from gradlab.facts import backward_on_numbers
from gradlab.recording import Recording, Warned, exception_where, is_internal, record
from gradlab.recording.instrument import INSTRUMENT
from gradlab.report import Report
from gradlab.steps import repeat, watch_steps
from gradlab.warned import add_findings, shown

__all__ = ["autograd_related", "backwarded", "diagnose", "diagnose_scope", "find_losses",
           "run_recorded", "warnings_seen"]

Target = torch.Tensor | Callable[[], Any]


def _as_list(value: Any, kind: type, what: str, example: str) -> list[tuple[str, Any]]:
    if value is None:
        return []
    if isinstance(value, kind):
        return [(what, value)]
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = [(f"{what}{i}", v) for i, v in enumerate(value)]
    else:
        raise TypeError(f"{what}= takes {example} (or a list or dict of them), "
                        f"not {type(value).__name__}")
    for name, item in items:
        if not isinstance(item, kind):
            raise TypeError(f"{what}= takes {example}; {name!r} is a {type(item).__name__}")
    return [(str(n), v) for n, v in items]


def _has_weights(module: torch.nn.Module) -> bool:
    for sub in module.modules():
        if any(True for _ in sub.parameters(recurse=False)):
            return True
        for value in vars(sub).values():
            if isinstance(value, torch.Tensor) or (
                    isinstance(value, (list, tuple))
                    and any(isinstance(v, torch.nn.Module) for v in value)):
                return True
    return False


def find_losses(scope: Mapping[str, Any], loss: str | None) -> list[tuple[str, torch.Tensor]]:
    """Return the losses in `scope`: the name given, else every scalar named like `loss`."""
    tensors = {k: v for k, v in scope.items() if isinstance(v, torch.Tensor)}
    if loss is not None and not isinstance(loss, str):
        raise TypeError(f"loss= takes the name of the loss variable, a str such as 'loss', "
                        f"not {type(loss).__name__}")
    if loss is not None:
        if loss not in tensors:
            raise ValueError(f"no tensor named {loss!r} to use as the loss; tensors found: "
                             f"{', '.join(sorted(tensors)) or 'none'}")
        return [(loss, _check_loss(tensors[loss], loss))]
    named = [(k, v) for k, v in tensors.items() if "loss" in k.lower() and v.numel() == 1]
    if named:
        return [(k, _check_loss(v, k)) for k, v in named]
    scalars = [(k, v) for k, v in tensors.items()
               if v.numel() == 1 and v.is_floating_point() and v.grad_fn is not None]
    if len(scalars) == 1:
        return scalars
    for k, v in tensors.items():
        if "loss" in k.lower():
            _check_loss(v, k)  # a loss that is not reduced yet: say so, not "no loss found"
    raise ValueError("no loss found: name the loss variable `loss` (or anything containing "
                     "'loss'), or pass loss='name'; scalar tensors found: "
                     f"{', '.join(k for k, v in tensors.items() if v.numel() == 1) or 'none'}")


def backwarded(scope: Mapping[str, Any], recording: Recording | None) -> list[
        tuple[str, torch.Tensor]]:
    """The tensors given to backward() / autograd.grad() that are still alive: the losses of
    code that names them otherwise (any shape: `y.backward(torch.ones_like(y))` is fine)."""
    if recording is None:
        return []
    names = {id(v): k for k, v in scope.items() if isinstance(v, torch.Tensor)}
    found: dict[int, tuple[str, torch.Tensor]] = {}
    for event in recording.of_kind("backward"):
        t = event.tensor() if event.tensor is not None else None
        if t is not None:
            found[id(t)] = (names.get(id(t)) or f"{event.op}() at {event.where}", t)
    return list(found.values())


def _trained_losses(named: list[tuple[str, torch.Tensor]], scope: Mapping[str, Any],
                    recording: Recording | None) -> list[tuple[str, torch.Tensor]]:
    """Drop the values named like a loss that have no history and never went to backward()
    while something else did: a metric (`val_loss = loss_fn(x, y).detach()`), not a loss."""
    if recording is None or not recording.of_kind("backward"):
        return named
    given = backwarded(scope, recording)
    passed = {id(t) for _, t in given}
    kept = [(k, v) for k, v in named if v.requires_grad or id(v) in passed]
    return named if len(kept) == len(named) else kept or given


def _check_loss(t: torch.Tensor, name: str) -> torch.Tensor:
    if t.numel() != 1:
        raise ValueError(f"the loss {name!r} must be a scalar; got shape {list(t.shape)}: "
                         "reduce it with .sum() or .mean() before backward()")
    return t


def _context_from_scope(scope: Mapping[str, Any], *, loss: str | None, model: Any,
                        optimizer: Any, recording: Recording | None,
                        exception: BaseException | None,
                        caught: Iterable[Warned]) -> Context:
    try:
        losses = find_losses(scope, loss)
    except ValueError:
        losses = [] if loss is not None else backwarded(scope, recording)
        if not losses and exception is None and (
                loss is not None or recording is None or not recording.of_kind("backward")
        ) and not backward_on_numbers(dict(scope)) and not _caught_autograd_error(recording):
            raise
        # else it failed before the loss existed, its losses were temporaries given to
        # backward(), it called backward() on a number or caught an autograd error: the
        # recording tells the story
    else:
        losses = _trained_losses(losses, scope, recording) if loss is None else losses
    modules = _as_list(model, torch.nn.Module, "model", "an nn.Module")
    optimizers = _as_list(optimizer, torch.optim.Optimizer, "optimizer",
                          "a torch.optim.Optimizer")
    given = {id(m) for _, m in modules}
    found = [(k, v) for k, v in _held_modules(scope)
             if id(v) not in given and _has_weights(v)]
    if len(found) + len(modules) > 1:  # keep the found ones no other model holds
        inner = {id(sub) for _, m in found + modules for sub in list(m.modules())[1:]}
        found = [(k, v) for k, v in found if id(v) not in inner
                 and not _part_of_another(v, [m for _, m in modules + found])]
    modules += found
    known = {id(o) for _, o in optimizers}
    optimizers += [(k, v) for k, v in scope.items()
                   if isinstance(v, torch.optim.Optimizer) and id(v) not in known]
    return Context(losses, modules, optimizers, dict(scope), recording, exception, shown(caught))


def _held_modules(scope: Mapping[str, Any]) -> list[tuple[str, torch.nn.Module]]:
    """The modules in scope, and those an object of the program's own classes holds as an
    attribute (`distill.loss_fn`: a loss helper that is no nn.Module but owns one)."""
    found: list[tuple[str, torch.nn.Module]] = []
    for name, value in scope.items():
        if isinstance(value, torch.nn.Module):
            found.append((name, value))
        elif _own_object(value):
            found += [(f"{name}.{attr}", v) for attr, v in vars(value).items()
                      if isinstance(v, torch.nn.Module)]
    return found


def _own_object(value: Any) -> bool:
    """An instance of a class the program defined (not torch's, not a builtin or module)."""
    module = type(value).__module__  # classes, modules and functions are builtins' types
    return (hasattr(value, "__dict__") and module not in ("builtins", "functools")
            and not module.startswith(("torch", "numpy", "gradlab")))


def _caught_autograd_error(recording: Recording | None) -> bool:
    """An autograd error passed through a torch call and the program caught it."""
    return recording is not None and any(explain(e.message) is not None
                                         for e in recording.of_kind("torch_error"))


def _part_of_another(module: torch.nn.Module, others: list[torch.nn.Module]) -> bool:
    """A view of part of a model (`body = model[:4]`): another module holds all its
    parameters, and more."""
    if all(m is module for m in others):
        return False
    mine = {id(p) for p in module.parameters()}
    return any(m is not module and mine < {id(p) for p in m.parameters()} for m in others)


def warnings_seen() -> contextlib.AbstractContextManager[list[Warned]]:
    """Note each warning the program shows, as it shows: whether and how it shows stays with
    the program's own filters (no catch_warnings, whose filter reset would show "default"
    warnings a second time). Warnings the program catches itself are its own business."""
    return INSTRUMENT.seen()


def _as_scope(result: Any) -> dict[str, Any]:
    if isinstance(result, torch.Tensor):
        return {"loss": result}
    if not isinstance(result, Mapping):
        raise TypeError("the function given to gradlab must return locals() (or a dict) with "
                        f"the loss, models and optimizers; it returned {type(result).__name__}")
    bad = [k for k in result if not isinstance(k, str)]
    if bad:
        raise TypeError("the dict returned to gradlab must map variable names (str) to "
                        f"values; it has the key {bad[0]!r} ({type(bad[0]).__name__}): "
                        "return locals(), or a dict such as {'loss': loss, 'model': model}")
    return dict(result)


def run_recorded(run: Callable[[], Any], code: Any = None) -> tuple[
        dict[str, Any], Recording, BaseException | None, list[Warned]]:
    """Run `run()` under `record()`; return its scope, the recording, what it raised and warned.

    The scope is the dict it returned, or the locals of its frame (`code`) if it raised.
    """
    scope: dict[str, Any] = {}
    error: BaseException | None = None
    with warnings_seen() as caught, record() as rec:
        try:
            result = run()
        except Exception as exc:  # noqa: BLE001 - the user's code failing is what we diagnose
            error = exc
            scope = _frame_locals(exc, code)
        else:
            scope = _as_scope(result)
    return scope, rec, error, caught + rec.warned


def _frame_locals(exc: BaseException, code: Any) -> dict[str, Any]:
    """The variables of the function that failed: the frame of `code`, or when that frame
    only wraps the real one (a lambda calling a scenario), the first user frame below it
    that holds tensors, modules or optimizers."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    start = next((i for i, f in enumerate(frames) if f.f_code is code), None)
    if start is None:
        return {}
    for frame in frames[start:]:
        if frame is not frames[start] and is_internal(frame.f_code):
            continue
        found = dict(frame.f_locals)
        if any(isinstance(v, (torch.Tensor, torch.nn.Module, torch.optim.Optimizer))
               for v in found.values()):
            return found
    return dict(frames[start].f_locals)


def unrelated_error(exc: BaseException) -> str:
    """Describe an exception that is not an autograd problem, with its line."""
    where = exception_where(exc)
    return f"{type(exc).__name__}: {exc}{f' at {where}' if where else ''}"


def diagnose(target: Target, *, model: Any = None, optimizer: Any = None,
             recording: Recording | None = None, loss: str | None = None,
             steps: int | None = None) -> Report:
    """Find every place where gradient flow to the loss was cut, and why.

    `target` is a loss tensor (pass the `recording` of its forward for the full story), or a
    zero-argument function that builds the loss (and may call backward) and returns
    `locals()`: gradlab runs it under `record()`, catches what it raises, and finds the loss,
    models and optimizers in what it returns. With `steps=N` the function is one training
    step: gradlab runs it N times and adds a table of the tensors that did not move, and why.
    """
    if recording is not None and not isinstance(recording, Recording):
        raise TypeError(f"recording= takes the Recording from `with gl.record() as rec:`, "
                        f"not {type(recording).__name__}")
    if recording is not None and recording.active:
        raise ValueError("diagnose the recording after its `with gl.record()` block has ended")
    if isinstance(target, torch.Tensor):
        if steps is not None:
            raise ValueError("steps= needs a function that makes one training step (and "
                             "returns locals()), not a loss tensor")
        _check_loss(target, "loss")
        if target.grad_fn is None and recording is None:
            raise ValueError("the loss has no grad_fn: nothing it was computed from requires "
                             "grad, or its history was cut. To see where, let gradlab watch "
                             "the forward: gl.diagnose(lambda: ...) or `with gl.record() as "
                             "rec:` and recording=rec")
        ctx = _context_from_scope({"loss": target}, loss=None, model=model,
                                  optimizer=optimizer, recording=recording, exception=None,
                                  caught=())
        report = analyse(ctx)
        return report
    _check_target(target)
    if loss is not None and not isinstance(loss, str):
        raise TypeError(f"loss= takes the name of the loss variable, a str such as 'loss', "
                        f"not {type(loss).__name__}")
    if recording is not None:
        raise ValueError("pass recording= only with a loss tensor; a function is recorded by "
                         "gl.diagnose itself")
    watch = watch_steps(steps) if steps is not None else None
    with watch or contextlib.nullcontext():
        scope, rec, error, caught = run_recorded(repeat(target, steps or 1),
                                                 getattr(target, "__code__", None))
    try:
        report = diagnose_scope(scope, rec, error, caught, loss=loss, model=model,
                                optimizer=optimizer)
        if watch is not None:
            report.steps = watch.table(scope, report.findings)
        return report
    finally:
        del scope, error


def _check_target(target: Any) -> None:
    if isinstance(target, torch.nn.Module):
        raise TypeError(f"gl.diagnose() got the model ({type(target).__name__}), not the loss: "
                        "pass a function that computes the loss and returns locals(), e.g. "
                        "gl.diagnose(run) where run() ends with `return locals()`, or the loss "
                        "tensor")
    if not callable(target):
        raise TypeError("gl.diagnose() takes a loss tensor or a zero-argument function that "
                        f"returns locals(); got {type(target).__name__}")
    needed: list[str] = []
    with contextlib.suppress(TypeError, ValueError):  # builtins without a signature
        needed = [p.name for p in inspect.signature(target).parameters.values()
                  if p.default is p.empty
                  and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if needed:
        raise TypeError(f"gl.diagnose() calls the function with no arguments, but it needs "
                            f"{', '.join(needed)}: wrap it, e.g. gl.diagnose(lambda: "
                            f"{getattr(target, '__name__', 'f')}(...))")


def diagnose_scope(scope: dict[str, Any], rec: Recording, error: BaseException | None,
                   caught: Iterable[Warned], *, loss: str | None = None, model: Any = None,
                   optimizer: Any = None) -> Report:
    """Analyse what `run_recorded` returned: the scope, the recording, what was raised."""
    ctx = _context_from_scope(scope, loss=loss, model=model, optimizer=optimizer,
                              recording=rec, exception=error, caught=caught)
    try:
        report = analyse(ctx)
    finally:
        del ctx
    if error is not None and not autograd_related(report):
        raise ValueError("the code given to gradlab failed for a reason that is not "
                         f"about gradients: {unrelated_error(error)}") from error
    return add_findings(report, caught)


def autograd_related(report: Report) -> bool:
    """True when the exception the code raised is an autograd error, or a crash a rule traced
    back to autograd (a None `.grad`, a loss that is not a tensor)."""
    return report.exception is None or report.exception.kind is not None
