"""torch's own layers run unrecorded only when the recording is the same without them seeing
inside: each trusted class against the same module recorded call by call (a subclass that adds
nothing is not trusted), and every way program code or news can get inside one."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl
from gradlab._autograd import current_function_modes
from gradlab.recording import Recording
from gradlab.recording.trusted import TRUSTED

Factory = Callable[[], tuple[nn.Module, tuple[Any, ...], dict[str, Any]]]


def _x(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, requires_grad=True)


def _layer(cls: type[nn.Module], *args: Any, shape: tuple[int, ...] = (2, 4),
           **kwargs: Any) -> Factory:
    return lambda: (cls(*args, **kwargs), (_x(*shape),), {})


_ENCODER = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.1, batch_first=True)
FACTORIES: dict[type, Factory] = {
    nn.Linear: _layer(nn.Linear, 4, 3),
    nn.Bilinear: lambda: (nn.Bilinear(4, 4, 2), (_x(2, 4), _x(2, 4)), {}),
    nn.Conv1d: _layer(nn.Conv1d, 2, 3, 3, shape=(1, 2, 8)),
    nn.Conv2d: _layer(nn.Conv2d, 2, 3, 3, padding=1, padding_mode="reflect",
                      shape=(1, 2, 6, 6)),
    nn.Conv3d: _layer(nn.Conv3d, 2, 3, 3, shape=(1, 2, 4, 4, 4)),
    nn.ConvTranspose1d: _layer(nn.ConvTranspose1d, 2, 3, 3, shape=(1, 2, 8)),
    nn.ConvTranspose2d: lambda: (nn.ConvTranspose2d(2, 3, 3, stride=2), (_x(1, 2, 4, 4),),
                                 {"output_size": [10, 10]}),
    nn.ConvTranspose3d: _layer(nn.ConvTranspose3d, 2, 3, 3, shape=(1, 2, 3, 3, 3)),
    nn.LayerNorm: _layer(nn.LayerNorm, 4),
    nn.GroupNorm: _layer(nn.GroupNorm, 2, 4),
    nn.RMSNorm: _layer(nn.RMSNorm, 4),
    nn.Dropout: _layer(nn.Dropout, 0.5),
    nn.Dropout1d: _layer(nn.Dropout1d, 0.5, shape=(2, 3, 4)),
    nn.Dropout2d: _layer(nn.Dropout2d, 0.5, shape=(2, 3, 4, 4)),
    nn.Dropout3d: _layer(nn.Dropout3d, 0.5, shape=(2, 3, 2, 2, 2)),
    nn.AlphaDropout: _layer(nn.AlphaDropout, 0.5),
    nn.PReLU: _layer(nn.PReLU),
    nn.Softmax: _layer(nn.Softmax, dim=-1),
    nn.LogSoftmax: _layer(nn.LogSoftmax, dim=-1),
    nn.Unflatten: _layer(nn.Unflatten, 1, (2, 2)),
    nn.AvgPool1d: _layer(nn.AvgPool1d, 2, shape=(1, 2, 8)),
    nn.AvgPool2d: _layer(nn.AvgPool2d, 2, shape=(1, 2, 4, 4)),
    nn.AvgPool3d: _layer(nn.AvgPool3d, 2, shape=(1, 2, 4, 4, 4)),
    nn.AdaptiveAvgPool1d: _layer(nn.AdaptiveAvgPool1d, 2, shape=(1, 2, 8)),
    nn.AdaptiveAvgPool2d: _layer(nn.AdaptiveAvgPool2d, 2, shape=(1, 2, 4, 4)),
    nn.AdaptiveAvgPool3d: _layer(nn.AdaptiveAvgPool3d, 2, shape=(1, 2, 4, 4, 4)),
    nn.MaxPool1d: _layer(nn.MaxPool1d, 2, shape=(1, 2, 8)),
    nn.MaxPool2d: _layer(nn.MaxPool2d, 2, shape=(1, 2, 4, 4)),
    nn.MaxPool3d: _layer(nn.MaxPool3d, 2, shape=(1, 2, 4, 4, 4)),
    nn.AdaptiveMaxPool1d: _layer(nn.AdaptiveMaxPool1d, 2, shape=(1, 2, 8)),
    nn.AdaptiveMaxPool2d: _layer(nn.AdaptiveMaxPool2d, 2, shape=(1, 2, 4, 4)),
    nn.AdaptiveMaxPool3d: _layer(nn.AdaptiveMaxPool3d, 2, shape=(1, 2, 4, 4, 4)),
    nn.Sequential: lambda: (nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 2)),
                            (_x(2, 4),), {}),
    nn.MultiheadAttention: lambda: (nn.MultiheadAttention(8, 2, batch_first=True),
                                    (_x(2, 3, 8), _x(2, 3, 8), _x(2, 3, 8)), {}),
    nn.TransformerEncoderLayer: lambda: (nn.TransformerEncoderLayer(**_ENCODER),
                                         (_x(2, 3, 8),), {}),
    nn.TransformerDecoderLayer: lambda: (nn.TransformerDecoderLayer(**_ENCODER),
                                         (_x(2, 3, 8), _x(2, 3, 8)), {}),
    nn.TransformerEncoder: lambda: (
        nn.TransformerEncoder(nn.TransformerEncoderLayer(**_ENCODER), 2,
                              enable_nested_tensor=False), (_x(2, 3, 8),), {}),
    nn.TransformerDecoder: lambda: (
        nn.TransformerDecoder(nn.TransformerDecoderLayer(**_ENCODER), 2),
        (_x(2, 3, 8), _x(2, 3, 8)), {}),
}
FACTORIES |= {cls: _layer(cls) for cls in TRUSTED if cls not in FACTORIES}  # activations


def _recorded_by_calls(module: nn.Module) -> nn.Module:
    """The same module, as an instance of a subclass that adds nothing: not trusted."""
    for sub in module.modules():
        sub.__class__ = type(f"Own{type(sub).__name__}", (type(sub),), {})
    return module


def _events(rec: Recording) -> list[tuple[Any, ...]]:
    return [(e.kind, e.op, e.where.line, e.cause, sorted(e.cuts), sorted(e.leaves))
            for e in rec.events]


def _record(factory: Factory, trusted: bool, twist: Callable[..., Any] | None = None,
            ) -> tuple[Recording, torch.Tensor]:
    torch.manual_seed(0)
    module, args, kwargs = factory()
    if not trusted:
        _recorded_by_calls(module)
    if twist is not None:
        twist(module)
    with gl.record() as rec:
        out = module(*args, **kwargs)
        first = out[0] if isinstance(out, tuple) else out
        first.sum().backward()
    return rec, first


@pytest.mark.parametrize("cls", sorted(TRUSTED, key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_a_trusted_layer_leaves_the_recording_it_has_call_by_call(cls: type) -> None:
    trusted, out = _record(FACTORIES[cls], trusted=True)
    by_calls, out_by_calls = _record(FACTORIES[cls], trusted=False)
    assert _events(trusted) == _events(by_calls)
    assert torch.equal(out, out_by_calls)
    if cls is not nn.Identity:  # (which makes no call)
        assert trusted.ops < by_calls.ops  # it did run unrecorded


def _encoder_step(twist: Callable[[nn.Module], Any] | None, trusted: bool = True,
                  **inputs: Any) -> Recording:
    def make() -> tuple[nn.Module, tuple[Any, ...], dict[str, Any]]:
        model = nn.Sequential(nn.Linear(8, 8), nn.TransformerEncoder(
            nn.TransformerEncoderLayer(**_ENCODER), 3, enable_nested_tensor=False))
        return model, (torch.randn(2, 3, 8),), inputs
    return _record(make, trusted, twist)[0]


def _no_grad_linear(model: nn.Module) -> None:
    linear = model[1].layers[1].linear2
    linear.forward = torch.no_grad()(linear.forward)


def _own_activation(model: nn.Module) -> None:
    for layer in model[1].layers:
        layer.activation = lambda x: x.detach().relu()


def _frozen(model: nn.Module) -> None:
    model[1].layers[1].norm1.weight.requires_grad_(False)


def _hooked(model: nn.Module) -> None:
    model[1].layers[2].linear1.register_forward_hook(lambda m, i, o: o.detach())


def _in_place(model: nn.Module) -> None:
    model[1].layers[0].dropout2 = nn.Dropout(0.1, inplace=True)


def _module_with_a_buffer(model: nn.Module) -> None:
    model[1].layers[0].norm2.register_buffer("scale", torch.ones(8))


def _patched_class_forward(model: nn.Module) -> None:
    patched = type("Patched", (nn.LayerNorm,), {"forward": lambda self, x: x.detach()})
    model[1].layers[1].norm1.__class__ = patched


@pytest.mark.parametrize("twist", [None, _no_grad_linear, _own_activation, _frozen, _hooked,
                                   _in_place, _module_with_a_buffer, _patched_class_forward])
def test_program_code_or_news_inside_a_trusted_layer_is_recorded(
        twist: Callable[[nn.Module], Any] | None) -> None:
    """A cut in a program's forward, hook or activation, a frozen weight, an in-place layer or
    a buffer inside torch's transformer: the same events as recorded call by call."""
    assert _events(_encoder_step(twist)) == _events(_encoder_step(twist, trusted=False))


def test_the_cut_in_a_layer_inside_a_trusted_one_is_found() -> None:
    """The trusted layer around the cut is recorded from the cut on: its own add joins the
    cut value to the tracked one."""
    rec = _encoder_step(_no_grad_linear)
    assert [e.cause for e in rec.of_kind("cut")] == ["no_grad"]
    assert [e.op for e in rec.of_kind("join") if e.cuts] == ["add"]


def test_masks_are_recorded_call_by_call() -> None:
    mask = torch.zeros(2, 3, dtype=torch.bool)
    mask[:, -1] = True

    def make() -> tuple[nn.Module, tuple[Any, ...], dict[str, Any]]:
        encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(**_ENCODER), 2,
                                        enable_nested_tensor=False)
        return encoder, (_x(2, 3, 8),), {"src_key_padding_mask": mask}

    trusted, by_calls = _record(make, trusted=True)[0], _record(make, trusted=False)[0]
    assert _events(trusted) == _events(by_calls)


def test_an_error_inside_a_trusted_layer_is_noted_once() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(5, 2))
    with gl.record() as rec, contextlib.suppress(RuntimeError):
        model(_x(2, 4))
    (error,) = rec.of_kind("torch_error")
    assert error.op == "Sequential" and "cannot be multiplied" in error.message
    assert error.where.function == test_an_error_inside_a_trusted_layer_is_noted_once.__name__
    assert current_function_modes() == []


def test_an_error_of_program_code_inside_a_trusted_layer_is_noted_where_it_happened() -> None:
    class Own(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x @ torch.ones(3, 3)

    model = nn.Sequential(nn.Linear(4, 4), Own())
    with gl.record() as rec, contextlib.suppress(RuntimeError):
        model(_x(2, 4))
    assert [e.op for e in rec.of_kind("torch_error")] == ["matmul"]  # not Sequential as well


def test_a_program_mode_innermost_sees_every_call() -> None:
    class Counting(torch.overrides.TorchFunctionMode):
        calls = 0

        def __torch_function__(self, func: Any, types: Any, args: Any = (),
                               kwargs: Any = None) -> Any:
            Counting.calls += 1
            return func(*args, **(kwargs or {}))

    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    with gl.record(), Counting():
        model(_x(2, 4))
    assert Counting.calls >= 2  # linear and relu: the recorder left nothing out for it


def test_a_layer_called_in_another_thread_is_not_affected() -> None:
    import threading

    model, seen, x = nn.Linear(4, 4), [], _x(2, 4)
    with gl.record() as rec:
        thread = threading.Thread(target=lambda: seen.append(model(x).requires_grad))
        thread.start()
        thread.join()
        model(x)
    assert seen == [True] and current_function_modes() == []
    assert rec.ops == 0  # this thread's call ran unrecorded; the other's was never seen


def test_functional_calls_between_trusted_layers_are_still_recorded() -> None:
    model = nn.Linear(4, 4)
    with gl.record() as rec:
        h = model(_x(2, 4))
        y = F.relu(h.detach()) + h
    assert [e.cause for e in rec.of_kind("cut")] == ["detach"] and y.requires_grad


def _trained() -> tuple[nn.Module, torch.optim.Optimizer]:
    model = nn.Linear(4, 2)
    model(torch.randn(3, 4)).sum().backward()
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


@pytest.mark.parametrize("owner", ["model", "optimizer"])
def test_zero_grad_to_none_runs_unrecorded(owner: str) -> None:
    model, optimizer = _trained()
    with gl.record() as rec:
        (model if owner == "model" else optimizer).zero_grad()
    assert rec.ops == 0 and model.weight.grad is None


def test_zero_grad_in_place_is_recorded() -> None:
    model, optimizer = _trained()
    with gl.record() as rec:
        optimizer.zero_grad(set_to_none=False)
    assert rec.ops > 0 and not model.weight.grad.any()


def test_zero_grad_of_a_model_that_lists_its_own_parameters_is_recorded() -> None:
    class Listed(nn.Linear):
        def parameters(self, recurse: bool = True) -> Any:
            return iter([self.weight])

    model = Listed(4, 2)
    model(torch.randn(3, 4)).sum().backward()
    with gl.record() as rec:
        model.zero_grad()
    assert rec.ops > 0 and model.weight.grad is None and model.bias.grad is not None
