"""`gl.hint` and `gl.solution`: the hint ladder (1 the symptom, 2 where, 3 the fix) and the
reference solution on request. The ladder's state lives in this process only (one kernel):
nothing is written to disk."""

from __future__ import annotations

import html
from dataclasses import dataclass

from gradlab.course.exercise import load

__all__ = ["Hint", "Solution", "hint", "hints_used", "solution"]

_LEVELS = ("symptom", "where", "fix")
_used: dict[str, int] = {}  # exercise id -> how many hints this kernel has shown


@dataclass(frozen=True)
class Hint:
    """One rung of the ladder, shown as text in a terminal and in a notebook."""

    key: str
    level: int  # 1..3, or 0 when the ladder is climbed
    text: str

    def __str__(self) -> str:
        if self.level == 0:
            return self.text
        return f"hint {self.level} of 3 ({_LEVELS[self.level - 1]}) for exercise {self.key}: " \
               f"{self.text}"

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Solution:
    """The reference solution of an exercise: highlighted code in a notebook, text elsewhere;
    `code` is its source."""

    key: str
    code: str

    def __str__(self) -> str:
        return f"# the reference solution of exercise {self.key}\n{self.code.rstrip()}\n"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
        except ImportError:  # pygments comes with Jupyter; without it, plain preformatted text
            return f"<pre>{html.escape(str(self))}</pre>"
        formatter = HtmlFormatter(noclasses=True, nowrap=False)
        return str(highlight(str(self), PythonLexer(), formatter))


def hints_used(key: str) -> int:
    """How many hints of exercise `key` (normalised) this kernel has shown."""
    return _used.get(key, 0)


def hint(exercise: str | int, level: int | None = None) -> Hint:
    """The next hint of `exercise` ("05"): 1 the symptom in words, 2 where (the line or the
    parameter), 3 the fix. `level` shows that rung instead (and counts as climbed to it)."""
    key, spec = load(exercise)
    if level is not None and (isinstance(level, bool) or not isinstance(level, int)
                              or not 1 <= level <= 3):
        raise ValueError(f"level= is 1, 2 or 3 (symptom, where, fix); got {level!r}")
    if level is None and hints_used(key) >= 3:
        return Hint(key, 0, f"no more hints for exercise {key}: all three are shown. "
                            f"gl.solution(\"{key}\") shows the reference solution.")
    rung = level if level is not None else hints_used(key) + 1
    _used[key] = max(hints_used(key), rung)
    return Hint(key, rung, spec.hints[rung - 1])


def solution(exercise: str | int) -> Solution:
    """The reference solution of `exercise` ("05")."""
    key, spec = load(exercise)
    return Solution(key, spec.solution)
