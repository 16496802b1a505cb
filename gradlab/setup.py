"""`gl.setup()`: the explicit first call of every lesson (never an import side effect)."""

from __future__ import annotations

import gc
import random

import numpy as np
import torch

__all__ = ["setup"]


def setup(seed: int = 0) -> None:
    """Seed torch, numpy and random so every run of a lesson prints the same numbers.

    Also moves what the imports created (torch, torch._dynamo, widgets: some 400,000 objects)
    out of the cyclic garbage collector's sight with `gc.freeze()`: a full collection over
    them takes 0.2 s and would land in the middle of a toggle flip. Objects made later are
    collected as usual."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise TypeError(f"gl.setup() takes a whole-number seed from 0 to 2**32 - 1, e.g. "
                        f"gl.setup(0); got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_printoptions(precision=4, sci_mode=False)  # type: ignore[no-untyped-call]
    # The first optimizer a process builds imports torch._dynamo (2 s here): pay it now, not
    # during the first flip of a toggle, with the collector off (it would spend 0.3 s).
    enabled = gc.isenabled()
    gc.disable()
    try:
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.0)
    finally:
        if enabled:
            gc.enable()
    # No collection first: 0.3 s to free the imports' 2,000 garbage objects (under 1 MB).
    gc.freeze()
