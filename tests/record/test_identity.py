"""gradlab never changes what it watches: each program runs plainly, under `gl.record()` and
under `gl.diagnose`, and leaves the same gradients, parameters, buffers, optimizer state,
outputs, exceptions, warnings and random state.

A program is a function `prog_*` returning locals(); some have an `after` part that runs once
gradlab has looked (a backward the program makes later). torch.compile runs with the "eager"
backend: its first compile still takes several seconds, inductor's C++ build would take minutes.
"""

from __future__ import annotations

import contextlib
import random
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

import gradlab as gl

Program = Callable[[], dict[str, Any]]


def prog_mlp_sgd_momentum() -> dict[str, Any]:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for _ in range(2):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return locals()


def prog_adam_weight_decay_clip() -> dict[str, Any]:
    model = nn.Linear(5, 3)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    x, target = torch.randn(6, 5), torch.tensor([0, 1, 2, 0, 1, 2])
    for _ in range(2):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        sched.step()
    return locals()


def prog_batchnorm_running_stats() -> dict[str, Any]:
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    x = torch.randn(8, 3)
    loss = model(x).pow(2).mean()
    loss.backward()
    model.eval()
    with torch.no_grad():
        evaluated = model(x)
    return locals()


def prog_lstm() -> dict[str, Any]:
    lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
    head = nn.Linear(5, 1)
    x = torch.randn(2, 4, 3)
    out, (h, c) = lstm(x)
    loss = head(out[:, -1]).pow(2).mean()
    loss.backward()
    return locals()


def prog_conv_dropout_rng() -> dict[str, Any]:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Dropout(0.5), nn.Flatten(), nn.Linear(8, 1))
    x = torch.randn(3, 1, 4, 4)
    loss = model(x).sum()
    loss.backward()
    noise = torch.rand(2), random.random(), np.random.rand()
    return locals()


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return 2 * x * grad


def prog_custom_function() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    loss = Square.apply(w * 3).sum()
    loss.backward()
    return locals()


def prog_checkpoint_non_reentrant() -> dict[str, Any]:
    block = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Dropout(0.2))
    x = torch.randn(4, 3, requires_grad=True)
    out = checkpoint(block, x, use_reentrant=False)
    loss = out.sum()
    loss.backward()
    return locals()


def prog_checkpoint_reentrant() -> dict[str, Any]:
    block = nn.Linear(3, 3)
    x = torch.randn(4, 3, requires_grad=True)
    loss = checkpoint(block, x, use_reentrant=True).pow(2).sum()
    loss.backward()
    return locals()


def _offload_hooks() -> tuple[Callable[[torch.Tensor], int], Callable[[int], torch.Tensor]]:
    """Saved-tensor hooks that offload: each save is unpacked once, then forgotten."""
    store: dict[int, torch.Tensor] = {}

    def pack(t: torch.Tensor) -> int:
        store[len(store)] = t.clone()
        return len(store) - 1

    def unpack(key: int) -> torch.Tensor:
        return store.pop(key)
    return pack, unpack


def prog_saved_tensor_hooks_offload() -> dict[str, Any]:
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    with torch.autograd.graph.saved_tensors_hooks(*_offload_hooks()):
        loss = model(torch.randn(5, 3)).exp().mean()
    return locals()  # backward runs in `after`, once gradlab has looked


def prog_saved_tensor_hooks_inside() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(*_offload_hooks()):
        loss = (w.exp() * w).sum()
    loss.backward()
    return locals()


ADJACENCY = torch.eye(3).to_sparse()  # made before gradlab watches, as data loaded earlier


def prog_sparse_after_numpy() -> dict[str, Any]:
    lin = nn.Linear(3, 3)
    x = torch.randn(3, 3)
    adj = ADJACENCY
    metric = lin(x).detach().numpy().mean()
    loss = torch.sparse.mm(adj, lin(x)).sum()
    loss.backward()
    return locals()


def prog_sparse_embedding_sparse_adam() -> dict[str, Any]:
    emb = nn.Embedding(10, 4, sparse=True)
    opt = torch.optim.SparseAdam(emb.parameters(), lr=0.1)
    ids = torch.tensor([1, 2, 2, 7])
    loss = emb(ids).pow(2).sum()
    loss.backward()
    opt.step()
    return locals()


def prog_torch_func_per_sample_grads() -> dict[str, Any]:
    model = nn.Linear(3, 1)
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = torch.randn(5, 3), torch.randn(5, 1)

    def one_loss(p: dict[str, torch.Tensor], xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(torch.func.functional_call(model, p, (xi,)), yi)

    before = float(model(x).detach().numpy().mean())  # numpy first, then functorch tensors
    grads = torch.func.vmap(torch.func.grad(one_loss), in_dims=(None, 0, 0))(params, x, y)
    metric = float(np.abs(grads["weight"].numpy()).mean())
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def prog_autocast_cpu() -> dict[str, Any]:
    model = nn.Linear(4, 2)
    x = torch.randn(3, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(x)
        loss = out.float().pow(2).mean()
    loss.backward()
    return locals()


def prog_transformer_encoder_eval() -> dict[str, Any]:
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    x = torch.randn(2, 5, 8)
    loss = encoder(x).pow(2).mean()
    loss.backward()
    encoder.eval()
    with torch.no_grad():
        evaluated = encoder(x)
    return locals()


def prog_multihead_attention() -> dict[str, Any]:
    attn = nn.MultiheadAttention(6, 2, batch_first=True)
    q = torch.randn(2, 3, 6)
    out, weights = attn(q, q, q)
    loss = out.sum() + weights.sum()
    loss.backward()
    return locals()


def prog_in_place_error() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    y = w.exp()
    y.add_(1)
    loss = y.sum()
    loss.backward()
    return locals()


def prog_double_backward_error() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    loss = (w.exp() * 2).sum()
    loss.backward()
    loss.backward()
    return locals()


def prog_anomaly_mode_error() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    with torch.autograd.detect_anomaly():
        y = F.softplus(w).exp()
        y.mul_(2)
        loss = y.sum()
        loss.backward()
    return locals()


def prog_non_leaf_grad_warning() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True).double()
    loss = (w * 2).sum()
    loss.backward()
    grad = w.grad
    return locals()


def prog_warnings_in_a_loop() -> dict[str, Any]:
    model = nn.Linear(3, 1)
    x, y = torch.randn(8, 3), torch.randn(8)
    for _ in range(3):  # the "default" filter shows each warning once per line
        loss = F.mse_loss(model(x), y)
        warnings.warn("my own warning", RuntimeWarning, stacklevel=1)
        copy = torch.tensor(loss)
    loss.backward()
    return locals()


def prog_catches_its_own_warnings() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        h = w * 2
        seen = h.grad
    messages = [(w.category.__name__, str(w.message)[:40], w.lineno) for w in said]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            F.mse_loss(h, torch.ones(1, 1))
        except UserWarning as error:
            raised = str(error)[:40]
    loss = h.sum()
    loss.backward()
    return locals()


def prog_hooks_and_retain_grad() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    h = w * 2
    h.retain_grad()
    h.register_hook(lambda g: g * 10)
    loss = h.pow(2).sum()
    loss.backward()
    return locals()


def prog_autograd_grad_create_graph() -> dict[str, Any]:
    x = torch.randn(3, requires_grad=True)
    y = (x ** 3).sum()
    (first,) = torch.autograd.grad(y, x, create_graph=True)
    loss = first.sum()
    loss.backward()
    return locals()


def prog_meta_and_complex() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    metric = w.detach().numpy().sum()
    shape_only = (torch.empty(4, 3, device="meta") @ torch.empty(3, 2, device="meta")).shape
    z = torch.complex(w, w * 2)
    loss = (z * z.conj()).real.sum()
    loss.backward()
    return locals()


def prog_inference_mode_and_no_grad() -> dict[str, Any]:
    model = nn.Linear(3, 2)
    with torch.inference_mode():
        features = model(torch.randn(4, 3))
    with torch.no_grad():
        model.weight.mul_(0.5)
    loss = model(features.clone()).sum()
    loss.backward()
    return locals()


def prog_gradient_accumulation() -> dict[str, Any]:
    model = nn.Linear(2, 1)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
    for _ in range(3):
        loss = model(torch.randn(4, 2)).pow(2).mean() / 3
        loss.backward()
    opt.step()
    return locals()


def prog_torch_compile() -> dict[str, Any]:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    compiled = torch.compile(model, backend="eager")
    loss = compiled(torch.randn(16, 4)).pow(2).mean()
    loss.backward()
    return locals()


def _backward(scope: dict[str, Any]) -> None:
    scope["loss"].backward()


PROGRAMS: list[tuple[Program, Callable[[dict[str, Any]], None] | None]] = [
    (prog_mlp_sgd_momentum, None), (prog_adam_weight_decay_clip, None),
    (prog_batchnorm_running_stats, None), (prog_lstm, None), (prog_conv_dropout_rng, None),
    (prog_custom_function, None), (prog_checkpoint_non_reentrant, None),
    (prog_checkpoint_reentrant, None), (prog_saved_tensor_hooks_offload, _backward),
    (prog_saved_tensor_hooks_inside, None), (prog_sparse_after_numpy, None),
    (prog_sparse_embedding_sparse_adam, None), (prog_torch_func_per_sample_grads, None),
    (prog_autocast_cpu, None), (prog_transformer_encoder_eval, None),
    (prog_multihead_attention, None), (prog_in_place_error, None),
    (prog_double_backward_error, None), (prog_anomaly_mode_error, None),
    (prog_non_leaf_grad_warning, None), (prog_warnings_in_a_loop, None),
    (prog_catches_its_own_warnings, None), (prog_hooks_and_retain_grad, None),
    (prog_autograd_grad_create_graph, None),
    (prog_meta_and_complex, None), (prog_inference_mode_and_no_grad, None),
    (prog_gradient_accumulation, None), (prog_torch_compile, None),
]

# What a TorchFunctionMode cannot leave exactly as it was (documented in
# gradlab/recording/__init__.py): the fused eval fast path of nn.TransformerEncoder is not
# taken while a mode is active.
TOLERANCE = {"prog_transformer_encoder_eval": 1e-5}


def _plain(t: torch.Tensor) -> Any:
    if t.is_meta:
        return ("meta", tuple(t.shape), t.dtype)
    dense = t.detach().to_dense() if t.layout != torch.strided else t.detach()
    return ("tensor", dense.clone(), t.dtype, t.requires_grad, t.layout)


def _state(value: Any) -> Any:
    """A value as comparable data: tensors copied, modules and optimizers as their state."""
    if isinstance(value, torch.Tensor):
        return _plain(value)
    if isinstance(value, nn.Module):
        return {"params": {k: (_plain(p), None if p.grad is None else _plain(p.grad))
                           for k, p in value.named_parameters()},
                "buffers": {k: _plain(b) for k, b in value.named_buffers()},
                "training": value.training}
    if isinstance(value, torch.optim.Optimizer):
        return _state(value.state_dict())
    if isinstance(value, dict):
        return {k: _state(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, (list, tuple)):
        return [_state(v) for v in value]
    if isinstance(value, (int, float, str, bool, np.floating, torch.Size)) or value is None:
        return value
    return type(value).__name__


_TRACE_LINE = re.compile(r'^\s*File "[^"]*", line \d+, in (?P<fn>\S+)')


def _message(text: str) -> str:
    """A message with the frames that call the program left out (this test's harness, and
    gradlab's runner under diagnose, differ by design); every frame from the program's own
    function down is kept, so a gradlab frame there is a difference."""
    kept: list[str] = []
    inside = False
    for line in text.splitlines():
        found = _TRACE_LINE.match(line)
        if found:
            inside = inside or found["fn"].startswith("prog_")
            if not inside:
                continue
        elif line.startswith("    ") and not inside:
            continue
        else:
            inside = False
        kept.append(line)
    return "\n".join(kept)


def _snapshot(program: Program, after: Callable[[dict[str, Any]], None] | None,
              how: str) -> dict[str, Any]:
    box: dict[str, Any] = {}

    def run() -> dict[str, Any]:
        try:
            box["scope"] = program()
        except Exception as error:
            box["error"] = (type(error).__name__, _message(str(error)))
            raise
        return box["scope"]

    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            if how == "plain":
                run()
            elif how == "record":
                with gl.record():
                    run()
            else:
                gl.diagnose(run)
        except Exception:  # what the program raised is compared below
            if "error" not in box:
                raise  # gradlab itself failed
        if after is not None and "scope" in box:
            after(box["scope"])
    return {
        "scope": _state(box.get("scope", {})),
        "error": box.get("error"),
        "warnings": [(w.category.__name__, _message(str(w.message)), w.filename, w.lineno)
                     for w in caught],
        "rng": (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy()),
    }


def _same(a: Any, b: Any, tolerance: float, path: str) -> None:
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.shape == b.shape, path
        torch.testing.assert_close(a, b, rtol=0, atol=tolerance, equal_nan=True, msg=path)
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], tolerance, f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, tolerance, f"{path}[{i}]")
    elif isinstance(a, float) and tolerance:
        assert abs(a - b) <= tolerance, path
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_the_suite_has_at_least_25_programs() -> None:
    assert len(PROGRAMS) >= 25


@pytest.mark.parametrize(("program", "after"), PROGRAMS, ids=[p.__name__ for p, _ in PROGRAMS])
def test_recorded_and_diagnosed_runs_are_the_plain_run(
        program: Program, after: Callable[[dict[str, Any]], None] | None) -> None:
    plain = _snapshot(program, after, "plain")
    tolerance = TOLERANCE.get(program.__name__, 0.0)
    for how in ("record", "diagnose"):
        _same(plain, _snapshot(program, after, how), tolerance, how)


def test_the_comparison_sees_a_difference() -> None:
    """The harness is not blind: a program whose result depends on being recorded differs."""
    def prog_depends_on_gradlab() -> dict[str, Any]:
        from torch.overrides import _get_current_function_mode_stack
        loss = torch.ones(()) * len(_get_current_function_mode_stack())  # type: ignore[no-untyped-call]
        return locals()

    with pytest.raises(AssertionError):
        _same(_snapshot(prog_depends_on_gradlab, None, "plain"),
              _snapshot(prog_depends_on_gradlab, None, "record"), 0.0, "record")


def test_anomaly_modes_forward_traceback_through_modules_is_the_plain_one() -> None:
    model = nn.Sequential(nn.Linear(3, 3), nn.Sigmoid())
    x = torch.randn(2, 3)

    def forward() -> list[str]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # anomaly mode says it is on
            with torch.autograd.detect_anomaly():
                y = model(x)
        stack = y.grad_fn.metadata["traceback_"]
        return stack[next(i for i, line in enumerate(stack) if "in forward\n" in line):]

    plain = forward()
    with gl.record():
        recorded = forward()
    assert len(plain) >= 6 and recorded == plain  # module.py's lines and the layers' forwards


def test_saved_tensor_hooks_are_not_run_and_the_report_says_so() -> None:
    report = gl.diagnose(prog_saved_tensor_hooks_offload)
    assert any("saved-tensor hooks: not read" in n.marks for n in report.graph.nodes)
    assert "did not read them" in str(report)


def test_sparse_gradients_in_the_gradient_table() -> None:
    report = gl.diagnose(prog_sparse_embedding_sparse_adam)
    assert [(r.name, r.state) for r in report.grads] == [("emb.weight", "norm")]


def test_the_programs_warnings_are_shown_once_with_their_line() -> None:
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("default")
        report = gl.diagnose(prog_warnings_in_a_loop)
    text = str(report)
    assert text.count("the program warned:") == 3, text
    assert "test_identity.py:" in text and "RuntimeWarning: my own warning" in text
    assert "broadcast_loss" in report.kinds()


def test_torch_warnings_become_findings_whatever_the_programs_filters() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = gl.diagnose(prog_warnings_in_a_loop)
    assert "broadcast_loss" in report.kinds()
    assert "my own warning" not in str(report)  # the program's own warning was filtered out


def test_warnings_the_program_ignores_from_inside_are_still_findings() -> None:
    def program() -> dict[str, Any]:
        warnings.filterwarnings("ignore")  # at the top of many real scripts
        return prog_warnings_in_a_loop()

    with warnings.catch_warnings():
        report = gl.diagnose(program)
    assert "broadcast_loss" in report.kinds()


@pytest.mark.parametrize("raises", [False, True], ids=["ends", "raises"])
def test_a_recording_leaves_torch_and_warnings_as_it_found_them(raises: bool) -> None:
    before = (nn.Module._call_impl, nn.Module.__call__, warnings._showwarnmsg,  # type: ignore[attr-defined]
              list(warnings.filters), nn.Module.zero_grad, torch.optim.Optimizer.zero_grad)
    with pytest.raises(ValueError) if raises else contextlib.nullcontext(), gl.record():
        nn.Linear(2, 2)(torch.randn(1, 2))
        if raises:
            raise ValueError("the program failed")
    assert (nn.Module._call_impl, nn.Module.__call__, warnings._showwarnmsg,  # type: ignore[attr-defined]
            list(warnings.filters), nn.Module.zero_grad, torch.optim.Optimizer.zero_grad) == before


def test_a_module_imported_while_recording_keeps_the_real_call() -> None:
    # torch._dynamo keeps nn.Module._call_impl as it finds it when imported; the first
    # optimizer imports it. A fresh interpreter, since this one has imported it already.
    code = ("import sys, torch, gradlab as gl\n"
            "assert 'torch._dynamo.utils' not in sys.modules\n"
            "real = torch.nn.Module._call_impl\n"
            "with gl.record():\n"
            "    torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)\n"
            "from torch._dynamo import utils\n"
            "print(utils.unpatched_nn_module_call_impl is real)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "True", done.stderr


def test_a_recording_after_the_program_put_gradlabs_own_hooks_back_still_works() -> None:
    hooks: Any = warnings
    with gl.record():  # the program saves both while gradlab records, and restores them later
        saved = nn.Module._call_impl, hooks._showwarnmsg
    real = nn.Module._call_impl, hooks._showwarnmsg
    nn.Module._call_impl, hooks._showwarnmsg = saved  # type: ignore[method-assign]
    try:
        with warnings.catch_warnings(record=True) as shown, gl.record() as rec:
            warnings.simplefilter("always")
            layer = nn.Linear(2, 2)
            layer(torch.randn(1, 2))
            warnings.warn("a warning of the program's own", UserWarning, stacklevel=1)
        assert rec.module_owners[1]() is layer  # seen entering
        assert [str(w.message) for w in shown] == ["a warning of the program's own"]
    finally:
        nn.Module._call_impl, hooks._showwarnmsg = real  # type: ignore[method-assign]
