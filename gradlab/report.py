"""Findings and the report that holds them: plain data, printable as text and HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from gradlab.graph import GradGraph

__all__ = ["KINDS",  # noqa: F822 (a module __getattr__: see below)
           "SEVERITIES", "ExceptionInfo", "Finding", "GradRow", "Kind", "Report"]

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Kind:
    """What a finding kind means, declared by the rule module that owns it (gradlab.rules
    collects them): the lesson that teaches it and when it is an error, warning or info."""

    name: str
    lesson: str
    severity: str
    explanation: str


def _registry() -> dict[str, Kind]:
    """The kinds the rule modules declare, in report order (imported when first needed: the
    rule modules import this one)."""
    from gradlab.rules import KINDS as declared
    return declared


def __getattr__(name: str) -> tuple[str, ...]:
    """`KINDS`: the names of all finding kinds, in the order a report lists them."""
    if name == "KINDS":
        return tuple(_registry())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Finding:
    """One place where gradient flow is cut or at risk, why, and what to change."""

    kind: str
    severity: str
    names: tuple[str, ...]
    where: str
    message: str
    fix: str
    place: tuple[str, int] = ("", 0)  # the real file and line: two notebook cells differ here
    taught_in: str = ""  # the lesson that teaches this case, when not its kind's lesson

    @property
    def lesson(self) -> str:
        """The notebook that teaches this failure mode: the case's own, or its kind's."""
        return self.taught_in or _registry()[self.kind].lesson

    def sort_key(self) -> tuple[int, int, str, tuple[str, ...], tuple[str, int]]:
        """Errors first, then the fixed order of kinds, then place and names."""
        return (SEVERITIES.index(self.severity), list(_registry()).index(self.kind), self.where,
                self.names, self.place)

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data (the CLI's `--json`)."""
        return {"kind": self.kind, "severity": self.severity, "names": list(self.names),
                "where": self.where, "message": self.message, "fix": self.fix,
                "lesson": self.lesson}

    def __str__(self) -> str:
        where = f" at {self.where}" if self.where else ""
        return f"[{self.severity}] {self.kind}{where}: {self.message}\n    fix: {self.fix}"


@dataclass(frozen=True)
class GradRow:
    """The gradient of one named tensor after the run: None, all zero, or its norm."""

    name: str
    shape: str
    state: str
    norm: float | None = None

    def __str__(self) -> str:
        value = f"norm {self.norm:.4g}" if self.norm is not None else self.state
        return f"{self.name:<24} {self.shape:<12} {value}"


@dataclass(frozen=True)
class ExceptionInfo:
    """An exception the diagnosed code raised, with gradlab's plain explanation."""

    type: str
    message: str
    kind: str | None
    explanation: str

    @property
    def first_line(self) -> str:
        """The message's first sentence-line, without PyTorch's hint."""
        return self.message.split("\n")[0].split(" Hint:")[0]

    def __str__(self) -> str:
        text = f"{self.type}: {self.first_line}"
        return f"{text}\n  means: {self.explanation}" if self.explanation else text


@dataclass
class Report:
    """What `gl.diagnose` found, in a deterministic order."""

    findings: list[Finding] = field(default_factory=list)
    graph: GradGraph = field(default_factory=GradGraph)
    grads: list[GradRow] = field(default_factory=list)
    exception: ExceptionInfo | None = None
    warnings: list[str] = field(default_factory=list)
    losses: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    steps: object = None  # what `steps=N` saw: a gradlab.steps.StepTable

    def __post_init__(self) -> None:
        self.findings = sorted(set(self.findings), key=Finding.sort_key)

    @property
    def problems(self) -> list[Finding]:
        """The findings of severity error or warning (info is what may be intended)."""
        return [f for f in self.findings if f.severity != "info"]

    @property
    def ok(self) -> bool:
        """True when nothing is cut or at risk (info findings allowed)."""
        return not self.problems

    def kinds(self, severity: str | None = None) -> list[str]:
        """Return the kinds found, in report order, optionally of one severity."""
        return [f.kind for f in self.findings if severity in (None, f.severity)]

    def __str__(self) -> str:
        lines = []
        if self.exception is not None:
            lines.append(f"raised {self.exception}")
        if not self.findings:
            lines.append("gradlab: no problems found: every trainable tensor is connected "
                         "to the loss.")
        else:
            counts = ", ".join(_count(sum(f.severity == s for f in self.findings), s)
                               for s in SEVERITIES if any(f.severity == s for f in self.findings))
            lines.append(f"gradlab: {counts}")
            lines.extend(str(f) for f in self.findings)
        lines.extend(f"the program warned: {w}" for w in self.warnings)
        lines.extend(f"note: {n}" for n in self.notes)
        if self.steps is not None:
            lines.append(str(self.steps))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return report_html(self)


def _count(n: int, severity: str) -> str:
    """`1 error`, `3 errors`, `2 info`."""
    return f"{n} {severity}{'s' if n > 1 and severity != 'info' else ''}"


_BADGE = {"error": ("#b00020", "✖ error"), "warning": ("#8a5a00", "▲ warning"),
          "info": ("#355e9a", "ℹ info")}


def report_html(report: Report, font_size: str = "1em") -> str:
    """Return the report as an HTML fragment (readable on light and dark themes)."""
    esc = html.escape
    parts = [f'<div class="gradlab-report" style="font-size:{font_size}">']
    if report.exception is not None:
        parts.append(f"<p><b>raised</b> <code>{esc(report.exception.type)}: "
                     f"{esc(report.exception.first_line)}</code><br>"
                     f"{esc(report.exception.explanation)}</p>")
    if not report.findings:
        parts.append("<p>✔ no problems found: every trainable tensor is connected to the loss.</p>")
    for f in report.findings:
        color, badge = _BADGE[f.severity]
        where = f" at <code>{esc(f.where)}</code>" if f.where else ""
        parts.append(
            f'<p style="border-left:4px solid {color};padding-left:0.5em">'
            f'<b style="color:{color}">{badge}</b> <code>{esc(f.kind)}</code>{where}<br>'
            f"{esc(f.message)}<br><i>fix:</i> {esc(f.fix)} "
            f"<small>(lesson {esc(f.lesson)})</small></p>")
    parts.extend(f"<p><i>the program warned:</i> <code>{esc(w)}</code></p>"
                 for w in report.warnings)
    parts.extend(f"<p><i>note:</i> {esc(n)}</p>" for n in report.notes)
    parts.append("</div>")
    return "".join(parts)
