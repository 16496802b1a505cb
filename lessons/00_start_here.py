# %% [markdown]
# # Start here · Why do PyTorch gradients go missing?
#
# A weight that never trains rarely raises an error. This course shows how gradients get lost.
#
# **On this page**
# - the course map and its core path;
# - reading a **gradlab** graph, flipping a broken ↔ fixed toggle;
# - predictions and hints; the first cell checks your install.
#
# *Prerequisites:* Python and a little PyTorch. *Time:* {time}.

# %%
import torch
from torch import nn

import gradlab as gl
from gradlab.install_check import report

gl.setup()
print(report(verbose=False))

# %% [markdown]
# ## The course map
#
# | lesson | time |
# |---|---|
# | [01 · How backward finds a weight](01_how_backward_works.ipynb) | {time:01} |
# | [02 · A weight without `requires_grad`](02_missing_requires_grad.ipynb) | {time:02} |
# | [03 · The `no_grad` block](03_no_grad_block.ipynb) | {time:03} |
# | [04 · `.detach()` and numpy](04_detach_and_numpy.ipynb) | {time:04} |
# | [05 · In-place changes](05_in_place.ipynb) | {time:05} |
# | [06 · Backward twice](06_double_backward.ipynb) | {time:06} |
# | [07 · `.grad` on a non-leaf](07_non_leaf_grad.ipynb) | {time:07} |
# | [08 · Silent gradients](08_silent_gradients.ipynb) | {time:08} |
# | [09 · The training loop](09_training_loop.ipynb) | {time:09} |
# | [10 · Debug your own model](10_debug_your_own.ipynb) | {time:10} |
# | [11 · Fact check](11_fact_check.ipynb) | {time:11} |
# | [12 · Capstone](12_capstone.ipynb) | {time:12} |
# | [13 · Cheat sheet](13_cheat_sheet.ipynb) | {time:13} |
# | [14 · What next](14_what_next.ipynb) | {time:14} |
#
# **The core path** is lessons 00 to 09 without their *Optional* parts: about {core_total}
# minutes, and it teaches every failure family. Lessons 10 to 14 come after it: debugging a
# script of your own, the fact check, the capstone's real bugs, the cheat sheet and what to read
# next. Teachers: the [instructor notes](instructor_notes.ipynb).

# %% [markdown]
# ## How to read a gradlab graph
#
# `gl.draw` draws the autograd graph: weights on top, the loss (green) below. `torch.no_grad()`
# severs the hidden layer: a red edge, its cause and line under the picture.

# %%
def one_cut():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    with torch.no_grad():
        hidden = model[1](model[0](x))
    loss = (model[2](hidden) - y).pow(2).mean()
    loss.backward()
    return locals()


gl.draw(one_cut)

# %% tags=["remove-cell"]
_summary = gl.draw(one_cut).summary()
assert "1 severed edge" in _summary and "no_grad at line 5" in _summary, _summary
assert "model.0.weight: gets no gradient" in _summary

# %% [markdown]
# ## Predict, then flip
#
# Pick an answer and check it. Then click **fixed**: graph and code (▶ marks changed lines)
# are redone.

# %%
gl.predict("Without the no_grad block, which layers' weights get a .grad?",
           ["only model.2, as now", "model.0 and model.2", "none"], "model.0 and model.2",
           why="Every op is then recorded, so backward reaches model.0 too (model.1, a ReLU, "
               "has no weights).")

# %%
def no_cut():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    loss = (model(x) - y).pow(2).mean()
    loss.backward()
    return locals()


toggle = gl.compare(one_cut, no_cut, title="no_grad around the hidden layer")
toggle

# %% tags=["remove-cell"]
assert toggle.show("fixed").kinds == [] and toggle.show("broken").kinds == ["no_grad"]
_scope = one_cut()
assert _scope["model"][0].weight.grad is None and _scope["model"][2].weight.grad is not None
_scope = no_cut()
assert all(p.grad is not None for p in _scope["model"].parameters())

# %% [markdown]
# Stuck in an exercise? `gl.hint("NN")`, then `gl.solution("NN")`.
#
# ## Optional · Which lesson do I need?
#
# `gl.explain` turns an autograd error or warning this course teaches into plain words and names
# the lesson that teaches it: the distributed-training (DDP) error and the checkpoint warning
# below belong to lesson 09. A message the course does not teach, such as a shape mismatch,
# gives `None`: search its text in the PyTorch documentation and forums.

# %%
for message in [
    "element 0 of tensors does not require grad and does not have a grad_fn",
    "one of the variables needed for gradient computation has been modified by an inplace operation",
    "Expected to have finished reduction in the prior iteration before starting a new one.",
    "None of the inputs have requires_grad=True. Gradients will be None",
    "mat1 and mat2 shapes cannot be multiplied (8x3 and 4x1)",
]:
    found = gl.explain(message)
    print(f"{message[:45]:<47} → " + (f"lesson {found.lesson}" if found else "None"))

# %% tags=["remove-cell"]
_lessons = {message[:20]: getattr(gl.explain(message), "lesson", None) for message in [
    "element 0 of tensors does not require grad and does not have a grad_fn",
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation",
    "Expected to have finished reduction in the prior iteration before starting a new one.",
    "None of the inputs have requires_grad=True. Gradients will be None",
    "mat1 and mat2 shapes cannot be multiplied (8x3 and 4x1)"]}
assert list(_lessons.values()) == ["02_missing_requires_grad", "05_in_place", "09_training_loop",
                                   "09_training_loop", None], _lessons

# %% [markdown]
# No error at all, just a `None` gradient? Put `%%gradlab` on top of a cell (after
# `%load_ext gradlab`): it runs the cell, draws its loss's graph and lists the findings.
# Lesson 10 does this on a training script you did not write.

# %% [markdown]
# ## Optional · torchviz leaves out what was cut
#
# Many PyTorch users draw graphs with [torchviz](https://github.com/szagoruyko/pytorchviz).
# `make_dot` draws what autograd recorded, walking back from the loss, so the first layer of
# `one_cut` is simply absent: nothing says a gradient was lost. gradlab draws it, with the cut.

# %%
from torchviz import make_dot

scope = one_cut()
picture = make_dot(scope["loss"], params=dict(scope["model"].named_parameters()))
for name, _ in scope["model"].named_parameters():
    print(f"{name:<10} in the torchviz picture: {name in picture.source}")

# %% tags=["remove-cell"]
assert "0.weight" not in picture.source and "2.weight" in picture.source

# %% [markdown]
# ## Optional · Words used in this course
#
# | word | means | taught in |
# |---|---|---|
# | **leaf** | a tensor autograd did not make: one you created, or an `nn.Parameter` (`t.is_leaf`). `backward()` fills `.grad` on leaves that require grad; a non-leaf gets a `.grad` only if you called `t.retain_grad()` on it | lessons 01, 07 |
# | **`grad_fn`** | the node recording the op that made a non-leaf, named after its backward (`MulBackward0` for `*`); a leaf's is `None`. The graph is these nodes, linked back to the leaves | lesson 01 |
# | **saved tensor** | a value an op keeps for its backward: `sigmoid` keeps its output | lessons 05, 06 |
# | **view** | a tensor that shares memory with another: a slice `t[:2]`, `t.t()`, `t.view(...)` | lesson 05 |
# | **severed edge** | gradlab's word: a value entered the loss with no gradient path back to where it came from | every lesson |

# %%
w = torch.randn(3, requires_grad=True)
s = w.sigmoid()
s.retain_grad()
s.sum().backward()
print("w: leaf", w.is_leaf, "| grad_fn", w.grad_fn, "| .grad filled", w.grad is not None)
print("s: leaf", s.is_leaf, "| grad_fn", type(s.grad_fn).__name__,
      "| .grad filled (retain_grad)", s.grad is not None)

# %% tags=["remove-cell"]
assert w.is_leaf and w.grad is not None and not s.is_leaf and s.grad is not None

# %% [markdown]
# ## Next
#
# [01 · How backward finds a weight](01_how_backward_works.ipynb).
