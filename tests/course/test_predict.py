"""`gl.predict`: the live question reveals only after the learner commits, never praises a
wrong choice; static views get the question with its answer collapsed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import gradlab as gl
from gradlab.course.predict import Prediction

QUESTION = ("After `loss.backward()`, `w.grad` is:", ["None", "zeros", "a tensor"], "None",
            "`w` was created without requires_grad=True, so backward never reaches it.")


@pytest.fixture()
def prediction() -> Iterator[Prediction]:
    shown = gl.predict(*QUESTION)
    yield shown
    shown.close()


def test_nothing_is_revealed_before_the_learner_commits(prediction: Prediction) -> None:
    assert prediction.reveal.value == ""
    assert prediction.button.disabled  # nothing picked yet
    prediction.picker.value = "zeros"
    assert not prediction.button.disabled
    assert prediction.reveal.value == ""  # picking is not committing


def test_a_wrong_choice_gets_not_quite_and_the_why_of_the_right_answer(
        prediction: Prediction) -> None:
    prediction.picker.value = "zeros"
    prediction.button.click()
    reveal = prediction.reveal.value
    assert "Not quite" in reveal and "the answer is <b>None</b>" in reveal
    assert "backward never reaches it" in reveal
    assert "Right" not in reveal and "✔" not in reveal
    assert prediction.picker.disabled and prediction.button.disabled  # the answer is committed


def test_the_right_choice_is_confirmed_with_its_why(prediction: Prediction) -> None:
    prediction.picker.value = "None"
    prediction.button.click()
    assert prediction.reveal.value.startswith("<p>✔ Right: <b>None</b>.")
    assert "backward never reaches it" in prediction.reveal.value


def test_static_views_show_the_question_and_the_answer_collapsed(prediction: Prediction) -> None:
    bundle = prediction._repr_mimebundle_()
    static = bundle["text/html"]
    assert "After <code>" not in static and "After `loss.backward()`, `w.grad` is:" in static
    assert static.index("<li>zeros</li>") < static.index("<details><summary>")
    answer = static[static.index("<details>"):]
    assert "<b>None</b>" in answer and "backward never reaches it" in answer
    assert "backward never reaches it" not in static[:static.index("<details>")]
    assert bundle["text/plain"].startswith("Predict. After")


def test_shown_as_the_static_question_then_the_live_widget(prediction: Prediction) -> None:
    from unittest import mock

    with mock.patch("IPython.display.display") as display:
        prediction._ipython_display_()
    (static,), (live,) = (call.args for call in display.call_args_list)
    assert "gradlab-predict" in static["text/html"] and "<details>" in static["text/html"]
    assert set(live) == {"application/vnd.jupyter.widget-view+json", "text/plain"}


def test_the_text_is_escaped_in_html() -> None:
    shown = gl.predict("Is <b> bold?", ["a < b", "a > b"], "a < b", "because &")
    try:
        assert "Is &lt;b&gt; bold?" in shown.static_html()
        assert "<li>a &lt; b</li>" in shown.static_html()
    finally:
        shown.close()


@pytest.mark.parametrize(("args", "error", "words"), [
    (("", ["a", "b"], "a", "why"), TypeError, "the question as a non-empty str"),
    (("q", "ab", "a", "why"), TypeError, "a list of 2 to 4 strs"),
    (("q", ["a"], "a", "why"), ValueError, "2 to 4 different strs"),
    (("q", ["a", "b", "c", "d", "e"], "a", "why"), ValueError, "2 to 4 different strs"),
    (("q", ["a", "a"], "a", "why"), ValueError, "2 to 4 different strs"),
    (("q", ["a", "b"], "c", "why"), ValueError, "answer= must be one of the choices"),
    (("q", ["a", "b"], "a", ""), TypeError, "why= takes the explanation"),
])
def test_bad_arguments_say_what_is_expected(args: tuple[object, ...], error: type[Exception],
                                            words: str) -> None:
    with pytest.raises(error, match=words):
        gl.predict(*args)  # type: ignore[arg-type]
