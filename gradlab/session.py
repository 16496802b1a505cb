"""`gl.setup()`: the explicit first call of every lesson (never an import side effect), and
`gl.classroom()`: large type for everything shown after it."""

from __future__ import annotations

import gc
import os
import random

import numpy as np
import torch

__all__ = ["CLASSROOM", "classroom", "in_classroom", "setup"]

CLASSROOM = "GRADLAB_CLASSROOM"  # =1 when JupyterLab starts: classroom mode for every notebook
_switch: dict[str, bool] = {}  # "on": what gl.classroom() last said, if it was called
# Printed text (a report, findings) is large only through the page's style.
_BIG_TEXT = ("<style>.jp-OutputArea-output pre, .jp-RenderedText pre, .output_text pre,"
             " .gradlab-report{font-size:1.35em;line-height:1.35}</style>")


def classroom(on: bool | None = True) -> None:
    """Classroom mode (a projector): every later toggle, `gl.draw`, `%%gradlab` output and
    static view in large type, and printed output larger on this page. Overrides the server's
    default, the environment variable GRADLAB_CLASSROOM=1 (`None`: back to it). What is
    already shown stays as it is."""
    if on is not None and not isinstance(on, bool):
        raise TypeError(f"gl.classroom() takes True, False or None, not {on!r}")
    if on is None:
        _switch.pop("on", None)
        return
    _switch["on"] = on
    from IPython import get_ipython

    if on and get_ipython() is not None:
        from IPython.display import display
        display({"text/html": _BIG_TEXT, "text/plain": "classroom mode: large type"},
                raw=True)  # type: ignore[no-untyped-call]


def in_classroom() -> bool:
    """True when what is shown next should be in large type: `gl.classroom()`'s last word,
    else GRADLAB_CLASSROOM=1."""
    return _switch.get("on", os.environ.get(CLASSROOM) == "1")


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
