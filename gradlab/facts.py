"""What the rules read: the walked graph, names, the inventory of the run, and shared drawing.

`Facts` is built once after the forward. It holds the loss graphs (walked and probed once), the
names of parameters, plain tensor attributes and variables, the models, optimizers, backward
calls and exception of the run, and the leaves the losses reached. Rules add to its graph only
through the helpers below, so a cut or a history-free leaf is drawn the same way by every rule.
"""

from __future__ import annotations

import ast
import linecache
import math
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from gradlab._autograd import foreach_norm
from gradlab._autograd import graph_nodes as walk_nodes
from gradlab.graph import Edge, Labels, shape_text, walk
from gradlab.record import Event, Recording, Where, describe_file, storage_address
from gradlab.report import Finding

__all__ = ["Context", "Facts", "Names", "all_frozen", "backward_on_numbers", "grad_mode_block",
           "group", "source_tree", "where"]

_CAUSE_LABEL = {"no_grad": "no_grad", "inference_mode": "inference_mode", "detach": "detach",
                "data_attribute": ".data", "numpy_roundtrip": "numpy", "rewrap": "rewrap",
                "non_differentiable": "non-differentiable", "integer_dtype": "integer dtype"}
_WEIGHT_NAME = re.compile(r"^(w|b|W|B|weight|bias|theta|param|kernel|coef)(_?\w*)$")


@dataclass
class Context:
    """What was found around the loss: named models, optimizers and variables."""

    losses: list[tuple[str, torch.Tensor]]
    modules: list[tuple[str, torch.nn.Module]]
    optimizers: list[tuple[str, torch.optim.Optimizer]]
    scope: dict[str, Any]
    recording: Recording | None = None
    exception: BaseException | None = None
    warnings: Sequence[str] = ()


_NO_TENSORS = frozenset({OrderedDict, dict, bool, type(None), int, float, str, set})


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
            subs = self.submodules_of[id(model)] = list(model.named_modules())
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
        for var, opt in ctx.optimizers:
            for group_ in opt.param_groups:
                for p in group_["params"]:
                    self.optimized.setdefault(id(p), set()).add(var)
                    self.tensors.setdefault(id(p), p)
        for event in ctx.recording.of_kind("requires_grad") if ctx.recording else ():
            t = event.tensor() if event.tensor is not None else None
            if t is not None and event.detail == "False" and not t.requires_grad:
                self.frozen.setdefault(id(t), self.name(t))  # frozen by the user's own line
                self.tensors.setdefault(id(t), t)

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
        key = id(t)
        return (self.params.get(key) or self.plain.get(key) or self.scope.get(key)
                or f"tensor {shape_text(t)}")

    def leaf_label(self, t: torch.Tensor) -> str:
        return self.name(t)

    def leaf_marks(self, t: torch.Tensor) -> tuple[str, ...]:
        marks = []
        if id(t) in self.plain:
            marks.append("plain tensor, not a Parameter")
        elif id(t) in self.params and id(t) not in self.registered:
            marks.append("not registered: layer kept in a Python list")
        if self.optimized and id(t) not in self.optimized:
            marks.append("not in optimizer")
        return tuple(marks)

    def module_label(self, module: torch.nn.Module | None) -> str:
        if module is None:
            return ""
        return self.modules.get(id(module), type(module).__name__)


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
        for key, p in sub._parameters.items():
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                found.append((f"{prefix}.{key}" if prefix else key, p))
    return found


def where(event: Event) -> str:
    """The user's line of an event as report text (empty when unknown)."""
    return "" if event.where.line == 0 else str(event.where)


def group(names: Sequence[str]) -> list[str]:
    """Summarise many parameter names by their top-level module: `backbone (12 tensors)`."""
    if len(names) <= 4:
        return list(names)
    groups: dict[str, int] = {}
    for name in names:
        groups[name.split(".")[0]] = groups.get(name.split(".")[0], 0) + 1
    return [f"{g} ({n} tensors)" if n > 1 else g for g, n in groups.items()]


_trees: dict[str, ast.Module | None] = {}


def source_tree(file: str) -> ast.Module | None:
    """The parsed source of a user's file or notebook cell (None if it cannot be read)."""
    if file not in _trees:
        try:
            _trees[file] = ast.parse("".join(linecache.getlines(file)))
        except (SyntaxError, ValueError):
            _trees[file] = None
    return _trees[file]


def backward_on_numbers(scope: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, type) of each variable of the script that holds a number, not a tensor, and that
    the script's source calls `.backward()` on: a loss that left autograd, whose AttributeError
    the script caught."""
    file = scope.get("__file__")
    tree = source_tree(file) if isinstance(file, str) else None
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree) if tree is not None else ():
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "backward" and isinstance(node.func.value, ast.Name)):
            value = scope.get(node.func.value.id)
            kind = type(value)
            if isinstance(value, bool) or not (isinstance(value, (int, float))
                                               or kind.__module__ == "numpy"):
                continue
            numpy = kind.__module__ == "numpy"
            found.append((node.func.value.id,
                          f"numpy.{kind.__name__}" if numpy else kind.__name__))
    return found


def grad_mode_block(event: Event) -> str:
    """The line of the `with torch.no_grad():` (set_grad_enabled, inference_mode, or the
    decorator) that a no_grad cut ran under, when it is in a caller of the op's function (a
    validation loss computed by a model whose forward holds the op); empty when the block
    holds the op itself."""
    modes = ("no_grad", "set_grad_enabled") if event.cause == "no_grad" else ("inference_mode",)
    for depth, (file, line) in enumerate(event.stack):
        tree = source_tree(file)
        found = 0
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, (ast.With, ast.AsyncWith)):
                opener = node.lineno if any(mode in ast.unparse(item.context_expr)
                                            for item in node.items for mode in modes) else 0
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                opener = next((d.lineno for d in node.decorator_list
                               if any(mode in ast.unparse(d) for mode in modes)), 0)
            else:
                continue
            inside = node.body[0].lineno <= line <= (node.body[-1].end_lineno or 0)
            if opener and inside and opener > found:
                found = opener
        if found:
            return str(Where(describe_file(file), found, "")) if depth else ""
    return ""


_CUT_TEXT = {
    "no_grad": ("the value computed from {what} ran under torch.no_grad(), so it reached the "
                "loss without autograd history.",
                "compute it outside the no_grad block; keep no_grad for evaluation and manual "
                "weight updates."),
    "inference_mode": ("the value computed from {what} ran under torch.inference_mode(), so it "
                       "reached the loss without history.",
                       "compute it outside inference_mode."),
    "detach": (".detach() cut {what} off the loss.",
               "remove .detach() on the path to the loss; keep it only where you mean to stop "
               "the gradient."),
    "data_attribute": (".data cut {what} off the loss, silently (no error, no version check).",
                       "use the tensor itself; for a copy without history use .detach()."),
    "numpy_roundtrip": ("{what} went through numpy and came back as a new tensor without "
                        "history.",
                        "stay in torch (torch.exp, torch.clamp, ...); if numpy is unavoidable, "
                        "write a torch.autograd.Function with a backward."),
    "rewrap": ("{what} {were} rebuilt with {op}(...), which copies values and drops the history.",
               "use torch.stack / torch.cat, and keep tensors instead of .item() numbers."),
    "non_differentiable": ("{op} on {what} has no gradient: its output is integer or bool.",
                           "use a differentiable surrogate (softmax instead of argmax, a soft "
                           "mask instead of a comparison)."),
    "integer_dtype": (".{op}() turned {what} into an integer dtype, which cannot carry "
                      "gradients.",
                      "keep a floating point dtype on the path to the loss."),
}


class Facts:
    """The graph, names and inventory of one run, plus the drawing the rules share."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rec = ctx.recording
        self.names = Names(ctx)
        walked = walk(ctx.losses, self.names, self.rec, probe=not self._all_backwarded())
        self.graph, self.probes, self.joined = walked.graph, walked.probes, walked.joined
        self.reached = walked.reached
        self.found: list[Finding] = []  # what the rules run so far reported
        self.lost_reported: set[int] = set()  # leaves already named as getting no gradient
        self.drawn: dict[int, str] = dict(self.reached)
        self.numpy_drawn: set[int] = set()
        self.explains: Finding | None = None  # a rule's account of an exception explain() lacks
        self.written: dict[int, tuple[str, str]] | None = None  # see written_grads()
        self.trained: dict[int, tuple[str, torch.Tensor]] | None = None  # see trainable()
        self.norms: dict[int, tuple[torch.Tensor, float]] = {}  # see grad_norms()

    def _all_backwarded(self) -> bool:
        """True when every loss went through one backward that freed its graph and nothing
        failed: no saved tensor is left to probe, and no backward is still to come."""
        if self.rec is None or self.ctx.exception is not None or not self.ctx.losses:
            return False
        freed = {id(t) for e in self.backwards() if not e.retain_graph
                 and e.tensor is not None and (t := e.tensor()) is not None}
        return all(id(loss) in freed for _, loss in self.ctx.losses)

    def events(self, kind: str) -> list[Event]:
        """The recorded events of one kind (none without a recording)."""
        return self.rec.of_kind(kind) if self.rec is not None else []

    def backwards(self) -> list[Event]:
        """The backward() / autograd.grad() calls that finished."""
        return [e for e in self.events("backward") if e.detail != "raised"]

    def optimizers_of(self, ids: Sequence[int]) -> set[str]:
        """The names of the optimizers that hold any of these tensors."""
        found: set[str] = set()
        for key in ids:
            found |= self.names.optimized.get(key, set())
        return found

    def tensor_name(self, event: Event) -> str:
        """The name of the tensor an event is about, or what made it."""
        t = event.tensor() if event.tensor is not None else None
        if t is not None and id(t) in self.names.tensors:
            return self.names.name(t)
        return f"output of {event.producer}" if event.producer else "a tensor"

    def mark_node_of(self, t: torch.Tensor, mark: str) -> None:
        """Mark the graph node that made `t`."""
        label = t.grad_fn.name().removeprefix("torch::autograd::") if t.grad_fn else ""
        for node in self.graph.find(label):
            self.graph.mark(node.id, mark)
            break

    def leaf_node(self, t: torch.Tensor, quiet: bool = False) -> str:
        """Return the node of a leaf, drawing it if the loss graphs did not reach it
        (`quiet`: without marks, behind a cut that may be intended)."""
        node_id = self.drawn.get(id(t))
        if node_id is None:
            node_id = self.graph.add(self.names.name(t), "leaf", detail=shape_text(t),
                                     marks=() if quiet else self.names.leaf_marks(t))
            self.drawn[id(t)] = node_id
        return node_id

    # --- cuts ----------------------------------------------------------------------------
    def _chains(self, cut_ids: frozenset[int]) -> list[list[Event]]:
        """Group cut events into chains (a detach followed by numpy is one chain)."""
        assert self.rec is not None
        events = [self.rec.events[i] for i in sorted(cut_ids)]
        heads = [e for e in events if not any(e.index in f.cuts for f in events)]
        chains: dict[tuple[str, str], list[Event]] = {}
        for head in heads:
            chain = [e for e in events if e.index in head.cuts] + [head]
            chains.setdefault((head.cause, where(head)), []).extend(chain)
        return list(chains.values())

    def sever(self, cut_ids: frozenset[int], into: str,
              quiet_if_reached: bool = False) -> list[Finding]:
        """Draw the cuts whose values entered the graph at node `into`; return their findings.

        With `quiet_if_reached`, a cut whose sources all get gradient elsewhere is drawn but
        not reported (a metric computed under no_grad next to the training loss)."""
        findings: list[Finding] = []
        for chain in self._chains(cut_ids):
            head = chain[-1]
            leaves = [t for e in chain for ref in e.source_leaves if (t := ref()) is not None]
            unique = list({id(t): t for t in leaves}.values())
            source_node = next((e.source_node for e in chain if e.source_node), "")
            cause = head.cause
            if cause == "rewrap" and any(e.cause == "numpy_roundtrip" for e in chain):
                cause = "numpy_roundtrip"
            label = " + ".join(dict.fromkeys(_CAUSE_LABEL[e.cause] for e in chain))
            lost = [t for t in unique if id(t) not in self.reached]
            finding = self._cut_finding(cause, head, chain, unique, lost) if (
                lost or not quiet_if_reached) else None
            intended = finding is None or finding.severity == "info"
            if source_node or len(unique) > 1:  # one box where the leaves' paths were cut
                src = self.graph.add(source_node or f"{chain[0].op}(...)", "cut_source",
                                     marks=() if intended else ("history cut off",))
                for t in unique:
                    self.graph.edges.append(Edge(self.leaf_node(t, intended), src))
            elif unique:
                src = self.leaf_node(unique[0], intended)
            else:
                src = self.graph.add("value without history", "cut_source")
            if not intended:
                for t in lost:
                    self.graph.mark(self.leaf_node(t), "gets no gradient")
            self.graph.edges.append(Edge(src, into, label, where(head), intended))
            if finding is not None:
                findings.append(finding)
        return findings

    def _cut_finding(self, cause: str, head: Event, chain: list[Event],
                     leaves: list[torch.Tensor], lost: list[torch.Tensor]) -> Finding | None:
        """The finding for a cut: an error when a trained tensor loses its only path to the
        loss; info when what it cut is not trained here or still gets gradient elsewhere."""
        names = [self.names.name(t) for t in (lost or leaves)]
        what = ", ".join(names) if names else "the value"
        first = next((e for e in chain if e.cause == cause), head)
        message_text, fix = _CUT_TEXT[cause]
        message = message_text.format(what=what, op=first.op,
                                      were="were" if len(names) > 1 else "was")
        block = grad_mode_block(first) if first.stack else ""
        if block:
            message = message.replace("()", f"() (the block at {block})", 1)
        if cause == "non_differentiable" and not lost:
            return None
        if lost:
            optimizers = self.optimizers_of([id(t) for t in lost])
            reached_optimizers = self.optimizers_of(list(self.reached))
            if self.names.optimized and not optimizers:
                severity = "info"
                message = f"may be intended: {message} They are not trained by any optimizer here."
            elif optimizers and reached_optimizers and not optimizers & reached_optimizers:
                severity = "info"
                message = (f"may be intended: {message} They are trained by another optimizer "
                           f"({', '.join(sorted(optimizers))}) with another loss.")
            else:
                severity = "error"
                message = f"{what} get no gradient: {message}"
            self.lost_reported.update(id(t) for t in lost)
        else:
            severity = "info"
            message = (f"may be intended: {message} They still get gradient along another "
                       "path.")
        return Finding(cause, severity, tuple(names), where(head), message, fix)

    # --- leaves without requires_grad ----------------------------------------------------
    def _initialised(self, t: torch.Tensor, name: str) -> bool:
        """True when `t` came from randn, zeros... while recording: set up like a weight
        (itself, or, for a weight's name, an alias of it: `self.W = Variable(torch.zeros(3))`)."""
        if self.rec is None:
            return False
        ref = self.rec.initialised.get(id(t))
        if ref is not None and ref() is t:
            return True
        return bool(_WEIGHT_NAME.match(name.split(".")[-1])) and storage_address(
            t) in self.rec.initialised_storage

    def history_free(self, keys: frozenset[int], into: str,
                     floor: str = "warning") -> list[Finding]:
        """Draw the leaves without requires_grad that entered node `into` and look like
        weights; return their findings (a frozen parameter is drawn apart, not reported)."""
        assert self.rec is not None
        findings = []
        names = self.names
        for key in sorted(keys):
            t = self.rec.leaf(key)
            if t is None:
                continue
            name = names.name(t)
            if id(t) in names.plain and (t.dim() == 0 or not self._initialised(t, name)):
                continue  # a constant kept on the module (a noise level, a position table)
            if id(t) in names.plain:
                label, kind = "plain tensor, not a Parameter", "plain_tensor_attribute"
                message = (f"{name} is a plain tensor attribute, not an nn.Parameter: it does "
                           "not require grad and is not in model.parameters(), so it never "
                           "trains.")
                fix = f"self.{name.split('.')[-1]} = nn.Parameter(...)"
                severity = "error"
            elif id(t) in names.frozen:
                src = self.drawn.get(id(t)) or self.graph.add(
                    name, "frozen", detail=shape_text(t), marks=("frozen: requires_grad=False",))
                self.drawn[id(t)] = src
                self.graph.edges.append(Edge(src, into, "frozen", intended=True))
                continue
            elif id(t) in names.optimized or (not names.optimized and _WEIGHT_NAME.match(
                    names.scope.get(id(t), ""))):  # with optimizers, they say what trains
                label, kind = "requires_grad=False", "missing_requires_grad"
                message = (f"{name} feeds the loss but does not require grad, so it gets "
                           "no gradient.")
                fix = f"create it with requires_grad=True or call {name}.requires_grad_()"
                severity = "error" if id(t) in names.optimized else floor
            else:
                continue
            src = self.graph.add(name, "history_free", detail=shape_text(t), marks=(label,))
            self.graph.edges.append(Edge(src, into, label))
            findings.append(Finding(kind, severity, (name,), "", message, fix))
        return findings


# --- silent failures: what the rules about zero, NaN and stale gradients share -------------
def trainable(facts: Facts) -> dict[int, tuple[str, torch.Tensor]]:
    """The tensors the user trains: parameters and named leaves that require grad, and
    whatever an optimizer holds. Computed once per run."""
    if facts.trained is not None:
        return facts.trained
    names = facts.names
    found: dict[int, tuple[str, torch.Tensor]] = {}
    for key, t in names.tensors.items():
        if t.is_leaf and t.requires_grad and (key in names.params or key in names.optimized
                                              or key in names.scope):
            found[key] = (names.name(t), t)
    facts.trained = found
    return found


def all_frozen(facts: Facts) -> tuple[list[str], str] | None:
    """When tensors were frozen and every parameter has requires_grad=False: their names and
    the user's line that froze them, if it was seen."""
    names = facts.names
    if not names.frozen or not all(key in names.frozen for key in names.params):
        return None
    froze = [where(e) for e in facts.events("requires_grad") if e.detail == "False"
             and e.tensor is not None and (t := e.tensor()) is not None and id(t) in names.frozen]
    return group(sorted(set(names.frozen.values()))), froze[-1] if froze else ""


def backwarded(facts: Facts) -> tuple[int, set[int]]:
    """The index of the last backward event (-1 if none) and the losses that went through one."""
    events = facts.events("backward")
    done = {id(t) for e in events if e.tensor is not None and (t := e.tensor()) is not None}
    return (events[-1].index if events else -1), done


def written_grads(facts: Facts) -> dict[int, tuple[str, str]]:
    """The trainable tensors whose `.grad` the last backward wrote and nothing changed since
    (a `zero_grad(set_to_none=False)` after the step), each with its name and the state of
    the gradient: `zero`, `not finite` or `ok`. Computed once per run."""
    if facts.written is not None:
        return facts.written
    facts.written = {}
    last, _ = backwarded(facts)
    if last < 0:
        return facts.written
    changed = {id(t) for e in facts.events("in_place") if e.index > last
               and e.tensor is not None and (t := e.tensor()) is not None}
    written = [(key, name, grad) for key, (name, t) in trainable(facts).items()
               if (grad := t.grad) is not None and id(grad) not in changed
               and grad.is_floating_point() and grad.layout == torch.strided]
    if not written:
        return facts.written
    sizes = grad_norms(facts, [g for *_, g in written])
    for (key, name, grad), size in zip(written, sizes, strict=True):
        state = "zero" if size == 0 else "ok" if math.isfinite(size) else (
            "ok" if bool(torch.isfinite(grad).all()) else "not finite")
        facts.written[key] = (name, state)
    return facts.written


def grad_norms(facts: Facts, grads: list[torch.Tensor]) -> list[float]:
    """The 2-norms of dense gradients, each computed once per run; 0.0 only for a gradient
    that is all zero (a float32 norm of tiny values underflows to 0)."""
    todo = [g for g in grads if id(g) not in facts.norms]
    if todo:
        # one call for every gradient: a per-tensor reduction would cost more than the rules
        for grad, size in zip(todo, torch.stack(foreach_norm(todo)).tolist(),
                              strict=True):
            if size == 0 and bool(grad.any()):
                size = float(grad.abs().double().norm())
            facts.norms[id(grad)] = grad, size
    return [facts.norms[id(g)][1] for g in grads]


def graph_nodes(facts: Facts) -> list[Any]:
    """Every autograd node of the losses' graphs, each once, loss first (freed graphs keep
    their structure)."""
    return walk_nodes([loss.grad_fn for _, loss in facts.ctx.losses])


def node_event(facts: Facts, node: Any, suffix: str) -> Event | None:
    """The recorded event tagged on a graph node under `gradlab:<serial>:<suffix>`."""
    if facts.rec is None:
        return None
    index = facts.rec.node_metadata(node).get(f"{facts.rec.tag}:{suffix}")
    return None if index is None else facts.rec.events[index]
