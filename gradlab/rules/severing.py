"""Severing: how a cut is drawn, worded and weighed, shared by the rules that find cuts.

A cut is an error only when a tensor the user trains loses its only path to the loss; it is
`info` when what it cut is not trained here, is trained by another optimizer with another loss,
or still gets a gradient along another path (the run's own `.grad` says so). The rules that meet
a cut (at a join, behind a loss without history, at a re-wrapped loss, at the exception) draw
and word it here, so it is drawn and worded the same way by every one of them. Drawing is data:
the helpers return marks (`gradlab.overlay`) beside the findings, and never touch the graph.
"""

from __future__ import annotations

import ast
from collections.abc import Sized

import torch

from gradlab.facts import (
    Facts,
    grad_mode_block,
    group,
    initialised,
    place,
    source_tree,
    where,
)
from gradlab.graph import LOST, shape_text
from gradlab.overlay import AddEdge, Item, LeafOf, Lost, Mark, Marked, MarkMadeBy, NewNode, Ref
from gradlab.recording import Event, Where, describe_file
from gradlab.report import Finding

__all__ = ["CUT_SEVERITY", "history_free", "leaf_node", "lost_numbers", "mark_node_of",
           "not_a_tensor_loss", "reentrant_checkpoint", "sever"]

# The severity policy of every cut kind (declared in the rule modules' METADATA).
CUT_SEVERITY = ("error when a trained tensor loses every path to the loss; warning when it cuts "
                "a term of the loss off every tensor the optimizers stepped after it hold "
                "(unstepped_term: a generator's step on a detached fake); info for an intended "
                "stop (another path trains it, a discriminator's detached fake, a target "
                "network)")
_CAUSE_LABEL = {"no_grad": "no_grad", "inference_mode": "inference_mode", "detach": "detach",
                "data_attribute": ".data", "numpy_roundtrip": "numpy", "rewrap": "rewrap",
                "non_differentiable": "non-differentiable", "integer_dtype": "integer dtype"}
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
# a no_grad cut made inside a reentrant checkpoint: the user wrote no no_grad block
_CHECKPOINT_TEXT = (
    "checkpoint(..., use_reentrant=True) at {at} runs its function under torch.no_grad() and "
    "connects it to the backward only through its tensor inputs, and none of them requires "
    "grad (an input from a frozen embedding, say; torch warns \"None of the inputs have "
    "requires_grad=True\"), so the backward skips the checkpointed layers and their .grad "
    "stays None.",
    "pass use_reentrant=False to the checkpoint at {at} (it records the layers whatever its "
    "input), or make its input require grad first ({input}.requires_grad_(), or "
    "model.enable_input_require_grads() with transformers)")
_TARGET_FIX = ("nothing, for a target network: its values are meant to come without history; "
               "if these tensors should train, compute their output outside the no_grad block")
_LOSS_CUTS = ("numpy_roundtrip", "rewrap", "detach", "data_attribute")
_REWRAP_FIX = ("use torch.stack / torch.cat / ops on the tensors themselves, keep tensors "
               "instead of .item() numbers, and do not set requires_grad=True on the result")


def mark_node_of(t: torch.Tensor, mark: str) -> MarkMadeBy:
    """The mark on the graph node that made `t`."""
    label = t.grad_fn.name().removeprefix("torch::autograd::") if t.grad_fn else ""
    return MarkMadeBy(label, mark)


def leaf_node(facts: Facts, t: torch.Tensor, quiet: bool = False) -> LeafOf:
    """The node of a leaf, drawn if nothing drew it before (`quiet`: without marks, behind a
    cut that may be intended)."""
    return LeafOf(id(t), NewNode(facts.names.name(t), "leaf", shape_text(t),
                                 () if quiet else facts.names.leaf_marks(t)))


def _chains(facts: Facts, cut_ids: frozenset[int]) -> list[list[Event]]:
    """Group cut events into chains (a detach followed by numpy is one chain)."""
    assert facts.rec is not None
    events = [facts.rec.events[i] for i in sorted(cut_ids)]
    heads = [e for e in events if not any(e.index in f.cuts for f in events)]
    chains: dict[tuple[str, str], list[Event]] = {}
    for head in heads:
        chain = [e for e in events if e.index in head.cuts] + [head]
        chains.setdefault((head.cause, where(head)), []).extend(chain)
    return list(chains.values())


def sever(facts: Facts, cut_ids: frozenset[int], into: Ref,
          quiet_if_reached: bool = False, failed: bool = False) -> Marked:
    """The findings of the cuts whose values entered the graph at node `into`, and their marks.

    With `quiet_if_reached`, a cut whose sources all get gradient elsewhere is drawn but
    not reported (a metric computed under no_grad next to the training loss). With `failed`
    (backward raised on the loss at `into`), what another loss reaches still lost this one."""
    findings: list[Finding] = []
    marks: list[Item] = []
    for chain in _chains(facts, cut_ids):
        head = chain[-1]
        leaves = [t for e in chain for ref in e.source_leaves if (t := ref()) is not None]
        unique = list({id(t): t for t in leaves}.values())
        source_node = next((e.source_node for e in chain if e.source_node), "")
        cause = head.cause
        if cause == "rewrap" and any(e.cause == "numpy_roundtrip" for e in chain):
            cause = "numpy_roundtrip"
        label = " + ".join(dict.fromkeys(_CAUSE_LABEL[e.cause] for e in chain))
        unreached = [t for t in unique if failed or id(t) not in facts.reached]
        lost = [t for t in unreached if id(t) not in facts.trained_by_run]
        finding = _cut_finding(facts, cause, head, chain, unique, lost) if (
            lost or not (quiet_if_reached or unreached)) else None
        if unreached and not lost:  # the run trained them: this path only is cut...
            if failed and finding is None:  # ... yet backward() was called through it
                finding = _failed_through(facts, cause, head, chain, unreached)
            else:
                findings.append(_trained_elsewhere(facts, cause, head, unreached))
        if lost:  # reported (as an error, or as info when another optimizer trains them)
            marks.append(Lost(frozenset(id(t) for t in lost)))
        intended = finding is None or finding.severity == "info"
        src: Ref
        if source_node or len(unique) > 1:  # one box where the leaves' paths were cut
            src = NewNode(source_node or f"{chain[0].op}(...)", "cut_source",
                          marks=() if intended else ("history cut off",))
            marks += [src, *(AddEdge(leaf_node(facts, t, intended), src) for t in unique)]
        elif unique:
            src = leaf_node(facts, unique[0], intended)
        else:
            src = NewNode("value without history", "cut_source")
            marks.append(src)
        if not intended:
            marks += [Mark(leaf_node(facts, t), LOST) for t in lost]
        marks.append(AddEdge(src, into, label, where(head), intended))
        if finding is not None:
            findings.append(finding)
    return Marked(findings, marks)


def _trained_elsewhere(facts: Facts, cause: str, head: Event,
                      trained: list[torch.Tensor]) -> Finding:
    """The finding for a cut on one path of tensors that still trained through another (a
    critic's value detached in the advantage and trained by its own loss)."""
    names = [facts.names.name(t) for t in trained]
    return Finding(cause, "info", tuple(names), where(head),
                   f"this path carries no gradient, by design; {', '.join(names)} still "
                   f"train{'s' if len(names) == 1 else ''} through {facts.trains_through} "
                   "(the run shows it: a non-zero .grad after it, or an optimizer step that "
                   "used one).", _CUT_TEXT[cause][1], place(head.where))


def _failed_through(facts: Facts, cause: str, head: Event, chain: list[Event],
                    trained: list[torch.Tensor]) -> Finding | None:
    """The error for a cut behind a backward() that raised, on a path of tensors that train
    through another backward: the program meant this loss to carry gradient."""
    if cause == "non_differentiable":
        return None
    names = [facts.names.name(t) for t in trained]
    message, fix = _cut_text(cause, head, chain, ", ".join(names), len(names))
    return Finding(cause, "error", tuple(names), where(head), (
        f"backward() was called on a loss without history: {message} ({', '.join(names)} "
        f"train through {facts.trains_through}; this loss gives them nothing.)"), fix,
        place=place(head.where))


def _cut_text(cause: str, head: Event, chain: list[Event], what: str,
              count: int) -> tuple[str, str]:
    """What a cut did to `what` (`count` tensors), and its fix: the block or the reentrant
    checkpoint it ran under named when known."""
    first = next((e for e in chain if e.cause == cause), head)
    message_text, fix = _CUT_TEXT[cause]
    message = message_text.format(what=what, op=first.op, were="were" if count > 1 else "was")
    block = grad_mode_block(first) if first.stack else ""
    if block:
        message = message.replace("()", f"() (the block at {block})", 1)
    elif cause == "no_grad" and (call := reentrant_checkpoint(first)) is not None:
        message, fix = _CHECKPOINT_TEXT[0].format(at=call[0]), _CHECKPOINT_TEXT[1].format(
            at=call[0], input=call[1])
    return message, fix


def _cut_finding(facts: Facts, cause: str, head: Event, chain: list[Event],
                 leaves: list[torch.Tensor], lost: list[torch.Tensor]) -> Finding | None:
    """The finding for a cut: an error when a trained tensor loses its only path to the
    loss; info when what it cut is not trained here or still gets gradient elsewhere."""
    if cause == "non_differentiable" and not lost:
        return None
    names = [facts.names.name(t) for t in (lost or leaves)]
    what = ", ".join(names) if names else "the value"
    message, fix = _cut_text(cause, head, chain, what, len(names))
    if lost:
        severity, message, fix = _weigh(facts, lost, what, message, fix)
    else:
        severity = "info"  # nothing it cut is known to lose its path: not claimed lost
        message = (f"may be intended: {message}" + (" They still get gradient along another "
                                                      "path." if leaves else ""))
    return Finding(cause, severity, tuple(names), where(head), message, fix,
                   place=place(head.where))


def _weigh(facts: Facts, lost: list[torch.Tensor], what: str, message: str,
           fix: str) -> tuple[str, str, str]:
    """Severity, wording and fix of a cut that left `lost` without a path to the found
    losses."""
    optimizers = facts.optimizers_of([id(t) for t in lost])
    reached_optimizers = facts.optimizers_of(list(facts.reached))
    if facts.names.optimized and not optimizers:
        return "info", (f"may be intended: {message} They are not trained by any optimizer "
                        "here."), fix
    moved = [facts.moved_by_hand.get(id(t)) for t in lost]
    if all(moved):  # not trained: moved by hand from the trained ones
        return "info", _target_network(facts, [m for m in moved if m], message), _TARGET_FIX
    if optimizers and reached_optimizers and not optimizers & reached_optimizers:
        return "info", (f"may be intended: {message} They are trained by another optimizer "
                        f"({', '.join(sorted(optimizers))}) with another loss."), fix
    return "error", f"{what} {_get(lost)} no gradient: {message}", fix


def _target_network(facts: Facts, moved: list[tuple[Event, list[torch.Tensor]]],
                    message: str) -> str:
    """The wording of a cut off tensors that the code moves by hand from other parameters."""
    sources = {id(s): facts.names.name(s) for _, others in moved for s in others}
    lines = ", ".join(dict.fromkeys(where(event) for event, _ in moved if where(event)))
    return (f"may be intended: a target network: {message} They get no gradient by design: "
            f"the code changes them in place from {', '.join(group(list(sources.values())))}"
            f"{f' at {lines}' if lines else ''} (a Polyak or copy update), not through a "
            "loss.")


def _get(names: Sized) -> str:
    """`gets` for one tensor, `get` for more."""
    return "gets" if len(names) == 1 else "get"


def reentrant_checkpoint(event: Event) -> tuple[str, str] | None:
    """The user's call of a reentrant checkpoint (`checkpoint(f, x)` without
    `use_reentrant=False`) that a no_grad cut ran under, innermost first: its place and the
    source of its first tensor input; None when the cut ran under none."""
    for file, line in event.stack:
        tree = source_tree(file)
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and node.lineno <= line <= (node.end_lineno or node.lineno)
                 and "checkpoint" in ast.unparse(node.func).rsplit(".", 1)[-1]
                 and not any(k.arg == "use_reentrant" and isinstance(k.value, ast.Constant)
                             and k.value.value is False for k in node.keywords)
                 ] if tree is not None else []
        if calls:
            call = max(calls, key=lambda node: node.lineno)
            given = ast.unparse(call.args[1]) if len(call.args) > 1 else "the input"
            return str(Where(describe_file(file), call.lineno, "")), given
    return None


def history_free(facts: Facts, keys: frozenset[int], into: Ref,
                 floor: str = "warning") -> Marked:
    """The findings of the leaves without requires_grad that entered node `into` and look like
    weights, and their marks (a frozen parameter is drawn apart, not reported)."""
    assert facts.rec is not None
    findings = []
    marks: list[Item] = []
    names = facts.names
    for key in sorted(keys):
        t = facts.rec.leaf(key)
        if t is None:
            continue
        name = names.name(t)
        if id(t) in names.plain and (t.dim() == 0 or not initialised(facts.rec, t, name)):
            continue  # a constant kept on the module (a noise level, a position table)
        if id(t) in names.plain:
            label, kind = "plain tensor, not a Parameter", "plain_tensor_attribute"
            message = (f"{name} is a plain tensor attribute, not an nn.Parameter: it does "
                       "not require grad and is not in model.parameters(), so it never "
                       "trains.")
            fix = f"self.{name.split('.')[-1]} = nn.Parameter(...)"
            severity = "error"
        elif id(t) in names.frozen:
            frozen = NewNode(name, "frozen", shape_text(t), ("frozen: requires_grad=False",))
            marks.append(AddEdge(LeafOf(id(t), frozen), into, "frozen", intended=True))
            continue
        elif id(t) in names.optimized or (not names.optimized and names.looks_like_weight(
                id(t))):  # with optimizers, they say what trains
            label, kind = "requires_grad=False", "missing_requires_grad"
            message = (f"{name} feeds the loss but does not require grad, so it gets "
                       "no gradient.")
            fix = f"create it with requires_grad=True or call {name}.requires_grad_()"
            severity = "error" if id(t) in names.optimized else floor
        else:
            continue
        src = NewNode(name, "history_free", shape_text(t), (label,))
        marks += [src, AddEdge(src, into, label)]
        findings.append(Finding(kind, severity, (name,), "", message, fix))
    return Marked(findings, marks)


def not_a_tensor_loss(facts: Facts, type_name: str) -> Finding | None:
    """The cut that made the loss a `type_name` (numpy or Python number), if one was recorded."""
    cuts = [e for e in facts.events("cut") if e.cause in _LOSS_CUTS]
    if type_name.startswith("numpy"):
        cuts = [e for e in cuts if e.cause == "numpy_roundtrip"] or cuts
    if not cuts:
        return None
    cut = cuts[-1]
    chain = [cut] + [facts.rec.events[i] for i in sorted(cut.cuts)] if facts.rec else [cut]
    leaves = {id(t): t for e in chain for ref in e.source_leaves if (t := ref()) is not None}
    names = tuple(facts.names.name(t) for t in leaves.values())
    lost = f"; {', '.join(names)} {_get(names)} no gradient" if names else ""
    kind = "numpy_roundtrip" if cut.cause == "numpy_roundtrip" else "rewrap"
    made = "numpy values" if kind == "numpy_roundtrip" else "Python numbers"
    return Finding(
        kind, "error", names, where(cut),
        f"the loss is a {type_name}, not a tensor: .{cut.op}() at {where(cut)} turned it into "
        f"{made} without autograd history, so it has no backward(){lost}.",
        "compute the loss with torch ops on the tensors (torch.mean((pred - y) ** 2)); keep "
        ".item() and .numpy() for logging", place=place(cut.where))


def lost_numbers(facts: Facts, fresh: bool, how: str) -> list[Finding | Lost]:
    """Trainable tensors no loss reached that a re-wrap took in: as a fresh leaf with
    `requires_grad=True` (`fresh`), or as Python numbers (`.item()`, `float()`,
    `torch.Tensor([a, b])`) from which the loss was built."""
    train = facts.trainable
    by_line: dict[tuple[str, str, int], tuple[Event, set[str]]] = {}
    for event in facts.events("cut"):
        if event.cause != "rewrap" or event.fresh_leaf != fresh:
            continue
        sources = {id(t) for ref in event.source_leaves if (t := ref()) is not None}
        for i in event.cuts:  # .item() values that went in
            sources |= {id(t) for ref in facts.rec.events[i].source_leaves  # type: ignore[union-attr]
                        if (t := ref()) is not None}
        lost = {train[k][0] for k in sources if k in train and k not in facts.reached}
        if lost:
            by_line.setdefault((where(event), *place(event.where)), (event, set()))[1].update(lost)
    found: list[Finding | Lost] = []
    for (line, *_), (event, lost) in sorted(by_line.items()):
        names = sorted(lost)
        found.append(Lost(frozenset(k for k, (n, _) in train.items() if n in lost)))
        found.append(Finding(
            "rewrap", "error", tuple(names), line,
            f"{', '.join(names)} {_get(names)} no gradient: {event.op}(...) at {line} copies "
            f"their values {how}", _REWRAP_FIX, place=place(event.where)))
    return found
