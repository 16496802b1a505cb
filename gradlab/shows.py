"""`gl.shows_error()`: show an intended error without failing the cell.

Jupyter frontends that ignore cell tags (VS Code, Colab) stop "Run All" at the first cell that
raises. A lesson wraps the line that should fail in `with gl.shows_error():` instead: the
exception's type and exact message are printed with gradlab's explanation, and the cell goes on.
When nothing is raised it raises AssertionError, so a cell that stops failing is caught.
"""

from __future__ import annotations

from types import TracebackType

from gradlab.explanations import explain

__all__ = ["ShowsError", "shows_error"]


class ShowsError:
    """The context manager behind `gl.shows_error()`; `.error` is what was raised."""

    def __init__(self, expected: type[BaseException] | tuple[type[BaseException], ...]) -> None:
        self.expected = expected
        self.error: BaseException | None = None

    def __enter__(self) -> ShowsError:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None:
            raise AssertionError("gl.shows_error(): the block ran without raising; the error "
                                 "this cell shows no longer happens")
        if not isinstance(exc, self.expected):
            return False  # not the error this cell shows: let it through, unchanged
        self.error = exc
        print(f"{type(exc).__name__}: {exc}")
        found = explain(exc)
        if found is not None:
            print(f"gradlab: {found.explanation}")
        return True


def shows_error(expected: type[BaseException] | tuple[type[BaseException], ...] = Exception,
                ) -> ShowsError:
    """Run a block that should raise `expected`: print the exception's type, its exact message
    and gradlab's explanation, and go on. Raises AssertionError if the block raised nothing."""
    if not (isinstance(expected, type) and issubclass(expected, BaseException)) and not (
            isinstance(expected, tuple) and expected
            and all(isinstance(t, type) and issubclass(t, BaseException) for t in expected)):
        raise TypeError(f"gl.shows_error() takes an exception class (or a tuple of them), "
                        f"not {expected!r}")
    return ShowsError(expected)
