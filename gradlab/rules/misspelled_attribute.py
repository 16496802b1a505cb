"""Misspelled autograd attributes: `p.require_grad = False`, which Python accepts silently.

What: a tensor or parameter holding an attribute of its own whose name is a near miss of
`requires_grad` (`require_grad`, `requires_grads`, `required_grad`, `grad_requires`): the
assignment made a new attribute that autograd never reads.

Why: nothing was frozen (or unfrozen): the parameters the user meant to freeze still get a
gradient at every backward, and an optimizer that holds them still changes them; no error is
raised.

Known problems: only `requires_grad` is checked (a typo of another attribute is not named), and
only on the tensors the run holds by name (parameters of the models found, tensors in scope or
in an optimizer).

Example:
    for p in backbone.parameters():
        p.require_grad = False

Use instead:
    backbone.requires_grad_(False)
"""

from __future__ import annotations

import ast
import difflib

import torch

from gradlab.facts import Facts, group, source_tree
from gradlab.recording import Where, describe_file
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("misspelled_attribute", "02_missing_requires_grad",
         severity="warning",
         explanation="a tensor got an attribute whose name is a misspelling of requires_grad: "
                     "Python accepts it silently and autograd never reads it"),
)

_MEANT = "requires_grad"


def _misspelled(attr: str) -> bool:
    """True for a near miss of `requires_grad`, in either word order and any case."""
    words = attr.lower().strip("_").split("_")
    return attr != _MEANT and any(
        difflib.SequenceMatcher(None, "_".join(order), _MEANT).ratio() >= 0.85
        for order in (words, words[::-1]))


def check(facts: Facts) -> list[Finding]:
    """Tensors of the run holding a misspelled `requires_grad` of their own."""
    typos: dict[tuple[str, str], list[torch.Tensor]] = {}
    for t in facts.names.tensors.values():
        for attr, value in vars(t).items():
            if _misspelled(attr):
                typos.setdefault((attr, repr(value)), []).append(t)
    found = []
    for (attr, value), tensors in sorted(typos.items()):
        names = sorted({facts.names.name(t) for t in tensors})
        at = _assigned_at(facts, attr)
        found.append(Finding(
            "misspelled_attribute", "warning", tuple(group(names)), str(at) if at else "",
            f".{attr} = {value} on {', '.join(group(names))} made a new attribute that "
            "autograd never reads (Python accepts any attribute name on a tensor): "
            f"{_still(facts, tensors)}",
            f"spell it requires_grad (or call module.requires_grad_({value}) on the module)",
            (at.path or at.file, at.line) if at else ("", 0)))
    return found


def _still(facts: Facts, tensors: list[torch.Tensor]) -> str:
    """What the tensors still do: train, get gradients, or stay frozen."""
    if not any(t.requires_grad for t in tensors):
        return "requires_grad is still False, so they stay frozen and do not train."
    keys = [id(t) for t in tensors if t.requires_grad]
    optimizers = sorted(facts.optimizers_of(keys))
    if optimizers:
        return (f"requires_grad is still True, so nothing is frozen: they get a gradient at "
                f"every backward and {', '.join(optimizers)} keeps changing them.")
    return ("requires_grad is still True, so nothing is frozen: backward still computes and "
            "stores their gradients (no optimizer here updates them).")


def _assigned_at(facts: Facts, attr: str) -> Where | None:
    """The user's line that assigned the attribute, from the files the run was seen in."""
    files = dict.fromkeys(e.where.path or e.where.file for e in facts.rec.events
                          if e.where.line) if facts.rec is not None else {}
    for file in files:
        tree = source_tree(file)
        for node in ast.walk(tree) if tree is not None else ():
            if (isinstance(node, ast.Attribute) and node.attr == attr
                    and isinstance(node.ctx, ast.Store)):
                return Where(describe_file(file), node.lineno, "", path=file)
    return None
