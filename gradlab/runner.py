"""Run a script the way `python SCRIPT ARGS...` does, under the recorder; return plain data.

The script runs as `__main__` (`runpy.run_path`), so classes it defines pickle as they do under
`python`; `sys.argv`, `sys.path[0]` and `__file__` are what Python sets. Its source is decoded
as Python decodes it (UTF-8, a BOM, a coding cookie). `sys.exit()` and `--timeout` stop it; what
ran until then is still reported.

Exit codes of `python -m gradlab check` (the CLI's help repeats them):
  0  no error or warning finding
  1  findings
  2  usage error: no such file, not a Python source file (binary, NUL bytes, undecodable),
     a bad option
  3  the script failed for a reason unrelated to autograd, including a SyntaxError in it
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import signal
import sys
import tokenize
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from gradlab.diagnosis import run_recorded
from gradlab.recording import Recording, Warned

__all__ = ["EXIT_CODES", "NotASource", "ScriptRun", "TimedOut", "check_source", "run_script",
           "syntax_error_text"]

EXIT_CODES = """exit codes: 0 no error or warning finding (or nothing to check: no loss and no
backward() call); 1 findings; 2 usage error (no such file,
not a Python source file, bad option); 3 the script failed for a reason unrelated to autograd
(a SyntaxError included)."""


class NotASource(ValueError):
    """The path is not a Python source file gradlab can run (a usage error: exit 2)."""


class TimedOut(BaseException):
    """Raised in the script when `--timeout` runs out (a BaseException, like KeyboardInterrupt,
    so the script's own `except Exception:` does not swallow it)."""


@dataclass
class ScriptRun:
    """What running a script left: its globals (and the failing function's locals), the
    recording, what it raised, what it warned, and how it stopped."""

    scope: dict[str, Any]
    recording: Recording
    error: BaseException | None
    warned: list[Warned] = field(default_factory=list)
    exit_status: int | str | None = None
    exited: bool = False
    timed_out: bool = False


def check_source(path: str) -> None:
    """Read and compile `path` as Python would, before anything runs: NotASource for what
    Python could not read, the script's SyntaxError for a syntax error in it."""
    if not os.path.isfile(path):
        raise NotASource(f"no such file: {path}")
    with open(path, "rb") as handle:
        data = handle.read()
    if b"\0" in data:
        raise NotASource(f"{path} is not a Python source file: it contains NUL bytes")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as problem:
        raise NotASource(f"{path} is not a Python source file Python can read: {problem} "
                         "(save it as UTF-8, or declare its encoding: # -*- coding: latin-1 -*-)"
                         ) from None
    compile(data, path, "exec", dont_inherit=True)


def syntax_error_text(error: SyntaxError) -> str:
    """A SyntaxError as Python prints it: file, line, the line itself and a caret."""
    return "".join(traceback.format_exception_only(type(error), error))


@contextlib.contextmanager
def _as_python_runs(path: str, args: Sequence[str]) -> Iterator[None]:
    """`sys.argv` and `sys.path[0]` as `python SCRIPT ARGS` sets them, restored afterwards."""
    argv, first = sys.argv, sys.path[0] if sys.path else None
    sys.argv = [path, *args]
    folder = os.path.dirname(os.path.abspath(path))
    if sys.path:
        sys.path[0] = folder
    else:
        sys.path.append(folder)
    try:
        yield
    finally:
        sys.argv = argv
        if first is not None and sys.path and sys.path[0] == folder:
            sys.path[0] = first


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise TimedOut in the main thread after `seconds` (None: no limit)."""
    if seconds is None:
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise TimedOut

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _script_frames(error: BaseException, path: str) -> list[FrameType]:
    frames = []
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def _scope_at(error: BaseException, path: str) -> dict[str, Any]:
    """The script's globals where `error` stopped it, with the locals of the deepest script
    function it was in (where a training loop keeps its loss)."""
    frames = _script_frames(error, path)
    if not frames:
        return {}
    scope = dict(frames[0].f_globals)
    inner = [f for f in frames if f.f_code.co_name != "<module>"]
    if inner:
        scope.update(inner[-1].f_locals)
    return scope


def run_script(path: str, args: Sequence[str] = (), *, timeout: float | None = None
               ) -> ScriptRun:
    """Run the script at `path` with `args` under the recorder, as `python` would run it.

    Raises NotASource (a usage error) or the script's SyntaxError before anything runs."""
    check_source(path)
    stopped: list[BaseException] = []

    def run() -> dict[str, Any]:
        try:
            with _time_limit(timeout):
                return runpy.run_path(path, run_name="__main__")
        except (SystemExit, TimedOut) as stop:
            stopped.append(stop)
            return _scope_at(stop, path)

    with _as_python_runs(path, args):
        scope, rec, error, warned = run_recorded(run)
    if error is not None:
        scope = _scope_at(error, path)
    stop = stopped[0] if stopped else None
    return ScriptRun(scope, rec, error, warned,
                     exit_status=stop.code if isinstance(stop, SystemExit) else None,
                     exited=isinstance(stop, SystemExit), timed_out=isinstance(stop, TimedOut))
