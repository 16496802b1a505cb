"""Every toggle's code pane marks the change: for each `gl.compare(broken, fixed, ...)` in a
lesson notebook, the ▶ lines of the stored panes include every line that differs between the
two functions, and neither function reaches a class, helper or value of the lesson that the
other does not use (a change there would sit in another cell, outside the pane)."""

from __future__ import annotations

import ast
import html
import json
import re
import symtable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PANE = re.compile(r"<summary>code: (broken|fixed) \(▶ marks what differs\)</summary>"
                  r'<pre style="margin:0">(.*?)</pre>', re.DOTALL)
MARKED = re.compile(r'^<span style="[^"]*">▶ (.*)</span>$')


@dataclass(frozen=True)
class Toggle:
    """One `gl.compare` call: its two functions' sources, the lesson names each one reaches
    from outside itself, whether its cell is a hidden check, and the stored static view of the
    cell (or "")."""

    where: str
    sources: dict[str, str]
    reached: dict[str, set[str]]
    hidden: bool
    shown: str


def python(cell: str) -> ast.Module:
    """A code cell as Python: IPython's `%` magic lines become blank lines."""
    return ast.parse("\n".join("" if ln.lstrip().startswith("%") else ln
                               for ln in cell.splitlines()))


def outer_names(source: str) -> set[str]:
    """The names a function's source reads from outside itself (its globals), nested
    functions and classes included."""
    found: set[str] = set()
    tables = [symtable.symtable(source, "<toggle>", "exec")]
    while tables:
        table = tables.pop()
        if table.get_type() != "module":
            found.update(s.get_name() for s in table.get_symbols()
                         if s.is_referenced() and s.is_global())
        tables.extend(table.get_children())
    return found


def bound_here(tree: ast.Module) -> set[str]:
    """The names a cell binds at the top level by def, class or assignment (not imports: a
    module is the same on both sides)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
            targets = node.targets if isinstance(node, ast.Assign) else [
                getattr(node, "target", None), *[i.optional_vars for i in
                                                 getattr(node, "items", [])]]
            for target in targets:
                if target is not None:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def compares(tree: ast.Module) -> list[ast.Call]:
    """The `gl.compare(...)` calls of a cell."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute) and n.func.attr == "compare"
            and isinstance(n.func.value, ast.Name) and n.func.value.id == "gl"]


def static_view(cell: dict[str, Any]) -> str:
    """The stored static view of a toggle cell's outputs ("" when it shows none)."""
    for output in cell.get("outputs", []):
        page = "".join(output.get("data", {}).get("text/html", ""))
        if "gradlab-compare-static" in page:
            return page
    return ""


def toggles(path: Path) -> list[Toggle]:
    """Every `gl.compare` call of a stored notebook, read from its cells in order."""
    functions: dict[str, str] = {}
    lesson: set[str] = set()
    found = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        tree = python(source)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                functions[node.name] = ast.get_source_segment(source, node) or ""
        lesson |= bound_here(tree)
        for call in compares(tree):
            names = [a.id for a in call.args[:2] if isinstance(a, ast.Name)]
            assert len(names) == 2, f"{path.name}: gl.compare of two named functions"
            sources = dict(zip(("broken", "fixed"), (functions[n] for n in names), strict=True))
            reached = {side: outer_names(code) & lesson for side, code in sources.items()}
            hidden = "remove-cell" in cell["metadata"].get("tags", [])
            found.append(Toggle(f"{path.stem}: {', '.join(names)}", sources, reached, hidden,
                                static_view(cell)))
    return found


ALL = [t for path in sorted(NOTEBOOKS.glob("*.ipynb")) for t in toggles(path)]
SHOWN = [t for t in ALL if not t.hidden]


def test_the_lessons_have_toggles_and_each_shown_toggle_has_its_static_view() -> None:
    assert len({t.where.split(":")[0] for t in SHOWN}) >= 9
    assert [t.where for t in SHOWN if not t.shown] == [], "a toggle without a stored static view"


def panes(page: str) -> dict[str, list[tuple[bool, str]]]:
    """The stored code panes of a static view: side -> [(marked with ▶, line text)]."""
    found = {}
    for side, body in PANE.findall(page):
        lines = []
        for line in body.split("\n"):
            marked = MARKED.match(line)
            text = marked.group(1) if marked else line[2:]
            lines.append((marked is not None, html.unescape(text).rstrip()))
        found[side] = lines
    return found


@pytest.mark.parametrize("toggle", SHOWN, ids=lambda t: t.where)
def test_the_panes_show_the_two_functions_and_mark_every_line_that_differs(
        toggle: Toggle) -> None:
    shown = panes(toggle.shown)
    assert set(shown) == {"broken", "fixed"}
    for side, other in (("broken", "fixed"), ("fixed", "broken")):
        assert [text for _, text in shown[side]] == [
            ln.rstrip() for ln in toggle.sources[side].splitlines()]
        theirs = set(toggle.sources[other].splitlines()[1:])
        differing = {i for i, ln in enumerate(toggle.sources[side].splitlines())
                     if i and ln.strip() and ln not in theirs}
        marked = {i for i, (is_marked, _) in enumerate(shown[side]) if is_marked}
        assert differing <= marked, f"{side}: lines {sorted(differing - marked)} differ, no ▶"
    assert any(m for side in shown.values() for m, _ in side), "no ▶ at all: nothing changed?"


@pytest.mark.parametrize("toggle", ALL, ids=lambda t: t.where)
def test_no_change_hides_in_another_cell(toggle: Toggle) -> None:
    """What only one side reaches (a FixedNet class, a helper, a value) would be the change,
    defined outside the pane: both sides must reach the same lesson names."""
    assert toggle.reached["broken"] == toggle.reached["fixed"], (
        f"only broken: {toggle.reached['broken'] - toggle.reached['fixed']}, "
        f"only fixed: {toggle.reached['fixed'] - toggle.reached['broken']}")


def test_a_class_used_by_one_side_only_is_caught() -> None:
    broken = "def broken():\n    model = Net()\n    return locals()"
    fixed = "def fixed():\n    model = FixedNet()\n    return locals()"
    lesson = {"Net", "FixedNet", "x"}
    assert outer_names(broken) & lesson == {"Net"}
    assert outer_names(fixed) & lesson == {"FixedNet"}
    nested = "def f():\n    class Net:\n        w = x\n    model = Net()\n    return locals()"
    assert outer_names(nested) & lesson == {"x"}  # its own Net is not the lesson's
