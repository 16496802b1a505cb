"""Parameters: frozen, plain tensor attributes, left out of the optimizer, or unused.

What: parameters with requires_grad=False (info); tensors that require grad but are plain
attributes of a module, not `nn.Parameter`s (so `model.parameters()` misses them); parameters
that get a gradient but no optimizer updates (layers in a Python list; created or unfrozen
after the optimizer was built; owned by a loss module, like a center loss's centers; an
optimizer that holds another copy of the model, built before the model was created again);
parameters of a training model the forward never used.

Why: each trains nothing, silently: the loss goes down less, or not at all.

Known problems: a frozen backbone with a trained head is intended (info only); a module with
no optimizer in sight is not blamed for what no optimizer updates; parameters left out of an
optimizer with no sign of why (a discriminator in a generator's step, a parameter list chosen
by hand, a model built before the recording started) are only `info`.

Example:
    self.layers = [nn.Linear(4, 4) for _ in range(3)]     # not registered

Use instead:
    self.layers = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))
"""

from __future__ import annotations

import torch

from gradlab.explanations import TRAINING_LOOP
from gradlab.facts import Facts, group, where
from gradlab.overlay import Earlier, Item, NewNode
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("plain_tensor_attribute", "02_missing_requires_grad",
         severity="warning; error when an optimizer in sight misses it",
         explanation="a tensor that requires grad is a plain attribute, not an nn.Parameter"),
    Kind("not_in_optimizer", "02_missing_requires_grad",
         severity="error when its layers live in a list or the optimizer holds another model; "
                  "warning when created or unfrozen after the optimizer was built, or owned by "
                  "a loss module (nothing else trains them); info when trained elsewhere",
         explanation="a parameter gets a gradient but no optimizer updates it"),
    Kind("frozen_parameter", "02_missing_requires_grad",
         severity="info (fine-tuning); error when every parameter is frozen and backward or the "
                  "optimizer fails",
         explanation="a parameter has requires_grad=False"),
    Kind("unused_parameter", "02_missing_requires_grad",
         severity="warning when an optimizer holds it; info otherwise",
         explanation="a parameter of a training model never reached the loss"),
)


def check(facts: Facts, earlier: Earlier) -> list[Item]:
    """Frozen, plain-attribute, optimizer-less and unused parameters."""
    names = facts.names
    found: list[Item] = []
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
        found += _unused(facts, earlier)
    return found


def _not_in_optimizer(facts: Facts) -> list[Finding]:
    names = facts.names
    untrained = _untrained_models(facts)
    skipped = [(names.name(param), key, key not in names.registered, key in untrained)
               for key, _ in sorted(facts.reached.items(), key=lambda kv: kv[1])
               if key not in names.optimized and key in names.params
               and (param := names.tensors.get(key)) is not None]
    in_list = sorted(n for n, _, unregistered, _ in skipped if unregistered)
    rest = [(n, key, other) for n, key, unregistered, other in skipped if not unregistered]
    fix = "keep layers in nn.ModuleList and build the optimizer after the model is complete"
    orphans = [var for var, opt in facts.ctx.optimizers
               if (held := [p for g in opt.param_groups for p in g["params"]])
               and not any(id(p) in facts.reached for p in held)]
    created = _created_after_the_optimizer(facts)
    late = _after_the_optimizer(facts, created)
    if orphans and rest:  # the optimizer holds another copy of the model, or a frozen part
        return [_orphaned(facts, orphans, [(n, key) for n, key, _ in rest], created)]
    late.update(_replaced(facts, [key for _, key, other in rest if not other and key not in late]))
    found, of_losses = _of_loss_modules(facts, [(n, key) for n, key, _ in rest if key not in late])
    rest = [(n, key, other) for n, key, other in rest if key not in of_losses]
    own = {id(p) for _, model in facts.ctx.modules for p in model.parameters(recurse=False)}
    if any(key in own for _, key, other in rest if not other):  # not a part trained elsewhere
        late.update({key: f"{names.name(names.tensors[key])} is the model's own parameter, "
                     "not one of a separate part (a discriminator, a teacher), and was left out "
                     "of the optimizer" for _, key, other in rest if not other and key not in late})
    left_out = sorted(n for n, key, _ in rest if key in late)
    elsewhere = sorted(n for n, key, _ in rest if key not in late)
    if elsewhere:
        found.append(Finding(
            "not_in_optimizer", "info", tuple(group(elsewhere)), "",
            f"may be intended: {', '.join(group(elsewhere))} get a gradient, but no optimizer "
            "here updates them: trained elsewhere (a discriminator, a teacher), or not at all.",
            "give them an optimizer (or a parameter group) if they should train"))
    if in_list:
        found.append(Finding(
            "not_in_optimizer", "error", tuple(in_list), "",
            f"{', '.join(group(in_list))} get a gradient but no optimizer updates them: their "
            "layers live in a Python list, which nn.Module does not register.", fix))
    if left_out:
        why = late[next(k for n, k, _ in rest if n == left_out[0])]
        found.append(Finding(
            "not_in_optimizer", "warning", tuple(group(left_out)), "",
            f"{', '.join(group(left_out))} get a gradient but no optimizer updates them: "
            f"{why}.", _late_fix(why, fix), taught_in="" if "left out" in why else TRAINING_LOOP))
    return found


def _orphaned(facts: Facts, orphans: list[str], rest: list[tuple[str, int]],
              created: dict[int, str]) -> Finding:
    """The error for optimizers that update none of the tensors the loss reached: they hold
    a frozen part of the model (a base frozen after the optimizer was built from it, its
    adapter created after), or the parameters of another model (created again since)."""
    names = facts.names
    lost = group(sorted(n for n, _ in rest))
    held = [p for var, opt in facts.ctx.optimizers if var in orphans
            for g in opt.param_groups for p in g["params"]]
    if not all(id(p) in names.params and not p.requires_grad for p in held):
        return Finding(
            "not_in_optimizer", "error", tuple(lost), "",
            f"{', '.join(lost)} get a gradient but no optimizer updates them, and "
            f"{', '.join(orphans)} updates none of the tensors the loss reached: it holds the "
            "parameters of another model (created again after the optimizer was built from "
            "the first one?).",
            "build the optimizer from the model that computes the loss, after creating it")
    lines = sorted({created[key] for _, key in rest if key in created})
    when = (f"they were created after the optimizer was built (at {', '.join(lines)}), and "
            if lines else "")
    return Finding(
        "not_in_optimizer", "error", tuple(lost), "",
        f"{', '.join(lost)} get a gradient but no optimizer updates them: {when}"
        f"{', '.join(orphans)} holds only parameters that are frozen now "
        f"({', '.join(group(sorted(names.params[id(p)] for p in held)))}: requires_grad=False), "
        "so it updates nothing the loss reached.",
        "build the optimizer after adding the new layers and freezing the rest, from the "
        "parameters that train: torch.optim.AdamW(p for p in model.parameters() if "
        "p.requires_grad); or give it the new ones with optimizer.add_param_group()",
        taught_in=TRAINING_LOOP)


def _of_loss_modules(facts: Facts, rest: list[tuple[str, int]]
                     ) -> tuple[list[Finding], set[int]]:
    """The warnings for the parameters among `rest` (name, id) that a loss module owns, one
    per module, and their ids.

    A loss module (a criterion) is a module whose class or whose name in the program says loss
    or criterion (`CenterLoss`, `criterion_cent`, `distill.D_loss_fn`; torch's own losses all
    end in `Loss`). Its own parameters get their gradient from this loss alone: no other step
    trains them, unlike a discriminator or a teacher. Not its own: a module the program also
    holds elsewhere (a model handed to the loss), or parameters the code loaded by hand after
    creating them (pretrained weights, `load_state_dict`): those are trained elsewhere."""
    names, ctx = facts.names, facts.ctx
    if not rest:
        return [], set()
    elsewhere = {id(v) for v in ctx.scope.values() if isinstance(v, torch.nn.Module)}
    loaded = {id(t) for e in facts.events("in_place") if e.origin is None
              and e.tensor is not None and (t := e.tensor()) is not None}
    owner: dict[int, tuple[str, str]] = {}
    for var, model in ctx.modules:
        for path, sub in names.submodules_of[id(model)]:
            label = f"{var}.{path}" if path else var
            if not any(w in text.lower() for text in (type(sub).__name__, label.split(".")[-1])
                       for w in ("loss", "criterion")):
                continue
            given = {id(p) for m in sub.modules() if m is not sub and id(m) in elsewhere
                     for p in m.parameters()}
            owner.update({id(p): (label, type(sub).__name__) for p in sub.parameters()
                          if id(p) not in given and id(p) not in owner})
    held = [var for var, _ in ctx.optimizers]
    stepped = sorted(facts.optimizers_of(list(facts.reached))) or held
    modules: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for name, key in rest:
        if key in owner and key not in loaded:
            modules.setdefault(owner[key], []).append((name, key))
    found = []
    for (label, kind), params in modules.items():
        these = group(sorted(name for name, _ in params))
        found.append(Finding(
            "not_in_optimizer", "warning", tuple(these), "",
            f"{', '.join(these)} get a gradient but no optimizer updates them: they belong to "
            f"the loss module {label} ({kind}), so their gradient comes from this loss alone "
            f"and nothing else trains them, and "
            f"{'the optimizer' if len(held) == 1 else 'none of the optimizers'} "
            f"({', '.join(held)}) {'does not hold' if len(held) == 1 else 'holds'} them: no "
            "step changes them, they keep their initial values.",
            f"add them to the optimizer: {stepped[0]}.add_param_group({{'params': "
            f"{label}.parameters()}}), or pass them in the list it is built from",
            taught_in=TRAINING_LOOP))
    return found, {key for params in modules.values() for _, key in params}


# why a parameter was left out of the optimizer (the start of the reason, or words in it) ->
# its fix
_LATE_FIXES = (
    ("created", "build the optimizer after the model is complete, or give it the new layer: "
                "optimizer.add_param_group({'params': layer.parameters()})"),
    ("replaced", "build the optimizer again after replacing them (after each pruning step), "
                 "or put the new parameters in its param_groups in place of the old ones"),
    ("left out", "pass them to the optimizer: model.parameters(), or a parameter group of "
                 "their own in the list given to it"),
    ("unfrozen", "build the optimizer from model.parameters(), frozen ones included (a frozen "
                 "parameter's .grad stays None and the optimizer skips it), or "
                 "optimizer.add_param_group() the unfrozen ones"),
)


def _late_fix(why: str, default: str) -> str:
    """The fix for parameters left out of the optimizer for the reason `why`."""
    for words, fix in _LATE_FIXES:
        if why.startswith(words) or (words == "left out" and words in why):
            return fix
    return default


def _created_after_the_optimizer(facts: Facts) -> dict[int, str]:
    """The parameters torch.nn.init filled after the optimizers were built (from what the
    recording saw), each with the line."""
    built = [e.index for e in facts.events("optimizer_param")]
    return {id(t): where(e) for e in reversed(facts.events("in_place"))
            if built and e.index > built[0] and e.origin == "init"
            and e.tensor is not None and (t := e.tensor()) is not None}


def _after_the_optimizer(facts: Facts, created: dict[int, str]) -> dict[int, str]:
    """The parameters created (`created`), or unfrozen, after the optimizers were built, each
    with what happened."""
    built = [e.index for e in facts.events("optimizer_param")]
    late = {key: f"created at {line}, after the optimizer was built"
            for key, line in created.items()}
    for event in facts.events("requires_grad") if built else ():
        t = event.tensor() if event.tensor is not None else None
        if t is not None and event.index >= built[0] and id(t) not in late and event.set_to:
            late[id(t)] = (f"unfrozen at {where(event)}, after the optimizer was built from the "
                           "parameters that required grad then")
    return late


def _replaced(facts: Facts, keys: list[int]) -> dict[int, str]:
    """The parameters among `keys` that replaced others after the optimizer was built: an
    optimizer still holds parameters that neither a model nor the script has any more."""
    names = facts.names
    if not keys:
        return {}
    for var, opt in facts.ctx.optimizers:
        old = [p for g in opt.param_groups for p in g["params"]
               if id(p) not in names.params and id(p) not in names.scope and p.requires_grad]
        if old:
            why = (f"replaced after the optimizer was built: {var} still holds {len(old)} old "
                   "tensor(s) that no model has any more, and updates those")
            return dict.fromkeys(keys, why)
    return {}


def _untrained_models(facts: Facts) -> set[int]:
    """The parameters (ids) of the models found of which no optimizer holds any parameter,
    while an optimizer exists."""
    optimized = facts.names.optimized
    if not optimized:
        return set()
    of = facts.names.parameters_of
    return {id(p) for _, model in facts.ctx.modules
            if not any(id(p) in optimized for p in of[id(model)]) for p in of[id(model)]}


def _unused(facts: Facts, earlier: Earlier) -> list[Item]:
    """Parameters of a model that trains, which never reach the loss: a warning when an
    optimizer holds them (DistributedDataParallel would stop), else info."""
    unused = []
    for _, model in facts.ctx.modules:
        params = facts.names.parameters_of[id(model)]
        if not any(id(p) in facts.reached for p in params):
            continue
        unused += [facts.names.params[id(p)] for p in params
                   if id(p) not in facts.reached and p.requires_grad
                   and id(p) not in earlier.lost and id(p) in facts.names.params]
    marks: list[Item] = [NewNode(name, "unused", marks=("unused: no path to the loss",))
                          for name in unused]
    if not unused:
        return []
    names = facts.names
    trained = any(key in names.optimized for key, name in names.params.items() if name in unused)
    return [*marks, Finding(
        "unused_parameter", "warning" if trained else "info", tuple(sorted(unused)), "",
        f"{', '.join(sorted(unused))} never reached the loss: the forward does not use "
        f"{'it' if len(unused) == 1 else 'them'} (DistributedDataParallel would stop with an "
        "'unused parameters' error).",
        "use them in forward, delete them, or freeze them with requires_grad_(False) (under "
        "DistributedDataParallel: freeze before wrapping the model in DDP)")]
