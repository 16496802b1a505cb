"""Names for what a run holds: parameters, plain tensor attributes, variables and modules.

`Names` is the inventory of the run (which tensors are parameters, registered or not, frozen,
held by an optimizer) and the drawing protocol's labels for leaves and modules.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import torch

from gradlab.context import Context
from gradlab.graph import Labels, LeafLabels
from gradlab.recording import Recording, storage_address

__all__ = ["Names", "initialised"]

_NO_TENSORS = frozenset({OrderedDict, dict, bool, type(None), int, float, str, set})
_WEIGHT_NAME = re.compile(r"^(w|b|W|B|weight|bias|theta|param|kernel|coef)(_?\w*)$")


def initialised(rec: Recording | None, t: torch.Tensor, name: str) -> bool:
    """True when `t` came from randn, zeros... while recording: set up like a weight
    (itself, or, for a weight's name, an alias of it: `self.W = Variable(torch.zeros(3))`)."""
    if rec is None:
        return False
    ref = rec.initialised.get(id(t))
    if ref is not None and ref() is t:
        return True
    return bool(_WEIGHT_NAME.match(name.split(".")[-1])) and storage_address(
        t) in rec.initialised_storage


class Names(Labels):
    """Names for tensors and modules: `fc1.weight`, `w`, or a description."""

    def __init__(self, ctx: Context) -> None:
        self.params: dict[int, str] = {}
        self.registered: set[int] = set()
        self.plain: dict[int, str] = {}
        self.frozen: dict[int, str] = {}
        self.modules: dict[int, str] = {}
        self.scope: dict[int, str] = {}
        self.tensors: dict[int, torch.Tensor] = {}
        # each model's parameters and named submodules, listed once for every rule
        self.parameters_of: dict[int, list[torch.Tensor]] = {}
        self.submodules_of: dict[int, list[tuple[str, torch.nn.Module]]] = {}
        prefixed = len(ctx.modules) > 1
        for var, model in ctx.modules:
            bare_layer = type(model).__module__.startswith("torch.nn")
            prefix = f"{var}." if prefixed or bare_layer else ""
            subs = self.submodules_of[id(model)] = _named_modules(model)
            params = self.parameters_of[id(model)] = []
            for name, p in _named_parameters(model, subs):
                params.append(p)
                self._param(prefix + name, p, registered=True)
            for mod_name, sub in subs:
                full = prefix + mod_name if mod_name else var if prefixed else ""
                self.modules.setdefault(id(sub), full or type(sub).__name__)
                base = f"{full}." if full else ""
                for attr, value in vars(sub).items():
                    if type(value) in _NO_TENSORS:  # most of a module's __dict__: a fast skip
                        continue
                    if isinstance(value, torch.Tensor) and value.is_floating_point():
                        self.plain.setdefault(id(value), base + attr)
                        self.tensors[id(value)] = value
                    elif isinstance(value, (list, tuple)):
                        for i, item in enumerate(value):
                            if isinstance(item, torch.nn.Module):
                                for pname, p in item.named_parameters():
                                    self._param(f"{base}{attr}[{i}].{pname}", p, registered=False)
        for name, value in ctx.scope.items():
            if isinstance(value, torch.Tensor) and not name.startswith("_"):
                self.scope.setdefault(id(value), name)
                self.tensors.setdefault(id(value), value)
        self.optimized: dict[int, set[str]] = {}
        self.leaves = LeafLabels(self.params, self.plain, self.scope, self.registered,
                                 self.optimized)  # (the same dicts, filled in below)
        for var, opt in ctx.optimizers:
            for group_ in opt.param_groups:
                for p in group_["params"]:
                    self.optimized.setdefault(id(p), set()).add(var)
                    self.tensors.setdefault(id(p), p)
        for event in ctx.recording.of_kind("requires_grad") if ctx.recording else ():
            t = event.tensor() if event.tensor is not None else None
            if t is not None and event.set_to is False and not t.requires_grad:
                self.frozen.setdefault(id(t), self.name(t))  # frozen by the user's own line
                self.tensors.setdefault(id(t), t)

    def looks_like_weight(self, key: int) -> bool:
        """True for a variable named like a weight (`w`, `bias`, `theta`)."""
        return bool(_WEIGHT_NAME.match(self.scope.get(key, "")))

    def _param(self, name: str, p: torch.Tensor, registered: bool) -> None:
        if id(p) in self.params:
            return
        self.params[id(p)] = name
        self.tensors[id(p)] = p
        if registered:
            self.registered.add(id(p))
        if not p.requires_grad:
            self.frozen[id(p)] = name

    def name(self, t: torch.Tensor) -> str:
        return self.leaves.label(id(t), t.shape)

    def leaf_marks(self, t: torch.Tensor) -> tuple[str, ...]:
        return self.leaves.marks(id(t))

    def module_label(self, module: torch.nn.Module | None) -> str:
        if module is None:
            return ""
        return self.modules.get(id(module), type(module).__name__)


def _named_modules(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """`model.named_modules()` in one loop instead of torch's generator per module, which
    costs in deep models; a module class that lists them its own way is asked."""
    found: list[tuple[str, torch.nn.Module]] = []
    seen: set[int] = set()
    stack: list[tuple[str, torch.nn.Module]] = [("", model)]
    while stack:
        prefix, module = stack.pop()
        if type(module).named_modules is not torch.nn.Module.named_modules:
            return list(model.named_modules())
        if id(module) in seen:
            continue
        seen.add(id(module))
        found.append((prefix, module))
        children = [(f"{prefix}.{name}" if prefix else name, child)
                    for name, child in module._modules.items() if child is not None]
        stack.extend(reversed(children))
    return found


def _named_parameters(model: torch.nn.Module, subs: list[tuple[str, torch.nn.Module]]
                      ) -> list[tuple[str, torch.Tensor]]:
    """`model.named_parameters()`, read from its named submodules as torch does: one walk of
    a large model's module tree instead of two. A model that lists them its own way is asked."""
    if (type(model).named_parameters is not torch.nn.Module.named_parameters
            or type(model)._named_members is not torch.nn.Module._named_members):
        return list(model.named_parameters())
    found: list[tuple[str, torch.Tensor]] = []
    seen: set[int] = set()
    for prefix, sub in subs:
        own = sub._parameters
        if not own:
            continue
        for key, p in own.items():
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                found.append((f"{prefix}.{key}" if prefix else key, p))
    return found
