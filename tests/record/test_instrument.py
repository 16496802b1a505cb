"""What gradlab changes outside its own objects is put back: under threads, and when leaving
the recording fails."""

from __future__ import annotations

import sys
import threading
import warnings
from typing import Any

import pytest
import torch
from torch.overrides import _get_current_function_mode_stack

import gradlab as gl
from gradlab.diagnosis import warnings_seen


def _hooks() -> tuple[Any, Any, Any]:
    shown: Any = warnings
    return torch.nn.Module._call_impl, shown._showwarnmsg, shown._showwarnmsg_impl


def _gradlab_filters() -> list[Any]:
    return [f for f in warnings.filters if "gradlab" in str(getattr(f[3], "pattern", f[3]))]


def test_another_threads_catch_warnings_spanning_the_end_keeps_no_gradlab_filter() -> None:
    before = list(warnings.filters)
    entered, recorded = threading.Event(), threading.Event()

    def other() -> None:
        with warnings.catch_warnings():
            entered.set()
            recorded.wait(10)

    thread = threading.Thread(target=other)
    with gl.record():
        torch.ones(2) + 1
        thread.start()
        entered.wait(10)
    recorded.set()
    thread.join(10)
    assert _gradlab_filters() == []
    assert warnings.filters == before


def test_overlapping_warnings_seen_in_two_threads_leave_no_tap() -> None:
    hooks = _hooks()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with warnings_seen():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with warnings_seen():  # entered after the other thread's, left after it
        second_in.set()
        first_out.wait(10)
    thread.join(10)
    assert _hooks() == hooks


def test_warnings_seen_notes_what_each_thread_shows() -> None:
    with warnings_seen() as seen, warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("noted", UserWarning, stacklevel=1)
    assert [w.message for w in seen] == ["noted"]


class _Broken(Exception):
    pass


def test_everything_is_put_back_when_leaving_the_mode_raises(
        monkeypatch: pytest.MonkeyPatch) -> None:
    hooks, filters = _hooks(), list(warnings.filters)

    def broken_exit(self: Any, *exc: object) -> None:
        type(self).__bases__[0].__exit__(self, *exc)
        raise _Broken

    with pytest.raises(_Broken), gl.record():
        torch.ones(2) * 2
        mode = _get_current_function_mode_stack()[-1]
        monkeypatch.setattr(type(mode), "__exit__", broken_exit)
    monkeypatch.undo()
    assert _hooks() == hooks
    assert warnings.filters == filters
    assert not _get_current_function_mode_stack()
    with gl.record() as rec:  # and the next recording works
        torch.ones(2) * 2
    assert rec.ops == 2


def test_a_recording_in_a_thread_ends_with_everything_put_back() -> None:
    hooks, filters = _hooks(), list(warnings.filters)
    done: list[int] = []

    def work() -> None:
        with gl.record() as rec:
            torch.nn.Linear(2, 2)(torch.ones(1, 2))
        done.append(rec.ops)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(done) == 4 and all(done)
    assert _hooks() == hooks
    assert warnings.filters == filters
    assert sys.modules  # the sweep of modules imported meanwhile ran without error
