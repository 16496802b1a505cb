"""Swallowed errors: backward(), autograd.grad() or another torch call raised, and the code
caught it.

What: an autograd error passed through a torch call (backward(), autograd.grad(), .numpy(),
requires_grad_(), an op on an inference tensor...), and a `try` in the user's code caught it
(a training loop that skips bad batches, a notebook cell that prints the error): named with the
line that raised and the `except` that caught it. When the tensor given to backward() had lost
its history (no_grad, detach, numpy...), the finding names that cut, as the crash would. And
`loss.backward()` on a loss that had become a number (`.item()`, numpy), whose AttributeError
was caught: the `.item()` or `.numpy()` that made it.

Why: the step that failed updated nothing, silently; the loop goes on with stale gradients.

Known problems: an error that stopped the code is the exception's finding, not this one; a
caught error that is not about autograd (gl.explain does not know it) is left alone.

Example:
    try:
        loss.backward()
    except RuntimeError as error:
        print("skipped a batch:", error)

Use instead:
    fix what backward() complained about; catch only what you expect and re-raise the rest.
"""

from __future__ import annotations

from dataclasses import replace

from gradlab.explanations import explain
from gradlab.facts import Facts, backward_on_numbers, place, where
from gradlab.facts.source import handler_line
from gradlab.overlay import Earlier
from gradlab.report import Finding
from gradlab.rules.severing import not_a_tensor_loss

__all__ = ["check", "numbers_given_backward"]

def check(facts: Facts, earlier: Earlier) -> list[Finding]:
    """One finding per autograd error caught in the user's code, at the line that raised."""
    found: dict[tuple[str, str, tuple[str, int]], Finding] = {}
    stopped = facts.ctx.exception
    for event in facts.events("torch_error"):
        if stopped is not None and str(stopped) == event.message:
            continue  # it stopped the code: the exception's own finding names it
        explanation = explain(event.message)
        if explanation is None or (explanation.kind == "missing_requires_grad" and any(
                f.severity == "error" for f in earlier.found)):  # a rule named the real cause
            continue
        at = where(event)
        catcher = next((handler for file, line in event.stack
                        if (handler := handler_line(file, line, event.error)) is not None), None)
        caught = (f"the except at {_place(at, catcher)} caught it" if catcher is not None
                  else "it was caught")
        first_line = event.message.split("\n")[0].split(" Hint:")[0]
        kind, why, fix = explanation.kind, explanation.explanation, explanation.fix
        if event.cuts and facts.rec is not None:  # the tensor's history was cut: name the cut
            cut = facts.rec.events[max(event.cuts)]
            kind = cut.cause
            why = f"its history was cut by {cut.cause} ({cut.op} at {where(cut)})."
            fix = (f"keep the {cut.cause} cut ({cut.op} at {where(cut)}) off the path from the "
                   "weights to the loss")
        # a rule that found this kind at this line saw the case: its fix fits it
        fix = next((f.fix for f in earlier.found if f.kind == kind
                    and f.place == place(event.where) and f.fix), fix)
        found.setdefault((kind, at, place(event.where)), Finding(
            kind, "error", (), at,
            f"{event.error}: {first_line} -- {caught}, so the code went on as if the step had "
            f"worked: {why}", fix, place(event.where)))
    return list(found.values())


def numbers_given_backward(facts: Facts) -> list[Finding]:
    """`loss.backward()` on a loss that is a number, its AttributeError caught: no backward
    ran, and the recording shows where the loss left autograd."""
    if facts.ctx.exception is not None or facts.events("backward"):
        return []
    found = []
    for name, type_name in backward_on_numbers(facts.ctx.scope):
        finding = not_a_tensor_loss(facts, type_name)
        if finding is not None:
            detail = finding.message.split(": ", 1)[1]
            found.append(replace(finding, message=(
                f"{name}.backward() failed and the error was caught: {name} is a {type_name}, "
                f"not a tensor: {detail}")))
    return found[:1]


def _place(raised_at: str, line: int) -> str:
    """`file:line` of the handler, in the same form as the line that raised."""
    if raised_at.startswith("line "):
        return f"line {line}"
    return f"{raised_at.rsplit(':', 1)[0]}:{line}" if raised_at else f"line {line}"
