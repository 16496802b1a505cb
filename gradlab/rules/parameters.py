"""Parameters: frozen, plain tensor attributes, left out of the optimizer, or unused.

What: parameters with requires_grad=False (info); tensors that require grad but are plain
attributes of a module, not `nn.Parameter`s (so `model.parameters()` misses them); parameters
that get a gradient but no optimizer updates (layers in a Python list, created after the
optimizer); parameters of a training model the forward never used.

Why: each trains nothing, silently: the loss goes down less, or not at all.

Known problems: a frozen backbone with a trained head is intended (info only); a module with
no optimizer in sight is not blamed for what no optimizer updates.

Example:
    self.layers = [nn.Linear(4, 4) for _ in range(3)]     # not registered

Use instead:
    self.layers = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))
"""

from __future__ import annotations

from gradlab.facts import Facts, group
from gradlab.report import Finding

__all__ = ["check"]


def check(facts: Facts) -> list[Finding]:
    """Frozen, plain-attribute, optimizer-less and unused parameters."""
    names = facts.names
    found: list[Finding] = []
    training = any(loss.grad_fn is not None for _, loss in facts.ctx.losses)
    frozen = sorted(set(names.frozen.values()))
    if frozen and training:
        found.append(Finding(
            "frozen_parameter", "info", tuple(group(frozen)), "",
            f"{len(frozen)} parameter(s) have requires_grad=False: frozen, they do not train. "
            "Right for fine-tuning; if not intended, set requires_grad=True.",
            "module.requires_grad_(True) for the part you want to train"))
    for key, name in sorted(names.plain.items(), key=lambda kv: kv[1]):
        t = names.tensors[key]
        if not t.requires_grad or not t.is_leaf:
            continue
        in_optimizer = key in names.optimized
        if names.optimized and not in_optimizer:
            found.append(Finding(
                "not_in_optimizer", "error", (name,), "",
                f"{name} gets a gradient but is a plain tensor attribute, not an nn.Parameter: "
                "it is not in model.parameters(), so the optimizer never updates it.",
                f"self.{name.split('.')[-1]} = nn.Parameter(...)"))
        elif not in_optimizer:
            found.append(Finding(
                "plain_tensor_attribute", "warning", (name,), "",
                f"{name} requires grad but is a plain tensor attribute: it is not in "
                "model.parameters(), so an optimizer built from them skips it.",
                f"self.{name.split('.')[-1]} = nn.Parameter(...)"))
    if names.optimized:
        found += _not_in_optimizer(facts)
    if training:
        found += _unused(facts)
    return found


def _not_in_optimizer(facts: Facts) -> list[Finding]:
    names = facts.names
    untrained = _untrained_models(facts)
    skipped = [(names.name(param), key not in names.registered, key in untrained)
               for key, _ in sorted(facts.reached.items(), key=lambda kv: kv[1])
               if key not in names.optimized and key in names.params
               and (param := names.tensors.get(key)) is not None]
    in_list = sorted(n for n, unregistered, _ in skipped if unregistered)
    left_out = sorted(n for n, unregistered, other in skipped if not (unregistered or other))
    elsewhere = sorted(n for n, unregistered, other in skipped if other and not unregistered)
    fix = "keep layers in nn.ModuleList and build the optimizer after the model is complete"
    found = []
    if elsewhere:
        found.append(Finding(
            "not_in_optimizer", "info", tuple(elsewhere), "",
            f"may be intended: {', '.join(group(elsewhere))} get a gradient, but no optimizer "
            "here holds any parameter of their model: a separate model (a discriminator, a "
            "teacher) trained elsewhere, or not at all.",
            "give that model an optimizer if it should train"))
    if in_list:
        found.append(Finding(
            "not_in_optimizer", "error", tuple(in_list), "",
            f"{', '.join(group(in_list))} get a gradient but no optimizer updates them: their "
            "layers live in a Python list, which nn.Module does not register.", fix))
    if left_out:
        found.append(Finding(
            "not_in_optimizer", "warning", tuple(left_out), "",
            f"{', '.join(group(left_out))} get a gradient but no optimizer updates them "
            "(created after the optimizer, or left out of it).", fix))
    return found


def _untrained_models(facts: Facts) -> set[int]:
    """The parameters (ids) of the models found of which no optimizer holds any parameter,
    while an optimizer exists."""
    optimized = facts.names.optimized
    if not optimized:
        return set()
    return {id(p) for _, model in facts.ctx.modules
            if not any(id(p) in optimized for p in model.parameters())
            for p in model.parameters()}


def _unused(facts: Facts) -> list[Finding]:
    """Parameters of a model that trains, which never reach the loss: a warning when an
    optimizer holds them (DistributedDataParallel would stop), else info."""
    unused = []
    for _, model in facts.ctx.modules:
        params = list(model.parameters())
        if not any(id(p) in facts.reached for p in params):
            continue
        unused += [facts.names.params[id(p)] for p in params
                   if id(p) not in facts.reached and p.requires_grad
                   and id(p) not in facts.lost_reported and id(p) in facts.names.params]
    for name in unused:
        facts.graph.add(name, "unused", marks=("unused: no path to the loss",))
    if not unused:
        return []
    names = facts.names
    trained = any(key in names.optimized for key, name in names.params.items() if name in unused)
    return [Finding(
        "unused_parameter", "warning" if trained else "info", tuple(sorted(unused)), "",
        f"{', '.join(sorted(unused))} never reached the loss: the forward does not use "
        f"{'it' if len(unused) == 1 else 'them'} (DistributedDataParallel would stop with an "
        "'unused parameters' error).",
        "use them in forward, delete them, or freeze them with requires_grad_(False)")]
