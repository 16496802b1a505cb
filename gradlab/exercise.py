"""`gl.check`: feedback on a learner's fix, in words; `gl.error_of`: what a snippet raises."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch

from gradlab.diagnose import diagnose
from gradlab.report import Report

__all__ = ["Feedback", "check", "error_of"]


@dataclass(frozen=True)
class Feedback:
    """Whether an exercise is solved, and what is still cut if not."""

    fixed: bool
    lines: tuple[str, ...]
    report: Report

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)


def check(attempt: Callable[[], Any], *, trained: Iterable[str] = ()) -> Feedback:
    """Run `attempt` through gradlab and say whether it is fixed: no error or warning finding,
    no exception, and every name in `trained` has a gradient that is not None or all zero."""
    if not callable(attempt) or isinstance(attempt, torch.nn.Module):
        raise TypeError("gl.check() takes your fixed function (zero arguments, returning "
                        f"locals()), not {type(attempt).__name__}")
    if isinstance(trained, str) or not isinstance(trained, Iterable):
        raise TypeError("trained= takes a list of parameter names, e.g. trained=['weight']; "
                        f"got {trained!r}")
    trained = list(trained)
    wrong = [name for name in trained if not isinstance(name, str)]
    if wrong:
        raise TypeError(f"trained= takes parameter names (str); {wrong[0]!r} is a "
                        f"{type(wrong[0]).__name__}")
    try:
        report = diagnose(attempt)
    except (TypeError, ValueError) as error:
        return Feedback(False, (f"✘ not yet: gradlab could not run your version: {error}",),
                        Report())
    states = {row.name: row.state for row in report.grads}
    missing = [name for name in trained if states.get(name) != "norm"]
    lines: list[str] = []
    if report.exception is not None:
        lines.append(f"it still raises {report.exception.type}: {report.exception.first_line}")
    lines += [f"{f.kind}: {f.message}" for f in report.problems]
    lines += [f"{name}.grad is {states.get(name, 'not found')}" for name in missing]
    if lines:
        return Feedback(False, ("✘ not yet fixed:", *(f"  - {line}" for line in lines)), report)
    names = list(trained)
    trained_text = (f" ({', '.join(names)} {'gets' if len(names) == 1 else 'get'} a gradient)"
                    if names else "")
    return Feedback(True, (f"✔ fixed: nothing between the weights and the loss is cut"
                           f"{trained_text}.",), report)


def error_of(run: Callable[[], Any]) -> str:
    """Call `run` and return what it raised as `Type: first line of the message`, or `""` if it
    raised nothing: the way a fact check states what torch does."""
    if not callable(run):
        raise TypeError(f"gl.error_of() takes a zero-argument function to call, e.g. "
                        f"gl.error_of(lambda: x.numpy()); got {type(run).__name__}")
    try:
        run()
    except Exception as error:  # noqa: BLE001 - any error is the answer being asked for
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return ""
