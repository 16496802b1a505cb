"""Registration: layers nn.Module does not know, so the optimizer never updates them.

What: layers kept in a plain Python list or dict (not `nn.ModuleList` / `nn.ModuleDict`):
`model.parameters()` misses them, so an optimizer built from it leaves them out, `model.to()`
does not move them and `state_dict()` does not save them.

Why: the layers get a gradient but never change; no error is raised (or 'optimizer got an empty
parameter list' when there is nothing else).

Known problems: silent on lists of modules that are also registered elsewhere (an
`nn.Sequential` built from the list), and where `not_in_optimizer` already named the layers
of a flat list.

Example:
    self.blocks = [nn.Linear(8, 8) for _ in range(3)]

Use instead:
    self.blocks = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))
"""

from __future__ import annotations

import torch

from gradlab.facts import Facts, group
from gradlab.overlay import Earlier
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("unregistered_module", "09_training_loop",
         severity="error",
         explanation="a model keeps layers in a plain Python list or dict, which nn.Module does "
                     "not register"),
)


def check(facts: Facts, earlier: Earlier) -> list[Finding]:
    """Modules held in plain lists, tuples or dicts of a model."""
    registered: set[int] = set()
    held: dict[str, list[str]] = {}
    told = [n for f in earlier.found if f.kind == "not_in_optimizer" for n in f.names]
    for var, model in facts.ctx.modules:
        for mod_name, sub in facts.names.submodules_of[id(model)]:
            if type(sub).__module__.startswith("torch."):
                continue  # torch's own layers keep their modules registered
            for attr, value in vars(sub).items():
                if attr.startswith("_") or not isinstance(value, (list, tuple, dict)):
                    continue
                where = ".".join(x for x in (mod_name, attr) if x) or var
                for path, item in _modules_in(value, where):
                    if not registered:
                        registered = {id(p) for params in facts.names.parameters_of.values()
                                      for p in params}
                    if any(n.startswith(path + ".") for n in told):
                        continue  # not_in_optimizer already said it lives in a list
                    if any(id(p) not in registered for p in item.parameters()):
                        held.setdefault(where, []).append(path)
    found = []
    for attr, layers in sorted(held.items()):
        kind = "dict" if layers[0].endswith(("']", '"]')) else "list"
        found.append(Finding(
            "unregistered_module", "error", tuple(group(layers)), "",
            f"{attr} keeps {len(layers)} layer(s) in a plain Python {kind}: nn.Module does not "
            "register them, so model.parameters() and the optimizer miss their weights; they "
            "never train.",
            f"self.{attr.split('.')[-1]} = nn.Module{'Dict' if kind == 'dict' else 'List'}(...)"))
    return found


def _modules_in(value: object, path: str) -> list[tuple[str, torch.nn.Module]]:
    """The modules in a (nested) list, tuple or dict, with the path to each."""
    if isinstance(value, torch.nn.Module):
        return [(path, value)]
    items = (value.items() if isinstance(value, dict) else enumerate(value)
             if isinstance(value, (list, tuple)) else ())
    return [found for key, item in items
            for found in _modules_in(item, f"{path}[{key!r}]" if isinstance(value, dict)
                                     else f"{path}[{key}]")]
