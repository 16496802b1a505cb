"""What gradlab shows of a recorded warning."""

from __future__ import annotations

from gradlab.record import Warned


def test_a_warning_is_shown_without_the_place_in_torchs_build() -> None:
    message = ("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
               "(Triggered internally at /__w/pytorch/pytorch/aten/src/TensorBody.h:493.)\nmore")
    shown = str(Warned("UserWarning", message, "train.py", 6))
    assert shown == ("train.py:6: UserWarning: The .grad attribute of a Tensor that is not a "
                     "leaf Tensor is being accessed.")
