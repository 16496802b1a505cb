"""What a recording holds: events, warnings and the places in user code they happened."""

from __future__ import annotations

import bisect
import itertools
import os
import re
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import torch

from gradlab._autograd import metadata, sequence_nr

if TYPE_CHECKING:
    from gradlab.recording.terms import Terms

__all__ = ["Cause", "Event", "Kind", "Origin", "Provenance", "Recording", "Warned", "Where",
           "describe_file"]

_recording_serial = itertools.count(1)
UNSEEN = object()  # module_owners' mark for nodes made outside the recording

Kind = Literal["cut", "join", "in_place", "grad_read", "to_non_leaf", "backward", "torch_error",
               "requires_grad", "optimizer_param", "times_zero", "zero_derivative", "nan_risk",
               "behind_autograd", "stale_use", "grad_kept", "grad_reset", "fresh"]


def describe_file(filename: str) -> str:
    """A file as findings name it: its base name, or `cell` for a notebook cell."""
    if "ipykernel_" in filename or filename.startswith("<ipython-input"):
        return "cell"
    return os.path.basename(filename)


@dataclass(frozen=True)
class Where:
    """A line of user code: a file name (or a notebook cell) and a line number."""

    file: str
    line: int
    function: str
    path: str = field(default="", compare=False)  # the real file: two cells differ here

    def __str__(self) -> str:
        return f"line {self.line}" if self.file == "cell" else f"{self.file}:{self.line}"


NOWHERE = Where("unknown", 0, "?")


_TRIGGERED = re.compile(r" \(Triggered internally at [^)]*\)")


@dataclass(frozen=True)
class Warned:
    """One warning the program raised: its category, message and the user's file and line."""

    category: str
    message: str
    file: str
    line: int

    @property
    def where(self) -> str:
        """`train.py:7` (`line 7` in a notebook cell), as findings name places."""
        return str(Where(describe_file(self.file), self.line, ""))

    def __str__(self) -> str:
        """The warning as gradlab shows it: its first line, without the C++ source place
        torch appends (`(Triggered internally at /__w/pytorch/...)`), a path of torch's build."""
        text = _TRIGGERED.sub("", self.message.splitlines()[0])
        return f"{self.where}: {self.category}: {text}"


Cause = Literal["no_grad", "inference_mode", "detach", "data_attribute", "numpy_roundtrip",
                "rewrap", "integer_dtype", "non_differentiable"]
Origin = Literal["optimizer.step", "init"]


@dataclass(slots=True)
class Event:
    """Something the recorder saw that matters for gradients; `kind` says which. Each field
    means one thing; a field that a kind does not use keeps its default.

    field           kinds             meaning
    index           all               its place in `Recording.events`
    kind            all               what happened (`Kind`)
    op              all               the torch call it was seen at ("" if not known)
    where           all               the user's line
    cause           cut               how the value lost its history
    cuts            cut, join,        indices of the cut events behind the value (a cut: the
                    torch_error,      earlier ones it carries; torch_error: behind the tensors
                    behind_autograd,  of a failed backward; behind_autograd: the `.data` cut;
                    requires_grad     requires_grad: behind the tensor when it was set)
    leaves          join, fresh,      keys (`Recording.leaf`) of the history-free leaves
                    requires_grad     behind the value (requires_grad: behind the tensor when
                                      it was set; with `cuts`, empty for a tensor created like
                                      a weight, set for a value computed from others)
    source_leaves   cut, in_place,    the leaves the cut-off value was computed from
                    behind_autograd   (in_place, behind_autograd: the new value the code
                                      itself gave a leaf that requires grad, or x of `x.data`:
                                      `target.lerp_(p, tau)`, `t.data.copy_(p.data)`)
    source_node     cut               the node that made the cut-off value
    fresh_leaf      cut               a re-wrap that made a new leaf requiring grad
    tensor          most              the tensor it is about (a cut: x of `x.data`)
    shape           most              that tensor's shape (a cut: the cut-off value's)
    producer        most              the node that made that tensor, or the op's output
                                      (in_place: before the change)
    version_before  in_place          the tensor's version before the change
    origin          in_place          made by an optimizer step or torch.nn.init (None: the
                                      code itself)
    refused         in_place          torch refused it: a leaf that requires grad
    retain_graph    backward          the call kept its graph (retain_ or create_graph)
    failed          backward          the call raised
    error, message  torch_error       the exception's type name and its message
    stack           cut, torch_error, the user's lines running, innermost first (cuts: only
                    behind_autograd   under no_grad or inference_mode; behind_autograd: the
                                      innermost only)
    set_to          requires_grad     the value set
    reason          nan_risk          why the backward gives NaN/Inf here
    kept_graph      behind_autograd   the backward whose kept graph gave the new value its
                                      history (create_graph / retain_graph)
    change          stale_use         the behind_autograd event whose change the node missed
    after_change    stale_use         the node was made after the change (from the changed
                                      non-leaf), not before it
    used_by         stale_use         the node that used the changed value
    params          grad_kept,        the parameters whose `.grad` holds a gradient a step
                    grad_reset        already used / no longer holds one
    """

    index: int
    kind: Kind
    op: str
    where: Where
    cause: Cause | Literal[""] = ""
    cuts: frozenset[int] = frozenset()
    leaves: frozenset[int] = frozenset()
    source_leaves: tuple[weakref.ref[torch.Tensor], ...] = ()
    source_node: str = ""
    fresh_leaf: bool = False
    tensor: weakref.ref[torch.Tensor] | None = None
    shape: tuple[int, ...] = ()
    producer: str = ""
    version_before: int = 0
    origin: Origin | None = None
    refused: bool = False
    retain_graph: bool = False
    failed: bool = False
    error: str = ""
    message: str = ""
    stack: tuple[tuple[str, int], ...] = ()
    set_to: bool | None = None
    reason: str = ""
    kept_graph: int | None = None
    change: int | None = None
    after_change: bool = False
    used_by: str = ""
    params: tuple[weakref.ref[torch.Tensor], ...] = ()

    def stepped(self) -> torch.Tensor | None:
        """The tensor an optimizer step changed, when this is such a change and it is alive."""
        if self.kind != "in_place" or self.origin != "optimizer.step" or self.tensor is None:
            return None
        return self.tensor()


@dataclass
class Provenance:
    """Where a tensor without history came from: the cuts and the history-free leaves behind it."""

    ref: weakref.ref[torch.Tensor]
    cuts: frozenset[int]
    leaves: frozenset[int]


@dataclass
class Recording:
    """What happened during a recorded forward pass, as plain data plus weak references."""

    serial: int = field(default_factory=lambda: next(_recording_serial))
    events: list[Event] = field(default_factory=list)
    ops: int = 0  # how many torch calls ran while recording
    leaf_refs: dict[int, weakref.ref[torch.Tensor]] = field(default_factory=dict)
    provenance: dict[int, Provenance] = field(default_factory=dict, repr=False)
    warned: list[Warned] = field(default_factory=list)
    # the parameters an optimizer step updated from a non-zero gradient (by id, held weakly)
    trained: dict[int, weakref.ref[torch.Tensor]] = field(default_factory=dict, repr=False)
    # tensors made by randn, zeros...: initialised like a weight, not computed like a constant
    initialised: dict[int, weakref.ref[torch.Tensor]] = field(default_factory=dict, repr=False)
    initialised_storage: set[int] = field(default_factory=set, repr=False)  # their addresses
    # which module each graph node was made in, by autograd sequence number: a node numbered
    # n was made in module_owners[i] for the last i with module_starts[i] <= n (None: outside
    # any module; UNSEEN: before or after the recording)
    module_starts: list[int] = field(default_factory=list, repr=False)
    module_owners: list[Any] = field(default_factory=list, repr=False)
    # sequence numbers of the nodes this recording wrote into `grad_fn.metadata`: a node's
    # metadata dict is made on first access, which costs more than the rest of a walk's visit
    marked: set[int] = field(default_factory=set, repr=False)
    # the terms of the losses given to backward() after a cut joined the graph (recording.terms)
    terms: dict[tuple[Any, ...], Terms] = field(default_factory=dict, repr=False)
    active: bool = False
    finished: bool = False

    @property
    def tag(self) -> str:
        """The key under which this recording marks graph nodes in `grad_fn.metadata`."""
        return f"gradlab:{self.serial}"

    def of_kind(self, kind: str) -> list[Event]:
        """Return the events of one kind, in the order they happened."""
        return [e for e in self.events if e.kind == kind]

    def origin(self, t: torch.Tensor) -> tuple[frozenset[int], frozenset[int]]:
        """Return (cut event indices, leaf keys) behind a tensor without history."""
        entry = self.provenance.get(id(t))
        if entry is not None and entry.ref() is t:
            return entry.cuts, entry.leaves
        return frozenset(), frozenset()

    def node_metadata(self, node: Any) -> dict[str, Any]:
        """The `metadata` of a graph node this recording marked; empty for any other node."""
        return metadata(node) if sequence_nr(node) in self.marked else {}

    def node_events(self, node: Any) -> list[Event]:
        """Return the join events recorded on a graph node (a `grad_fn`)."""
        return [self.events[i] for i in self.node_metadata(node).get(self.tag, ())]

    def place(self, node: Any) -> int:
        """Where a graph node was made: an index into `module_owners` (-1: before recording)."""
        return bisect.bisect_right(self.module_starts, sequence_nr(node)) - 1

    def modules_by_place(self) -> list[tuple[bool, torch.nn.Module | None]]:
        """For each entry of `module_owners`: (whether the nodes made there were made while
        recording, the module they were made in if it is still alive)."""
        return [(False, None) if owner is UNSEEN else (True, None if owner is None else owner())
                for owner in self.module_owners]

    def node_module(self, node: Any) -> torch.nn.Module | None:
        """The module a graph node was made in while recording, if it is still alive."""
        at = self.place(node)
        owner = self.module_owners[at] if at >= 0 else None
        return None if owner is None or owner is UNSEEN else owner()

    def leaf(self, key: int) -> torch.Tensor | None:
        """Return the history-free leaf tensor recorded under `key`, if it is still alive."""
        ref = self.leaf_refs.get(key)
        return None if ref is None else ref()

    def __repr__(self) -> str:
        kinds = Counter(e.kind for e in self.events)
        listed = ", ".join(f"{k}={n}" for k, n in sorted(kinds.items())) or "no events"
        return f"<gradlab.Recording: {self.ops} torch calls, {listed}>"
