"""How findings name places and groups: `file.py:12` (or `line 12` in a notebook), and many
parameter names summarised by their top-level module."""

from __future__ import annotations

from collections.abc import Sequence

from gradlab.recording import Event, Where

__all__ = ["group", "place", "where"]


def where(event: Event) -> str:
    """The user's line of an event as report text (empty when unknown)."""
    return "" if event.where.line == 0 else str(event.where)


def place(at: Where | None) -> tuple[str, int]:
    """The real location of a line (its file, not `cell`): what tells two notebook cells apart
    when both print `line 3`."""
    if at is None or at.line == 0:
        return ("", 0)
    return (at.path or at.file, at.line)


def group(names: Sequence[str]) -> list[str]:
    """Summarise many parameter names by their top-level module: `backbone (12 tensors)`."""
    if len(names) <= 4:
        return list(names)
    groups: dict[str, int] = {}
    for name in names:
        groups[name.split(".")[0]] = groups.get(name.split(".")[0], 0) + 1
    return [f"{g} ({n} tensors)" if n > 1 else g for g, n in groups.items()]
