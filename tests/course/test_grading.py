"""The grader on every exercise: the reference and every known right route pass, the starter
and single-edit wrong answers fail with a true message, and no feedback gives the fix away."""

from __future__ import annotations

import pytest
import torch

import gradlab as gl
from gradlab.course.exercise import Edit, exercise_keys, exercise_namespace, load

KEYS = exercise_keys()
RIGHT = [(k, e) for k in KEYS for e in load(k)[1].right]
WRONG = [(k, e) for k in KEYS for e in load(k)[1].wrong]


def _grade(key: str, source: str) -> gl.Feedback:
    namespace = exercise_namespace(key)
    exec(compile(source, f"answer_{key}.py", "exec"), namespace)
    return gl.grade(key, namespace)


def _edited(key: str, edit: Edit) -> str:
    return edit.apply(load(key)[1].solution)


def _assert_not_yet(key: str, feedback: gl.Feedback) -> str:
    text = str(feedback)
    assert not feedback.solved, text
    assert text.startswith("✘ not yet")
    assert "solved" not in text and "fix:" not in text
    assert load(key)[1].hints[2] not in text  # the fix is the last hint, never the feedback
    return text


def test_the_exercises_are_the_new_lessons_and_the_capstone() -> None:
    assert KEYS[:9] == ["02", "03", "04", "05", "06", "07", "08", "09", "10"]
    assert {"12.1", "12.2"} <= set(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_reference_passes(key: str) -> None:
    feedback = _grade(key, load(key)[1].solution)
    assert feedback.solved, str(feedback)
    assert str(feedback).startswith("✔ solved")


@pytest.mark.parametrize("key", KEYS)
def test_the_starter_fails_unless_it_is_right_as_it_is(key: str) -> None:
    exercise = load(key)[1]
    feedback = _grade(key, exercise.starter)
    if exercise.starter == exercise.solution:  # a correct idiom: leaving it is the answer
        assert feedback.solved, str(feedback)
    else:
        _assert_not_yet(key, feedback)


@pytest.mark.parametrize("key", KEYS)
def test_every_exercise_has_two_right_routes_and_three_wrong_answers(key: str) -> None:
    exercise = load(key)[1]
    assert len(exercise.right) >= (1 if exercise.starter == exercise.solution else 2)
    assert len(exercise.wrong) >= 3
    assert all(e.says for e in exercise.wrong)


@pytest.mark.parametrize(("key", "edit"), RIGHT, ids=[f"{k}-{i}" for i, (k, _) in
                                                      enumerate(RIGHT)])
def test_a_right_route_passes(key: str, edit: Edit) -> None:
    feedback = _grade(key, _edited(key, edit))
    assert feedback.solved, str(feedback)


@pytest.mark.parametrize(("key", "edit"), WRONG, ids=[f"{k}-{i}" for i, (k, _) in
                                                      enumerate(WRONG)])
def test_a_wrong_answer_fails_naming_what_differs(key: str, edit: Edit) -> None:
    text = _assert_not_yet(key, _grade(key, _edited(key, edit)))
    assert edit.says in text


def test_autograd_grad_alone_is_right_for_the_non_leaf_gradient() -> None:
    # lesson 07 recommends it "when you want the gradient as a value and nothing else": no
    # parameter gets a .grad, and the grader must not call that a cut
    solution = load("07")[1].solution
    start, end = solution.index("    inputs.retain_grad()"), solution.index("    return")
    source = (solution[:start] + "    scores = net(inputs)\n    top = scores.max(1).values.sum()\n"
              "    (input_grad,) = torch.autograd.grad(top, inputs)\n" + solution[end:])
    feedback = _grade("07", source)
    assert feedback.solved, str(feedback)
    assert "cut" not in str(feedback)


def test_a_gradient_of_the_wrong_tensor_names_the_goal_part_it_misses() -> None:
    source = _edited("07", Edit("    top.backward()\n    input_grad = inputs.grad",
                                "    (input_grad,) = torch.autograd.grad(top, net[0].weight)"))
    text = _assert_not_yet("07", _grade("07", source))
    assert "`input_grad` (the gradient of `top` with respect to `inputs`) has shape (8, 3)" in text
    assert "cut" not in text and "backward" not in text.split("goal:")[0]


def test_a_missing_gradient_without_backward_says_so_and_no_cause() -> None:
    text = _assert_not_yet("06", _grade("06", _edited("06", Edit("        loss.backward()\n",
                                                                  ""))))
    assert "`actor.weight.grad` is None after your version ran; the reference's is a gradient " \
           "(your version never calls backward)" in text
    assert "cut" not in text


def test_an_edit_of_a_correct_idiom_that_changes_gradients_is_wrong() -> None:
    source = _edited("12.1", Edit("next_q.detach()", "next_q"))
    text = _assert_not_yet("12.1", _grade("12.1", source))
    assert "`target_net.weight.grad` should stay None, as in the reference" in text


def test_grade_names_what_the_notebook_has_not_defined() -> None:
    feedback = gl.grade("05", {})
    assert not feedback.solved
    assert "define `GatedResidual` first" in str(feedback)


def test_grade_takes_ids_as_numbers_and_names_unknown_ones() -> None:
    assert _grade("5", load("05")[1].solution).solved
    assert gl.grade(5, {}).lines[1] == "  - define `GatedResidual` first (run the exercise cell)."
    with pytest.raises(ValueError, match="no exercise '99': the exercises are 02, 03"):
        gl.grade("99", {})
    with pytest.raises(TypeError, match="the namespace that holds your answer"):
        gl.grade("05", None)  # type: ignore[arg-type]


def test_a_tip_on_a_right_answer_that_backwards_twice() -> None:
    source = _edited("06", load("06")[1].right[0])
    assert "tip: once the advantages are detached, `retain_graph=True`" in str(_grade("06", source))


def test_grading_leaves_the_callers_random_state_alone() -> None:
    before = torch.random.get_rng_state()
    _grade("02", load("02")[1].solution)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_no_tip_on_the_answer_that_backwards_once() -> None:
    assert "tip:" not in str(_grade("06", load("06")[1].solution))
