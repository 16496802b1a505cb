"""Record a forward pass: where gradient history was cut, in-place changes, `.grad` reads.

`record()` installs a `TorchFunctionMode` that sees every torch call. It holds tensors weakly,
never changes grad mode and installs no saved-tensor hooks, so the watched code computes exactly
what it computes without it. Warnings a call raises are re-issued at the line that made the call
(where Python puts them without gradlab), once, through the program's own filters; anomaly mode's
forward traceback keeps only the program's frames. While it records, `nn.Module._call_impl` is
wrapped to note where each module starts and ends, and one warnings filter sends the warnings of
torch calls to gradlab first; the last recording to end puts both back, also in modules
imported meanwhile.

One difference cannot be avoided: while any TorchFunctionMode is active, PyTorch skips the fused
"fast path" of `nn.TransformerEncoder`/`nn.MultiheadAttention` in eval mode and takes the
ordinary one, whose outputs differ in the last bits (about 1e-6).
"""

from __future__ import annotations

import bisect
import contextlib
import inspect
import itertools
import os
import re
import sys
import sysconfig
import threading
import warnings
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any, cast

import torch
from torch.overrides import TorchFunctionMode

__all__ = ["Event", "Recording", "Warned", "Where", "describe_file", "is_internal", "record",
           "storage_address"]

_recording_serial = itertools.count(1)
_UNSEEN = object()  # module_owners' mark for nodes made outside the recording
_next_sequence_nr = torch._C._autograd._get_sequence_nr  # the number the next node gets
_is_compiling = torch.compiler.is_compiling
_anomaly_enabled = torch.is_anomaly_enabled
_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_GRADLAB_DIR = os.path.dirname(__file__) + os.sep
_STDLIB_DIR = sysconfig.get_paths()["stdlib"] + os.sep
_INTERNAL_DIRS = (_TORCH_DIR, _GRADLAB_DIR, _STDLIB_DIR)
_OPTIM_DIR = os.path.join(_TORCH_DIR, "optim") + os.sep
_INIT_FILE = os.path.join(_TORCH_DIR, "nn", "init.py")
_LIBRARY_DIRS = tuple({sysconfig.get_paths()["purelib"] + os.sep,
                       sysconfig.get_paths()["platlib"] + os.sep})
# frames that exist only because the recorder is active: a warning attributed to them, or a
# traceback line in them, belongs to the program's line that made the torch call
_DISPATCH_FILES = (os.path.abspath(__file__), os.path.join(_TORCH_DIR, "overrides.py"))


@dataclass(frozen=True)
class Where:
    """A line of user code: a file name (or a notebook cell) and a line number."""

    file: str
    line: int
    function: str
    path: str = field(default="", compare=False)  # the real file: two cells differ here

    def __str__(self) -> str:
        return f"line {self.line}" if self.file == "cell" else f"{self.file}:{self.line}"


_NOWHERE = Where("unknown", 0, "?")
_internal_code: dict[CodeType, bool] = {}


def is_internal(code: CodeType) -> bool:
    """True for code of torch, gradlab or the standard library (not the user's)."""
    known = _internal_code.get(code)
    if known is None:
        name = code.co_filename
        known = name.startswith(_INTERNAL_DIRS) or name.startswith("<frozen")
        _internal_code[code] = known
    return known


def describe_file(filename: str) -> str:
    """A file as findings name it: its base name, or `cell` for a notebook cell."""
    if "ipykernel_" in filename or filename.startswith("<ipython-input"):
        return "cell"
    return os.path.basename(filename)


def user_where(frame: FrameType | None) -> Where:
    """Return the first frame at or above `frame` that is not torch, gradlab or the stdlib."""
    while frame is not None and is_internal(frame.f_code):
        frame = frame.f_back
    if frame is None:
        return _NOWHERE
    code = frame.f_code
    return Where(describe_file(code.co_filename), frame.f_lineno, code.co_name, code.co_filename)


def exception_where(exc: BaseException) -> Where | None:
    """Return the deepest line of user code in an exception's traceback."""
    tb = exc.__traceback__
    found: Where | None = None
    while tb is not None:
        here = user_where(tb.tb_frame)
        if here.line and here.function == tb.tb_frame.f_code.co_name:
            found = Where(here.file, tb.tb_lineno, here.function, here.path)
        tb = tb.tb_next
    return found


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
        return f"{self.where}: {self.category}: {self.message.splitlines()[0]}"


@dataclass
class Event:
    """Something the recorder saw that matters for gradients.

    kinds: `cut` (a value lost its history: `cause` says how), `join` (a value without history
    entered a tracked op), `in_place`, `grad_read`, `to_non_leaf`, `backward` (a tensor given
    to backward() or autograd.grad(); `detail` is "raised" when that call failed),
    `torch_error` (an exception that passed through a torch call -- backward() or any other
    op: `op` its type, `detail` its message, `stack` the user's lines that were running;
    no_grad cuts keep theirs too),
    `requires_grad` (set to `detail`), `optimizer_param` (an optimizer took `tensor` in, at
    the user's line that built it or added the group), `times_zero` (an op multiplied by the
    constant 0: the gradient through it is zero on purpose); silent ones: `zero_derivative`
    (round, sign...), `nan_risk` (an op whose backward gives NaN/Inf here), `behind_autograd`
    (an in-place change through `x.data`: `tensor` is x, `cuts` the `.data` cut and, with
    `detail` "history", the backward whose kept graph the change's own history came from:
    `.data` drops it), `stale_use` (a node made before that change that saved x, or with
    `detail` "used after", a node made after it that used a changed non-leaf; found when
    backward started), `grad_kept` / `grad_reset` (at a backward: the parameters in
    `source_leaves` hold a gradient an optimizer step already used / no longer do). An
    `in_place` event's `detail` is "leaf" (refused on a leaf that requires grad),
    "optimizer.step" (made by an optimizer for the user's line) or "init" (torch.nn.init
    filling a new parameter).
    """

    index: int
    kind: str
    op: str
    where: Where
    cause: str = ""
    cuts: frozenset[int] = frozenset()
    leaves: frozenset[int] = frozenset()
    source_leaves: tuple[weakref.ref[torch.Tensor], ...] = ()
    source_node: str = ""
    tensor: weakref.ref[torch.Tensor] | None = None
    shape: tuple[int, ...] = ()
    dtype: str = ""
    version_before: int = 0
    version_after: int = 0
    producer: str = ""
    retain_graph: bool = False
    detail: str = ""
    stack: tuple[tuple[str, int], ...] = ()


@dataclass
class _Provenance:
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
    provenance: dict[int, _Provenance] = field(default_factory=dict, repr=False)
    warned: list[Warned] = field(default_factory=list)
    # tensors made by randn, zeros...: initialised like a weight, not computed like a constant
    initialised: dict[int, weakref.ref[torch.Tensor]] = field(default_factory=dict, repr=False)
    initialised_storage: set[int] = field(default_factory=set, repr=False)  # their addresses
    # which module each graph node was made in, by autograd sequence number: a node numbered
    # n was made in module_owners[i] for the last i with module_starts[i] <= n (None: outside
    # any module; _UNSEEN: before or after the recording)
    module_starts: list[int] = field(default_factory=list, repr=False)
    module_owners: list[Any] = field(default_factory=list, repr=False)
    # sequence numbers of the nodes this recording wrote into `grad_fn.metadata`: a node's
    # metadata dict is made on first access, which costs more than the rest of a walk's visit
    marked: set[int] = field(default_factory=set, repr=False)
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
        return cast(dict[str, Any], node.metadata) if node._sequence_nr() in self.marked else {}

    def node_events(self, node: Any) -> list[Event]:
        """Return the join events recorded on a graph node (a `grad_fn`)."""
        return [self.events[i] for i in self.node_metadata(node).get(self.tag, ())]

    def place(self, node: Any) -> int:
        """Where a graph node was made: an index into `module_owners` (-1: before recording)."""
        return bisect.bisect_right(self.module_starts, node._sequence_nr()) - 1

    def modules_by_place(self) -> list[tuple[bool, torch.nn.Module | None]]:
        """For each entry of `module_owners`: (whether the nodes made there were made while
        recording, the module they were made in if it is still alive)."""
        return [(False, None) if owner is _UNSEEN else (True, None if owner is None else owner())
                for owner in self.module_owners]

    def node_module(self, node: Any) -> torch.nn.Module | None:
        """The module a graph node was made in while recording, if it is still alive."""
        at = self.place(node)
        owner = self.module_owners[at] if at >= 0 else None
        return None if owner is None or owner is _UNSEEN else owner()

    def leaf(self, key: int) -> torch.Tensor | None:
        """Return the history-free leaf tensor recorded under `key`, if it is still alive."""
        ref = self.leaf_refs.get(key)
        return None if ref is None else ref()

    def __repr__(self) -> str:
        kinds = Counter(e.kind for e in self.events)
        listed = ", ".join(f"{k}={n}" for k, n in sorted(kinds.items())) or "no events"
        return f"<gradlab.Recording: {self.ops} torch calls, {listed}>"


_GRAD_MODES = ("no_grad", "inference_mode")  # cuts made by a block: its line is on the stack
_DTYPE_CHANGERS = {"to", "double", "float", "half", "bfloat16", "cuda", "cpu", "type"}
_INTEGER_CASTS = {"long", "int", "short", "bool", "byte", "char"}
_IN_PLACE_DUNDERS = {"__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__",
                     "__ifloordiv__", "__imod__", "__ipow__", "__iand__", "__ior__", "__ixor__",
                     "__ilshift__", "__irshift__", "__imatmul__"}
_ZERO_DERIVATIVE = {"round", "floor", "ceil", "trunc", "fix", "sign", "sgn", "__round__",
                    "__floor__", "__ceil__", "__trunc__"}
_SINGULAR = {"sqrt", "rsqrt", "log", "log2", "log10", "log1p", "acos", "asin", "arccos", "arcsin",
             "div", "divide", "true_divide", "__truediv__", "__rtruediv__", "__div__",
             "reciprocal", "pow", "__pow__", "float_power", "exp", "where", "nan_to_num", "clamp",
             "clip", "clamp_max", "clamp_min", "masked_fill"}
_MULTIPLY = {"mul", "multiply", "__mul__", "__rmul__"}
_CONSTRUCTORS_FROM_SHAPE = {"zeros_like", "ones_like", "empty_like", "full_like", "rand_like",
                            "randn_like", "randint_like", "size", "dim", "numel", "shape",
                            "new_zeros", "new_ones", "new_empty", "new_full"}


def _func_name(func: Callable[..., Any]) -> str:
    name = getattr(func, "__name__", None) or str(func)
    if name in ("__get__", "__set__"):
        owner = getattr(func, "__self__", None)
        name = f"{getattr(owner, '__name__', '?')}.{name}"
    return name


_known: dict[Any, tuple[str, str]] = {}  # func -> (name, category): once per function


_INITIALISERS = {"randn", "rand", "zeros", "ones", "empty", "full", "normal", "eye"}


def _category(name: str) -> str:
    """What kind of call a function is, from its name: which handler of the recorder runs."""
    if name == "detach" or name == "detach_":
        category = "detach"
    elif name == "data.__get__":
        category = "data"
    elif name == "grad.__get__":
        category = "grad_read"
    elif name == "numpy":
        category = "numpy"
    elif name in ("tensor", "as_tensor", "new_tensor", "Tensor"):
        category = "rewrap"
    elif name in ("item", "tolist", "__float__"):  # __float__: float(t), torch.Tensor([t])
        category = "item"
    elif name == "is_leaf.__get__":
        category = "is_leaf"
    elif name == "backward" or name == "grad":  # Tensor.backward, autograd.backward / .grad
        category = "backward"
    elif name == "requires_grad_" or name == "requires_grad.__set__":
        category = "requires_grad"
    elif name in _DTYPE_CHANGERS:
        category = "to"
    elif name.endswith((".__get__", ".__set__")):
        category = "ignore"  # other attribute reads and writes (`dtype`, `p.grad = None`)
    elif (name in _IN_PLACE_DUNDERS
          or (name.endswith("_") and not name.startswith("_")
              and name not in ("requires_grad_", "retain_grad_"))
          or (name.startswith("_foreach_") and name.endswith("_"))):
        category = "in_place"
    elif name in _CONSTRUCTORS_FROM_SHAPE:
        category = "ignore"
    elif name in _INITIALISERS:
        category = "initialised"
    elif name in _ZERO_DERIVATIVE:
        category = "zero_derivative"
    elif name in _MULTIPLY:
        category = "multiply"
    elif name in _SINGULAR:
        category = "singular"
    else:
        category = "op"
    return category


def _tensors_in(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[torch.Tensor]:
    found = []
    for value in itertools.chain(args, kwargs.values()) if kwargs else args:
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(v for v in value if isinstance(v, torch.Tensor))
    return found


# arguments that are never tensors, skipped by their type first: isinstance(x, torch.Tensor)
# costs 0.2 us for anything that is not a tensor (torch.Tensor has its own metaclass)
_NOT_TENSORS = frozenset({int, float, bool, str, type(None), torch.dtype, torch.device,
                          torch.layout, torch.memory_format})


def _all_tracked(values: Iterable[Any], nested: bool = False) -> bool:
    """Whether every tensor among `values`, or in a list or tuple among them, requires grad
    (a list inside a list counts as not). Plain loops: this runs on every op."""
    for v in values:
        if type(v) in _NOT_TENSORS:
            continue
        if isinstance(v, torch.Tensor):
            if not v.requires_grad:
                return False
        elif isinstance(v, (list, tuple)) and (nested or not _all_tracked(v, nested=True)):
            return False
    return True


def _tensors_out(out: Any) -> list[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [v for v in out if isinstance(v, torch.Tensor)]
    return []


def _metadata(node: Any) -> dict[str, Any]:
    """A graph node's `metadata` dict (torch's stubs type it as a method)."""
    return cast(dict[str, Any], node.metadata)


def _shape(t: torch.Tensor) -> tuple[int, ...]:
    return tuple(int(s) for s in t.shape)


def _version(t: torch.Tensor) -> int:
    """Return the version counter of `t` (-1 for inference tensors, which have none)."""
    try:
        return int(t._version)
    except RuntimeError:
        return -1


def _grad_fn(t: torch.Tensor) -> Any:
    """`t.grad_fn`, or None where reading it raises (a no_grad view whose base changed in
    place): the program never asked for it, so gradlab must not raise there."""
    try:
        return t.grad_fn
    except RuntimeError:
        return None


def _grad_fn_name(t: torch.Tensor) -> str:
    node = _grad_fn(t)
    return node.name() if node is not None else ""


def _upstream_leaves(t: torch.Tensor) -> tuple[weakref.ref[torch.Tensor], ...]:
    """Return weak references to the leaves that require grad behind `t` (itself if a leaf)."""
    if t.grad_fn is None:
        return (weakref.ref(t),) if t.requires_grad else ()
    leaves: list[weakref.ref[torch.Tensor]] = []
    seen: set[int] = set()
    stack = [t.grad_fn]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if isinstance(variable, torch.Tensor):
            leaves.append(weakref.ref(variable))
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return tuple(leaves)


def _plain_frame(frame: FrameType, func: Any) -> FrameType:
    """The frame that calls `func` when no recorder runs: the caller of the mode, above
    torch's dispatch and above the outer call of a Python-level torch function."""
    found: FrameType | None = frame
    while found is not None and found.f_code.co_filename in _DISPATCH_FILES:
        found = found.f_back
    code = getattr(inspect.unwrap(func), "__code__", None) if callable(func) else None
    if found is not None and code is not None and found.f_code is code:
        found = found.f_back
    return found or frame


# While any recording runs, a warning raised inside a torch call is attributed to the
# recorder's frame, not to the program's line. This filter, kept first, sends every such warning
# to `_show` before the program's filters see it; `_show` notes it and issues it again at the
# line Python gives it without gradlab, through the program's own filters, once. Swapping the
# filters around each call instead would cost as much as the rest of the recorder's work on it.
_TAPPED = ("always", None, Warning, re.compile(r"(gradlab\.record|torch\.overrides)\Z"), 0)


def _front_tap(filters: Any) -> None:
    """Put `_TAPPED` first in the program's filters again (it inserted one of its own)."""
    _drop(filters, _TAPPED)
    # without warnings._filters_mutated(): that bumps the filters' version, which would make
    # the program's "default" warnings show again
    filters.insert(0, _TAPPED)


def _drop(items: list[Any], item: Any) -> None:
    for i, value in enumerate(items):
        if value is item:
            del items[i]
            return


# While any recording runs, nn.Module._call_impl (what every module call runs) is
# `_module_call`: for the recording of the calling thread it notes the autograd sequence number
# at each module's entry and exit, so that a graph node's module is found later by its number.
# Global module hooks could note the same, but they send every module call down torch's slower
# path with hooks, at twice the cost. (Setting nn.Module.__call__ instead would cost 40 us each
# time: Python updates that slot in every subclass.)
_ModuleLists = tuple[list[weakref.ref[torch.nn.Module]], list[int], list[Any]]
_placements: dict[int, _ModuleLists] = {}  # thread -> (module stack, starts, owners)
_watch_lock = threading.Lock()
_plain_call_impl: Any = None  # nn.Module._call_impl before the first recording started
_shown_before: Any = None  # warnings._showwarnmsg then
_modules_before = 0  # len(sys.modules) then
_get_ident = threading.get_ident


def _module_call(self: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
    """`nn.Module._call_impl` while recording: the module's entry and exit, for the recording
    of the calling thread."""
    lists = None if _is_compiling() else _placements.get(_get_ident())  # dynamo inlines this
    if lists is None:
        return _plain_call_impl(self, *args, **kwargs)
    stack, starts, owners = lists
    ref = weakref.ref(self)
    stack.append(ref)
    starts.append(_next_sequence_nr())
    owners.append(ref)
    try:
        return _plain_call_impl(self, *args, **kwargs)
    finally:
        stack.pop()
        starts.append(_next_sequence_nr())
        owners.append(stack[-1] if stack else None)


_MODULE_CALL_CODE = _module_call.__code__


def _start_watch(lists: _ModuleLists) -> None:
    """Watch the calling thread's modules and every recorded call's warnings."""
    global _plain_call_impl, _shown_before, _modules_before
    hooks: Any = warnings  # the display hook is not in typeshed's stubs
    with _watch_lock:
        if not _placements:
            # ours may still be in place, put back by code that saved it while recording
            if torch.nn.Module._call_impl is not _module_call:
                _plain_call_impl = torch.nn.Module._call_impl
            if hooks._showwarnmsg is not _show:
                _shown_before = hooks._showwarnmsg
            _modules_before = len(sys.modules)
            torch.nn.Module._call_impl = _module_call  # type: ignore[method-assign]
            hooks._showwarnmsg = _show
            _front_tap(warnings.filters)
        _placements[_get_ident()] = lists


def _stop_watch() -> None:
    """Stop watching the calling thread; after the last recording, put everything back."""
    hooks: Any = warnings
    with _watch_lock:
        _placements.pop(_get_ident(), None)
        if _placements:
            return
        if torch.nn.Module._call_impl is _module_call:
            torch.nn.Module._call_impl = _plain_call_impl  # type: ignore[method-assign]
        if hooks._showwarnmsg is _show:
            hooks._showwarnmsg = _shown_before
        _drop(cast(list[Any], warnings.filters), _TAPPED)
        # a module imported meanwhile (sys.modules keeps the order of imports) may have kept
        # nn.Module._call_impl as it found it: torch's dynamo does, to recognise the calls it
        # can shorten. Give it the real one.
        for module in list(sys.modules.values())[_modules_before:] if (
                len(sys.modules) > _modules_before) else ():
            namespace = getattr(module, "__dict__", {})
            for key in [k for k, v in namespace.items() if v is _module_call]:
                namespace[key] = _plain_call_impl


def _show(msg: warnings.WarningMessage) -> None:
    """`warnings._showwarnmsg` while recording: a warning attributed to the recorder is noted
    and issued again at the program's line; any other is shown as it would be."""
    if msg.filename in _DISPATCH_FILES:
        frame: FrameType | None = sys._getframe(1)
        while frame is not None and frame.f_code is not _HANDLER_CODE:
            frame = frame.f_back
        if frame is not None and frame.f_back is not None:
            mine = frame.f_locals  # the recorder's own frame, not one of the program's
            _reissue(msg, frame.f_back, mine["func"], mine["self"].recording.warned)
            return
    _shown_before(msg)


def _reissue(w: warnings.WarningMessage, frame: FrameType, func: Any,
             warned: list[Warned]) -> None:
    """Issue a warning a torch call raised again, at the place Python would have put it."""
    at = _plain_frame(frame, func)
    filename, lineno, scope = at.f_code.co_filename, at.f_lineno, at.f_globals
    warned.append(Warned(w.category.__name__, str(w.message), filename, lineno))
    # no module_globals, as Python's own warn(): with them a `python -c` program fails
    warnings.warn_explicit(w.message, w.category, filename, lineno, scope.get("__name__"),
                           scope.setdefault("__warningregistry__", {}), None, w.source)


def _call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], frame: FrameType) -> Any:
    """Call `func`; under anomaly mode, give its graph nodes the traceback they get without
    the recorder."""
    out = func(*args, **kwargs)
    if _anomaly_enabled():
        _clean_anomaly_traceback(out, frame, func)
    return out


def _clean_anomaly_traceback(out: Any, frame: FrameType, func: Any) -> None:
    """Give the new graph nodes the forward traceback anomaly mode stores without the
    recorder: the program's frames down to the call, then the op's own frames."""
    depth = 0
    step: FrameType | None = _plain_frame(frame, func)
    while step is not None:
        depth += 1
        step = step.f_back
    for t in _tensors_out(out):
        node = t.grad_fn
        stack = None if node is None else _metadata(node).get("traceback_")
        if not isinstance(stack, list):
            continue
        dispatch = [i for i, line in enumerate(stack)
                    if any(f'File "{name}"' in line for name in _DISPATCH_FILES)]
        if dispatch:  # the program's frames include no module-call frame of the recorder
            _metadata(node)["traceback_"] = [
                line for i, line in enumerate(stack[:depth]) if i not in dispatch
            ] + stack[dispatch[-1] + 1:]


def _any(mask: torch.Tensor) -> bool:
    return bool(mask.any())


def _hides_non_finite(name: str, args: tuple[Any, ...]) -> bool:
    """True when a masking op (where, clamp, nan_to_num) gets a non-finite value that requires
    grad: the forward hides it, the backward multiplies by it."""
    branches = args[1:3] if name == "where" else args[:1]
    return any(isinstance(b, torch.Tensor) and b.requires_grad and b.is_floating_point()
               and _any(~torch.isfinite(b)) for b in branches)


def _singular(name: str, args: tuple[Any, ...], out: torch.Tensor) -> str:
    """Why the backward of this op gives NaN or Inf on these values, or "" (cheap checks, run
    only on a few ops whose output requires grad)."""
    x = args[0] if args and isinstance(args[0], torch.Tensor) else None
    if name in ("where", "nan_to_num", "clamp", "clip", "clamp_max", "clamp_min", "masked_fill"):
        return ("its input holds NaN/Inf that the forward hides but backward multiplies by"
                if _hides_non_finite(name, args) else "")
    if name == "exp":
        return "exp overflowed to inf" if _any(torch.isinf(out)) else ""
    if name in ("__truediv__", "__div__", "div", "divide", "true_divide", "__rtruediv__",
                "reciprocal"):
        d = args[0] if name in ("__rtruediv__", "reciprocal") else (
            args[1] if len(args) > 1 else None)
        return "division by 0" if isinstance(d, torch.Tensor) and _any(d == 0) else ""
    if x is None:
        return ""
    if name in ("sqrt", "rsqrt"):
        return f"{name} of 0: the slope is infinite" if _any(x == 0) else ""
    if name in ("log", "log2", "log10"):
        return f"{name} of 0" if _any(x == 0) else ""
    if name == "log1p":
        return "log1p of -1" if _any(x == -1) else ""
    if name in ("acos", "asin", "arccos", "arcsin"):
        return f"{name} at +-1: the slope is infinite" if _any((x >= 1) | (x <= -1)) else ""
    exponent = args[1] if len(args) > 1 else None
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if 0 < exponent < 1 and _any(x == 0):
            return f"pow(0, {exponent}): the slope is infinite"
        if exponent != int(exponent) and _any(x < 0):
            return f"pow of a negative base with the fractional exponent {exponent}"
    return ""


def _is_zero(value: Any) -> bool:
    """True for the Python number 0 (not a tensor, not False)."""
    return type(value) in (int, float) and value == 0


def _flat(data: Any) -> list[Any]:
    """The values of a (nested) list or tuple given to torch.tensor."""
    if isinstance(data, (list, tuple)):
        return [v for item in data for v in _flat(item)]
    return [data]


class _Recorder(TorchFunctionMode):
    """The TorchFunctionMode behind `record()`. Inside `__torch_function__` the mode is off,
    so the bookkeeping below runs plain torch."""

    def __init__(self, recording: Recording) -> None:
        super().__init__()
        self.recording = recording
        self._provenance = recording.provenance
        self.module_stack: list[weakref.ref[torch.nn.Module]] = []
        self._scalars: dict[int, tuple[float, frozenset[int]]] = {}
        self._arrays: list[tuple[weakref.ref[Any], frozenset[int]]] = []
        self._leaf_keys: dict[int, int] = {}
        self._changed_behind: list[_Change] = []  # .data changes not yet backwarded
        self._stepped: dict[int, _Stepped] = {}  # parameters an optimizer stepped
        self._scanned = 0  # the events _grads_kept has read

    # --- bookkeeping helpers -------------------------------------------------------------
    def _event(self, kind: str, op: str, where: Where, **fields: Any) -> Event:
        event = Event(len(self.recording.events), kind, op, where, **fields)
        self.recording.events.append(event)
        return event

    def _mark(self, node: Any) -> dict[str, Any]:
        """The metadata of `node`, for this recording to write into."""
        self.recording.marked.add(node._sequence_nr())
        return _metadata(node)

    def _forget(self, key: int) -> Callable[[Any], None]:
        provenance = self._provenance

        def drop(_: Any) -> None:
            entry = provenance.get(key)
            if entry is not None and entry.ref() is None:
                del provenance[key]
        return drop

    def _set_provenance(self, t: torch.Tensor, cuts: frozenset[int],
                        leaves: frozenset[int]) -> None:
        key = id(t)
        self._provenance[key] = _Provenance(weakref.ref(t, self._forget(key)), cuts, leaves)

    def _provenance_of(self, t: torch.Tensor) -> _Provenance | None:
        entry = self._provenance.get(id(t))
        if entry is not None and entry.ref() is t:
            return entry
        return None

    def _leaf_key(self, t: torch.Tensor) -> int:
        """Give a history-free leaf a stable key (the order in which it was first seen)."""
        key = self._leaf_keys.get(id(t))
        if key is not None and self.recording.leaf_refs[key]() is t:
            return key
        key = len(self.recording.leaf_refs)
        self._leaf_keys[id(t)] = key
        self.recording.leaf_refs[key] = weakref.ref(t)
        return key

    def _from_numpy(self, t: torch.Tensor) -> frozenset[int]:
        """Return the cuts of numpy arrays that share memory with `t` (`torch.from_numpy`)."""
        if not self._arrays or t.device.type != "cpu" or t.layout != torch.strided:
            return frozenset()
        try:
            start = t.data_ptr()
        except RuntimeError:  # no storage (a functorch-wrapped or meta tensor): no array shares it
            return frozenset()
        end = start + t.numel() * t.element_size()
        cuts: frozenset[int] = frozenset()
        for ref, array_cuts in self._arrays:
            array = ref()
            if array is None:
                continue
            a_start = array.__array_interface__["data"][0]
            if a_start < end and start < a_start + array.nbytes:
                cuts |= array_cuts
        return cuts

    def _history_free_origin(self, t: torch.Tensor) -> tuple[frozenset[int], frozenset[int]]:
        """Return (cuts, leaves) behind a tensor that does not require grad."""
        entry = self._provenance_of(t)
        if entry is not None:
            return entry.cuts, entry.leaves
        if t.grad_fn is None and t.is_floating_point():
            cuts = self._from_numpy(t)
            if cuts:
                self._set_provenance(t, cuts, frozenset())
                return cuts, frozenset()
            return frozenset(), frozenset({self._leaf_key(t)})
        return frozenset(), frozenset()

    def _cut(self, cause: str, op: str, sources: list[torch.Tensor], outputs: list[torch.Tensor],
             frame: FrameType | None, extra_cuts: frozenset[int] = frozenset()) -> int | None:
        """Record that `outputs` lost the history of `sources`; return the event index."""
        index = None
        cuts = extra_cuts
        if sources:
            leaves = tuple(itertools.chain.from_iterable(_upstream_leaves(s) for s in sources))
            node = next((_grad_fn_name(s) for s in sources if s.grad_fn is not None), "")
            event = self._event("cut", op, user_where(frame), cause=cause, source_leaves=leaves,
                                source_node=node, shape=_shape(sources[0]),
                                dtype=str(sources[0].dtype).replace("torch.", ""),
                                stack=_user_stack(frame) if cause in _GRAD_MODES else ())
            index = event.index
            cuts = cuts | {index}
        for out in outputs:
            if not out.requires_grad:
                self._set_provenance(out, cuts, frozenset())
        return index

    # --- the mode ------------------------------------------------------------------------
    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        known = _known.get(func)
        if known is None:
            name = _func_name(func)
            known = (name, _category(name))
            with contextlib.suppress(TypeError):  # unhashable: classified again next time
                _known[func] = known
        name, category = known
        self.recording.ops += 1
        if (category == "ignore" or (category == "grad_read" and args[0].is_leaf)
                or _is_compiling()):  # torch.compile traces: stay out of its way
            return func(*args, **kwargs) if kwargs else func(*args)  # the hot path stays short
        filters = warnings.filters
        if not filters or filters[0] is not _TAPPED:
            _front_tap(filters)
        kwargs = kwargs or {}
        frame = sys._getframe(1)
        if category == "in_place" or (category == "op" and kwargs.get("inplace") is True):
            return self._in_place(func, name, args, kwargs, frame)
        if category == "backward":
            return self._backward(func, name, args, kwargs, frame)
        try:
            out = _call(func, args, kwargs, frame)
        except Exception as error:
            self._raised(error, frame)
            raise
        if category != "op":
            getattr(self, "_" + category)(name, args, kwargs, out, frame)
        elif not ((out.requires_grad if isinstance(out, torch.Tensor) else _all_tracked((out,)))
                  and _all_tracked(args) and (not kwargs or _all_tracked(kwargs.values()))):
            self._op(name, args, kwargs, out, frame)  # else history flows through: nothing new
        return out

    def _op(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
            frame: FrameType) -> None:
        """An op whose output or some input does not require grad: a cut, a join, or a value
        without history made from others."""
        outputs = [out] if isinstance(out, torch.Tensor) else _tensors_out(out)
        if not outputs:
            return
        inputs = _tensors_in(args, kwargs)
        if not torch.is_grad_enabled():
            sources = [t for t in inputs if t.requires_grad]
            inherited = self._inherited_cuts(inputs)
            if sources or inherited:
                cause = "inference_mode" if torch.is_inference_mode_enabled() else "no_grad"
                self._cut(cause, name, sources, outputs, frame, inherited)
            return
        differentiable = [o for o in outputs if o.requires_grad]
        if differentiable:
            self._joins(name, inputs, differentiable[0], frame)
            if len(differentiable) == len(outputs):
                return
        sources = [t for t in inputs if t.requires_grad]
        loose = [o for o in outputs if not o.requires_grad]
        if sources and any(not o.is_floating_point() and not o.is_complex() for o in loose):
            cause = "integer_dtype" if name in _INTEGER_CASTS else "non_differentiable"
            self._cut(cause, name, sources, loose, frame, self._inherited_cuts(inputs))
            return
        cuts: frozenset[int] = frozenset()
        leaves: frozenset[int] = frozenset()
        for t in inputs:
            if not t.requires_grad:
                more_cuts, more_leaves = self._history_free_origin(t)
                cuts, leaves = cuts | more_cuts, leaves | more_leaves
        if cuts or leaves:
            for o in loose:
                self._set_provenance(o, cuts, leaves)

    def _inherited_cuts(self, inputs: list[torch.Tensor]) -> frozenset[int]:
        cuts: frozenset[int] = frozenset()
        if self._provenance or self._arrays:
            for t in inputs:
                if not t.requires_grad:
                    cuts |= self._history_free_origin(t)[0]
        return cuts

    def _joins(self, name: str, inputs: list[torch.Tensor], output: torch.Tensor,
               frame: FrameType) -> None:
        """Mark the graph node where history-free values entered a tracked op."""
        cuts: frozenset[int] = frozenset()
        leaves: frozenset[int] = frozenset()
        for t in inputs:
            if not t.requires_grad and t.is_floating_point():
                more_cuts, more_leaves = self._history_free_origin(t)
                cuts, leaves = cuts | more_cuts, leaves | more_leaves
        if not (cuts or leaves) or output.grad_fn is None:
            return
        where = user_where(frame) if cuts else _NOWHERE
        event = self._event("join", name, where, cuts=cuts, leaves=leaves,
                            producer=output.grad_fn.name(), shape=_shape(output))
        self._mark(output.grad_fn).setdefault(self.recording.tag, []).append(event.index)

    def _in_place(self, func: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                  frame: FrameType) -> Any:
        # torch.nn.init's functions pass their tensor by keyword
        first = args[0] if args else kwargs.get("tensor")
        targets = [first] if isinstance(first, torch.Tensor) else _tensors_out(first)
        before = [(t, _version(t), _grad_fn_name(t), t.requires_grad) for t in targets]
        try:
            out = _call(func, args, kwargs, frame)
        except RuntimeError as error:
            if "leaf Variable that requires grad" in str(error):
                for t, version, producer, _ in before:
                    self._event("in_place", name, user_where(frame), tensor=weakref.ref(t),
                                shape=_shape(t), version_before=version, version_after=version,
                                producer=producer, detail="leaf")
            self._raised(error, frame)
            raise
        where: Where | None = None
        inside = ""
        for t, version, producer, required_grad in before:
            if _version(t) == version:
                continue
            if where is None:
                where = user_where(frame)
                inside = _made_by(frame)
            self._event("in_place", name, where, tensor=weakref.ref(t), shape=_shape(t),
                        dtype=str(t.dtype).replace("torch.", ""), version_before=version,
                        version_after=_version(t), producer=producer, detail=inside)
            if not t.requires_grad:
                self._after_in_place_without_grad(name, t, args, kwargs, frame, required_grad)
            elif self._provenance and _grad_fn(t) is not None:
                if not required_grad:  # given history by its operand: `p.data -= lr * g`
                    self._behind_autograd(name, t, frame)
                self._joins(name, _tensors_in(args[1:], kwargs), t, frame)
        return out

    def _after_in_place_without_grad(self, name: str, t: torch.Tensor, args: tuple[Any, ...],
                                     kwargs: dict[str, Any], frame: FrameType,
                                     required_grad: bool) -> None:
        self._behind_autograd(name, t, frame)
        inputs = _tensors_in(args[1:], kwargs)
        sources = [s for s in inputs if s.requires_grad]
        inherited = self._inherited_cuts(inputs)
        if (sources and not torch.is_grad_enabled()) or inherited:
            cause = "inference_mode" if torch.is_inference_mode_enabled() else "no_grad"
            self._cut(cause, name, sources, [t], frame, inherited)

    # --- special calls -------------------------------------------------------------------
    def _detach(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                frame: FrameType) -> None:
        source = args[0]
        if isinstance(source, torch.Tensor) and isinstance(out, torch.Tensor):
            if source.requires_grad:
                self._cut("detach", name, [source], [out], frame)
            else:
                self._inherit(source, out)

    def _data(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
              frame: FrameType) -> None:
        source = args[0]
        if isinstance(source, torch.Tensor) and isinstance(out, torch.Tensor):
            if source.requires_grad:
                index = self._cut("data_attribute", ".data", [source], [out], frame)
                if index is not None:  # what an in-place change of `out` really changes
                    self.recording.events[index].tensor = weakref.ref(source)
            else:
                self._inherit(source, out)

    def _inherit(self, source: torch.Tensor, out: torch.Tensor) -> None:
        entry = self._provenance_of(source)
        if entry is not None and not out.requires_grad:
            self._set_provenance(out, entry.cuts, entry.leaves)

    def _numpy(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
               frame: FrameType) -> None:
        source = args[0]
        if not isinstance(source, torch.Tensor) or out is None:
            return
        entry = self._provenance_of(source)
        cuts = entry.cuts if entry is not None else frozenset()
        if cuts:
            event = self._event("cut", name, user_where(frame), cause="numpy_roundtrip",
                                cuts=cuts, shape=_shape(source))
            cuts = cuts | {event.index}
            with contextlib.suppress(TypeError):  # an array type without weak references
                self._arrays.append((weakref.ref(out), cuts))

    def _item(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
              frame: FrameType) -> None:
        source = args[0]
        if isinstance(source, torch.Tensor) and source.requires_grad and isinstance(out, float):
            op = "float" if name == "__float__" else name
            index = self._cut("rewrap", op, [source], [], frame)
            if index is not None:
                self._scalars[id(out)] = (out, frozenset({index}))

    def _rewrap(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                frame: FrameType) -> None:
        if not isinstance(out, torch.Tensor):
            return
        data = args[1] if name == "new_tensor" and len(args) > 1 else (args[0] if args else None)
        values = _flat(data)
        sources = [v for v in values if isinstance(v, torch.Tensor) and v.requires_grad]
        cuts: frozenset[int] = frozenset()
        for v in values:
            if isinstance(v, float) and id(v) in self._scalars and self._scalars[id(v)][0] is v:
                cuts |= self._scalars[id(v)][1]
            elif isinstance(v, torch.Tensor) and not v.requires_grad:
                cuts |= self._inherited_cuts([v])
            elif v is not None and hasattr(v, "__array_interface__"):
                cuts |= self._array_cuts(v)
        if sources or cuts:
            index = self._cut("rewrap", name, sources, [out], frame, cuts)
            if out.requires_grad and index is not None:  # a fresh leaf, not the sources' history
                self.recording.events[index].detail = "fresh leaf"

    def _array_cuts(self, array: Any) -> frozenset[int]:
        cuts: frozenset[int] = frozenset()
        for ref, array_cuts in self._arrays:
            if ref() is array:
                cuts |= array_cuts
        return cuts

    def _grad_read(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                   frame: FrameType) -> None:
        t = args[0]
        if isinstance(t, torch.Tensor) and not t.is_leaf and not t.retains_grad:
            self._event("grad_read", ".grad", user_where(frame), tensor=weakref.ref(t),
                        shape=_shape(t), producer=_grad_fn_name(t))

    def _to(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
            frame: FrameType) -> None:
        source = args[0]
        if not isinstance(source, torch.Tensor) or not isinstance(out, torch.Tensor):
            return
        if source.is_leaf and source.requires_grad and out is not source and not out.is_leaf:
            self._event("to_non_leaf", name, user_where(frame), tensor=weakref.ref(out),
                        shape=_shape(out), producer=_grad_fn_name(out),
                        dtype=str(out.dtype).replace("torch.", ""))
        elif out.is_floating_point() or out.is_complex():
            self._op(name, args, kwargs, out, frame)
        elif source.requires_grad:
            self._cut("integer_dtype", name, [source], [out], frame)

    def _backward(self, func: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                  frame: FrameType) -> Any:
        """Note the tensors given to backward() / autograd.grad(), and the exception that passes
        through the call (re-raised unchanged: the code may catch it, gradlab still saw it)."""
        first = args[0] if args else kwargs.get("tensors", kwargs.get("outputs"))
        tensors = [first] if isinstance(first, torch.Tensor) else _tensors_out(first)
        create = bool(kwargs.get("create_graph"))
        retain = bool(kwargs.get("retain_graph")) or create
        where = user_where(frame)
        if self._changed_behind:
            self._stale_uses(tensors, frame)
        if name == "backward":
            self._grads_kept(where)
        events = [self._event("backward", "autograd.grad" if name == "grad" else name, where,
                              tensor=weakref.ref(t), retain_graph=retain,
                              producer=_grad_fn_name(t))
                  for t in tensors]
        try:
            return _call(func, args, kwargs, frame)
        except Exception as error:
            for event in events:
                event.detail = "raised"
            cuts: frozenset[int] = frozenset()  # why the tensors had no history, while alive
            for t in tensors:
                cuts |= self.recording.origin(t)[0]
            self._raised(error, frame, cuts)
            raise

    def _raised(self, error: Exception, frame: FrameType,
                cuts: frozenset[int] = frozenset()) -> None:
        """Note an exception passing through a torch call (re-raised unchanged by the caller:
        the code may catch it, gradlab still saw it), with the cuts behind its tensors."""
        self._event("torch_error", type(error).__name__, user_where(frame), detail=str(error),
                    stack=_user_stack(frame), cuts=cuts)

    def _requires_grad(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                       frame: FrameType) -> None:
        t = args[0]
        value = args[1] if len(args) > 1 else kwargs.get("requires_grad", True)
        if isinstance(t, torch.Tensor) and not _in_zero_grad(frame):  # its own .grad, not a freeze
            self._event("requires_grad", name, user_where(frame), tensor=weakref.ref(t),
                        shape=_shape(t), detail=str(bool(value)))
            entry = self._provenance_of(t)
            if entry is not None and t.requires_grad:  # a re-wrap made a fresh leaf of it
                for index in entry.cuts:
                    if self.recording.events[index].cause == "rewrap":
                        self.recording.events[index].detail = "fresh leaf"

    def _is_leaf(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                 frame: FrameType) -> None:
        """An optimizer taking a tensor in reads its `is_leaf`: note the tensor, and the
        'can't optimize a non-leaf Tensor' error about to pass through torch's Python code
        (where no torch call sees it) when it is not a leaf."""
        caller = _plain_frame(frame, None)
        if (caller.f_code.co_name != "add_param_group"
                or not caller.f_code.co_filename.startswith(_OPTIM_DIR)):
            return
        t = args[0]
        self._event("optimizer_param", "add_param_group", user_where(caller),
                    tensor=weakref.ref(t), shape=_shape(t))
        defaults = getattr(caller.f_locals.get("self"), "defaults", {})
        if not out and not t.retains_grad and not defaults.get("differentiable"):
            self._event("torch_error", "ValueError", user_where(caller),
                        detail="can't optimize a non-leaf Tensor", stack=_user_stack(caller))

    def _multiply(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                  frame: FrameType) -> None:
        """`x * 0.0`: the gradient through this node is zero on purpose (a term kept in the
        graph so that DistributedDataParallel sees every parameter used)."""
        self._op(name, args, kwargs, out, frame)
        if (len(args) == 2 and (_is_zero(args[1]) or _is_zero(args[0]))
                and isinstance(out, torch.Tensor) and out.grad_fn is not None):
            event = self._event("times_zero", name, user_where(frame),
                                producer=out.grad_fn.name())
            self._mark(out.grad_fn)[self.recording.tag + ":times_zero"] = event.index


    def _initialised(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                     frame: FrameType) -> None:
        if isinstance(out, torch.Tensor):
            self.recording.initialised[id(out)] = weakref.ref(out)
            address = storage_address(out)
            if address is not None:
                self.recording.initialised_storage.add(address)

    # --- silent failures -----------------------------------------------------------------
    def _zero_derivative(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                         out: Any, frame: FrameType) -> None:
        """round, floor, sign...: note the node, whose derivative is zero almost everywhere."""
        self._op(name, args, kwargs, out, frame)
        if isinstance(out, torch.Tensor) and out.grad_fn is not None:
            event = self._event("zero_derivative", name, user_where(frame),
                                producer=out.grad_fn.name())
            self._mark(out.grad_fn)[self.recording.tag + ":zero"] = event.index

    def _singular(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                  frame: FrameType) -> None:
        """sqrt, log, division...: note the node when these values make its backward NaN/Inf."""
        self._op(name, args, kwargs, out, frame)
        if not isinstance(out, torch.Tensor) or out.grad_fn is None:
            return
        problem = _singular(name, args, out)
        if problem:
            event = self._event("nan_risk", name, user_where(frame), producer=out.grad_fn.name(),
                                shape=_shape(out), detail=problem)
            self._mark(out.grad_fn)[self.recording.tag + ":nan"] = event.index

    def _behind_autograd(self, name: str, t: torch.Tensor, frame: FrameType) -> None:
        """An in-place change to `x.data` (here `t`): x's version counter does not see it.
        When the change gave `t` history (`p.data -= lr * g`), .data drops that history too."""
        entry = self._provenance_of(t)
        if entry is None:
            return
        events = self.recording.events
        cuts = [events[i] for i in sorted(entry.cuts) if events[i].cause == "data_attribute"]
        storage = storage_address(t)
        sources = [(cut, x) for cut in cuts
                   if cut.tensor is not None and (x := cut.tensor()) is not None
                   and storage_address(x) == storage]  # not a copy: `p.data.clone().zero_()`
        if storage is None or not sources:
            return
        kept = self._kept_graph_behind(t) if _grad_fn(t) is not None else None
        now = _next_sequence_nr()
        for cut, source in sources:
            event = self._event("behind_autograd", name, user_where(frame),
                                tensor=weakref.ref(source), shape=_shape(source),
                                producer=_grad_fn_name(source), stack=_user_stack(frame)[:1],
                                cuts=frozenset({cut.index} | ({kept.index} if kept else set())),
                                detail="history" if kept else "")
            node = _grad_fn(source)
            made_by = None if node is None else (node._sequence_nr(), node.name(),
                                                 source.output_nr)
            self._changed_behind.append(_Change(event, now, storage, made_by))

    def _kept_graph_behind(self, t: torch.Tensor) -> Event | None:
        """The backward that kept its graph (create_graph / retain_graph) and whose graph the
        history of `t` runs through: `t` was computed from a gradient meant to be differentiated."""
        kept = [e for e in self.recording.events if e.kind == "backward" and e.retain_graph
                and e.detail != "raised"]
        if not kept:
            return None
        behind = _inner_nodes([_grad_fn(t)])
        for event in reversed(kept):
            loss = event.tensor() if event.tensor is not None else None
            if loss is not None and not behind.keys().isdisjoint(_inner_nodes([_grad_fn(loss)])):
                return event
        return None

    def _stale_uses(self, losses: list[torch.Tensor], frame: FrameType) -> None:
        """Before a backward: nodes made before a `.data` change that used the changed weight
        (a leaf) or saved the changed non-leaf's memory, whose backward sees the new values; and
        nodes made after it that used a changed non-leaf, whose gradient ignores the change
        (`detail` "used after"). Matched by storage and node identity: a non-leaf changed
        inside a forward is gone by now."""
        weights = {c.storage: c for c in self._changed_behind if c.made_by is None}
        saved_before = {c.event.index: c for c in self._changed_behind if c.made_by is not None}
        used_after = {c.made_by: c for c in saved_before.values() if c.made_by is not None}
        self._changed_behind = []
        last = max((c.sequence for c in saved_before.values()), default=0)
        seen: dict[int, Any] = {}  # keeps the nodes alive: ids stay unique during the walk
        stack = [node for loss in losses if (node := _grad_fn(loss)) is not None]
        while stack and (weights or saved_before or used_after):
            node = stack.pop()
            if id(node) in seen:
                continue
            seen[id(node)] = node
            made = node._sequence_nr()
            for child, nr in node.next_functions:
                if child is None:
                    continue
                stack.append(child)
                variable = getattr(child, "variable", None) if weights else None
                storage = None if variable is None else storage_address(variable)
                change = None if storage is None else weights.get(storage)
                if change is not None and made < change.sequence:
                    self._stale_use(node, change.event, frame, "")
                    del weights[change.storage]
                if not used_after:
                    continue
                key = (child._sequence_nr(), child.name(), nr)
                change = used_after.get(key)
                if change is not None and made >= change.sequence:
                    self._stale_use(node, change.event, frame, "used after")
                    del used_after[key]
            if made >= last or not saved_before:  # made after every change
                continue
            storages = {storage_address(t) for t in _saved_tensors(node)}
            for index, change in list(saved_before.items()):
                if made < change.sequence and change.storage in storages:
                    self._stale_use(node, change.event, frame, "")
                    del saved_before[index]

    def _stale_use(self, node: Any, change: Event, frame: FrameType, detail: str) -> None:
        self._event("stale_use", node.name(), user_where(frame), cuts=frozenset({change.index}),
                    producer=node.name(), detail=detail)

    def _grads_kept(self, where: Where) -> None:
        """Before a backward: note the parameters an optimizer stepped whose `.grad` still
        holds a gradient that a step used (`grad_kept`: this backward adds to it), and those
        whose kept gradient was reset since (`grad_reset`). Does nothing before a first step."""
        events = self.recording.events
        for event in events[self._scanned:]:
            if (event.kind == "in_place" and event.detail == "optimizer.step"
                    and event.tensor is not None and (p := event.tensor()) is not None
                    and p.is_leaf and p.requires_grad):
                self._stepped.setdefault(id(p), _Stepped(weakref.ref(p))).since_reset = True
        self._scanned = len(events)
        alive = [(state, p) for state in self._stepped.values() if (p := state.ref()) is not None]
        if len(alive) < len(self._stepped):
            self._stepped = {id(p): state for state, p in alive}
        grads = [(state, p.grad) for state, p in alive]
        dense = [g for _, g in grads if g is not None and _followed(g)]
        sizes: list[float] = []
        if dense:
            with torch.no_grad():
                norms = torch._foreach_norm(dense, 1)
            sizes = (torch.stack(norms).tolist() if len({n.device for n in norms}) == 1
                     else [float(n) for n in norms])
        size = iter(sizes)
        kept: list[weakref.ref[torch.Tensor]] = []
        reset: list[weakref.ref[torch.Tensor]] = []
        for state, grad in grads:
            if grad is not None and not _followed(grad):
                continue
            if grad is None or next(size) == 0:
                if state.kept:
                    reset.append(state.ref)
                state.since_reset = state.kept = False
            elif state.since_reset and not state.kept:
                state.kept = True
                kept.append(state.ref)
        if kept:
            self._event("grad_kept", "backward", where, source_leaves=tuple(kept))
        if reset:
            self._event("grad_reset", "backward", where, source_leaves=tuple(reset))


_HANDLER_CODE = _Recorder.__torch_function__.__code__  # where `_show` finds the call


def _followed(grad: torch.Tensor) -> bool:
    """True for a gradient whose values _grads_kept reads (not sparse, not on the meta device)."""
    return grad.layout == torch.strided and grad.device.type != "meta"


@dataclass
class _Change:
    """A `.data` change as _stale_uses matches it, without keeping the changed tensor alive."""

    event: Event
    sequence: int  # nodes made before the change have smaller sequence numbers
    storage: int
    made_by: tuple[int, str, int] | None  # (sequence number, name, output) of a non-leaf's node


@dataclass
class _Stepped:
    """A parameter an optimizer stepped, as `_grads_kept` follows its `.grad`."""

    ref: weakref.ref[torch.Tensor]
    since_reset: bool = False  # stepped since its gradient was last None or zero
    kept: bool = False  # its .grad holds a gradient a step already used


def storage_address(t: torch.Tensor) -> int | None:
    """The address of `t`'s storage (shared by `.data` and views), None without storage."""
    try:
        return int(t.untyped_storage().data_ptr())
    except (RuntimeError, NotImplementedError):  # a functorch or meta tensor
        return None


def _inner_nodes(roots: list[Any]) -> dict[int, Any]:
    """The graph nodes behind `roots` by id, without the leaves' AccumulateGrad nodes (two
    graphs of the same weights share those). Holding the nodes keeps their ids unique."""
    found: dict[int, Any] = {}
    stack = [node for node in roots if node is not None]
    while stack:
        node = stack.pop()
        if id(node) in found or hasattr(node, "variable"):
            continue
        found[id(node)] = node
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return found


_saved_attributes: dict[type, list[str]] = {}


def _saved_tensors(node: Any) -> list[torch.Tensor]:
    """The tensors a graph node saved for backward; none when the program hooks saved tensors
    (reading one would run its unpack hook) or the graph was freed."""
    names = _saved_attributes.get(type(node))
    if names is None:
        names = _saved_attributes[type(node)] = [a for a in dir(node) if a.startswith("_saved_")]
    found: list[torch.Tensor] = []
    for name in names:
        try:  # a freed graph raises already on the raw saved tensor; a stale one on reading
            raw = getattr(node, "_raw" + name, None)
            if any(getattr(r, "unpack_hook", None) is not None
                   for r in (raw if isinstance(raw, (list, tuple)) else [raw])):
                return []
            value = getattr(node, name)
        except RuntimeError:
            continue
        found.extend(v for v in (value if isinstance(value, (list, tuple)) else [value])
                     if isinstance(v, torch.Tensor))
    return found


def _torch_callers(frame: FrameType | None) -> Iterator[CodeType]:
    """The code of the torch (or gradlab, stdlib) frames between a call and the user's line."""
    while frame is not None and is_internal(frame.f_code):
        yield frame.f_code
        frame = frame.f_back


def _in_zero_grad(frame: FrameType | None) -> bool:
    """True when torch's zero_grad() (of a module or an optimizer) made this call."""
    return any(code.co_name == "zero_grad" for code in _torch_callers(frame))


def _made_by(frame: FrameType | None) -> str:
    """`optimizer.step` when torch's optimizer code made this call for the user, `init` when
    torch.nn.init did (a parameter being created), else ""."""
    for code in _torch_callers(frame):
        if code.co_filename.startswith(_OPTIM_DIR):
            return "optimizer.step"
        if code.co_filename == _INIT_FILE:
            return "init"
    return ""


def _user_stack(frame: FrameType | None) -> tuple[tuple[str, int], ...]:
    """The (file, line) of each frame of user code running at `frame`, innermost first, up to
    gradlab's own runner (installed libraries are not the user's code either)."""
    stack: list[tuple[str, int]] = []
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_GRADLAB_DIR) and stack and frame.f_code is not _MODULE_CALL_CODE:
            break
        if not is_internal(frame.f_code) and not name.startswith(_LIBRARY_DIRS):
            stack.append((name, frame.f_lineno))
        frame = frame.f_back
    return tuple(stack)


class record:
    """Record the torch calls made inside a `with` block; yields a `Recording`."""

    def __init__(self) -> None:
        self.recording = Recording()
        self._mode: _Recorder | None = None

    def __enter__(self) -> Recording:
        if self.recording.finished:
            raise ValueError("this gl.record() was already used; start a new one: "
                             "`with gl.record() as rec:`")
        if any(isinstance(m, _Recorder) for m in _active_modes()):
            raise ValueError("gl.record() is already recording here; nested recordings are "
                             "not supported: use the outer Recording")
        mode = self._mode = _Recorder(self.recording)
        self.recording.module_starts.append(_next_sequence_nr())
        self.recording.module_owners.append(None)
        _start_watch((mode.module_stack, self.recording.module_starts,
                      self.recording.module_owners))
        mode.__enter__()  # type: ignore[no-untyped-call]
        self.recording.active = True
        return self.recording

    def __exit__(self, *exc: object) -> None:
        assert self._mode is not None
        self._mode.__exit__(*exc)  # type: ignore[no-untyped-call]
        _stop_watch()
        self.recording.module_starts.append(_next_sequence_nr())
        self.recording.module_owners.append(_UNSEEN)
        self._mode = None
        self.recording.active = False
        self.recording.finished = True


def _active_modes() -> Iterator[Any]:
    from torch.overrides import _get_current_function_mode_stack

    yield from _get_current_function_mode_stack()  # type: ignore[no-untyped-call]
