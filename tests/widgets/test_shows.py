"""`gl.shows_error()`: an intended error is shown and the cell goes on; no error is a failure."""

from __future__ import annotations

import pytest
import torch

import gradlab as gl


def test_prints_type_exact_message_and_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    w = torch.randn(3, requires_grad=True)
    total = (w * 2).sum()
    total.backward()
    with gl.shows_error(RuntimeError) as shown:
        total.backward()
    out = capsys.readouterr().out
    assert isinstance(shown.error, RuntimeError)
    assert out.startswith(f"RuntimeError: {shown.error}\n")  # the whole message, hint included
    assert "Trying to backward through the graph a second time" in out
    assert "gradlab: the graph's saved tensors were freed" in out


def test_an_error_gradlab_does_not_know_is_shown_without_explanation(
        capsys: pytest.CaptureFixture[str]) -> None:
    with gl.shows_error():
        raise KeyError("k")
    assert capsys.readouterr().out == "KeyError: 'k'\n"


def test_no_error_fails_the_cell() -> None:
    with pytest.raises(AssertionError, match="ran without raising"), gl.shows_error():
        torch.ones(3).sum()


def test_another_error_type_goes_through_unchanged() -> None:
    with pytest.raises(ValueError, match="not the expected one"), gl.shows_error(RuntimeError):
        raise ValueError("not the expected one")


def test_bad_argument_is_named() -> None:
    with pytest.raises(TypeError, match=r"exception class.*'RuntimeError'"):
        gl.shows_error("RuntimeError")  # type: ignore[arg-type]
