"""Every change gradlab makes outside its own objects, owned by one object: `INSTRUMENT`.

While anything uses it (a recording, a `warnings_seen` block), in any thread:
- `nn.Module._call_impl` is `_module_call`: for a recording thread it notes the autograd sequence
  number at each module's entry and exit, so that a graph node's module is found later by its
  number. Global module hooks could note the same, but they send every module call down torch's
  slower path with hooks, at twice the cost; in other threads the wrapper only calls through.
  A call of torch's own layer that can hold no news (`trusted`) runs with the recorder off the
  mode stack; a module of another class inside it puts the recorder back for its call.
- `warnings._showwarnmsg` is `_show`, and one filter (`TAP`), kept first, sends the warnings of
  torch calls to it before the program's filters see them. A warning a torch call raised inside
  the recorder is noted and issued again at the line Python gives it without gradlab, through the
  program's own filters, once; `warnings_seen` blocks note what their thread shows.
- torch's optimizer step pre/post hooks say when an optimizer step runs in a recording thread.
- `nn.Module.zero_grad` and `Optimizer.zero_grad` are wrapped: one that sets the gradients to
  None runs with the recorder off the mode stack (`trusted.resets_unrecorded`).
Installed by the first user and removed by the last, under one lock, with try/finally. The filter
is dropped from every filter list it was put in: another thread's `catch_warnings` may have made
the list current at the end a copy. Anomaly mode's forward tracebacks are cleaned per call (`call`).
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, cast

import torch
from torch.optim.optimizer import (
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
)

from gradlab._autograd import (
    forward_traceback,
    next_sequence_nr,
    nonzero,
    set_forward_traceback,
)
from gradlab.recording.events import Warned, Where
from gradlab.recording.frames import DISPATCH_FILES, plain_frame, user_where
from gradlab.recording.trusted import TRUSTED, Switch, resets_unrecorded

__all__ = ["INSTRUMENT", "TAP", "Instrument", "Watch", "call", "clean_anomaly_traceback"]

TAP = ("always", None, Warning, re.compile(r"(gradlab\.recording(\.\w+)?|torch\.overrides)\Z"), 0)
_is_compiling = torch.compiler.is_compiling
_anomaly_enabled = torch.is_anomaly_enabled
_get_ident = threading.get_ident


@dataclass(slots=True)
class Watch:
    """What the instrument notes for one recording thread."""

    warned: list[Warned]
    starts: list[int]  # module entries and exits, by sequence number ...
    owners: list[Any]  # ... and the module the nodes made from there on belong to
    trained: dict[int, weakref.ref[torch.Tensor]]  # parameters a step updated from a gradient
    inside: weakref.ref[torch.nn.Module] | None = None  # the module running now
    step: Where | None = None  # the user's line of the optimizer step running now
    step_depth: int = 0  # an optimizer's step may call another's
    switch: Switch = field(default_factory=Switch)  # the recorder's place on the mode stack


_watches: dict[int, Watch] = {}  # recording thread -> its watch
_ref, _next_sequence_nr = weakref.ref, next_sequence_nr
_plain_call_impl: Any = torch.nn.Module._call_impl


def _module_call(self: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
    """`nn.Module._call_impl` while instrumented: the module's entry and exit, for the
    recording of the calling thread."""
    watch = None if _is_compiling() else _watches.get(_get_ident())  # dynamo inlines this
    if watch is None:
        return _plain_call_impl(self, *args, **kwargs)
    starts, owners, outer = watch.starts, watch.owners, watch.inside
    watch.inside = ref = _ref(self)
    starts.append(_next_sequence_nr())
    owners.append(ref)
    try:
        if type(self) in TRUSTED:
            return watch.switch.trusted(_plain_call_impl, self, args, kwargs)
        if watch.switch.off:
            return watch.switch.recorded(_plain_call_impl, self, args, kwargs)
        return _plain_call_impl(self, *args, **kwargs)
    finally:
        watch.inside = outer
        starts.append(_next_sequence_nr())
        owners.append(outer)


def _unrecorded_zero_grad(plain: Any) -> Any:
    """`zero_grad` of torch's modules or optimizers while instrumented: off the mode stack
    when it notes nothing (`trusted.resets_unrecorded`)."""
    @functools.wraps(plain)
    def zero_grad(self: Any, set_to_none: bool = True) -> None:
        watch = _watches.get(_get_ident())
        if watch is None or not resets_unrecorded(self, set_to_none):
            return plain(self, set_to_none)  # type: ignore[no-any-return]
        return watch.switch.unrecorded(plain, self, set_to_none)  # type: ignore[no-any-return]
    return zero_grad


_ZERO_GRADS: tuple[Any, ...] = (torch.nn.Module, torch.optim.Optimizer)


class Instrument:
    """Installs and removes gradlab's global changes, reference-counted under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._taps: dict[int, list[tuple[list[Warned], Any]]] = {}  # thread -> warnings_seen
        self._filter_lists: dict[int, list[Any]] = {}  # every list TAP was put in, by id
        self._shown_before: Any = None
        self._modules_before = 0
        self._last_module = ""  # the newest entry of sys.modules at install
        self._hooks: list[Any] = []
        self._zero_grads: dict[Any, tuple[Any, Any]] = {}  # class -> (its own, gradlab's)

    def start(self, watch: Watch | None) -> None:
        """Take a use of the instrument (installing it first if unused), for this thread's
        recording if `watch` is given."""
        with self._lock:
            if self._users == 0:
                try:
                    self._install()
                except BaseException:
                    self._uninstall()
                    raise
            self._users += 1
            if watch is not None:
                _watches[_get_ident()] = watch

    def stop(self, recording: bool) -> None:
        """Give back a use; the last one removes every change."""
        with self._lock:
            if recording:
                _watches.pop(_get_ident(), None)
            self._users -= 1
            if self._users == 0:
                self._uninstall()

    @contextmanager
    def seen(self) -> Iterator[list[Warned]]:
        """Note each warning this thread shows while the block runs (not those the program
        catches itself with `catch_warnings(record=True)`)."""
        hooks: Any = warnings
        entry: tuple[list[Warned], Any] = ([], hooks._showwarnmsg_impl)
        self.start(None)
        try:
            with self._lock:
                self._taps.setdefault(_get_ident(), []).append(entry)
            yield entry[0]
        finally:
            with self._lock:
                mine = self._taps.get(_get_ident(), [])
                mine[:] = [e for e in mine if e is not entry]
                if not mine:
                    self._taps.pop(_get_ident(), None)
            self.stop(False)

    def front_tap(self, filters: Any) -> None:
        """Put `TAP` first in the program's filters again (it inserted one of its own)."""
        _drop(filters, TAP)
        # without warnings._filters_mutated(): that bumps the filters' version, which would make
        # the program's "default" warnings show again
        filters.insert(0, TAP)
        self._filter_lists[id(filters)] = filters

    def _install(self) -> None:
        global _plain_call_impl
        hooks: Any = warnings  # the display hook is not in typeshed's stubs
        # ours may still be in place, put back by code that saved it while recording
        if torch.nn.Module._call_impl is not _module_call:
            _plain_call_impl = torch.nn.Module._call_impl
        if hooks._showwarnmsg is not _show:
            self._shown_before = hooks._showwarnmsg
        self._modules_before = len(sys.modules)
        self._last_module = next(reversed(sys.modules), "")
        torch.nn.Module._call_impl = _module_call  # type: ignore[method-assign]
        hooks._showwarnmsg = _show
        self.front_tap(warnings.filters)
        self._hooks = [register_optimizer_step_pre_hook(_step_starts),
                       register_optimizer_step_post_hook(_step_ends)]
        for cls in _ZERO_GRADS:
            plain = cls.__dict__["zero_grad"]
            ours = _unrecorded_zero_grad(plain)
            self._zero_grads[cls] = plain, ours
            cls.zero_grad = ours

    def _uninstall(self) -> None:
        hooks: Any = warnings
        for handle in self._hooks:
            handle.remove()
        self._hooks = []
        if torch.nn.Module._call_impl is _module_call:
            torch.nn.Module._call_impl = _plain_call_impl  # type: ignore[method-assign]
        for cls, (plain, ours) in self._zero_grads.items():
            if cls.__dict__.get("zero_grad") is ours:  # (else the program patched it since)
                cls.zero_grad = plain
        self._zero_grads = {}
        if hooks._showwarnmsg is _show:
            hooks._showwarnmsg = self._shown_before
        for filters in [*self._filter_lists.values(), cast(list[Any], warnings.filters)]:
            _drop(filters, TAP)
        self._filter_lists = {}
        self._sweep()

    def _sweep(self) -> None:
        """A module imported meanwhile (sys.modules keeps the order of imports) may have kept
        nn.Module._call_impl as it found it: torch's dynamo does, to recognise the calls it
        can shorten. Give it the real one."""
        if next(reversed(sys.modules), "") == self._last_module:
            return  # nothing imported meanwhile (most recordings): no copy of sys.modules
        for module in list(sys.modules.values())[self._modules_before:]:
            namespace = getattr(module, "__dict__", {})
            for key in [k for k, v in namespace.items() if v is _module_call]:
                namespace[key] = _plain_call_impl

    def show(self, msg: warnings.WarningMessage) -> None:
        """`warnings._showwarnmsg` while instrumented: a warning attributed to the recorder is
        noted and issued again at the program's line; any other is noted by this thread's
        `seen` blocks and shown as it would be."""
        if msg.filename in DISPATCH_FILES:
            watch = _watches.get(_get_ident())
            frame = _dispatch_frame(sys._getframe(1))
            if watch is not None and frame is not None and frame.f_back is not None:
                # the torch function is the mode's second parameter (the protocol's `func`)
                func = frame.f_locals[frame.f_code.co_varnames[1]]
                _reissue(msg, frame.f_back, func, watch.warned)
                return
        hooks: Any = warnings
        for seen, impl in self._taps.get(_get_ident(), ()):
            if hooks._showwarnmsg_impl is impl:
                seen.append(Warned(msg.category.__name__, str(msg.message), msg.filename,
                                   msg.lineno))
        self._shown_before(msg)


INSTRUMENT = Instrument()
_show = INSTRUMENT.show


def _drop(items: list[Any], item: Any) -> None:
    for i, value in enumerate(items):
        if value is item:
            del items[i]
            return


def _dispatch_frame(frame: FrameType | None) -> FrameType | None:
    """The frame of the recorder's `__torch_function__` at or above `frame`."""
    while frame is not None and not (frame.f_code.co_name == "__torch_function__"
                                     and frame.f_code.co_filename in DISPATCH_FILES):
        frame = frame.f_back
    return frame


def _reissue(w: warnings.WarningMessage, frame: FrameType, func: Any,
             warned: list[Warned]) -> None:
    """Issue a warning a torch call raised again, at the place Python would have put it."""
    at = plain_frame(frame, func)
    filename, lineno, scope = at.f_code.co_filename, at.f_lineno, at.f_globals
    warned.append(Warned(w.category.__name__, str(w.message), filename, lineno))
    # no module_globals, as Python's own warn(): with them a `python -c` program fails
    warnings.warn_explicit(w.message, w.category, filename, lineno, scope.get("__name__"),
                           scope.setdefault("__warningregistry__", {}), None, w.source)


def _step_starts(optimizer: Any, args: Any, kwargs: Any) -> None:
    watch = _watches.get(_get_ident())
    if watch is not None:
        if watch.step_depth == 0:
            watch.step = user_where(sys._getframe(1))
            _note_trained(watch, optimizer)
        watch.step_depth += 1


def _note_trained(watch: Watch, optimizer: Any) -> None:
    """Note the parameters this step updates from a non-zero gradient: the run's evidence that
    they train, kept when the program sets `.grad` to None after the step."""
    params = [p for group in optimizer.param_groups for p in group["params"]
              if (g := p.grad) is not None and g.layout == torch.strided
              and g.device.type != "meta"]
    if params:
        for p, moved in zip(params, nonzero([p.grad for p in params]), strict=True):
            if moved:
                watch.trained[id(p)] = weakref.ref(p)


def _step_ends(optimizer: Any, args: Any, kwargs: Any) -> None:
    watch = _watches.get(_get_ident())
    if watch is not None and watch.step_depth:
        watch.step_depth -= 1
        if watch.step_depth == 0:
            watch.step = None


def stepping() -> Where | None:
    """The user's line of the optimizer step this thread is running, if any."""
    watch = _watches.get(_get_ident())
    return None if watch is None else watch.step


def call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], frame: FrameType) -> Any:
    """Call `func`; under anomaly mode, give its graph nodes the traceback they get without
    the recorder."""
    out = func(*args, **kwargs)
    if _anomaly_enabled():
        clean_anomaly_traceback(out, frame, func)
    return out


def clean_anomaly_traceback(out: Any, frame: FrameType, func: Any) -> None:
    """Give the new graph nodes the forward traceback anomaly mode stores without the
    recorder: the program's frames down to the call, then the op's own frames."""
    depth = 0
    step: FrameType | None = plain_frame(frame, func)
    while step is not None:
        depth += 1
        step = step.f_back
    outputs = [out] if isinstance(out, torch.Tensor) else (
        [v for v in out if isinstance(v, torch.Tensor)] if isinstance(out, (list, tuple)) else [])
    for t in outputs:
        stack = None if t.grad_fn is None else forward_traceback(t.grad_fn)
        if stack is None:
            continue
        dispatch = [i for i, line in enumerate(stack)
                    if any(f'File "{name}"' in line for name in DISPATCH_FILES)]
        if dispatch:  # the program's frames include no module-call frame of the recorder
            set_forward_traceback(t.grad_fn, [
                line for i, line in enumerate(stack[:depth]) if i not in dispatch
            ] + stack[dispatch[-1] + 1:])
