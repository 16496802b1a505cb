"""The input of an analysis: the losses, models, optimizers and scope found around a run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from gradlab.recording import Recording

__all__ = ["Context"]


@dataclass
class Context:
    """What was found around the loss: named models, optimizers and variables."""

    losses: list[tuple[str, torch.Tensor]]
    modules: list[tuple[str, torch.nn.Module]]
    optimizers: list[tuple[str, torch.optim.Optimizer]]
    scope: dict[str, Any]
    recording: Recording | None = None
    exception: BaseException | None = None
    warnings: Sequence[str] = ()
