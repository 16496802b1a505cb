"""Locating user code: which frames are the program's, and which line a call came from."""

from __future__ import annotations

import inspect
import os
import sysconfig
from collections.abc import Iterator
from types import CodeType, FrameType
from typing import Any

import torch

from gradlab.recording.events import NOWHERE, Where, describe_file

__all__ = ["DISPATCH_FILES", "exception_where", "is_internal", "made_by_init", "plain_frame",
           "user_stack", "user_where"]

_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_RECORDING_DIR = os.path.dirname(os.path.abspath(__file__))
_GRADLAB_DIR = os.path.dirname(_RECORDING_DIR) + os.sep
_STDLIB_DIR = sysconfig.get_paths()["stdlib"] + os.sep
_INTERNAL_DIRS = (_TORCH_DIR, _GRADLAB_DIR, _STDLIB_DIR)
_INIT_FILE = os.path.join(_TORCH_DIR, "nn", "init.py")
_LIBRARY_DIRS = tuple({sysconfig.get_paths()["purelib"] + os.sep,
                       sysconfig.get_paths()["platlib"] + os.sep})
# frames that exist only because the recorder is active: a warning attributed to them, or a
# traceback line in them, belongs to the program's line that made the torch call
DISPATCH_FILES = (*sorted(os.path.join(_RECORDING_DIR, name)
                          for name in os.listdir(_RECORDING_DIR) if name.endswith(".py")),
                  os.path.join(_TORCH_DIR, "overrides.py"))
# the module-call wrapper's frame: inside gradlab, yet between two frames of the program
MODULE_CALL_FILE = os.path.join(_RECORDING_DIR, "instrument.py")

_internal_code: dict[CodeType, bool] = {}


def is_internal(code: CodeType) -> bool:
    """True for code of torch, gradlab or the standard library (not the user's)."""
    known = _internal_code.get(code)
    if known is None:
        name = code.co_filename
        known = name.startswith(_INTERNAL_DIRS) or name.startswith("<frozen")
        _internal_code[code] = known
    return known


def user_where(frame: FrameType | None) -> Where:
    """Return the first frame at or above `frame` that is not torch, gradlab or the stdlib."""
    while frame is not None and is_internal(frame.f_code):
        frame = frame.f_back
    if frame is None:
        return NOWHERE
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


def plain_frame(frame: FrameType, func: Any) -> FrameType:
    """The frame that calls `func` when no recorder runs: the caller of the mode, above
    torch's dispatch and above the outer call of a Python-level torch function."""
    found: FrameType | None = frame
    while found is not None and found.f_code.co_filename in DISPATCH_FILES:
        found = found.f_back
    code = getattr(inspect.unwrap(func), "__code__", None) if callable(func) else None
    if found is not None and code is not None and found.f_code is code:
        found = found.f_back
    return found or frame


def _torch_callers(frame: FrameType | None) -> Iterator[CodeType]:
    """The code of the torch (or gradlab, stdlib) frames between a call and the user's line."""
    while frame is not None and is_internal(frame.f_code):
        yield frame.f_code
        frame = frame.f_back


def in_zero_grad(frame: FrameType | None) -> bool:
    """True when torch's zero_grad() (of a module or an optimizer) made this call."""
    return any(code.co_name == "zero_grad" for code in _torch_callers(frame))


def made_by_init(frame: FrameType | None) -> bool:
    """True when torch.nn.init made this call (a parameter being created)."""
    return any(code.co_filename == _INIT_FILE for code in _torch_callers(frame))


def user_stack(frame: FrameType | None) -> tuple[tuple[str, int], ...]:
    """The (file, line) of each frame of user code running at `frame`, innermost first, up to
    gradlab's own runner (installed libraries are not the user's code either)."""
    stack: list[tuple[str, int]] = []
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_GRADLAB_DIR) and stack and name != MODULE_CALL_FILE:
            break
        if not is_internal(frame.f_code) and not name.startswith(_LIBRARY_DIRS):
            stack.append((name, frame.f_lineno))
        frame = frame.f_back
    return tuple(stack)
