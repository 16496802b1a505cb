"""Non-leaf `.grad`: reading `.grad` of a tensor autograd does not fill.

What: `.grad` read on the output of an op (a `.to()`, `.double()` or arithmetic made it; a
weight torch.nn.utils.prune recomputes from `weight_orig`), or a variable made by converting a
leaf that requires grad.

Why: autograd fills `.grad` only on leaves; on a non-leaf it stays None (and torch warns), and
the gradient went to the tensor before the conversion.

Known problems: silent when `retain_grad()` was called, and on `.grad` of leaves.

Example:
    w = torch.randn(3, 1, requires_grad=True).double()
    ...; loss.backward(); print(w.grad)       # None

Use instead:
    w = torch.randn(3, 1, dtype=torch.float64, requires_grad=True)
"""

from __future__ import annotations

from gradlab.facts import Facts, where
from gradlab.overlay import Earlier, Item
from gradlab.report import Finding, Kind
from gradlab.rules.severing import mark_node_of

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("non_leaf_grad", "07_non_leaf_grad",
         severity="warning: .grad of a non-leaf stays None; error when the program crashed on it",
         explanation=".grad was read on a non-leaf tensor, where backward does not fill it"),
)


def check(facts: Facts, earlier: Earlier) -> list[Item]:
    """`.grad` reads on non-leaves, and variables that are conversions of leaves."""
    found: list[Item] = []
    if facts.rec is None:
        return found
    conversions = {id(t): e for e in facts.rec.of_kind("to_non_leaf")
                   if e.tensor is not None and (t := e.tensor()) is not None}
    reported: set[int] = set()
    for event in facts.rec.of_kind("grad_read"):
        t = event.tensor() if event.tensor is not None else None
        key = id(t) if t is not None else -1
        if key in reported:
            continue
        reported.add(key)
        name = facts.tensor_name(event)
        if any(f.kind == "non_leaf_grad" and name in f.names for f in earlier.found):
            continue  # the crash it caused is reported already
        convert, orig = conversions.get(key), None
        if convert is not None:
            message = (f"{name} is the result of .{convert.op}() at {where(convert)}, a "
                       "non-leaf: its .grad stays None (the gradient goes to the tensor before "
                       "the conversion).")
            fix = ("create it with the dtype/device directly, e.g. torch.randn(3, "
                   "dtype=torch.float64, requires_grad=True)")
        elif (orig := _pruned(facts, name)) is not None:
            module, _, attr = name.rpartition(".")
            message = (f".grad read on {name}, a non-leaf (made by {event.producer}): "
                       f"torch.nn.utils.prune computes {name} as {orig} * {name}_mask before "
                       f"each forward, so autograd fills {orig}.grad, the trained leaf, and "
                       f"{name}.grad stays None.")
            fix = (f"read {orig}.grad; once pruning is done, prune.remove({module or 'module'}, "
                   f"'{attr}') makes {name} a plain parameter again")
        else:
            message = (f".grad read on {name}, a non-leaf (made by {event.producer}): autograd "
                       "fills .grad only on leaves, so it is None.")
            fix = f"call {name}.retain_grad() before backward(), or use a hook"
        found.append(Finding("non_leaf_grad", "warning", (name,), where(event), message, fix))
        if t is not None and t.grad_fn is not None:
            read = f"read {orig}.grad" if orig is not None else "use retain_grad()"
            found.append(mark_node_of(t, f"non-leaf: .grad is None, {read}"))
    for key, convert in conversions.items():
        converted = facts.names.scope.get(key)
        if key in reported or converted is None:
            continue
        found.append(Finding(
            "non_leaf_grad", "warning", (converted,), where(convert),
            f"{converted} is the result of .{convert.op}() on a leaf, so it is a non-leaf whose "
            ".grad stays None.",
            "create it with the dtype/device directly, or call .requires_grad_() after the "
            "conversion on a tensor without history"))
    return found


def _pruned(facts: Facts, name: str) -> str | None:
    """The parameter a weight read as `name` is recomputed from, when torch.nn.utils.prune
    made the weight a non-leaf (`weight = weight_orig * weight_mask`, before each forward)."""
    orig = f"{name}_orig"
    return orig if orig in facts.names.params.values() else None
