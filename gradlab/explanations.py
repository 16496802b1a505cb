"""Explain autograd's error and warning messages in plain words."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LESSONS",  # noqa: F822 (a module __getattr__: see below)
           "Explanation", "explain", "lessons"]

TRAINING_LOOP = "09_training_loop"  # DDP, checkpointing, an optimizer built too early


def lessons() -> dict[str, str]:
    """The lesson of each finding kind, as the rule modules declare it (gradlab.rules)."""
    from gradlab.rules import KINDS  # imported when first needed: the rules import this module
    return {name: kind.lesson for name, kind in KINDS.items()}


def __getattr__(name: str) -> dict[str, str]:
    """`LESSONS`: the lesson of each finding kind (see `lessons`)."""
    if name == "LESSONS":
        return lessons()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Explanation:
    """What an autograd error or warning means, and where the course teaches it."""

    kind: str
    explanation: str
    fix: str
    taught_in: str = ""  # the lesson that teaches this message, when not its kind's lesson

    @property
    def lesson(self) -> str:
        """The notebook that teaches this message: its own, or its kind's."""
        return self.taught_in or lessons()[self.kind]

    def __str__(self) -> str:
        return f"{self.kind}: {self.explanation}\nFix: {self.fix}\nLesson: {self.lesson}"


_PATTERNS: list[tuple[re.Pattern[str], Explanation]] = [
    (re.compile(r"element 0 of tensors does not require grad and does not have a grad_fn"),
     Explanation("missing_requires_grad",
                 "backward() was called on a tensor with no autograd history: nothing it was "
                 "computed from requires grad, or the history was cut (no_grad, detach, numpy).",
                 "give the weights requires_grad=True (nn.Parameter in a module) and look for a "
                 "cut between them and the loss: gl.diagnose shows where.")),
    (re.compile(r"One of the differentiated Tensors does not require grad"),
     Explanation("missing_requires_grad",
                 "torch.autograd.grad was asked for the gradient of a tensor that does not "
                 "require grad.",
                 "set requires_grad=True on the inputs you differentiate with respect to.")),
    (re.compile(r"backward through the graph a second time"),
     Explanation("double_backward",
                 "the graph's saved tensors were freed by an earlier backward(); this backward "
                 "runs through part of the same graph again.",
                 "do one backward on the sum of the losses, recompute the forward, or detach what "
                 "is reused (fake.detach(), hidden.detach()); retain_graph=True only if you "
                 "really need the graph twice.")),
    (re.compile(r"modified by an inplace operation"),
     Explanation("in_place",
                 "a tensor that autograd saved for backward was changed in place afterwards; its "
                 "version counter no longer matches the version that was saved.",
                 "use the out-of-place op (y = y + 1, torch.relu(y)) or change a clone().")),
    (re.compile(r"a leaf Variable that requires grad is being used in an in-place operation"),
     Explanation("in_place",
                 "an in-place op on a leaf tensor that requires grad would destroy the value its "
                 "gradient is defined for.",
                 "update weights under torch.no_grad(), or use an out-of-place op.")),
    (re.compile(r"A view was created in no_grad mode and is being modified inplace"),
     Explanation("in_place",
                 "a view taken under no_grad was changed in place with grad mode on: autograd "
                 "cannot tell whether the change should reach the tensor it views.",
                 "take the view and change it both inside the no_grad block (no gradient "
                 "wanted), or both outside it; or change a clone().")),
    (re.compile(r"is a view and is being modified inplace"),
     Explanation("in_place",
                 "an output that is a view (of a custom autograd.Function, or one of several "
                 "views such as unbind's) was changed in place; autograd cannot rewrite the "
                 "backward of the op that made it.",
                 "use the out-of-place op, or change a clone() of the output.")),
    (re.compile(r"[Cc]an't call numpy\(\) on Tensor that requires grad"),
     Explanation("numpy_roundtrip",
                 "numpy cannot record autograd history, so torch refuses to hand out an array of "
                 "a tensor that requires grad; its hint .detach().numpy() silences the error and "
                 "cuts the gradient.",
                 "stay in torch (torch.exp, torch.clamp, ...) for anything the loss depends on.")),
    (re.compile(r"Inference tensors cannot be saved for backward"),
     Explanation("inference_mode",
                 "a tensor created under torch.inference_mode() was used in a computation that "
                 "autograd records.",
                 "create it outside inference_mode, use torch.no_grad() instead, or .clone() it "
                 "outside inference_mode.")),
    (re.compile(r"Inplace update to inference tensor outside InferenceMode"),
     Explanation("inference_mode",
                 "a tensor created under torch.inference_mode() was changed in place outside "
                 "it; inference tensors have no version counter, so autograd forbids this.",
                 "create it outside inference_mode, use torch.no_grad() instead, or change a "
                 ".clone() of it.")),
    (re.compile(r"grad can be implicitly created only for scalar outputs"),
     Explanation("non_scalar_loss",
                 "backward() without an argument needs a single number; this tensor has more "
                 "than one element, so autograd does not know how to weigh them.",
                 "reduce it to the loss first (.sum() or .mean()), or pass the weights: "
                 "y.backward(torch.ones_like(y)).")),
    (re.compile(r"appears to not have been used in the graph"),
     Explanation("unused_parameter",
                 "torch.autograd.grad was asked for the gradient of a tensor the output does not "
                 "depend on.",
                 "differentiate only with respect to tensors the output uses, or pass "
                 "allow_unused=True (their gradient is then None; materialize_grads=True gives "
                 "zeros).")),
    (re.compile(r"Expected to have finished reduction in the prior iteration"),
     Explanation("unused_parameter",
                 "DistributedDataParallel reduces the gradient of every parameter it wraps at "
                 "each backward; some parameters were not used to compute the loss in the last "
                 "iteration, so that reduction never finished and the next forward raises.",
                 "use every parameter in forward (gl.diagnose names the unused ones), freeze "
                 "them with requires_grad_(False) before wrapping the model in DDP, or pass "
                 "find_unused_parameters=True.",
                 TRAINING_LOOP)),
    (re.compile(r"None of the inputs have requires_grad=True\. Gradients will be None"),
     Explanation("missing_requires_grad",
                 "torch.utils.checkpoint with use_reentrant=True recomputes the forward during "
                 "backward and connects only through its tensor inputs; none of them requires "
                 "grad, so the checkpointed layers' parameters get no gradient.",
                 "pass use_reentrant=False (then gradients reach the parameters), or give the "
                 "first checkpointed input requires_grad=True.",
                 TRAINING_LOOP)),
    (re.compile(r"cannot register a hook on a tensor that doesn't require gradient"),
     Explanation("missing_requires_grad",
                 "a hook runs when a gradient arrives; this tensor does not require grad, so no "
                 "gradient ever will.",
                 "register the hook on a tensor that requires grad (check requires_grad: a "
                 "no_grad block, detach or a frozen parameter may have made it False).")),
    (re.compile(r"[Oo]nly Tensors of floating point (and complex )?dtype can require gradients"),
     Explanation("integer_dtype",
                 "integer and bool tensors cannot require grad: their values cannot change by "
                 "an infinitesimal step.",
                 "create the tensor as float (torch.tensor([1., 2.]) or dtype=torch.float32).")),
    (re.compile(r"\.grad attribute of a Tensor that is not a leaf Tensor is being accessed"),
     Explanation("non_leaf_grad",
                 "autograd fills .grad only on leaf tensors; this one is the output of an "
                 "operation (a .to(), .double() or arithmetic made it), so .grad stays None.",
                 "call .retain_grad() on it before backward, or read .grad on the leaf it was "
                 "made from (create tensors directly with the dtype you need).")),
    (re.compile(r"you can only change requires_grad flags of leaf variables"),
     Explanation("non_leaf_grad",
                 "requires_grad belongs to leaves; a non-leaf requires grad because of its "
                 "history.",
                 "use .detach() to get a tensor without history, or change the leaf.")),
    (re.compile(r"can't optimize a non-leaf Tensor"),
     Explanation("non_leaf_grad",
                 "the optimizer was given the result of an operation (often .to() or .double() "
                 "on a weight), not the weight itself.",
                 "create the weight with the right dtype/device, or move the module with "
                 "module.to(...), which keeps parameters as leaves.")),
    (re.compile(r"optimizer got an empty parameter list"),
     Explanation("not_in_optimizer",
                 "the optimizer was given no parameters: the model had none registered when the "
                 "optimizer was built (built before its layers were created, or weights kept as "
                 "plain tensor attributes or in a Python list, which nn.Module does not "
                 "register).",
                 "build the optimizer after the model is complete, from model.parameters(); "
                 "gl.diagnose tells which of the two it is.")),
    (re.compile(r"Converting a tensor with requires_grad=True to a scalar"),
     Explanation("rewrap",
                 "the tensor was turned into a Python number; anything built from that number "
                 "has no autograd history.",
                 "keep tensors: torch.stack([a, b]) instead of torch.tensor([a, b]), no .item() "
                 "in the loss.")),
]


def explain(error: BaseException | str | Warning) -> Explanation | None:
    """Return the plain explanation of an autograd error or warning, or None if it is not one."""
    if isinstance(error, (BaseException, Warning)):
        text = str(error)
    elif isinstance(error, str):
        text = error
    else:
        raise TypeError(f"gl.explain() takes an exception, a warning or its text, "
                        f"not {type(error).__name__}")
    for pattern, explanation in _PATTERNS:
        if pattern.search(text):
            return explanation
    return None
