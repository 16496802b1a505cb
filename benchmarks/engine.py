"""Engine overhead: gl.record() around a forward, gl.diagnose() around forward + backward."""

from __future__ import annotations

from typing import Any

import torch
from torch.overrides import TorchFunctionMode

import gradlab as gl
from benchmarks.common import Figure, ratio, run
from benchmarks.models import transformer


class _CallThrough(TorchFunctionMode):
    """Sees every torch call and only makes it."""

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        return func(*args, **(kwargs or {}))


def measure() -> list[Figure]:
    """Ratios of recorded to plain runs on the 24-layer transformer."""
    model, x = transformer()

    def forward() -> torch.Tensor:
        return model(x).pow(2).mean()

    def recorded_forward() -> None:
        with gl.record():
            forward()

    def forward_backward() -> dict[str, Any]:
        model.zero_grad()
        loss = forward()
        loss.backward()
        return {"loss": loss, "model": model}

    def diagnosed() -> None:
        gl.diagnose(forward_backward)

    def passed_through() -> None:  # the floor: any TorchFunctionMode at all
        with _CallThrough():
            forward()

    # 41 interleaved pairs: on a shared VM the median of 15 moved by 0.15x from run to run
    rec, rec_s, plain_s = ratio(recorded_forward, forward, repeats=41)
    diag, diag_s, plain_fb_s = ratio(diagnosed, forward_backward, repeats=41)
    floor, floor_s, plain_floor_s = ratio(passed_through, forward, repeats=41)
    return [
        Figure("a TorchFunctionMode that only calls through / plain forward", floor, "×",
               note=f"{floor_s * 1e3:.1f} ms vs {plain_floor_s * 1e3:.1f} ms"),
        Figure("record() forward / plain forward (24-layer transformer)", rec, "×", 1.25,
               f"{rec_s * 1e3:.1f} ms vs {plain_s * 1e3:.1f} ms"),
        Figure("diagnose() / plain forward+backward (24-layer transformer)", diag, "×", 1.25,
               f"{diag_s * 1e3:.1f} ms vs {plain_fb_s * 1e3:.1f} ms"),
    ]


if __name__ == "__main__":
    run(measure)
