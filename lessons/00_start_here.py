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
# | [02 · The weight that never asked for a gradient](02_missing_requires_grad.ipynb) | `.grad` is `None` on your own weights; `optimizer got an empty parameter list` |
# | [03 · The `no_grad` block](03_no_grad_block.ipynb) | some layers never learn; `Inference tensors cannot be saved for backward` |
# | [04 · `.detach()` and the numpy round-trip](04_detach_and_numpy.ipynb) | `Can't call numpy() on Tensor that requires grad` |
# | [05 · In-place changes](05_in_place.ipynb) | `modified by an inplace operation` |
# | [06 · Backward twice](06_double_backward.ipynb) | `Trying to backward through the graph a second time` |
# | [07 · `.grad` on a non-leaf](07_non_leaf_grad.ipynb) | `The .grad attribute of a Tensor that is not a leaf Tensor is being accessed` |
# | [10 · Debug your own model](10_debug_your_own.ipynb) | a loss that does not move, several causes at once |
# | [11 · Fact check](11_fact_check.ipynb) | something you read about gradients that does not match what you see |
# | [08 · Silent gradients](08_silent_gradients.ipynb) | the loss does not move, `.grad` all zero or `nan`, no error at all |
# | [09 · The training loop](09_training_loop.ipynb) | `.grad` is `None` after `zero_grad()`; `Expected to have finished reduction in the prior iteration` |
#
# Lessons 02–06, 09 and 10 have the same shape: the symptom, the smallest broken program, its
# graph, a broken ↔ fixed toggle, why it happens, a realistic variant, an exercise with feedback,
# a recap.

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
# weights) down to the loss (green). New words (leaf, `grad_fn`, saved tensor, version counter,
# view) are explained under [Words used in this course](#Words-used-in-this-course) below.

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
# ## The same program in torchviz
#
# Many PyTorch users draw graphs with [torchviz](https://github.com/szagoruyko/pytorchviz).
# `make_dot` draws exactly what autograd recorded, walking back from the loss:

# %%
from IPython.display import SVG
from torchviz import make_dot

scope = one_cut()
picture = make_dot(scope["loss"], params=dict(scope["model"].named_parameters()))
SVG(picture.pipe(format="svg"))

# %% [markdown]
# The difference in one line: **torchviz leaves out what was cut, gradlab draws it.** The first
# layer is simply absent from the torchviz picture, with nothing to say a gradient was lost; the
# gradlab graph above draws its weight and bias with the severed edge, its cause and its line.

# %%
for name, _ in scope["model"].named_parameters():
    print(f"{name:<10} in the torchviz picture: {name in picture.source}")

# %% [markdown]
# ## How to use the toggle
#
# Each lesson puts a broken and a fixed program side by side. Click **fixed** and everything
# below the buttons is recomputed from scratch for that program: the graph, the findings, the
# gradient table and the code, where ▶ marks the lines that differ. **rerun** runs the shown
# program again.

# %%
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

# %%
gl.compare(one_cut, no_cut, title="no_grad around the hidden layer", big=True)

# %% [markdown]
# ## Which lesson do I need?
#
# `gl.explain` knows the autograd errors and warnings this course teaches (the ones in the table
# above, and the others each lesson shows): it turns one into plain words and names the lesson.
# Any other message gives `None`, as the last one below (an error of distributed training, run
# for real in lesson 09): search its text in the PyTorch documentation and forums. Paste the
# message you got:

# %%
for message in [
    "element 0 of tensors does not require grad and does not have a grad_fn",
    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
    "one of the variables needed for gradient computation has been modified by an inplace operation",
    "Trying to backward through the graph a second time",
    "Inference tensors cannot be saved for backward.",
    "Expected to have finished reduction in the prior iteration before starting a new one.",
]:
    found = gl.explain(message)
    print(f"{message[:45]:<47} → " + (f"lesson {found.lesson}" if found else "None: not known"))

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
# ## Words used in this course
#
# | word | means | shown in |
# |---|---|---|
# | **leaf** | a tensor autograd did not make: one you created, or an `nn.Parameter`. `t.is_leaf` says so; `backward()` fills `.grad` on leaves that require grad, and only on them. A tensor with `requires_grad=False`, and any result of an op under `no_grad`, is a leaf too | lesson 07 |
# | **`grad_fn`** | the backward op that made a non-leaf (`MulBackward0` for `*`); a leaf has `grad_fn` `None`. The graph is these ops, linked back to the leaves | lessons 03, 07 |
# | **saved tensor** | a value an op keeps for its backward: sigmoid keeps its output `s` to compute `s * (1 - s)`. Backward frees them (lesson 06) | lessons 05, 06 |
# | **version counter** | `t._version`, a count every in-place change of `t` increments. Each saved tensor remembers its version; backward refuses if it changed | lesson 05 |
# | **view** | a tensor that shares memory (and the version counter) with its base tensor: a slice `t[:2]`, `t.t()`, `t.view(...)`. (`t.detach()` shares both too, without history) | lessons 04, 05 |
# | **`AsStrided`** | the name torch gives in an error to a saved view it recreated from sizes and strides (`torch.as_strided`), such as the `weight.t()` that `nn.Linear` saves | lesson 05 |
# | **severed edge** | gradlab's word: a value entered the loss with no gradient path back to where it came from | every lesson |
#
# Each, in one cell:

# %%
w = torch.randn(3, requires_grad=True)
s = w.sigmoid()
print("leaf:      w.is_leaf =", w.is_leaf, "| w.grad_fn =", w.grad_fn)
print("grad_fn:   s.is_leaf =", s.is_leaf, "| s.grad_fn =", type(s.grad_fn).__name__)
print("saved:     SigmoidBackward0 kept s:", torch.equal(s.grad_fn._saved_result, s))
view = s[:2]
print("view:      shares s's memory:", view.data_ptr() == s.data_ptr(), "| base is s:",
      view._base is s)
print("version:   s._version =", s._version, end=" → ")
view.mul_(2)
print(s._version, "after view.mul_(2)")
layer, inputs = nn.Linear(3, 1), torch.randn(2, 3, requires_grad=True)
out = layer(inputs)
with torch.no_grad():
    layer.weight.mul_(2)                      # changes the weight.t() that Linear saved
with gl.shows_error(RuntimeError):
    out.sum().backward()

# %% [markdown]
# The last line is how this course shows an intended error: `with gl.shows_error():` prints the
# exception's type, its exact message and gradlab's explanation, and the notebook goes on (so
# *Run All* reaches the end in every Jupyter frontend). If the block raised nothing, the cell
# fails.

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
# [Lesson 02 · The weight that never asked for a gradient](02_missing_requires_grad.ipynb).
