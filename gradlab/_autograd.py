"""The one home of private torch APIs and of walks over the autograd graph.

On a torch upgrade, re-check each of these (tests/record, with test_identity.py, catches most):
- `torch._C._autograd._get_sequence_nr` and `Node._sequence_nr()`: the number the next graph
  node gets, and a node's; modules are told apart by them (`sequence_nr` is a C-level
  methodcaller: the walk asks it of every node).
- `Tensor._version`: the version counter that in-place changes bump (none on inference tensors).
- `Node._saved_<name>` / `Node._raw_saved_<name>` and `.unpack_hook`: what a node saved for
  backward; reading them runs torch's own version and freed-buffer checks.
- `Node.metadata` and anomaly mode's `metadata["traceback_"]`: where gradlab marks nodes, and the
  forward traceback anomaly mode stores (graph.walk reads `node.metadata` inline too).
- `torch._foreach_norm`: one call for the norms of many gradients; `torch._C.DisableTorchFunction`:
  gradlab's own hooks compute them unseen by the recorder.
- `torch.overrides._get_current_function_mode_stack`: the TorchFunctionModes now active;
  `torch._C._len_torch_function_stack`, `_get_function_stack_at`, `_pop_torch_function_stack`
  and `_push_on_torch_function_stack`: the recorder steps off the stack while torch's own
  layers run (recording.trusted).
- `nn.Module._forward_hooks` and kin, and `torch.nn.modules.module._global_*_hooks`: whether a
  hook runs program code around a module call.
- `AccumulateGrad.variable` and `Node.next_functions`: the walks below; `Tensor._base`: the
  leaf that a view made under no_grad shows.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Sequence
from typing import Any, cast

import torch
from torch.nn.modules import module as _nn_module
from torch.overrides import _get_current_function_mode_stack

__all__ = ["current_function_modes", "foreach_norm", "forward_traceback", "grad_fn",
           "grad_fn_name", "graph_nodes", "hooked", "inner_nodes", "metadata", "next_sequence_nr",
           "nonzero", "pop_function_mode", "probe", "push_function_mode", "saved_tensors",
           "sequence_nr", "set_forward_traceback", "shape_text", "size_text", "storage_address",
           "top_function_mode", "upstream_leaves", "version"]

next_sequence_nr = torch._C._autograd._get_sequence_nr  # the number the next node gets


# the number autograd gave a node when it was made (later nodes have larger ones); a C-level
# call, as the walk asks it of every node
sequence_nr: Callable[[Any], int] = operator.methodcaller("_sequence_nr")


def version(t: torch.Tensor) -> int:
    """Return the version counter of `t` (-1 for inference tensors, which have none)."""
    try:
        return int(t._version)
    except RuntimeError:
        return -1


def metadata(node: Any) -> dict[str, Any]:
    """A graph node's `metadata` dict (torch's stubs type it as a method)."""
    return cast(dict[str, Any], node.metadata)


def forward_traceback(node: Any) -> list[str] | None:
    """The forward traceback anomaly mode stored on `node`, if any."""
    stack = metadata(node).get("traceback_")
    return stack if isinstance(stack, list) else None


def set_forward_traceback(node: Any, lines: list[str]) -> None:
    """Replace the forward traceback anomaly mode stored on `node`."""
    metadata(node)["traceback_"] = lines


def foreach_norm(tensors: list[torch.Tensor], order: float = 2) -> list[torch.Tensor]:
    """The norms of many tensors in one call."""
    return list(torch._foreach_norm(tensors, order))


def nonzero(tensors: list[torch.Tensor]) -> list[bool]:
    """Which tensors hold a non-zero value, in one call that no TorchFunctionMode sees (for a
    hook of gradlab's that runs inside the program's own torch calls)."""
    with torch._C.DisableTorchFunction(), torch.no_grad():
        norms = list(torch._foreach_norm(tensors, 1))
        if len({n.device for n in norms}) > 1:
            return [bool(n != 0) for n in norms]
        return [size != 0 for size in torch.stack(norms).tolist()]


def current_function_modes() -> list[Any]:
    """The TorchFunctionModes active in this thread, outermost first."""
    return list(_get_current_function_mode_stack())  # type: ignore[no-untyped-call]


_stack_length, _stack_at = torch._C._len_torch_function_stack, torch._C._get_function_stack_at
pop_function_mode = torch._C._pop_torch_function_stack  # this thread's innermost mode, removed
push_function_mode = torch._C._push_on_torch_function_stack


def top_function_mode() -> Any:
    """The innermost TorchFunctionMode of this thread, or None."""
    length = _stack_length()
    return _stack_at(length - 1) if length else None


def hooked(module: torch.nn.Module) -> bool:
    """Whether a hook of the module's own or a global one runs around its call (the test
    `nn.Module._call_impl` makes before it takes its short path)."""
    return bool(module._forward_hooks or module._forward_pre_hooks or module._backward_hooks
                or module._backward_pre_hooks or _nn_module._global_forward_hooks
                or _nn_module._global_forward_pre_hooks or _nn_module._global_backward_hooks
                or _nn_module._global_backward_pre_hooks)


def storage_address(t: torch.Tensor) -> int | None:
    """The address of `t`'s storage (shared by `.data` and views), None without storage."""
    try:
        return int(t.untyped_storage().data_ptr())
    except (RuntimeError, NotImplementedError):  # a functorch or meta tensor
        return None


def grad_fn(t: torch.Tensor) -> Any:
    """`t.grad_fn`, or None where reading it raises (a no_grad view whose base changed in
    place): the program never asked for it, so gradlab must not raise there."""
    try:
        return t.grad_fn
    except RuntimeError:
        return None


def grad_fn_name(t: torch.Tensor) -> str:
    """The name of the node that made `t` ("" for a leaf)."""
    node = grad_fn(t)
    return node.name() if node is not None else ""


def upstream_leaves(t: torch.Tensor) -> tuple[weakref.ref[torch.Tensor], ...]:
    """Return weak references to the leaves that require grad behind `t` (itself if a leaf;
    for a view of a leaf made under no_grad, `w.t()`, the leaf it views: the view dies with
    the op that used it, also when its base changed since and reading its grad_fn raises)."""
    root = grad_fn(t)
    if root is None:
        if not t.requires_grad:
            return ()
        base = t._base
        return (weakref.ref(base if isinstance(base, torch.Tensor) and base.requires_grad
                            else t),)
    return tuple(weakref.ref(variable) for node in graph_nodes([root])
                 if isinstance(variable := getattr(node, "variable", None), torch.Tensor))


def inner_nodes(roots: list[Any]) -> dict[int, Any]:
    """The graph nodes behind `roots` by id, without the leaves' AccumulateGrad nodes (two
    graphs of the same weights share those). Holding the nodes keeps their ids unique."""
    found: dict[int, Any] = {}
    stack = [node for node in roots if node is not None]
    while stack:
        node = stack.pop()
        if id(node) in found or hasattr(node, "variable"):
            continue
        found[id(node)] = node
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return found


def graph_nodes(roots: list[Any], through: Callable[[Any], bool] | None = None) -> list[Any]:
    """Every node behind `roots`, each once, roots first (freed graphs keep their structure);
    with `through`, only what is reached through nodes it is true for (the others are listed
    but not entered)."""
    nodes: list[Any] = []
    seen: set[int] = set()
    stack = [node for node in roots if node is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        if through is None or through(node):
            stack.extend(child for child, _ in node.next_functions if child is not None)
    return nodes


_saved_names: dict[type, list[str]] = {}


def _saved_attributes(node: Any) -> list[str]:
    """The `_saved_*` attribute names of a node's type."""
    names = _saved_names.get(type(node))
    if names is None:
        names = _saved_names[type(node)] = [a for a in dir(node) if a.startswith("_saved_")]
    return names


def _hooked(node: Any, attr: str) -> bool:
    """True when the program's saved-tensor hooks pack this save: reading it would run the
    unpack hook, which may expect to run once, in backward."""
    raw = getattr(node, "_raw" + attr, None)
    return any(getattr(r, "unpack_hook", None) is not None
               for r in (raw if isinstance(raw, (list, tuple)) else [raw]))


def saved_tensors(node: Any) -> list[torch.Tensor]:
    """The tensors a graph node saved for backward; none when the program hooks saved tensors
    (reading one would run its unpack hook) or the graph was freed."""
    found: list[torch.Tensor] = []
    for name in _saved_attributes(node):
        try:  # a freed graph raises already on the raw saved tensor; a stale one on reading
            if _hooked(node, name):
                return []
            value = getattr(node, name)
        except RuntimeError:
            continue
        found.extend(v for v in (value if isinstance(value, (list, tuple)) else [value])
                     if isinstance(v, torch.Tensor))
    return found


_shape_texts: dict[tuple[int, ...], str] = {}


def shape_text(t: torch.Tensor) -> str:
    """Return a tensor's shape as `(3, 4)`; a scalar is `()`."""
    return size_text(t.shape)


def size_text(size: Sequence[Any]) -> str:
    """Return a `torch.Size` as `(3, 4)` (it hashes and compares as the tuple of its sizes)."""
    try:
        text: str | None = _shape_texts.get(size)  # type: ignore[call-overload]
    except TypeError:  # a symbolic size does not hash
        text = None
    if text is None:
        shape = tuple(map(int, size))  # (symbolic sizes under tracing become ints)
        text = str(shape)  # a tuple's repr: (3, 4), (3,) and ()
        if len(_shape_texts) < 4096:  # a model has a few dozen shapes
            _shape_texts[shape] = text
    return text


def probe(node: Any) -> tuple[tuple[str, ...], str, str]:
    """Read every saved tensor of `node`; return (saved descriptions, problem, message)."""
    saved: list[str] = []
    for attr in _saved_attributes(node):
        try:  # a freed graph raises here already, on the raw saved tensor
            if _hooked(node, attr):
                return tuple(saved), "hooked", ""
            value = getattr(node, attr)
        except RuntimeError as error:
            text = str(error)
            if "second time" in text:
                return tuple(saved), "freed", text
            if "inplace operation" in text:
                return tuple(saved), "stale", text
            continue
        if isinstance(value, torch.Tensor):
            saved.append(f"{attr.removeprefix('_saved_')} {shape_text(value)}")
    return tuple(saved), "", ""
