"""The real-world corpus: scripts reduced from public threads, and how `gradlab check` scores.

Each case is `cases/<slug>/broken.py` (as the user ran it) and `fixed.py` (as the answer fixed it);
each idiom in `correct/` is correct code that only looks suspicious. A broken case is scored as the
user ran it and, when it raises, once more with its failure caught by a generated try/except.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parent
CASES = ROOT / "cases"
CORRECT = ROOT / "correct"
SCORES = ROOT / "scores.json"
FLAGGED = ("error", "warning")

# Cases gradlab misses and idioms it alarms on today, each with the pattern of issue 31 that
# covers it. They are scored on their own (`measure()["known_*"]`), not in the ratchet figures,
# and a test fails as soon as one is handled, so it is taken off this list and counts from then.
KNOWN_MISSES: dict[str, str] = {}
KNOWN_ALARMS: dict[str, str] = {}


def header(path: Path) -> dict[str, str]:
    """The `# key: value` comment lines at the top of a script."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# ") or ":" not in line:
            break
        key, _, value = line[2:].partition(":")
        fields[key.strip()] = value.strip()
    return fields


@dataclass(frozen=True)
class Case:
    """One real case: the script as the user ran it, the fixed one, what gradlab should name."""

    slug: str
    broken: Path
    fixed: Path
    source: str
    symptom: str
    expect: tuple[str, ...]


def cases() -> list[Case]:
    """Every case of the corpus, in slug order."""
    found = []
    for folder in sorted(p.parent for p in CASES.glob("*/broken.py")):
        fields = header(folder / "broken.py")
        expect = tuple(k.strip() for k in fields.get("expect", "").split(",") if k.strip())
        found.append(Case(folder.name, folder / "broken.py", folder / "fixed.py",
                          fields.get("source", ""), fields.get("symptom", ""), expect))
    return found


def idioms() -> list[Path]:
    """Every correct idiom, in name order."""
    return sorted(CORRECT.glob("*.py"))


@contextlib.contextmanager
def _quiet(action: str) -> Iterator[None]:
    """Silence a script's stderr; its warnings get `action` (never "error", as under pytest)."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter(action)  # type: ignore[arg-type]
        yield


@dataclass(frozen=True)
class Check:
    """What `python -m gradlab check SCRIPT --json` returned: exit code and findings."""

    code: int
    findings: list[dict[str, Any]]

    def flagged(self) -> list[dict[str, Any]]:
        """Findings of severity error or warning."""
        return [f for f in self.findings if f.get("severity") in FLAGGED]


def check(path: Path) -> Check:
    """Run gradlab's command line on `path` in this process, torch seeded, and parse its JSON."""
    from gradlab.__main__ import main

    out = io.StringIO()
    torch.manual_seed(0)
    with _quiet("default"), contextlib.redirect_stdout(out):
        code = main(["check", str(path), "--json"])
    try:
        findings = json.loads(out.getvalue() or "[]")
    except json.JSONDecodeError:
        findings = []
    return Check(code, findings if isinstance(findings, list) else [])


def found(case: Case, result: Check) -> bool:
    """gradlab reported the failure: exit 1 and a flagged finding of an expected kind."""
    return result.code == 1 and any(f.get("kind") in case.expect for f in result.flagged())


def false_alarm(result: Check) -> bool:
    """A correct script alarmed: any flagged finding, or an exit code other than 0."""
    return result.code != 0 or bool(result.flagged())


@dataclass
class Run:
    """A script run like `python SCRIPT`: its final globals and the exception it raised, if any."""

    scope: dict[str, Any]
    error: BaseException | None


def run(path: Path, recorded: bool = False) -> Run:
    """Execute `path` as `__main__`, torch seeded, optionally under `gradlab.record()`."""
    import gradlab

    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    scope: dict[str, Any] = {"__name__": "__main__", "__file__": str(path),
                             "__builtins__": builtins}
    error: BaseException | None = None
    torch.manual_seed(0)
    recorder = gradlab.record() if recorded else contextlib.nullcontext()
    with _quiet("ignore"), contextlib.redirect_stdout(io.StringIO()):
        try:
            with recorder:
                exec(code, scope)
        except Exception as raised:  # noqa: BLE001 - any failure of the script is its result
            error = raised
    return Run(scope, error)


def _failing_line(path: Path, error: BaseException) -> int | None:
    """The deepest line of `path` in the traceback that is not inside a class body.

    A try/except inside a model's forward is not how scripts catch errors; around the call is.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    classes = [(n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree)
               if isinstance(n, ast.ClassDef)]
    line = None
    tb = error.__traceback__
    while tb is not None:
        in_script = tb.tb_frame.f_code.co_filename == str(path)
        if in_script and not any(start <= tb.tb_lineno <= end for start, end in classes):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _innermost_statement(body: list[ast.stmt], line: int) -> ast.stmt | None:
    """The simple statement holding `line`, inside function, loop, with, if and try bodies."""
    for stmt in body:
        if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and not isinstance(stmt, ast.ClassDef):
                    found_inner = _innermost_statement(inner, line)
                    if found_inner is not None:
                        return found_inner
            for handler in getattr(stmt, "handlers", []):
                found_inner = _innermost_statement(handler.body, line)
                if found_inner is not None:
                    return found_inner
            return stmt
    return None


def swallowed_source(path: Path, error: BaseException) -> str | None:
    """The script with the statement that raised `error` wrapped in try/except printing it."""
    line = _failing_line(path, error)
    if line is None:
        return None
    text = path.read_text(encoding="utf-8")
    stmt = _innermost_statement(ast.parse(text).body, line)
    if stmt is None:
        return None
    lines = text.splitlines()
    start, end = stmt.lineno - 1, stmt.end_lineno or stmt.lineno
    indent = " " * stmt.col_offset
    wrapped = ([f"{indent}try:"] + ["    " + ln if ln.strip() else ln for ln in lines[start:end]]
               + [f"{indent}except Exception as error:", f'{indent}    print("caught:", error)'])
    return "\n".join(lines[:start] + wrapped + lines[end:]) + "\n"


@dataclass(frozen=True)
class Score:
    """How gradlab did on one broken case, as run and with its error swallowed."""

    case: Case
    crashing: bool
    found: bool
    swallowed_found: bool | None
    kinds: tuple[str, ...]


def score_case(case: Case) -> Score:
    """Check the broken script and, if it raises, its swallowed variant."""
    plain = run(case.broken)
    result = check(case.broken)
    kinds = tuple(sorted({f.get("kind", "") for f in result.flagged()}))
    swallowed: bool | None = None
    if plain.error is not None:
        source = swallowed_source(case.broken, plain.error)
        swallowed = False
        if source is not None:
            with tempfile.TemporaryDirectory() as tmp:
                variant = Path(tmp) / "broken.py"
                variant.write_text(source, encoding="utf-8")
                swallowed = found(case, check(variant))
    return Score(case, plain.error is not None, found(case, result), swallowed, kinds)


def _percent(hits: int, total: int) -> float:
    return 100.0 * hits / total if total else 100.0


def _found_figures(scores: list[Score], prefix: str = "") -> dict[str, float]:
    """Found % as the scripts crash, with their error swallowed, and silent."""
    crashing = [s for s in scores if s.crashing]
    silent = [s for s in scores if not s.crashing]
    return {
        f"{prefix}found_crashing": _percent(sum(s.found for s in crashing), len(crashing)),
        f"{prefix}found_swallowed": _percent(sum(bool(s.swallowed_found) for s in crashing),
                                             len(crashing)),
        f"{prefix}found_silent": _percent(sum(s.found for s in silent), len(silent)),
    }


def still_missed(score: Score) -> bool:
    """A case gradlab does not name, as run or (when it crashes) with its error swallowed."""
    return not score.found or (score.crashing and not score.swallowed_found)


def measure() -> dict[str, float]:
    """Found % and false alarms; the ratchet figures leave out KNOWN_MISSES and KNOWN_ALARMS.

    `all_*` are the same figures over every case and idiom; `known_*` count the listed scripts
    that still fail.
    """
    scores = [score_case(c) for c in cases()]
    ratchet = [s for s in scores if s.case.slug not in KNOWN_MISSES]
    alarmed = {c.fixed: false_alarm(check(c.fixed)) for c in cases()}
    alarmed |= {p: false_alarm(check(p)) for p in idioms()}
    known = {p for p in alarmed if p.stem in KNOWN_ALARMS}
    return {
        **_found_figures(ratchet),
        "false_alarms": float(sum(a for p, a in alarmed.items() if p not in known)),
        **_found_figures(scores, "all_"),
        "all_false_alarms": float(sum(alarmed.values())),
        "known_misses": float(sum(still_missed(s) for s in scores
                                  if s.case.slug in KNOWN_MISSES)),
        "known_alarms": float(sum(alarmed[p] for p in known)),
    }


def _grads(scope: dict[str, Any]) -> dict[str, torch.Tensor | None]:
    """`.grad` of every module parameter and every leaf tensor that requires grad, by name."""
    grads: dict[str, torch.Tensor | None] = {}
    for name, value in scope.items():
        if isinstance(value, torch.nn.Module):
            for pname, p in value.named_parameters():
                grads[f"{name}.{pname}"] = p.grad
        elif isinstance(value, torch.Tensor) and value.requires_grad and value.is_leaf:
            grads[name] = value.grad
    return grads


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equal values, with NaN equal to NaN (a silent NaN gradient must stay the same NaN)."""
    return (a.shape == b.shape and a.dtype == b.dtype
            and bool(torch.where(a.isnan(), b.isnan(), a == b).all()))


def identity_problems(path: Path) -> list[str]:
    """What differs between running `path` plainly and under `gradlab.record()` (empty: nothing)."""
    plain, watched = run(path), run(path, recorded=True)
    problems = []
    a, b = plain.error, watched.error
    if (type(a), str(a)) != (type(b), str(b)):
        problems.append(f"exception {type(a).__name__}: {a} became {type(b).__name__}: {b}")
    grads_a, grads_b = _grads(plain.scope), _grads(watched.scope)
    if grads_a.keys() != grads_b.keys():
        problems.append(f"tensors {sorted(grads_a)} became {sorted(grads_b)}")
    for name in sorted(grads_a.keys() & grads_b.keys()):
        ga, gb = grads_a[name], grads_b[name]
        if (ga is None) != (gb is None) or (ga is not None and gb is not None
                                           and not _same(ga, gb)):
            problems.append(f"{name}.grad differs")
    return problems


def stored() -> dict[str, float]:
    """The figures stored in scores.json (today's engine); a run must not do worse."""
    data: dict[str, float] = json.loads(SCORES.read_text(encoding="utf-8"))
    return data
