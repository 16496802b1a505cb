"""`gl.setup()`: the explicit first call of every lesson (never an import side effect)."""

from __future__ import annotations

import random

import numpy as np
import torch

__all__ = ["setup"]


def setup(seed: int = 0) -> None:
    """Seed torch, numpy and random so every run of a lesson prints the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_printoptions(precision=4, sci_mode=False)
