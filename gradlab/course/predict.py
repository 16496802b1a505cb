"""`gl.predict`: a question to answer before running the cell that settles it. Live, the learner
picks a choice and commits with a button; only then does the reveal come: the why of the right
answer, after "not quite" for a wrong one. In a static view (HTML export, an untrusted
notebook) the question shows with its answer in a collapsed `<details>`. Nothing is recorded
outside the notebook."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

__all__ = ["Prediction", "predict"]

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# As a toggle's: JupyterLab hides the static question beside a live widget, and hides the widget
# output while it holds only "Loading widget..." or "Error displaying widget: model not found".
_CSS = ("<style>.jp-OutputArea:has(.gradlab-predict-live) .gradlab-predict{display:none}"
        ".jp-OutputArea:has(.gradlab-predict) .jp-OutputArea-output:not(:has(*)){display:none}"
        "</style>")


def _checked(question: Any, choices: Any, answer: Any, why: Any) -> tuple[str, tuple[str, ...],
                                                                      str, str]:
    if not isinstance(question, str) or not question.strip():
        raise TypeError(f"gl.predict() takes the question as a non-empty str; got {question!r}")
    if isinstance(choices, str) or not isinstance(choices, Sequence) \
            or not all(isinstance(c, str) for c in choices):
        raise TypeError("choices= takes a list of 2 to 4 strs, e.g. ['None', 'zeros', "
                        f"'a tensor']; got {choices!r}")
    if not 2 <= len(choices) <= 4 or len(set(choices)) != len(choices):
        raise ValueError(f"choices= takes 2 to 4 different strs; got {len(choices)}: "
                         f"{list(choices)!r}")
    if answer not in choices:
        raise ValueError(f"answer= must be one of the choices {list(choices)!r}; got {answer!r}")
    if not isinstance(why, str) or not why.strip():
        raise TypeError(f"why= takes the explanation of the answer as a non-empty str; got "
                        f"{why!r}")
    return question, tuple(choices), answer, why


class Prediction:
    """One prediction question: a live widget where a kernel runs, the question and its
    collapsed answer in static views (an output of its own, before the widget's)."""

    def __init__(self, question: str, choices: Sequence[str], answer: str, why: str) -> None:
        self.question, self.choices, self.answer, self.why = _checked(question, choices,
                                                                      answer, why)
        self.picker = widgets.RadioButtons(options=list(self.choices), value=None,
                                           description="", layout={"width": "max-content"})
        self.button = widgets.Button(description="Check my answer", disabled=True)
        self.reveal = widgets.HTML("")
        self.picker.observe(self._picked, names="value")
        self.button.on_click(self._commit)
        self.view = widgets.VBox([widgets.HTML(f"<b>Predict.</b> {html.escape(question)}"),
                                  self.picker, self.button, self.reveal])
        self.view.add_class("gradlab-predict-live")

    def _picked(self, change: dict[str, Any]) -> None:
        self.button.disabled = change["new"] is None

    def _commit(self, _button: Any = None) -> None:
        """The learner commits to the picked choice: lock it and show the reveal."""
        picked = self.picker.value
        if picked is None:
            return
        self.picker.disabled = self.button.disabled = True
        self.reveal.value = self.verdict(picked)

    def verdict(self, picked: str) -> str:
        """The reveal for `picked`, as HTML: right, or "not quite" and the right answer; then
        why the right answer is right."""
        why = html.escape(self.why)
        if picked == self.answer:
            return f"<p>✔ Right: <b>{html.escape(self.answer)}</b>. {why}</p>"
        return (f"<p>✘ Not quite: you picked <i>{html.escape(picked)}</i>; the answer is "
                f"<b>{html.escape(self.answer)}</b>. {why}</p>")

    def static_html(self) -> str:
        """The question, its choices, and the answer collapsed: for views without a kernel."""
        items = "".join(f"<li>{html.escape(c)}</li>" for c in self.choices)
        return (f"<div class=\"gradlab-predict\"><p><b>Predict.</b> "
                f"{html.escape(self.question)}</p><ul>{items}</ul>"
                f"<details><summary>Check your answer</summary><p><b>"
                f"{html.escape(self.answer)}</b>. {html.escape(self.why)}</p></details></div>")

    def __str__(self) -> str:
        lines = [f"Predict. {self.question}", *(f"  - {c}" for c in self.choices)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The static question, for every view: `text/html` and `text/plain`."""
        return {"text/plain": str(self), "text/html": _CSS + self.static_html()}

    def _ipython_display_(self) -> None:
        """Two outputs, as a toggle has: the static question, which every page can show
        (untrusted, exported, after a restart), and the live widget, which hides it where it
        runs; where no widget can be drawn, JupyterLab's "model not found" is hidden."""
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)  # type: ignore[no-untyped-call]
        live = self.view._repr_mimebundle_()
        if isinstance(live, dict) and _WIDGET_VIEW in live:
            display({_WIDGET_VIEW: live[_WIDGET_VIEW], "text/plain": ""},  # type: ignore[no-untyped-call]
                    raw=True)

    def close(self) -> None:
        """Close the widgets of this question."""
        for widget in (*self.view.children, self.view):
            widget.close()


def predict(question: str, choices: Sequence[str], answer: str, why: str) -> Prediction:
    """A prediction question with 2 to 4 `choices`, the right `answer` among them, and `why` it
    is right (shown after the learner commits, or collapsed in a static view)."""
    return Prediction(question, choices, answer, why)
