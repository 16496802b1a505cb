# %% [markdown]
# # Instructor notes · the course in 50 minutes
#
# **For whoever teaches it**
# - a 50-minute plan on the core path: which sections to show, which toggles to flip, which
#   predictions to put to the room;
# - the questions students usually ask, with answers checked below;
# - what to do when Binder is slow.
#
# *Time to read:* {time}. Students follow the whole course on their own afterwards.

# %%
import torch
from torch import nn

import gradlab as gl

gl.setup()

# %% [markdown]
# ## Before the class
#
# - **Large type.** In each notebook you project, run the first cell, then
#   `gl.classroom(True)`: large type for every toggle, graph and report after it (the
#   classroom switch; where your copy of gradlab does not have it yet, pass `big=True` to
#   `gl.compare`). Zoom the browser to fit 1280 px.
# - **Run each notebook once** before the class (*Run All*), so the outputs are there even if
#   the kernel is slow to start in the room.
# - **A fallback.** Build the static site (`make site`, then open `site/index.html`): every
#   lesson with its outputs, and both sides of each toggle, readable with no kernel and no
#   network. Keep it open in a second tab.
#
# ## The plan (50 minutes)
#
# | min | lesson · section | show | ask the room first |
# |---|---|---|---|
# | 0-5 | [00](00_start_here.ipynb) · *How to read a gradlab graph*, *How to use the toggle* | the graph of `one_cut`; flip the toggle once | "Which layer's weight will get no gradient?" |
# | 5-13 | [02](02_missing_requires_grad.ipynb) · *The symptom*, *Flip it* | flip broken ↔ fixed; point at the ▶ line | "After `backward()`, is `w.grad` `None`, zeros, or a tensor?" |
# | 13-21 | [03](03_no_grad_block.ipynb) · *The symptom*, *Flip it*, the `model.eval()` paragraph of *Why* | the toggle; the `eval()` cell | "Does `model.eval()` stop gradients?" |
# | 21-28 | [05](05_in_place.ipynb) · *The symptom*, *Flip it* | the error, then the toggle | "`ReLU(inplace=True)` after `Sigmoid`: error or not? After `Linear`?" |
# | 28-34 | [08](08_silent_gradients.ipynb) · *The symptom*, *Flip it* | the loss that does not move; the toggle | "`round` in the loss: does backward raise, give zeros, or give `nan`?" |
# | 34-46 | [10](10_debug_your_own.ipynb) · *The symptom*, *Ask gradlab*, *Fix them one at a time* | `%%gradlab` live, one finding at a time | "How many bugs are in `Net`?" (before *Ask gradlab*) |
# | 46-50 | [13](13_cheat_sheet.ipynb) · the grad-mode table | the table, then the exit questions below | |
#
# Skip everything else in class: the *In the wild*, *Your turn* and *Recap* sections are for
# students on their own, and so are lessons 01, 04, 06, 07, 09, 11, 12 and 14.
#
# **Exit questions** (answers: lesson 09, lesson 07, the cheat sheet's grad-mode table):
# 1. A weight's `.grad` is `None` right after `optimizer.zero_grad()`. Is that a bug?
# 2. `y = w * 2`; why is `y.grad` `None` after `y.sum().backward()`?
# 3. Which of `no_grad`, `.detach()`, `.data` hides an in-place change from autograd?

# %% [markdown]
# ## Questions students usually ask
#
# **"Does `model.eval()` turn gradients off?"** No: it changes how dropout and batch norm behave.
# The output still requires grad; `torch.no_grad()` is what switches recording off:

# %%
net = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1))
net.eval()
out = net(torch.randn(2, 3))
print("after model.eval(): output requires grad:", out.requires_grad)
with torch.no_grad():
    quiet = net(torch.randn(2, 3))
print("under torch.no_grad():  output requires grad:", quiet.requires_grad)
assert out.requires_grad and not quiet.requires_grad

# %% [markdown]
# **"Why is `.grad` `None` and not zero?"** `None` means no gradient reached the tensor (or it was
# never a leaf that requires grad); zero means one did and it was zero. `zero_grad()` now sets
# `None` too, so read gradients after `backward()`:

# %%
w = nn.Parameter(torch.ones(2))
print("before backward:", w.grad)
(w * 0).sum().backward()
print("after backward of w * 0:", w.grad)
assert w.grad.tolist() == [0.0, 0.0]
torch.optim.SGD([w], lr=0.1).zero_grad()
print("after zero_grad():", w.grad)
assert w.grad is None

# %% [markdown]
# **"`.detach()` or `.data`?"** `.detach()`: both share memory, but only `.detach()` lets
# autograd see an in-place change (the cheat sheet's table computes it).
#
# **"Does this happen on a GPU?"** The same way; lesson [14](14_what_next.ipynb) adds the two
# GPU-only traps (device mismatch, `.cuda()` on a parameter).
#
# **"How do I check my own model?"** `python -m gradlab check train.py`, or `%%gradlab` on a
# cell: lessons [10](10_debug_your_own.ipynb) and [14](14_what_next.ipynb).
#
# ## When Binder is slow
#
# A Binder start can take minutes, and Binder stops a server left idle (students lose edits
# they did not download). In the room:
# - show the **static site** (`make site`) from your own machine: every output is there;
# - students who want to run along: Colab opens a notebook from GitHub (*File → Open notebook →
#   GitHub*); the notebooks then need gradlab installed there (`pip install` from the repository);
# - or run locally: `make lab` (see the README).
#
# ## Next
#
# [Start here](00_start_here.ipynb): the course map, in the order students take it.
