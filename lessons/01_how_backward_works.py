# %% [markdown]
# # Lesson 01 · How backward finds a weight
#
# **What you will learn**
# - how `loss.backward()` computes a weight's gradient: the chain rule, local derivatives
#   multiplied along the path from the loss back to the weight;
# - that the graph it walks is recorded during the forward pass, rebuilt on every forward, and
#   reaches the weights through `grad_fn` nodes;
# - that `.grad` adds up over `backward()` calls, and how to check a gradient with numbers alone.
#
# *Prerequisites:* basic Python, and one small model you trained before (you have called
# `loss.backward()` and `optimizer.step()`). *Time:* {time}. You can skip
# the parts marked **Optional**: every later lesson builds on the rest.

# %%
import torch

import gradlab as gl

gl.setup()

# %% [markdown]
# ## Predict
#
# A whole model in three lines: a weight `w` and a bias `b` that ask for gradients
# (`requires_grad=True`), an input `x` and a target `t` that are plain data.

# %%
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(-1.0, requires_grad=True)
x = torch.tensor(3.0)
t = torch.tensor(1.0)

y = w * x + b        # 2 * 3 - 1 = 5
z = y.relu()         # 5 (relu keeps positive numbers, turns negative ones into 0)
loss = (z - t) ** 2  # (5 - 1) ** 2 = 16
loss

# %% [markdown]
# Nothing has called `backward()` yet. Commit to an answer:

# %%
gl.predict(
    "After loss.backward(), what is w.grad?",
    ["None: w is a plain tensor, not a layer's weight",
     "3.0: the derivative of w * x with respect to w is x", "16.0: the value of the loss", "24.0"],
    answer="24.0",
    why="backward multiplies the local derivative of every step on the path from the loss back "
        "to w: 2 · (z − t) = 8 from the square, 1 from relu (y is positive), x = 3 from w * x; "
        "8 · 1 · 3 = 24. The answer 3.0 stops at the first step. w asked for a gradient "
        "(requires_grad=True), so it gets one without being part of a model.")

# %% [markdown]
# ## By hand: the chain rule
#
# Each line above is a small step with a simple derivative, its **local derivative**: how much
# the step's output moves when its input moves a little.
#
# | step | local derivative | here |
# |---|---|---|
# | `loss = (z - t) ** 2` | ∂loss/∂z = 2 · (z − t) | 2 · (5 − 1) = 8 |
# | `z = y.relu()` | ∂z/∂y = 1 if y > 0, else 0 | 1 |
# | `y = w * x + b` | ∂y/∂w = x, ∂y/∂b = 1 | 3 and 1 |
#
# The **chain rule**: the derivative of the loss with respect to `w` is the product of the local
# derivatives along the path from the loss back to `w`.

# %%
dloss_dz = 2 * (z.item() - t.item())
dz_dy = 1.0 if y.item() > 0 else 0.0
dy_dw, dy_db = x.item(), 1.0

by_hand = {"w": dloss_dz * dz_dy * dy_dw, "b": dloss_dz * dz_dy * dy_db}
by_hand

# %% [markdown]
# ## By autograd
#
# Now let PyTorch do it:

# %%
loss.backward()
print("w.grad:", w.grad)
print("b.grad:", b.grad)
print("x.grad:", x.grad)

# %% tags=["remove-cell"]
assert (w.grad.item(), b.grad.item()) == (by_hand["w"], by_hand["b"]) == (24.0, 8.0)
assert x.grad is None

# %% [markdown]
# The same numbers: `backward()` did what you just did by hand. `x.grad` is `None` because `x`
# never asked for a gradient (`requires_grad=False`); [lesson 02](02_missing_requires_grad.ipynb)
# is about weights that never asked.

# %% [markdown]
# ## The graph backward walked
#
# How did `backward()` know the path? While the forward ran, every operation on a tensor that
# requires grad recorded itself. PyTorch's words for it:
#
# - **`requires_grad`**: this tensor asks for gradients; results computed from it ask too.
# - **`grad_fn`**: the node that recorded the operation that made a result, named after its
#   backward (`MulBackward0` for `*`). Tensors you created yourself have none.
# - **`is_leaf`**: not computed from tensors that require grad. `backward()` fills `.grad` only
#   on leaves that require grad ([lesson 07](07_non_leaf_grad.ipynb) asks for the others).

# %%
for name, v in {"w": w, "b": b, "x": x, "y": y, "z": z, "loss": loss}.items():
    made_by = type(v.grad_fn).__name__ if v.grad_fn is not None else None
    print(f"{name:>4}: requires_grad={v.requires_grad!s:5}  is_leaf={v.is_leaf!s:5}  "
          f"grad_fn={made_by}")

# %% [markdown]
# Each `grad_fn` lists the nodes of its inputs in `next_functions`. Following them from the loss
# walks the whole graph:

# %%
def walk(node, depth=0):
    """Print a grad_fn node and, indented under it, the nodes it passes gradients to."""
    if node is None:
        print("    " * depth + "None  (an input that asked for no gradient)")
        return
    print("    " * depth + type(node).__name__)
    for child, _ in node.next_functions:
        walk(child, depth + 1)


walk(loss.grad_fn)

# %% [markdown]
# The walk ends in an **`AccumulateGrad`** node for each leaf that asked for a gradient (`w` and
# `b`): that is where backward writes into `.grad`. The inputs that did not ask (`x`, `t`) end in
# `None`, and backward does not go there.

# %% [markdown]
# ## The picture
#
# `gl.draw` draws the same graph, from the leaves (top, blue) down to the loss (bottom, green);
# the arrows point the way the forward went, each box named after its `grad_fn`. With
# `values=True`, each box also shows the value it produced and, after `backward()`, the gradient
# that flowed through it: follow it up from the loss and you meet the numbers of your table.

# %%
def three_lines():
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(-1.0, requires_grad=True)
    y = w * x + b
    z = y.relu()
    loss = (z - t) ** 2
    loss.backward()
    return locals()


gl.draw(three_lines, values=True)

# %% [markdown]
# ## A new graph on every forward
#
# The graph is not stored in `w`, `b` or a model. It is recorded each time the forward code runs,
# so two forwards give two graphs, even with the same numbers:

# %%
def lesson_loss(w, b):
    """The three lines as a function: each call runs the forward again."""
    return ((w * x + b).relu() - t) ** 2


loss1, loss2 = lesson_loss(w, b), lesson_loss(w, b)
print("same value:      ", loss1.item() == loss2.item())
print("same kind of node:", type(loss1.grad_fn) is type(loss2.grad_fn))
print("same grad_fn:    ", loss1.grad_fn is loss2.grad_fn)

# %% [markdown]
# ### Optional · Python decides the graph's shape
#
# The graph is whatever ran: with an `if` that skips the relu, that forward's graph has no
# `ReluBackward0`.

# %%
def maybe_relu(use_relu):
    y = w * x + b
    z = y.relu() if use_relu else y
    return (z - t) ** 2


walk(maybe_relu(use_relu=False).grad_fn)

# %% tags=["remove-cell"]
def _names(node):
    return [type(node).__name__, *(n for c, _ in node.next_functions if c for n in _names(c))]


assert "ReluBackward0" not in _names(maybe_relu(False).grad_fn)
assert "ReluBackward0" in _names(maybe_relu(True).grad_fn)

# %% [markdown]
# ## `.grad` adds up
#
# Start from `w.grad = None` and run forward and backward twice, without resetting anything in
# between.

# %%
gl.predict(
    "After two rounds of lesson_loss(w, b).backward(), what is w.grad?",
    ["24.0: the second backward overwrites the first",
     "48.0: the second backward adds to the first",
     "an error: backward was already called once"],
    answer="48.0: the second backward adds to the first",
    why="AccumulateGrad adds the new gradient to what .grad already holds. Each round runs its "
        "own forward and so walks its own new graph: nothing is walked twice.",
)

# %%
w.grad = None
b.grad = None
for round_ in (1, 2):
    lesson_loss(w, b).backward()
    print(f"after backward {round_}: w.grad = {w.grad.item()}, b.grad = {b.grad.item()}")

# %% tags=["remove-cell"]
assert (w.grad.item(), b.grad.item()) == (48.0, 16.0)

# %% [markdown]
# Adding up is on purpose: it sums the gradients of several small batches before one update. So
# a training loop clears `.grad` before each step, with `optimizer.zero_grad()`
# ([lesson 09](09_training_loop.ipynb) shows what happens without it).

# %% [markdown]
# ## Check a gradient with numbers alone
#
# A derivative is a slope: nudge `w` by a small `h` up and down and see how much the loss moves.
# This **central finite difference**, (loss(w + h) − loss(w − h)) / 2h, needs no graph at all,
# so it is an independent check of `.grad`. It runs in float64 (see the Optional part for why).

# %%
w64, b64 = torch.tensor(2.0, dtype=torch.float64), torch.tensor(-1.0, dtype=torch.float64)
h = 1e-4
slope_w = (lesson_loss(w64 + h, b64) - lesson_loss(w64 - h, b64)) / (2 * h)
slope_b = (lesson_loss(w64, b64 + h) - lesson_loss(w64, b64 - h)) / (2 * h)

w.grad = b.grad = None
lesson_loss(w, b).backward()
print(f"w: finite difference {slope_w.item():.6f}, autograd {w.grad.item()}")
print(f"b: finite difference {slope_b.item():.6f}, autograd {b.grad.item()}")

# %% tags=["remove-cell"]
assert abs(slope_w.item() - w.grad.item()) < 1e-6 and abs(slope_b.item() - b.grad.item()) < 1e-6

# %% [markdown]
# ### Optional · `torch.autograd.gradcheck` and why float64
#
# `torch.autograd.gradcheck` does this check for you, for every input that requires grad and every
# output, and compares with autograd; `True` means they agree. It is the tool for testing a
# backward you wrote yourself (a custom
# `autograd.Function`, in [lesson 04](04_detach_and_numpy.ipynb)). Give it float64 inputs:

# %%
w64 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
b64 = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
torch.autograd.gradcheck(lesson_loss, (w64, b64))

# %% [markdown]
# Why float64: a finite difference subtracts two nearly equal losses and divides by a tiny `2h`.
# float32 keeps about 7 significant digits, and the subtraction loses most of them; a smaller `h`
# makes it worse, not better:

# %%
for dtype in (torch.float32, torch.float64):
    w_, b_ = torch.tensor(2.0, dtype=dtype), torch.tensor(-1.0, dtype=dtype)
    slopes = [(lesson_loss(w_ + h, b_) - lesson_loss(w_ - h, b_)).item() / (2 * h)
              for h in (1e-2, 1e-3, 1e-4)]
    print(f"{dtype}:", "  ".join(f"h={h:g}: {s:.6f}"
                                 for h, s in zip((1e-2, 1e-3, 1e-4), slopes, strict=True)))

# %% tags=["remove-cell"]
assert all(abs(s - 24) < 1e-6 for s in slopes)  # float64, every h
_w32, _b32 = torch.tensor(2.0), torch.tensor(-1.0)
_errors32 = [abs((lesson_loss(_w32 + h, _b32) - lesson_loss(_w32 - h, _b32)).item() / (2 * h) - 24)
             for h in (1e-2, 1e-3, 1e-4)]
assert _errors32 == sorted(_errors32) and _errors32[-1] > 0.01  # float32: smaller h, worse

# %% [markdown]
# ## Optional · Your turn
#
# A different function, with a `u` that is used twice:
#
# ```python
# u = torch.tensor(2.0, requires_grad=True)
# v = torch.tensor(-0.5, requires_grad=True)
# q = (u * v + u) ** 2
# ```
#
# Work out ∂q/∂u and ∂q/∂v by hand (a local-derivative table as above helps), write your two
# numbers below and run the check. Then, if you like, confirm them yourself with `backward()` and
# with a central finite difference.
#
# <details><summary>Hint</summary>
#
# `u` reaches `q` along two paths, through `u * v` and through `+ u`. The chain rule adds the
# products of the two paths (backward does the same).
#
# </details>

# %%
my_dq_du = None  # your number
my_dq_dv = None  # your number

# %% tags=["remove-cell"]
def _q(u, v):
    return (u * v + u) ** 2


_u = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
_v = torch.tensor(-0.5, dtype=torch.float64, requires_grad=True)
_q(_u, _v).backward()
with torch.no_grad():
    _slope_u = (_q(_u + 1e-4, _v) - _q(_u - 1e-4, _v)) / 2e-4
    _slope_v = (_q(_u, _v + 1e-4) - _q(_u, _v - 1e-4)) / 2e-4
assert abs(_slope_u - _u.grad) < 1e-6 and abs(_slope_v - _v.grad) < 1e-6
_expected = {"u": _u.grad.item(), "v": _v.grad.item()}

# %%
if my_dq_du is None or my_dq_dv is None:
    print("Write your two numbers in the cell above, run it, then run this cell again.")
else:
    assert abs(my_dq_du - _expected["u"]) < 1e-6, "∂q/∂u is not right yet: did you add both paths?"
    assert abs(my_dq_dv - _expected["v"]) < 1e-6, "∂q/∂v is not right yet: check your table"
    print("Both right: autograd and a central finite difference give the same numbers.")

# %% [markdown]
# ## Recap
#
# Three rules carry the rest of the course:
#
# 1. **Recorded during the forward.** Every operation on a tensor that requires grad adds a node,
#    the result's `grad_fn` (unless gradients are switched off, lesson 03); each forward records
#    a new graph.
# 2. **Backward walks it back.** From the loss along `next_functions`, multiplying local
#    derivatives (the chain rule), until it reaches the leaves.
# 3. **Leaves collect.** Only leaves that require grad get a `.grad`, through `AccumulateGrad`,
#    and it adds to what is there until you zero it.
#
# Each failure lesson breaks one: a weight that never asked (02, rule 3); a step not recorded
# or cut out (03, 04, rule 1); a saved value changed or freed (05, 06, rule 2); `.grad` read on
# a non-leaf (07, rule 3); a local derivative of 0 or `nan` (08, rule 2); `.grad` never zeroed
# (09, rule 3).
#
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. A training loop forgets `optimizer.zero_grad()`. What does `w.grad` hold at the third step,
#    and what does `optimizer.step()` do with it?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The sum of the three steps' gradients, each taken at the weights of its own step, because
# `AccumulateGrad` adds to `.grad`. `optimizer.step()` moves the weights by that sum: steps that
# grow and point partly in old directions, without any error. *`.grad` adds up* shows the sum
# after two backward calls; [lesson 09](09_training_loop.ipynb) shows what it does to training.
#
# </details>

# %% [markdown]
# 2. Change the bias to `b = torch.tensor(-10.0, requires_grad=True)` and keep everything else.
#    Predict `w.grad` after `backward()`, and explain it with the chain rule.

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `0.0`. Now y = 2 · 3 − 10 = −4, so relu outputs 0 and its local derivative is 0. The product
# along the path from the loss to `w` contains that 0, so `w.grad` is 0 (and so is `b.grad`),
# even though the loss is 1, not 0. No error, no `None`: a *silent* zero gradient, the dead ReLU
# of [lesson 08](08_silent_gradients.ipynb).
#
# </details>

# %% [markdown]
# 3. `x` is used in the loss, yet `x.grad` is `None`. Why? What would `x.grad` be with
#    `x = torch.tensor(3.0, requires_grad=True)`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `x` never asked for a gradient, so `MulBackward0` passes nothing towards it: the walk shows
# `None` in its place, and no `AccumulateGrad` node exists for it. With `requires_grad=True`,
# `x` becomes a leaf that collects: the path is the same as for `w` except the last local
# derivative, ∂y/∂x = w = 2, so `x.grad` = 8 · 1 · 2 = 16.
#
# </details>

# %% tags=["remove-cell"]
_w, _b = torch.tensor(2.0, requires_grad=True), torch.tensor(-10.0, requires_grad=True)
_loss = lesson_loss(_w, _b)
_loss.backward()
assert (_w.grad.item(), _b.grad.item(), _loss.item()) == (0.0, 0.0, 1.0)

# %% tags=["remove-cell"]
_x = torch.tensor(3.0, requires_grad=True)
(((torch.tensor(2.0) * _x + torch.tensor(-1.0)).relu() - t) ** 2).backward()
assert _x.grad.item() == 16.0

# %% [markdown]
# ## Next
#
# [Lesson 02 · The weight that never asked for a gradient](02_missing_requires_grad.ipynb): the
# first rule a real model breaks. Previous: [Start here](00_start_here.ipynb).
