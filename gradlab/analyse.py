"""Join the autograd graph with a Recording and name every severed gradient path.

Only what is severed on a path from a trainable tensor to a loss is reported; what may be
intended (a frozen backbone, a target network, a stop-gradient next to a live path) is `info`.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from gradlab.explain import explain
from gradlab.graph import Edge, Labels, Probe, shape_text, walk
from gradlab.record import Event, Recording, exception_where
from gradlab.report import ExceptionInfo, Finding, GradRow, Report

__all__ = ["Context", "analyse"]

_CAUSE_LABEL = {"no_grad": "no_grad", "inference_mode": "inference_mode", "detach": "detach",
                "data_attribute": ".data", "numpy_roundtrip": "numpy", "rewrap": "rewrap",
                "non_differentiable": "non-differentiable", "integer_dtype": "integer dtype"}
_WEIGHT_NAME = re.compile(r"^(w|b|W|B|weight|bias|theta|param|kernel|coef|embed)(_?\w*)$")


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


class _Names(Labels):
    """Names for tensors and modules: `fc1.weight`, `w`, or a description."""

    def __init__(self, ctx: Context) -> None:
        self.params: dict[int, str] = {}
        self.registered: set[int] = set()
        self.plain: dict[int, str] = {}
        self.frozen: dict[int, str] = {}
        self.modules: dict[int, str] = {}
        self.scope: dict[int, str] = {}
        self.tensors: dict[int, torch.Tensor] = {}
        prefixed = len(ctx.modules) > 1
        for var, model in ctx.modules:
            bare_layer = type(model).__module__.startswith("torch.nn")
            prefix = f"{var}." if prefixed or bare_layer else ""
            for name, p in model.named_parameters():
                self._param(prefix + name, p, registered=True)
            for mod_name, sub in model.named_modules():
                full = prefix + mod_name if mod_name else var if prefixed else ""
                self.modules.setdefault(id(sub), full or type(sub).__name__)
                base = f"{full}." if full else ""
                for attr, value in vars(sub).items():
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
            for group in opt.param_groups:
                for p in group["params"]:
                    self.optimized.setdefault(id(p), set()).add(var)
                    self.tensors.setdefault(id(p), p)

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


def _where(event: Event) -> str:
    return "" if event.where.line == 0 else str(event.where)


class _Analysis:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rec = ctx.recording
        self.names = _Names(ctx)
        self.findings: list[Finding] = []
        walked = walk(ctx.losses, self.names, self.rec, probe=not self.all_backwarded())
        self.graph, self.probes, self.joined = walked.graph, walked.probes, walked.joined
        self.reached = walked.reached
        self.lost_reported: set[int] = set()
        self.drawn: dict[int, str] = dict(self.reached)
        self.numpy_drawn: set[int] = set()

    # --- helpers -------------------------------------------------------------------------
    def all_backwarded(self) -> bool:
        """True when every loss went through one backward that freed its graph and nothing
        failed: no saved tensor is left to probe, and no backward is still to come."""
        if self.rec is None or self.ctx.exception is not None or not self.ctx.losses:
            return False
        freed = {id(t) for e in self.rec.of_kind("backward") if not e.retain_graph
                 and e.tensor is not None and (t := e.tensor()) is not None}
        return all(id(loss) in freed for _, loss in self.ctx.losses)

    def add(self, kind: str, severity: str, names: Sequence[str], where: str, message: str,
            fix: str) -> None:
        self.findings.append(Finding(kind, severity, tuple(names), where, message, fix))

    def optimizers_of(self, ids: Sequence[int]) -> set[str]:
        found: set[str] = set()
        for key in ids:
            found |= self.names.optimized.get(key, set())
        return found

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
    def chains(self, cut_ids: frozenset[int]) -> list[list[Event]]:
        """Group cut events into chains (a detach followed by numpy is one chain)."""
        assert self.rec is not None
        events = [self.rec.events[i] for i in sorted(cut_ids)]
        heads = [e for e in events if not any(e.index in f.cuts for f in events)]
        chains: dict[tuple[str, str], list[Event]] = {}
        for head in heads:
            chain = [e for e in events if e.index in head.cuts] + [head]
            chains.setdefault((head.cause, _where(head)), []).extend(chain)
        return list(chains.values())

    def severed(self, cut_ids: frozenset[int], into: str, quiet_if_reached: bool = False) -> None:
        """Draw and report the cuts whose values entered the graph at node `into`.

        With `quiet_if_reached`, a cut whose sources all get gradient elsewhere is drawn but
        not reported (a metric computed under no_grad next to the training loss)."""
        for chain in self.chains(cut_ids):
            head = chain[-1]
            leaves = [t for e in chain for ref in e.source_leaves if (t := ref()) is not None]
            unique = list({id(t): t for t in leaves}.values())
            source_node = next((e.source_node for e in chain if e.source_node), "")
            cause = head.cause
            if cause == "rewrap" and any(e.cause == "numpy_roundtrip" for e in chain):
                cause = "numpy_roundtrip"
            label = " + ".join(dict.fromkeys(_CAUSE_LABEL[e.cause] for e in chain))
            lost = [t for t in unique if id(t) not in self.reached]
            severity = self.report_cut(cause, head, chain, unique, lost) if (
                lost or not quiet_if_reached) else None
            intended = severity in (None, "info")
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
            self.graph.edges.append(Edge(src, into, label, _where(head), intended))

    def report_cut(self, cause: str, head: Event, chain: list[Event],
                   leaves: list[torch.Tensor], lost: list[torch.Tensor]) -> str | None:
        """Add the finding for a cut; return its severity (None: nothing to report)."""
        where = _where(head)
        names = [self.names.name(t) for t in (lost or leaves)]
        what = ", ".join(names) if names else "the value"
        first = next((e for e in chain if e.cause == cause), head)
        text = {
            "no_grad": (f"the value computed from {what} ran under torch.no_grad(), so it "
                        "reached the loss without autograd history.",
                        "compute it outside the no_grad block; keep no_grad for evaluation and "
                        "manual weight updates."),
            "inference_mode": (f"the value computed from {what} ran under "
                               "torch.inference_mode(), so it reached the loss without history.",
                               "compute it outside inference_mode."),
            "detach": (f".detach() cut {what} off the loss.",
                       "remove .detach() on the path to the loss; keep it only where you mean "
                       "to stop the gradient."),
            "data_attribute": (f".data cut {what} off the loss, silently (no error, no "
                               "version check).",
                               "use the tensor itself; for a copy without history use "
                               ".detach()."),
            "numpy_roundtrip": (f"{what} went through numpy and came back as a new tensor "
                                "without history.",
                                "stay in torch (torch.exp, torch.clamp, ...); if numpy is "
                                "unavoidable, write a torch.autograd.Function with a backward."),
            "rewrap": (f"{what} {'were' if len(names) > 1 else 'was'} rebuilt with "
                       f"{first.op}(...), which copies values and "
                       "drops the history.",
                       "use torch.stack / torch.cat, and keep tensors instead of .item() "
                       "numbers."),
            "non_differentiable": (f"{first.op} on {what} has no gradient: its output is "
                                   "integer or bool.",
                                   "use a differentiable surrogate (softmax instead of argmax, "
                                   "a soft mask instead of a comparison)."),
            "integer_dtype": (f".{first.op}() turned {what} into an integer dtype, which "
                              "cannot carry gradients.",
                              "keep a floating point dtype on the path to the loss."),
        }[cause]
        message, fix = text
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
        self.add(cause, severity, names, where, message, fix)
        return severity

    # --- passes --------------------------------------------------------------------------
    def run(self) -> Report:
        self.history_free_joins()
        if self.graph.outputs:
            self.unjoined_numpy(self.graph.outputs[0].id)
        self.loss_without_history()
        self.in_place()
        self.freed()
        self.non_leaf_grad()
        self.from_exception()
        self.cuts_behind_cuts()
        self.parameters()
        return Report(self.findings, self.graph, self.grad_rows(), self.exception_info(),
                      list(self.ctx.warnings), tuple(n for n, _ in self.ctx.losses))

    def history_free_joins(self) -> None:
        if self.rec is None:
            return
        for node, node_id in self.joined:
            for event in self.rec.node_events(node):
                if event.cuts:
                    self.severed(event.cuts, node_id)
                self.history_free_leaves(event.leaves, node_id)

    def history_free_leaves(self, keys: frozenset[int], into: str,
                            floor: str = "warning") -> None:
        """Draw and report leaves without requires_grad that look like weights."""
        assert self.rec is not None
        for key in sorted(keys):
            t = self.rec.leaf(key)
            if t is None:
                continue
            name = self.names.name(t)
            if id(t) in self.names.plain:
                label, kind = "plain tensor, not a Parameter", "plain_tensor_attribute"
                message = (f"{name} is a plain tensor attribute, not an nn.Parameter: it does "
                           "not require grad and is not in model.parameters(), so it never "
                           "trains.")
                fix = f"self.{name.split('.')[-1]} = nn.Parameter(...)"
                severity = "error"
            elif id(t) in self.names.frozen:
                src = self.drawn.get(id(t)) or self.graph.add(
                    name, "frozen", detail=shape_text(t), marks=("frozen: requires_grad=False",))
                self.drawn[id(t)] = src
                self.graph.edges.append(Edge(src, into, "frozen", intended=True))
                continue
            elif id(t) in self.names.optimized or _WEIGHT_NAME.match(self.names.scope.get(
                    id(t), "")):
                label, kind = "requires_grad=False", "missing_requires_grad"
                message = (f"{name} feeds the loss but does not require grad, so it gets "
                           "no gradient.")
                fix = f"create it with requires_grad=True or call {name}.requires_grad_()"
                severity = "error" if id(t) in self.names.optimized else floor
            else:
                continue
            src = self.graph.add(name, "history_free", detail=shape_text(t), marks=(label,))
            self.graph.edges.append(Edge(src, into, label))
            self.add(kind, severity, [name], "", message, fix)

    def cuts_behind_cuts(self) -> None:
        """Cuts whose value reached the loss only through a later cut (a no_grad encoder
        feeding a layer that numpy then cut off): report them now, not one fix later."""
        if self.rec is None:
            return
        joined = {i for e in self.rec.of_kind("join") for i in e.cuts}
        for event in self.rec.of_kind("cut"):
            if event.index not in joined:  # its value never entered a tracked computation
                continue
            lost = [t for ref in event.source_leaves if (t := ref()) is not None
                    and t.requires_grad and id(t) in self.names.params
                    and id(t) not in self.reached and id(t) not in self.lost_reported]
            if lost:
                self.severed(frozenset({event.index}),
                             self.graph.add("used behind another cut", "op"))

    def loss_without_history(self) -> None:
        for (loss_name, loss), node in zip(self.ctx.losses, self.graph.outputs, strict=True):
            if loss.grad_fn is not None or loss.requires_grad:
                continue
            cuts, leaves = self.rec.origin(loss) if self.rec else (frozenset(), frozenset())
            before = len(self.findings)
            if cuts:
                self.severed(cuts, node.id, quiet_if_reached=True)
                continue
            if len(self.findings) == before:
                self.history_free_leaves(leaves, node.id, "error")
            if len(self.findings) > before:
                continue
            frozen = sorted(set(self.names.frozen.values()))
            leaf_names = [self.names.name(t) for k in sorted(leaves)
                          if self.rec is not None and (t := self.rec.leaf(k)) is not None]
            reason = ("every parameter has requires_grad=False" if frozen
                      else "nothing it was computed from requires grad")
            self.add("missing_requires_grad", "error", _group(frozen) if frozen else leaf_names,
                     "", f"{loss_name} has no autograd history ({reason}), so backward() "
                     "raises 'element 0 of tensors does not require grad'.",
                     "create trainable tensors with requires_grad=True (nn.Parameter in a "
                     "module) and look for a cut between them and the loss.")

    def unjoined_numpy(self, into: str) -> None:
        """Report numpy round-trips whose way back (e.g. from_numpy of a new array) was not seen."""
        if self.rec is None:
            return
        joined = {i for e in self.rec.of_kind("join") for i in e.cuts}
        heads = [e for e in self.rec.of_kind("cut") if e.cause == "numpy_roundtrip"
                 and e.index not in joined and e.index not in self.numpy_drawn]
        self.numpy_drawn.update(e.index for e in heads)
        for head in heads:
            chain = frozenset(head.cuts | {head.index})
            sources = [t for i in chain for ref in self.rec.events[i].source_leaves
                       if (t := ref()) is not None]
            if any(id(t) not in self.reached for t in sources):
                self.severed(chain, into)

    def in_place(self) -> None:
        if self.rec is not None:
            for event in self.rec.of_kind("in_place"):
                if event.detail == "leaf":
                    name = self.tensor_name(event)
                    self.add("in_place", "error", [name], _where(event),
                             f"in-place {event.op} on {name}, a leaf that requires grad.",
                             "update weights under torch.no_grad(), or use an out-of-place op.")
        pending = self.pending_nodes()
        for probe in self.probes:
            if probe.problem != "stale" or probe.node_id not in pending:
                continue
            change = self.match_in_place(probe)
            if change is not None:
                op = self.graph.add(f"{change.op} (in place)", "in_place",
                                    detail=str(change.where))
                self.graph.edges.append(Edge(op, probe.node_id, "in-place", _where(change)))
                what = f"{change.op} at {_where(change)}" if _where(change) else change.op
            else:
                what = "an in-place op"
            mark = self.graph.node(probe.node_id).marks
            self.add("in_place", "error", [probe.node_name], _where(change) if change else "",
                     f"{probe.node_name} saved a tensor for backward that {what} changed "
                     f"afterwards ({mark[0] if mark else 'stale'}): backward() will raise "
                     "'modified by an inplace operation'.",
                     "use the out-of-place op (y = y * 2, torch.relu(y)) or change a clone().")

    def pending_nodes(self) -> set[str]:
        """The nodes a backward still to come will reach: those of losses not yet backwarded
        (all of them when the code failed, since its last backward did not finish)."""
        backwarded = {id(t) for e in (self.rec.of_kind("backward") if self.rec else [])
                      if e.tensor is not None and (t := e.tensor()) is not None}
        if self.ctx.exception is not None:
            backwarded = set()
        pending: set[str] = set()
        for (_, loss), output in zip(self.ctx.losses, self.graph.outputs, strict=True):
            if id(loss) not in backwarded:
                pending.update(n.id for n in self.graph.upstream(output.id))
        return pending

    def match_in_place(self, probe: Probe) -> Event | None:
        if self.rec is None:
            return None
        found = re.search(r"\[torch\.\w+ \[([\d, ]*)\]\](?:, which is output \d+ of (\w+),)?"
                          r" is at version (\d+); expected version (\d+)", probe.message)
        if found is None:
            return None
        shape = tuple(int(s) for s in found.group(1).split(",") if s.strip())
        producer, expected = found.group(2), int(found.group(4))
        candidates = [e for e in self.rec.of_kind("in_place")
                      if e.shape == shape and e.version_before == expected]
        exact = [e for e in candidates if producer and e.producer.startswith(producer)]
        chosen = exact or candidates
        return chosen[0] if chosen else None

    def freed(self) -> None:
        """A graph freed in part: an earlier backward went through some of its nodes."""
        freed = [p for p in self.probes if p.problem == "freed"]
        if not freed:
            return
        backwards = self.rec.of_kind("backward") if self.rec else []
        if self.ctx.exception is not None:
            if "second time" not in str(self.ctx.exception):
                return  # a backward that failed half-way frees part of the graph
        elif not any(self.partly_freed(name, loss, backwards) for name, loss in self.ctx.losses):
            return
        earlier = next((e for e in backwards if not e.retain_graph), None)
        where = _where(earlier) if earlier else ""
        nodes = sorted({p.node_name for p in freed})
        self.add("double_backward", "error", nodes, where,
                 f"{len(freed)} node(s) of the graph ({', '.join(nodes[:3])}"
                 f"{', ...' if len(nodes) > 3 else ''}) were freed by an earlier backward()"
                 f"{' at ' + where if where else ''}; backward through them raises 'Trying to "
                 "backward through the graph a second time'.",
                 "detach what is reused (fake.detach(), hidden.detach()), sum the losses into "
                 "one backward, or recompute the forward; retain_graph=True only if you need "
                 "the graph twice.")

    def partly_freed(self, name: str, loss: torch.Tensor, backwards: list[Event]) -> bool:
        """True when an earlier backward freed part of this loss's graph, but not all of it:
        the backward still to come will reach freed nodes."""
        if any(e.tensor is not None and e.tensor() is loss for e in backwards):
            return False
        output = next(n for n in self.graph.outputs if n.label == name)
        nodes = [n for n in self.graph.upstream(output.id) if n.kind == "op"]
        freed = any("freed" in n.marks for n in nodes)
        intact = any(n.saved and "freed" not in n.marks for n in nodes)
        return freed and intact

    def non_leaf_grad(self) -> None:
        if self.rec is None:
            return
        conversions = {id(t): e for e in self.rec.of_kind("to_non_leaf")
                       if e.tensor is not None and (t := e.tensor()) is not None}
        reported: set[int] = set()
        for event in self.rec.of_kind("grad_read"):
            t = event.tensor() if event.tensor is not None else None
            key = id(t) if t is not None else -1
            if key in reported:
                continue
            reported.add(key)
            name = self.tensor_name(event)
            convert = conversions.get(key)
            if convert is not None:
                message = (f"{name} is the result of .{convert.op}() at {_where(convert)}, "
                           "a non-leaf: its .grad stays None (the gradient goes to the tensor "
                           "before the conversion).")
                fix = ("create it with the dtype/device directly, e.g. torch.randn(3, "
                       "dtype=torch.float64, requires_grad=True)")
            else:
                message = (f".grad read on {name}, a non-leaf (made by {event.producer}): "
                           "autograd fills .grad only on leaves, so it is None.")
                fix = f"call {name}.retain_grad() before backward(), or use a hook"
            self.add("non_leaf_grad", "warning", [name], _where(event), message, fix)
            if t is not None and t.grad_fn is not None:
                self.mark_node_of(t, "non-leaf: .grad is None, use retain_grad()")
        for key, convert in conversions.items():
            converted = self.names.scope.get(key)
            if key in reported or converted is None:
                continue
            self.add("non_leaf_grad", "warning", [converted], _where(convert),
                     f"{converted} is the result of .{convert.op}() on a leaf, so it is a non-leaf "
                     "whose .grad stays None.",
                     "create it with the dtype/device directly, or call .requires_grad_() "
                     "after the conversion on a tensor without history")

    def mark_node_of(self, t: torch.Tensor, mark: str) -> None:
        label = t.grad_fn.name().removeprefix("torch::autograd::") if t.grad_fn else ""
        for node in self.graph.find(label):
            self.graph.mark(node.id, mark)
            break

    def tensor_name(self, event: Event) -> str:
        t = event.tensor() if event.tensor is not None else None
        if t is not None and id(t) in self.names.tensors:
            return self.names.name(t)
        return f"output of {event.producer}" if event.producer else "a tensor"

    def parameters(self) -> None:
        names = self.names
        reached = self.reached
        training = any(loss.grad_fn is not None for _, loss in self.ctx.losses)
        frozen = sorted(set(names.frozen.values()))
        if frozen and training:
            self.add("frozen_parameter", "info", _group(frozen), "",
                     f"{len(frozen)} parameter(s) have requires_grad=False: frozen, they do "
                     "not train. Right for fine-tuning; if not intended, set requires_grad=True.",
                     "module.requires_grad_(True) for the part you want to train")
        for key, name in sorted(names.plain.items(), key=lambda kv: kv[1]):
            t = names.tensors[key]
            if not t.requires_grad or not t.is_leaf:
                continue
            in_optimizer = key in names.optimized
            if names.optimized and not in_optimizer:
                self.add("not_in_optimizer", "error", [name], "",
                         f"{name} gets a gradient but is a plain tensor attribute, not an "
                         "nn.Parameter: it is not in model.parameters(), so the optimizer "
                         "never updates it.", f"self.{name.split('.')[-1]} = nn.Parameter(...)")
            elif not in_optimizer:
                self.add("plain_tensor_attribute", "warning", [name], "",
                         f"{name} requires grad but is a plain tensor attribute: it is not in "
                         "model.parameters(), so an optimizer built from them skips it.",
                         f"self.{name.split('.')[-1]} = nn.Parameter(...)")
        if names.optimized:
            skipped = [(names.name(param), key not in names.registered)
                       for key, _ in sorted(reached.items(), key=lambda kv: kv[1])
                       if key not in names.optimized and key in names.params
                       and (param := names.tensors.get(key)) is not None]
            in_list = sorted(n for n, unregistered in skipped if unregistered)
            left_out = sorted(n for n, unregistered in skipped if not unregistered)
            fix = "keep layers in nn.ModuleList and build the optimizer after the model is complete"
            if in_list:
                self.add("not_in_optimizer", "error", in_list, "",
                         f"{', '.join(_group(in_list))} get a gradient but no optimizer updates "
                         "them: their layers live in a Python list, which nn.Module does not "
                         "register.", fix)
            if left_out:
                self.add("not_in_optimizer", "warning", left_out, "",
                         f"{', '.join(_group(left_out))} get a gradient but no optimizer "
                         "updates them (created after the optimizer, or left out of it).", fix)
        if training:
            self.unused()

    def unused(self) -> None:
        """Parameters of a model that trains, which never reach the loss."""
        unused = []
        for _, model in self.ctx.modules:
            params = list(model.parameters())
            if not any(id(p) in self.reached for p in params):
                continue
            unused += [self.names.params[id(p)] for p in params
                       if id(p) not in self.reached and p.requires_grad
                       and id(p) not in self.lost_reported and id(p) in self.names.params]
        for name in unused:
            self.graph.add(name, "unused", marks=("unused: no path to the loss",))
        if unused:
            self.add("unused_parameter", "warning", sorted(unused), "",
                     f"{', '.join(sorted(unused))} never reached the loss: the forward "
                     f"does not use {'it' if len(unused) == 1 else 'them'} "
                     "(DistributedDataParallel would stop with an 'unused parameters' error).",
                     "use them in forward, delete them, or freeze them with "
                     "requires_grad_(False)")

    def from_exception(self) -> None:
        exc = self.ctx.exception
        if exc is None:
            return
        explanation = explain(exc)
        if explanation is None or explanation.kind in {f.kind for f in self.findings}:
            return
        if explanation.kind == "missing_requires_grad" and self.findings:
            return
        cuts = [e for e in self.rec.of_kind("cut") if e.cause == explanation.kind] if (
            self.rec is not None) else []
        if cuts:
            self.severed(frozenset({cuts[-1].index}),
                         self.graph.add("where it failed", "output"))
            self.findings = [f if f.kind != explanation.kind else Finding(
                f.kind, "error", f.names, f.where, f.message, f.fix) for f in self.findings]
            if explanation.kind in {f.kind for f in self.findings}:
                return
        self.add(explanation.kind, "error", [], str(exception_where(exc) or ''),
                 explanation.explanation, explanation.fix)

    def exception_info(self) -> ExceptionInfo | None:
        exc = self.ctx.exception
        if exc is None:
            return None
        explanation = explain(exc)
        return ExceptionInfo(type(exc).__name__, str(exc),
                             explanation.kind if explanation else None,
                             explanation.explanation if explanation else "")

    def grad_rows(self) -> list[GradRow]:
        rows = []
        seen: set[int] = set()
        candidates = [(n, self.names.tensors[k]) for k, n in self.names.params.items()]
        candidates += [(n, t) for k, n in self.names.scope.items()
                       if (t := self.names.tensors[k]).is_leaf and t.requires_grad
                       and k not in self.names.params]
        candidates += [(n, self.names.tensors[k]) for k, n in self.names.plain.items()]
        read = {id(tensor) for e in (self.rec.of_kind("grad_read") if self.rec else [])
                if e.tensor is not None and (tensor := e.tensor()) is not None}
        candidates += [(n, t) for k, n in self.names.scope.items()
                       if not (t := self.names.tensors[k]).is_leaf
                       and (t.retains_grad or k in read)]  # intermediates asked for .grad
        for name, t in candidates:
            if id(t) in seen:
                continue
            seen.add(id(t))
            grad = t.grad if t.is_leaf or t.retains_grad else None
            if grad is not None and grad.layout != torch.strided:  # sparse: no norm of its own
                grad = grad.to_dense()
            norm = None if grad is None else torch.linalg.vector_norm(grad).item()
            if norm is None:
                rows.append(GradRow(name, shape_text(t), "None"))
            elif norm == 0.0:
                rows.append(GradRow(name, shape_text(t), "all zero", 0.0))
            else:
                rows.append(GradRow(name, shape_text(t), "norm", norm))
        return rows


def _group(names: Sequence[str]) -> list[str]:
    """Summarise many parameter names by their top-level module: `backbone (12 tensors)`."""
    if len(names) <= 4:
        return list(names)
    groups: dict[str, int] = {}
    for name in names:
        groups[name.split(".")[0]] = groups.get(name.split(".")[0], 0) + 1
    return [f"{g} ({n} tensors)" if n > 1 else g for g, n in groups.items()]


def analyse(ctx: Context) -> Report:
    """Walk the loss graphs, join them with the recording, and return the Report."""
    if not isinstance(ctx, Context):
        raise TypeError("gl.analyse() takes a gl.Context; to check a loss or a function, call "
                        f"gl.diagnose() (got {type(ctx).__name__})")
    # The walk makes thousands of small objects next to torch's many long-lived ones; the
    # cyclic collector's pauses would cost more than the analysis itself. Nothing made here
    # forms a cycle, and collection resumes at the end.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Analysis(ctx).run()
    finally:
        if enabled:
            gc.enable()
