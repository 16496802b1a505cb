"""The house rules of the package's shape, checked: no module over 400 lines, no class over
150, no function over 60 (long data tables aside, named below); no rule module imports another
rule module; the drawing does not import the diagnosis (it draws a Report); no submodule is
hidden behind a same-named function or class (`import gradlab.x as m` gives the module x)."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import gradlab.rules

PACKAGE = Path(gradlab.rules.__file__).parent.parent
MODULE, CLASS, FUNCTION = 400, 150, 60
# Data tables, not code: their lines do not count toward their module's size.
TABLES = {("explanations.py", "_PATTERNS")}
# Still over the limits and not yet split; each must leave this list once it is under, the
# second test below makes sure of that. (Empty: every module, class and function is under.)
KNOWN: set[str] = set()


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _sizes() -> list[str]:
    """Every module, class and function over its limit, as `module[:name] (lines)`."""
    over = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines = len(path.read_text(encoding="utf-8").splitlines())
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and (_name(path), t.id) in TABLES
                       for t in targets):
                    lines -= (node.end_lineno or node.lineno) - node.lineno + 1
        if lines > MODULE:
            over.append(f"{_name(path)} ({lines})")
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if size > (CLASS if isinstance(node, ast.ClassDef) else FUNCTION):
                over.append(f"{_name(path)}:{node.name} ({size})")
    return over


def test_no_module_class_or_function_is_over_its_size() -> None:
    over = [o for o in _sizes() if o.split(" ")[0] not in KNOWN]
    assert not over, "over the house limits: " + ", ".join(over)


def test_the_known_exceptions_are_still_needed() -> None:
    """A known exception that no longer exceeds its limit leaves the list."""
    over = {o.split(" ")[0] for o in _sizes()}
    assert not KNOWN - over, f"no longer over the limits: {sorted(KNOWN - over)}"


def _imports(path: Path) -> set[str]:
    """The gradlab modules a module imports (`from gradlab.x import y` gives gradlab.x and
    gradlab.x.y: y may be a submodule)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {name for name in found if name.startswith("gradlab")}


RULE_MODULES = sorted({rule.__module__ for rule in gradlab.rules.RULES})


@pytest.mark.parametrize("module", RULE_MODULES)
def test_no_rule_module_imports_another(module: str) -> None:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    assert not (_imports(path) & set(RULE_MODULES)) - {module}


def test_render_does_not_import_diagnose() -> None:
    imported = _imports(PACKAGE / "render.py")
    assert not {"gradlab.diagnosis", "gradlab.analysis", "gradlab.rules"} & imported, imported


def test_a_rule_reads_what_earlier_rules_found_only_where_declared() -> None:
    """A rule takes the `Earlier` findings and claims exactly when arbitrate's READS says so."""
    from gradlab.arbitrate import READS, rule_name

    takes = {rule_name(rule) for rule in gradlab.rules.RULES
             if len(inspect.signature(rule).parameters) == 2}
    assert takes == set(READS)


@pytest.mark.parametrize("path", sorted((PACKAGE / "rules").glob("*.py")), ids=lambda p: p.stem)
def test_no_rule_draws_on_the_graph_or_writes_the_facts(path: Path) -> None:
    """Rules return marks as data; the overlay draws them after arbitration."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("add", "mark", "edges"):
            assert not (isinstance(node.value, ast.Attribute) and node.value.attr == "graph"), \
                f"{path.name}:{node.lineno} changes the graph"
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            assert not any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                           and t.value.id == "facts" for t in targets), \
                f"{path.name}:{node.lineno} writes to the facts"


# torch's private attributes (a leading underscore after a dot) that `_autograd.py` wraps
_PRIVATE_TORCH = ("._sequence_nr", "._get_sequence_nr", "._raw_saved_", "._saved_", "._version",
                  "._foreach_norm", "._get_current_function_mode_stack", "torch._C.")


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_private_torch_apis_only_in_autograd(path: Path) -> None:
    """One module is the home of torch's private APIs, the list to re-check on an upgrade."""
    if path.name == "_autograd.py":
        return
    code = "\n".join(line.split("#")[0] for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith(('"', "'")))
    used = [name for name in _PRIVATE_TORCH if name in code]
    assert not used, f"{_name(path)} uses {used}: wrap it in gradlab/_autograd.py"


# Run in a fresh interpreter: `import gradlab` first, as a learner does, then every submodule and
# subpackage (found on disk, not imported, so the walk cannot bind a name first).
_SHADOWS = """
import importlib, json, os, pkgutil, sys, types
import gradlab

def names(path, prefix):
    for info in pkgutil.iter_modules(path, prefix):
        yield info.name
        if info.ispkg:
            yield from names([os.path.join(path[0], info.name.rpartition(".")[2])],
                             info.name + ".")

def holds(parent, short, name):
    value = getattr(parent, short, None)  # a lazy name (the package's __getattr__) loads too
    return value is None or isinstance(value, types.ModuleType) and value.__name__ == name

found, wrong = [], []
for name in names(list(gradlab.__path__), "gradlab."):
    found.append(name)
    parent_name, _, short = name.rpartition(".")
    parent = importlib.import_module(parent_name)
    if not holds(parent, short, name):
        wrong.append(f"{name}: {parent_name}.{short} is {getattr(parent, short)!r}")
    module = importlib.import_module(name)
    if getattr(parent, short, module) is not module:
        wrong.append(f"{name}: {parent_name}.{short} is {getattr(parent, short)!r} after "
                     f"importing {name}")
    scope = {}
    try:
        exec(f"import {name} as m", scope)
    except ImportError as error:
        scope["m"] = error
    if scope["m"] is not module:
        wrong.append(f"{name}: `import {name} as m` gives {scope['m']!r}")
print(json.dumps({"found": found, "wrong": wrong}))
"""


def test_no_submodule_is_shadowed_by_a_same_named_object() -> None:
    """`import gradlab.diagnosis as m` gives the module, not a function the package exports."""
    run = subprocess.run([sys.executable, "-c", _SHADOWS], capture_output=True, text=True,
                         check=False, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert {"gradlab.course", "gradlab.course.exercises", "gradlab.rules.cuts"} <= set(
        result["found"]), result["found"]
    assert not result["wrong"], "\n".join(result["wrong"])
