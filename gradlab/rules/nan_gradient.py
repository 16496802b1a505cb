"""NaN / Inf gradients: the forward op whose backward makes them, and its line.

What: an op whose backward is NaN or Inf at the values it got: `sqrt` or `pow(x, p<1)` at 0,
`log(0)`, division by 0, `acos`/`asin` at +-1, `exp` overflowing, a negative base to a fractional
power, and `torch.where` / `clamp` / `nan_to_num` given a NaN or Inf that the forward hides (the
backward still multiplies by it). Reported when a trainable tensor's `.grad` is not finite after
backward, or predicted (warning) when the loss was not backwarded yet.

Why: the loss may look fine, but one step writes NaN into the weights; no error is raised.

Known problems: silent when the values stay away from the singular point (`torch.where` applied
to the input: `sqrt(where(x > 0, x, 1))`), and on ops outside the loss's gradient path.

Example:
    dist = torch.sqrt(((pred - target) ** 2).sum(-1))     # 0 when pred == target

Use instead:
    dist = torch.sqrt(((pred - target) ** 2).sum(-1) + 1e-12)
"""

from __future__ import annotations

from gradlab.facts import Facts, place, where
from gradlab.recording import Event
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("nan_gradient", "08_silent_gradients",
         severity="error when a .grad holds nan or inf; warning when it is only at risk",
         explanation="a gradient is nan or inf (sqrt or log at 0, the where trap)"),
)

_FIX = {
    "sqrt": "add an eps inside (torch.sqrt(x + 1e-12)) or clamp(min=eps) before sqrt",
    "log": "log(x.clamp(min=eps)), or log_softmax instead of log(softmax(...))",
    "div": "divide by d.clamp(min=eps), or apply torch.where to the denominator, not the result",
    "acos": "clamp to (-1 + eps, 1 - eps) first, or use a formula without acos",
    "exp": "clamp the input before exp (exp(x.clamp(max=...))), not the output after",
    "pow": "clamp the base (x.clamp(min=eps) ** p)",
    "mask": "apply torch.where to the input of the unsafe op (log(where(m, x, 1))), or drop the "
            "NaN/Inf before any arithmetic: a where or nan_to_num after it hides them only in "
            "the forward",
}
_FAMILY = {"rsqrt": "sqrt", "log2": "log", "log10": "log", "log1p": "log", "asin": "acos",
           "arccos": "acos", "arcsin": "acos", "float_power": "pow", "__pow__": "pow",
           "__truediv__": "div", "__rtruediv__": "div", "__div__": "div", "divide": "div",
           "true_divide": "div", "reciprocal": "div", "where": "mask", "nan_to_num": "mask",
           "clamp": "mask", "clip": "mask", "clamp_max": "mask", "clamp_min": "mask",
           "masked_fill": "mask"}


def check(facts: Facts) -> list[Finding]:
    """Non-finite gradients after backward, or predicted ones before it, with the op."""
    first: dict[tuple[str, str, tuple[str, int]], Event] = {}
    for event in facts.events("nan_risk"):
        first.setdefault((event.op, where(event), place(event.where)), event)
    # an op that made the NaN/Inf comes before the where or clamp that hid it
    risks = [e for e in first.values() if _FAMILY.get(e.op) != "mask"] or list(first.values())
    _, done = facts.backwarded
    bad = sorted(name for name, state in facts.written_grads.values() if state == "not finite")
    if bad:
        if not risks:
            return [Finding(
                "nan_gradient", "error", tuple(bad), where(facts.events("backward")[-1]),
                f"{', '.join(bad)}.grad holds NaN or Inf after backward; gradlab saw no op "
                "known to make them.",
                "run the backward under torch.autograd.set_detect_anomaly(True): it names the "
                "backward node; then add an eps or clamp the input of that op")]
        return [_finding(e, tuple(bad), "error") for e in risks[:3]]
    pending = [loss for _, loss in facts.ctx.losses if id(loss) not in done]
    if not pending or not risks:
        return []
    on_path = {e.index for n in facts.graph_nodes
               if (e := facts.node_event(n, "nan")) is not None}
    return [_finding(e, (), "warning") for e in risks if e.index in on_path][:3]


def _finding(event: Event, names: tuple[str, ...], severity: str) -> Finding:
    what = f"{', '.join(names)}.grad holds NaN or Inf after backward" if names else (
        "backward will give NaN or Inf gradients")
    fix = _FIX.get(_FAMILY.get(event.op, event.op), "add an eps or clamp the input of this op")
    return Finding("nan_gradient", severity, names, where(event),
                   f"{what}: {event.op}() at {where(event)}: {event.reason} (no error is raised; "
                   "one optimizer step writes NaN into the weights).", fix, place(event.where))
