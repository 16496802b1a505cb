# %% [markdown]
# # 13 · Cheat sheet
#
# **On one page**
# - the error messages and silent symptoms of the course: cause, fix, and the lesson that
#   teaches each;
# - what each way of switching gradients off records, as a table computed from real tensors;
# - ops with no derivative and ops with a zero derivative; the training loop's steps and where
#   each failure bites.
#
# *Prerequisites:* the lessons it sums up. *Time:* {time}. To print it, open the page on the
# course site (`make site`) and print from the browser; every table below is plain text.

# %%
import warnings

import torch
import torch.nn.functional as F
from IPython.display import Markdown
from torch import nn
from torch.utils.checkpoint import checkpoint

import gradlab as gl

gl.setup()

# %% [markdown]
# ## When you see this message
#
# | message (its start) | cause | fix | lesson |
# |---|---|---|---|
# | `element 0 of tensors does not require grad and does not have a grad_fn` | the loss has no history: nothing in it requires grad, or the path was cut | `nn.Parameter` for weights; remove the `no_grad`/`detach`/numpy cut | [02](02_missing_requires_grad.ipynb), [03](03_no_grad_block.ipynb), [04](04_detach_and_numpy.ipynb) |
# | `optimizer got an empty parameter list` | the module holds plain tensors, or the optimizer was built before the layers | `nn.Parameter`, `nn.ModuleList`; build the optimizer last | [02](02_missing_requires_grad.ipynb), [09](09_training_loop.ipynb) |
# | `Only Tensors of floating point and complex dtype can require gradients` | an integer tensor asked for a gradient | make it float (`torch.tensor([1.0])`) | [02](02_missing_requires_grad.ipynb) |
# | `Inference tensors cannot be saved for backward` | a tensor made under `inference_mode` is used in training | `no_grad`, or make it outside the block | [03](03_no_grad_block.ipynb) |
# | `Can't call numpy() on Tensor that requires grad` | numpy in the forward pass | stay in torch; `.detach().numpy()` only to log | [04](04_detach_and_numpy.ipynb) |
# | `one of the variables needed for gradient computation has been modified by an inplace operation` | an in-place change of a tensor an op saved for backward | the out-of-place op (`s = s * 2`), `inplace=False` | [05](05_in_place.ipynb) |
# | `a leaf Variable that requires grad is being used in an in-place operation` | a weight changed in place outside `no_grad` | `optimizer.step()`, or the update under `torch.no_grad()` | [05](05_in_place.ipynb) |
# | `Trying to backward through the graph a second time` | a second `backward()` through a freed graph | recompute the forward; `.detach()` carried state; `retain_graph=True` if you mean it | [06](06_double_backward.ipynb) |
# | warning `The .grad attribute of a Tensor that is not a leaf Tensor is being accessed` | `.grad` read on a result, not a leaf | `retain_grad()` before backward, or `torch.autograd.grad` | [07](07_non_leaf_grad.ipynb) |
# | warning `None of the inputs have requires_grad=True. Gradients will be None` | `checkpoint(..., use_reentrant=True)` with no input that requires grad | `use_reentrant=False` | [09](09_training_loop.ipynb) |
#
# DDP's `Expected to have finished reduction in the prior iteration`: lesson
# [09](09_training_loop.ipynb) runs it. Each message above, raised here (the cell checks that
# torch's text starts as the table says):

# %%
w = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)


def leaf_in_place():
    w.add_(1)


def saved_changed():
    s = w.sigmoid()
    s.mul_(2)
    s.sum().backward()


def twice():
    loss = (w * 2).sum()
    loss.backward()
    loss.backward()


def inference_tensor():
    with torch.inference_mode():
        h = torch.ones(3)
    return h * w

# %%
def non_leaf_grad():
    return (w * 2).grad


def checkpoint_without_grad():
    return checkpoint(torch.sin, torch.ones(3), use_reentrant=True)


def message(run):
    """What `run` raises or warns, as text."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            run()
        except (RuntimeError, ValueError) as error:
            return str(error)
    return str(caught[0].message)

# %%
expected = {
    lambda: torch.ones(3).sum().backward(): "element 0 of tensors does not require grad",
    lambda: torch.optim.SGD(nn.Module().parameters(), lr=0.1): "optimizer got an empty",
    lambda: torch.tensor([1, 2], requires_grad=True): "Only Tensors of floating point",
    inference_tensor: "Inference tensors cannot be saved for backward",
    lambda: w.numpy(): "Can't call numpy() on Tensor that requires grad",
    saved_changed: "one of the variables needed for gradient computation has been modified",
    leaf_in_place: "a leaf Variable that requires grad is being used in an in-place",
    twice: "Trying to backward through the graph a second time",
    non_leaf_grad: "The .grad attribute of a Tensor that is not a leaf Tensor",
    checkpoint_without_grad: "None of the inputs have requires_grad=True",
}
for run, start in expected.items():
    assert message(run).startswith(start), (start, message(run))
    print("✔", start)

# %% [markdown]
# ## When nothing raises
#
# | symptom | cause | fix | lesson |
# |---|---|---|---|
# | `.grad` is `None` right after `zero_grad()` | `set_to_none=True` is its default | read gradients after `backward()` | [09](09_training_loop.ipynb) |
# | `.grad` doubles from step to step | no `zero_grad()`: gradients accumulate | `optimizer.zero_grad()` every step | [09](09_training_loop.ipynb) |
# | `.grad` all zero | `round`, `sign`, `floor` (derivative 0), a dead ReLU | a straight-through estimator; look at the activations | [08](08_silent_gradients.ipynb) |
# | `inf` in `.grad` | `sqrt` or `log` at 0 | keep the input away from 0 | [08](08_silent_gradients.ipynb) |
# | `nan` in `.grad` | 0 · inf: `torch.where` over an unsafe branch | make the input of `sqrt` safe before `where` | [08](08_silent_gradients.ipynb) |
# | a layer never changes, its `.grad` is fine | it is not in the optimizer (added after it was built) | build the optimizer after the model is complete | [09](09_training_loop.ipynb) |
#
# Each, computed:

# %%
x = torch.tensor([0.0, 4.0], requires_grad=True)
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
bias_grads = []
for _ in range(2):
    model(x.detach()).sum().backward()                      # no zero_grad in between
    bias_grads.append(model.bias.grad.item())
print("bias grad after one backward, after two:", bias_grads)
optimizer.zero_grad()
print("after zero_grad():", model.bias.grad)
x.sqrt().sum().backward()
print("sqrt at 0:", x.grad.tolist())
x.grad = None
torch.where(x > 0, x.sqrt(), 0.0).sum().backward()
print("where(x > 0, sqrt(x), 0):", x.grad.tolist())
model.head = nn.Linear(1, 1)                                # added after the optimizer
in_optimizer = {id(p) for group in optimizer.param_groups for p in group["params"]}
print("head.weight in the optimizer:", id(model.head.weight) in in_optimizer)
assert bias_grads == [1.0, 2.0] and model.bias.grad is None and id(model.head.weight) not in in_optimizer
assert x.grad[0].isnan() and x.grad[1] == 0.25

# %% [markdown]
# ## Switching gradients off: what each way gives
#
# Each row makes `y` from a weight `w` (`w * 2`, or `w` itself for `.detach()` and `.data`), then
# uses `y` in a new graph with another weight `v`: `(v * y).sum().backward()`.

# %%
def under(mode, *args):
    def make():
        with mode(*args):
            return w * 2
    return make


ways = {"grad mode on": lambda: w * 2, "torch.no_grad()": under(torch.no_grad),
        "torch.inference_mode()": under(torch.inference_mode),
        "torch.set_grad_enabled(False)": under(torch.set_grad_enabled, False),
        "w.detach()": lambda: w.detach(), "w.data": lambda: w.data}


def later(y):
    """What using y in a new graph gives."""
    v, w.grad = torch.ones(3, requires_grad=True), None
    try:
        (v * y).sum().backward()
    except RuntimeError as error:
        return "raises: " + str(error).split(".")[0]
    return "w gets a gradient" if w.grad is not None else "runs, `w.grad` stays `None`"

# %%
rows = {}
for name, make in ways.items():
    y = make()
    before = w._version
    shared = y.data_ptr() == w.data_ptr()
    if shared:
        with torch.no_grad():
            y.mul_(1)                                        # an in-place change through y
    seen = ("yes" if w._version > before else "no") if shared else "–"
    rows[name] = (type(y.grad_fn).__name__ if y.grad_fn else "None", y.requires_grad, later(y),
                  seen)
Markdown("| way | `grad_fn` of `y` | `y.requires_grad` | `y` in a new graph later | "
         "an in-place change through `y` bumps `w._version` |\n|---|---|---|---|---|\n"
         + "\n".join(f"| `{name}` | `{g}` | `{r}` | {u} | {s} |" for name, (g, r, u, s)
                     in rows.items()))

# %% tags=["remove-cell"]
assert rows["grad mode on"] == ("MulBackward0", True, "w gets a gradient", "–")
for name in ["torch.no_grad()", "torch.set_grad_enabled(False)"]:
    assert rows[name] == ("None", False, "runs, `w.grad` stays `None`", "–")
assert rows["torch.inference_mode()"] == (
    "None", False, "raises: Inference tensors cannot be saved for backward", "–")
assert rows["w.detach()"] == ("None", False, "runs, `w.grad` stays `None`", "yes")
assert rows["w.data"] == ("None", False, "runs, `w.grad` stays `None`", "no")

# %% [markdown]
# Read it as: only grad mode records (`grad_fn`); every other way gives a result with
# `requires_grad=False` that a later graph treats as a constant, except an inference tensor,
# which a later graph cannot save at all. `.detach()` and `.data` share `w`'s memory, but only
# `.detach()` shares its version counter: an in-place change through `.data` is invisible to
# autograd's check, which is why `.data` can give silently wrong gradients
# ([08](08_silent_gradients.ipynb)).
#
# One trap of the table's fourth row: `torch.set_grad_enabled(False)` is also a plain function.
# Called outside a `with`, it switches grad mode off for everything after it, until switched
# back on:

# %%
torch.set_grad_enabled(False)
after_off = torch.is_grad_enabled()
torch.set_grad_enabled(True)
print("grad mode after a bare torch.set_grad_enabled(False):", after_off)
print("grad mode after torch.set_grad_enabled(True):", torch.is_grad_enabled())
assert after_off is False and torch.is_grad_enabled()

# %% [markdown]
# ## No derivative, or a zero derivative
#
# Some ops are not recorded at all: their output has no `grad_fn`, so a loss made from them
# alone has no history and `backward()` raises. Others are recorded, and their derivative is 0
# almost everywhere, so every gradient before them is 0, silently:

# %%
ops = {"x.argmax()": torch.argmax, "x > 0": lambda t: t > 0, "x.long()": lambda t: t.long(),
       "x.round()": torch.round, "x.sign()": torch.sign, "x.floor()": torch.floor}
table = {}
for name, op in ops.items():
    x = torch.tensor([0.4, 1.6, -2.3], requires_grad=True)
    out = op(x)
    try:
        out.float().sum().backward()
        table[name] = (type(out.grad_fn).__name__, f"x.grad = {x.grad.tolist()}")
    except RuntimeError as error:
        table[name] = ("None", f"raises: {str(error).split(' and ')[0]}")
assert all(table[n][0] == "None" and table[n][1].startswith("raises") for n in list(ops)[:3])
assert all(table[n][1] == "x.grad = [0.0, 0.0, 0.0]" for n in list(ops)[3:])
Markdown("| op on `x` | `grad_fn` of its output | `out.float().sum().backward()` |\n|---|---|---|\n"
         + "\n".join(f"| `{name}` | `{g}` | {b} |" for name, (g, b) in table.items()))

# %% [markdown]
# ## The training loop, and where each failure bites
#
# | step | code | what goes wrong here | lesson |
# |---|---|---|---|
# | build | `model = Net()`, then `optimizer = SGD(model.parameters())` | plain tensors or a Python list of layers are not parameters; layers added later are not in the optimizer | [02](02_missing_requires_grad.ipynb), [09](09_training_loop.ipynb) |
# | 1 · zero | `optimizer.zero_grad()` | left out: gradients accumulate | [09](09_training_loop.ipynb) |
# | 2 · forward | `out = model(x)` | `no_grad`, `detach`, numpy or `.data` on the path cut it; in-place changes of saved tensors | [03](03_no_grad_block.ipynb), [04](04_detach_and_numpy.ipynb), [05](05_in_place.ipynb) |
# | 3 · loss | `loss = F.mse_loss(out, y)` | `argmax`/comparisons leave no history; `round` gives 0; `sqrt`/`where` give inf/nan | [08](08_silent_gradients.ipynb) |
# | 4 · backward | `loss.backward()` | a freed graph the second time; `.grad` read on a non-leaf | [06](06_double_backward.ipynb), [07](07_non_leaf_grad.ipynb) |
# | 5 · clip | `clip_grad_norm_(model.parameters(), 1.0)` | with AMP's `GradScaler`, clip only after `scaler.unscale_(optimizer)` | [09](09_training_loop.ipynb) |
# | 6 · step | `optimizer.step()` | updates only what it was given | [09](09_training_loop.ipynb) |
#
# Step 5, shown: before `unscale_` the gradients are still multiplied by the scaler's factor
# (65536 at the start), so a clip there sees a norm 65536 times too large:

# %%
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu")
scaler.scale(F.mse_loss(model(torch.ones(4, 2)), torch.zeros(4, 1))).backward()
scaled = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
scaler.unscale_(optimizer)
true = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
print("scale:", scaler.get_scale(), "| norm before unscale_ / after:", round((scaled / true).item()))
assert scaler.get_scale() == 65536.0 and round((scaled / true).item()) == 65536

# %% [markdown]
# ## Next
#
# [14 · What next](14_what_next.ipynb): where to go further, GPUs, and gradlab on your own
# project.
