"""torch's own layers, which run unrecorded when nothing inside them can be news.

Inside `nn.Linear` or `nn.TransformerEncoderLayer`, every torch call is torch's code applied to
the module's inputs and weights. When grad mode is on, every input tensor and every weight is a
floating-point tensor that requires grad, no hook brings program code in and nothing changes in
place, no call inside can cut, join, re-wrap or change what the rules read: the recorder would
note nothing there. Such a call then runs with the recorder off the mode stack, at the cost it
has without gradlab; a module of another class called inside it (a program's own block in an
`nn.Sequential`) is recorded again. Only the exact classes below count, with their own
`forward`: a subclass, a parametrized module or a patched `forward` is recorded call by call.
So does `zero_grad()` of a module or an optimizer that sets the gradients to None: it reads and
drops each `.grad`, which the recorder would not note.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional

from gradlab._autograd import hooked, pop_function_mode, push_function_mode, top_function_mode

__all__ = ["TRUSTED", "Switch", "resets_unrecorded", "runs_unrecorded"]

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
    """Each value a floating-point tensor that requires grad, or a plain value such as a flag,
    None or a list of sizes (plain loops: this runs on every call of a trusted layer)."""
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
    return (_all_tracked(module._parameters.values()) and _all_tracked(args)
            and (not kwargs or _all_tracked(kwargs.values())))


def resets_unrecorded(owner: Any, set_to_none: bool) -> bool:
    """Whether `owner.zero_grad(set_to_none)` of torch's runs only torch's code and notes
    nothing: it sets gradients to None (zeroing them in place is an in-place change the
    recorder notes), and a module lists its parameters as torch does."""
    if not set_to_none:
        return False
    if not isinstance(owner, nn.Module):
        return True  # an optimizer: its param_groups are data
    cls = type(owner)
    return (cls.parameters is nn.Module.parameters
            and cls.named_parameters is nn.Module.named_parameters
            and cls._named_members is nn.Module._named_members
            and cls.named_modules is nn.Module.named_modules)


@dataclass(slots=True)
class Switch:
    """The recorder's place on one thread's mode stack while trusted calls run."""

    mode: Any = None  # the recorder: a TorchFunctionMode with `raised(error, frame, op)`
    off: bool = False  # the recorder is off the stack: a trusted layer is running
    escaped: BaseException | None = None  # the last error a recorded call inside one let out

    def unrecorded(self, plain: Callable[..., Any], *args: Any) -> Any:
        """`plain(*args)` with the recorder off the stack (when it is innermost)."""
        mode = self.mode
        if self.off or mode is None or top_function_mode() is not mode:
            return plain(*args)
        pop_function_mode()
        try:
            return plain(*args)
        finally:
            push_function_mode(mode)

    def trusted(self, plain: Callable[..., Any], module: nn.Module, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        """Call a layer of a trusted class (`plain` is `nn.Module._call_impl`): off the stack
        when it can hold no news, noting an error that leaves it as the recorder notes one that
        leaves a torch call. The test runs off the stack too: it reads tensor attributes."""
        if self.off:
            if runs_unrecorded(module, args, kwargs):
                return plain(module, *args, **kwargs)
            return self.recorded(plain, module, args, kwargs)
        mode = self.mode
        if mode is None or top_function_mode() is not mode:  # a program's mode is innermost
            return plain(module, *args, **kwargs)
        pop_function_mode()
        if not runs_unrecorded(module, args, kwargs):
            push_function_mode(mode)
            return plain(module, *args, **kwargs)
        self.off = True
        try:
            return plain(module, *args, **kwargs)
        except Exception as error:
            if error is not self.escaped:  # else a recorded call noted it already
                mode.raised(error, sys._getframe(3), type(module).__name__)
            raise
        finally:
            if self.off:  # (else a recorded call inside put the recorder back for good)
                self.off = False
                push_function_mode(mode)

    def recorded(self, plain: Callable[..., Any], module: nn.Module, args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Any:
        """Call a module inside a trusted layer with the recorder back on the stack. When what
        it returns is not all tracked (a cut inside it), the layer's own calls after it may join
        that value to tracked ones: the recorder then stays on for the rest of the layer."""
        push_function_mode(self.mode)
        self.off = False
        stay = False
        try:
            out = plain(module, *args, **kwargs)
            stay = not _all_tracked(out if isinstance(out, (list, tuple)) else (out,))
            return out
        except BaseException as error:
            self.escaped = error
            raise
        finally:
            if not stay:
                pop_function_mode()
                self.off = True
