# %% [markdown]
# # Start here · Why do PyTorch gradients go missing?
#
# A weight that never trains rarely raises an error. Its `.grad` is `None`, or the loss simply
# stops falling. This course shows each common way a gradient gets lost between a weight and the
# loss, on small programs you run yourself, and how to *see* the cut with **gradlab**.
#
# ## The course
#
# | lesson | you meet it as |
# |---|---|
# | [01 · The weight that never asked for a gradient](01_missing_requires_grad.ipynb) | `.grad` is `None` on your own weights; `optimizer got an empty parameter list` |
# | [02 · The `no_grad` block](02_no_grad_block.ipynb) | some layers never learn; `Inference tensors cannot be saved for backward` |
# | [03 · `.detach()` and the numpy round-trip](03_detach_and_numpy.ipynb) | `Can't call numpy() on Tensor that requires grad` |
# | [04 · In-place changes](04_in_place.ipynb) | `modified by an inplace operation` |
# | [05 · Backward twice](05_double_backward.ipynb) | `Trying to backward through the graph a second time` |
# | [06 · `.grad` on a non-leaf](06_non_leaf_grad.ipynb) | `The .grad attribute of a Tensor that is not a leaf Tensor is being accessed` |
# | [07 · Debug your own model](07_debug_your_own.ipynb) | a loss that does not move, several causes at once |
# | [08 · Fact check](08_fact_check.ipynb) | something you read about gradients that does not match what you see |
#
# Lessons 01–06 have the same shape: the symptom, the smallest broken program, its graph, a
# broken ↔ fixed toggle, why it happens, a realistic variant, an exercise with feedback, a recap.

# %%
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()

# %% [markdown]
# ## How to read a gradlab graph
#
# Below, a small network computes its hidden layer inside `torch.no_grad()`. `gl.draw` runs the
# function, watches the forward pass and draws the autograd graph, read from the top (the
# weights) down to the loss (green):

# %%
def one_cut():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    with torch.no_grad():
        hidden = model[1](model[0](x))
    loss = F.mse_loss(model[2](hidden), y)
    loss.backward()
    return locals()


gl.draw(one_cut)

# %% [markdown]
# The legend on the right of every picture uses these words:

# %%
for kind, words in gl.LEGEND:
    print(f"{kind:<13} {words}")

# %% [markdown]
# Under the picture, the same story as text: one line per severed edge, naming the parameters
# behind the cut, where their values re-entered, the cause and the line. The gradient table says
# what `backward()` left in each `.grad`:

# %%
report = gl.diagnose(one_cut)
for row in report.grads:
    print(row)

# %% [markdown]
# ## How to use the toggle
#
# Each lesson puts a broken and a fixed program side by side. Click **fixed** and everything
# below the buttons is recomputed from scratch for that program: the graph, the findings, the
# gradient table and the code, where ▶ marks the lines that differ. **rerun** runs the shown
# program again.

# %% tags=["nbval-ignore-output"]
def no_cut():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    hidden = model[1](model[0](x))
    loss = F.mse_loss(model[2](hidden), y)
    loss.backward()
    return locals()


toggle = gl.compare(one_cut, no_cut, title="no_grad around the hidden layer")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").kinds == ["no_grad"]
assert toggle.show("fixed").kinds == []
_ = toggle.show("broken")

# %% [markdown]
# **Projecting in a classroom?** `big=True` makes the type large, puts the graph at full width and
# folds the code away (click *code* to open it):

# %% tags=["nbval-ignore-output"]
gl.compare(one_cut, no_cut, title="no_grad around the hidden layer", big=True)

# %% [markdown]
# ## Which lesson do I need?
#
# `gl.explain` turns any autograd error or warning into plain words and names the lesson. Paste
# the message you got:

# %%
for message in [
    "element 0 of tensors does not require grad and does not have a grad_fn",
    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
    "one of the variables needed for gradient computation has been modified by an inplace operation",
    "Trying to backward through the graph a second time",
    "Inference tensors cannot be saved for backward.",
]:
    found = gl.explain(message)
    print(f"{message[:45]:<47} → lesson {found.lesson}" if found else message)

# %% [markdown]
# No error at all, just a `None` gradient or a loss that does not move? Run your training step
# through `gl.diagnose(step)` (a function that returns `locals()`), or put `%%gradlab` on top of
# the cell after `%load_ext gradlab`:

# %%
%load_ext gradlab

# %%
%%gradlab
model = nn.Linear(3, 1)
w_extra = torch.randn(3, 1)
x, y = torch.randn(8, 3), torch.randn(8, 1)
loss = F.mse_loss(model(x) + x @ w_extra, y)

# %% [markdown]
# ## Is everything installed?
#
# This cell checks torch, Graphviz's `dot` program (for the pictures), the widget frontend (for
# the toggles) and gradlab, and says in words what is missing.

# %%
from gradlab.install_check import report as install_report

print(install_report(verbose=False))

# %% [markdown]
# ## Next
#
# [Lesson 01 · The weight that never asked for a gradient](01_missing_requires_grad.ipynb).
