"""Reading the user's source: the parsed file of an event, the `with torch.no_grad():` around
a cut, the `except` that caught an error, what stands before `.data` on a line.

Trees are cached per file and parsed again when the file's text changed (a script edited and
checked again in the same process, a notebook cell run again).
"""

from __future__ import annotations

import ast
import linecache
from typing import Any

from gradlab.recording import Event, Where, describe_file

__all__ = ["backward_on_numbers", "data_written", "grad_mode_block", "handler_line",
           "source_tree"]

_CATCH_ALL = {"Exception", "BaseException", "RuntimeError"}
_trees: dict[str, tuple[str, ast.Module | None]] = {}


def source_tree(file: str) -> ast.Module | None:
    """The parsed source of a user's file or notebook cell (None if it cannot be read)."""
    linecache.checkcache(file)
    text = "".join(linecache.getlines(file))
    cached = _trees.get(file)
    if cached is not None and cached[0] == text:
        return cached[1]
    try:
        tree: ast.Module | None = ast.parse(text)
    except (SyntaxError, ValueError):
        tree = None
    _trees[file] = (text, tree)
    return tree


def backward_on_numbers(scope: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, type) of each variable of the script that holds a number, not a tensor, and that
    the script's source calls `.backward()` on: a loss that left autograd, whose AttributeError
    the script caught."""
    file = scope.get("__file__")
    tree = source_tree(file) if isinstance(file, str) else None
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree) if tree is not None else ():
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "backward" and isinstance(node.func.value, ast.Name)):
            value = scope.get(node.func.value.id)
            kind = type(value)
            if isinstance(value, bool) or not (isinstance(value, (int, float))
                                               or kind.__module__ == "numpy"):
                continue
            numpy = kind.__module__ == "numpy"
            found.append((node.func.value.id,
                          f"numpy.{kind.__name__}" if numpy else kind.__name__))
    return found


def grad_mode_block(event: Event) -> str:
    """The line of the `with torch.no_grad():` (set_grad_enabled, inference_mode, or the
    decorator) that a no_grad cut ran under, when it is in a caller of the op's function (a
    validation loss computed by a model whose forward holds the op); empty when the block
    holds the op itself."""
    modes = ("no_grad", "set_grad_enabled") if event.cause == "no_grad" else ("inference_mode",)
    for depth, (file, line) in enumerate(event.stack):
        tree = source_tree(file)
        found = 0
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, (ast.With, ast.AsyncWith)):
                opener = node.lineno if any(mode in ast.unparse(item.context_expr)
                                            for item in node.items for mode in modes) else 0
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                opener = next((d.lineno for d in node.decorator_list
                               if any(mode in ast.unparse(d) for mode in modes)), 0)
            else:
                continue
            inside = node.body[0].lineno <= line <= (node.body[-1].end_lineno or 0)
            if opener and inside and opener > found:
                found = opener
        if found:
            return str(Where(describe_file(file), found, "")) if depth else ""
    return ""


def handler_line(file: str, line: int, error_type: str) -> int | None:
    """The line of the `except` that catches `error_type` raised at `line` of `file`: the
    innermost `try` whose body holds the line, with a handler for that type."""
    tree = source_tree(file)
    if tree is None:
        return None
    best: tuple[int, int] | None = None  # (start of the try, handler line): innermost wins
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Try, ast.TryStar)) or not node.body:
            continue
        if not node.body[0].lineno <= line <= (node.body[-1].end_lineno or 0):
            continue
        handler = next((h for h in node.handlers if _catches(h, error_type)), None)
        if handler is not None and (best is None or node.lineno > best[0]):
            best = (node.lineno, handler.lineno)
    return best[1] if best else None


def _catches(handler: ast.ExceptHandler, error_type: str) -> bool:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for caught in types:
        if caught is None:
            return True
        name = caught.attr if isinstance(caught, ast.Attribute) else (
            caught.id if isinstance(caught, ast.Name) else "")
        if name in _CATCH_ALL or name == error_type:
            return True
    return False


def data_written(change: Event) -> str:
    """What stands before the first `.data` on the change's line (`g` in `g.data.clamp_()`)."""
    if not change.stack:
        return ""
    file, line = change.stack[0]
    tree = source_tree(file)
    if tree is None:
        return ""
    found = [node for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr == "data" and node.lineno == line]
    first = min(found, key=lambda node: node.col_offset, default=None)
    return "" if first is None else ast.unparse(first.value)
