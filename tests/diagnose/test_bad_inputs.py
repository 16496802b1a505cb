"""Every public function rejects bad input with an error that names the problem and the fix,
never a raw error from inside gradlab; and gradlab holds no memory across many runs."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import scenarios as s
import torch
from torch import nn

import gradlab as gl


def model_and_loss() -> tuple[nn.Module, torch.Tensor]:
    model = nn.Linear(3, 1)
    return model, model(torch.randn(4, 3)).pow(2).mean()


def returns_int_keys() -> dict[Any, Any]:
    w = torch.randn(3, requires_grad=True)
    return {1: (w * 2).sum()}


def unreduced_loss() -> dict[str, Any]:
    model = nn.Linear(3, 1)
    loss = model(torch.randn(8, 3)) - 1.0
    return locals()


def needs_an_argument(x: torch.Tensor) -> dict[str, Any]:
    return {"loss": x.sum()}


def step_returns_none() -> dict[str, Any]:
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(4, 3)

    def step() -> None:
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()

    loss = model(x).pow(2).mean()
    loss.backward()
    return locals()


def recorded_loss() -> tuple[torch.Tensor, gl.Recording]:
    with gl.record() as rec:
        loss = (torch.randn(3, requires_grad=True) * 2).sum()
    return loss, rec


SGD = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
LOSS = (torch.randn(3, requires_grad=True) * 2).sum()

CASES: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    # gl.diagnose
    ("diagnose-number", lambda: gl.diagnose(3.0), TypeError,
     r"loss tensor or a zero-argument function.*float"),
    ("diagnose-none", lambda: gl.diagnose(None), TypeError, r"loss tensor or a zero-argument"),
    ("diagnose-str", lambda: gl.diagnose("loss"), TypeError, r"got str"),
    ("diagnose-model", lambda: gl.diagnose(nn.Linear(3, 1)), TypeError,
     r"got the model \(Linear\), not the loss: pass a function"),
    ("diagnose-needs-arg", lambda: gl.diagnose(needs_an_argument), TypeError,
     r"calls the function with no arguments, but it needs x"),
    ("diagnose-int-keys", lambda: gl.diagnose(returns_int_keys), TypeError,
     r"map variable names \(str\).*key 1 \(int\)"),
    ("diagnose-returns-none", lambda: gl.diagnose(lambda: None), TypeError,
     r"must return locals\(\).*NoneType"),
    ("diagnose-returns-list", lambda: gl.diagnose(lambda: [1]), TypeError, r"returned list"),
    ("diagnose-unreduced-loss", lambda: gl.diagnose(unreduced_loss), ValueError,
     r"the loss 'loss' must be a scalar; got shape \[8, 1\].*\.mean\(\)"),
    ("diagnose-nonscalar-tensor", lambda: gl.diagnose(torch.ones(2, 2, requires_grad=True) * 2),
     ValueError, r"must be a scalar; got shape \[2, 2\]"),
    ("diagnose-no-grad-fn", lambda: gl.diagnose(torch.ones(())), ValueError,
     r"no grad_fn.*gl.record"),
    ("diagnose-loss-list", lambda: gl.diagnose(s.clean_fixed, loss=["a"]), TypeError,
     r"loss= takes the name of the loss variable.*not list"),
    ("diagnose-loss-int", lambda: gl.diagnose(s.clean_fixed, loss=3), TypeError,
     r"loss= takes the name.*not int"),
    ("diagnose-loss-unknown", lambda: gl.diagnose(s.clean_fixed, loss="cost"), ValueError,
     r"no tensor named 'cost'"),
    ("diagnose-model-str", lambda: gl.diagnose(LOSS, model="net"), TypeError,
     r"model= takes an nn.Module.*str"),
    ("diagnose-model-list-item", lambda: gl.diagnose(LOSS, model=[nn.Linear(1, 1), 3]),
     TypeError, r"model= takes an nn.Module; 'model1' is a int"),
    ("diagnose-optimizer-module", lambda: gl.diagnose(LOSS, optimizer=nn.Linear(1, 1)),
     TypeError, r"optimizer= takes a torch.optim.Optimizer.*Linear"),
    ("diagnose-recording-str", lambda: gl.diagnose(LOSS, recording="rec"), TypeError,
     r"recording= takes the Recording"),
    ("diagnose-recording-with-function",
     lambda: gl.diagnose(s.clean_fixed, recording=recorded_loss()[1]), ValueError,
     r"pass recording= only with a loss tensor"),
    ("diagnose-unrelated-error", lambda: gl.diagnose(lambda: {"x": 1 / 0}), ValueError,
     r"not about gradients: ZeroDivisionError"),
    ("diagnose-no-loss", lambda: gl.diagnose(lambda: {"x": torch.randn(3)}), ValueError,
     r"no loss found.*loss='name'"),
    # gl.grade, gl.shows_error and gl.error_of
    ("grade-namespace-str", lambda: gl.grade("04", "globals"), TypeError,
     r"takes the namespace that holds your answer.*gl.grade\('05', globals\(\)\); got str"),
    ("grade-namespace-none", lambda: gl.grade("04", None), TypeError,
     r"takes the namespace that holds your answer"),
    ("grade-exercise-list", lambda: gl.grade(["04"], {}), TypeError,
     r"takes the exercise's id, e.g. gl.grade\('05', globals\(\)\); got \['04'\]"),
    ("grade-unknown-exercise", lambda: gl.grade("99", {}), ValueError,
     r"no exercise '99': the exercises are 0"),
    ("shows-error-not-a-class", lambda: gl.shows_error("RuntimeError"), TypeError,
     r"gl.shows_error\(\) takes an exception class"),
    ("error-of-not-callable", lambda: gl.error_of(3), TypeError,
     r"gl.error_of\(\) takes a zero-argument function"),
    # gl.compare, gl.Comparison, gl.CompareWidget
    ("compare-title-int", lambda: gl.compare(s.no_grad_broken, s.clean_fixed, title=123),
     TypeError, r"title= takes a str \(or None\), not int"),
    ("compare-big-str", lambda: gl.compare(s.no_grad_broken, s.clean_fixed, big="yes"),
     TypeError, r"big= takes True or False, not 'yes'"),
    ("compare-not-callable", lambda: gl.compare(1, s.clean_fixed), TypeError,
     r"broken= takes a zero-argument function"),
    ("compare-train-steps", lambda: gl.compare(s.no_grad_broken, s.clean_fixed, train_steps=-1),
     ValueError, r"train_steps= takes a whole number >= 0"),
    ("compare-loss-list", lambda: gl.compare(s.no_grad_broken, s.clean_fixed, loss=["a"]),
     TypeError, r"loss= takes the name of the loss variable"),
    ("comparison-seed-str", lambda: gl.Comparison(s.no_grad_broken, s.clean_fixed, seed="0"),
     TypeError, r"seed= takes a whole number, not '0'"),
    ("comparison-variant", lambda: gl.Comparison(s.no_grad_broken, s.clean_fixed).run("both"),
     ValueError, r"variant must be 'broken' or 'fixed'"),
    ("compare-widget-not-comparison", lambda: gl.CompareWidget("x", title=None, big=False),
     TypeError, r"CompareWidget takes a gl.Comparison"),
    # gl.draw, gl.explain, gl.analyse, gl.setup, gl.record, the IPython extension
    ("draw-nothing", lambda: gl.draw(), TypeError, r"gl.draw\(\) needs a loss tensor"),
    ("draw-collapse", lambda: gl.draw(LOSS, collapse="yes"), ValueError,
     r"collapse= takes True, False or 'auto'"),
    ("draw-max-nodes", lambda: gl.draw(LOSS, max_nodes=2), ValueError,
     r"max_nodes= takes a whole number of at least 10"),
    ("draw-report-str", lambda: gl.draw(report="r"), TypeError,
     r"report= takes what gl.diagnose\(\) returns"),
    ("explain-int", lambda: gl.explain(42), TypeError, r"exception, a warning or its text"),
    ("analyse-str", lambda: gl.analyse("ctx"), TypeError,
     r"gl.analyse\(\) takes a gl.Context.*gl.diagnose"),
    ("setup-str", lambda: gl.setup("abc"), TypeError,
     r"whole-number seed.*gl.setup\(0\); got 'abc'"),
    ("setup-negative", lambda: gl.setup(-1), TypeError, r"whole-number seed from 0"),
    ("record-reused", lambda: [None for r in [gl.record()] for _ in (r.__enter__(),
                                                                     r.__exit__(None, None, None),
                                                                     r.__enter__())],
     ValueError, r"already used; start a new one"),
    ("load-extension-none", lambda: gl.load_ipython_extension(None), TypeError,
     r"takes the IPython shell.*%load_ext gradlab"),
]


def test_at_least_40_bad_inputs() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(("call", "error", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_names_the_problem(call: Callable[[], Any], error: type[Exception],
                                     message: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scenarios warn on purpose
        with pytest.raises(error, match=message):
            call()


def test_rejected_widget_leaves_no_error_behind() -> None:
    """A widget whose arguments were rejected is collected without an error in __del__."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError):
            gl.compare(s.no_grad_broken, s.clean_fixed, title=123)
        gc.collect()
    assert not [w for w in caught if "Exception ignored" in str(w.message)]


def test_step_returning_none_is_named_in_the_panel() -> None:
    result = gl.Comparison(step_returns_none, step_returns_none, train_steps=3).run("broken")
    assert result.failure == ("TypeError: step() must return the loss (a tensor or a number); "
                              "it returned NoneType: end it with `return loss`")


def test_magic_syntax_error_is_shown_as_ipython_shows_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.testing.globalipapp import get_ipython, start_ipython

    shell = start_ipython() or get_ipython()
    shell.run_line_magic("load_ext", "gradlab")
    capsys.readouterr()
    shell.run_cell("%%gradlab\nx = (1,\n")
    out = capsys.readouterr()
    text = out.out + out.err
    assert "SyntaxError" in text and "never closed" in text
    assert "gradlab" not in text.replace("%%gradlab", "")  # no frame of gradlab's


def test_memory_stays_flat_over_many_diagnoses() -> None:
    """After a warm-up, 200 more diagnoses leave no tensor, module or recording alive."""
    def live() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects()
                   if isinstance(o, (torch.Tensor, nn.Module, gl.Recording)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(20):
            gl.diagnose(s.no_grad_broken)
        before = live()
        for _ in range(200):
            gl.diagnose(s.no_grad_broken)
        after = live()
    assert after - before <= 2, (before, after)
