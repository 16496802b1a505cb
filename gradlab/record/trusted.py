"""torch's own layers, which run unrecorded when nothing inside them can be news.

Inside `nn.Linear` or `nn.TransformerEncoderLayer`, every torch call is torch's code applied to
the module's inputs and weights. When grad mode is on, every input tensor and every weight is a
floating-point tensor that requires grad, no hook brings program code in and nothing changes in
place, no call inside can cut, join, re-wrap or change what the rules read: the recorder would
note nothing there. Such a call then runs with the recorder off the mode stack, at the cost it
has without gradlab; a module of another class called inside it (a program's own block in an
`nn.Sequential`) is recorded again. Only the exact classes below count, with their own
`forward`: a subclass, a parametrized module or a patched `forward` is recorded call by call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional

from gradlab._autograd import hooked

__all__ = ["TRUSTED", "runs_unrecorded"]

# forward is one call of a torch.nn.functional op on the input and the module's own weights
_ONE_CALL = (
    nn.Linear, nn.Bilinear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d,
    nn.ConvTranspose2d, nn.ConvTranspose3d, nn.LayerNorm, nn.GroupNorm, nn.RMSNorm,
    nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Softsign, nn.Hardtanh, nn.Hardswish,
    nn.Hardsigmoid, nn.LogSigmoid, nn.Softmax, nn.LogSoftmax, nn.GLU,
    nn.Identity, nn.Flatten, nn.Unflatten,
    nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d,
    nn.AdaptiveAvgPool3d, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
)
# forward calls child modules (each judged on its own) and tracked ops between them
_CONTAINERS = (nn.Sequential, nn.MultiheadAttention, nn.TransformerEncoderLayer,
               nn.TransformerDecoderLayer, nn.TransformerEncoder, nn.TransformerDecoder)

# each class with the forward it was checked with
TRUSTED: dict[type, Callable[..., Any]] = {cls: cls.forward for cls in (*_ONE_CALL, *_CONTAINERS)}

_PLAIN_VALUES = frozenset({bool, int, float, str, type(None)})
_TORCH_ACTIVATIONS = (functional.relu, functional.gelu)
_Tensor, _grad_enabled, _anomaly_enabled = (torch.Tensor, torch.is_grad_enabled,
                                            torch.is_anomaly_enabled)


def _all_tracked(values: Any) -> bool:
    """Each value a floating-point tensor that requires grad, or a plain value such as a flag
    or a list of sizes (plain loops: this runs on every call of a trusted layer)."""
    for value in values:
        if isinstance(value, _Tensor):
            if not (value.requires_grad and value.is_floating_point()):
                return False
        elif type(value) not in _PLAIN_VALUES and not (
                type(value) in (list, tuple) and all(type(v) in _PLAIN_VALUES for v in value)):
            return False
    return True


def runs_unrecorded(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether this call of a module of a `TRUSTED` class can run with the recorder off."""
    cls = type(module)
    if (cls.forward is not TRUSTED[cls] or not _grad_enabled() or _anomaly_enabled()
            or hooked(module)):
        return False
    attributes = module.__dict__
    if "forward" in attributes or attributes.get("inplace") or attributes.get("return_indices"):
        return False
    for buffer in module._buffers.values():
        if buffer is not None:
            return False
    activation = attributes.get("activation")  # the transformer layers' may be any callable
    if activation is not None and not (activation in _TORCH_ACTIVATIONS
                                       or isinstance(activation, nn.Module)):
        return False
    for parameter in module._parameters.values():
        if parameter is not None and not (parameter.requires_grad
                                          and parameter.is_floating_point()):
            return False
    return _all_tracked(args) and (not kwargs or _all_tracked(kwargs.values()))
