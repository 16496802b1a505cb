"""`gl.error_of`: what a snippet raises, in one line (the way a fact check states it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["error_of"]


def error_of(run: Callable[[], Any]) -> str:
    """Call `run` and return what it raised as `Type: first line of the message`, or `""` if it
    raised nothing: the way a fact check states what torch does."""
    if not callable(run):
        raise TypeError(f"gl.error_of() takes a zero-argument function to call, e.g. "
                        f"gl.error_of(lambda: x.numpy()); got {type(run).__name__}")
    try:
        run()
    except Exception as error:  # noqa: BLE001 - any error is the answer being asked for
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return ""
