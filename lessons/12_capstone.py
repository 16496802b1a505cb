# %% [markdown]
# # Lesson 12 · Capstone: nine scripts from real reports
#
# **What you will practise**
# - finding a lost, zero, NaN or wrong gradient in a script you did not write, from the user's
#   symptom alone: no lesson label tells you which failure it is;
# - choosing the tool that answers the question: the error's explanation, the graph, the
#   diagnosis over several steps;
# - telling a bug from a correct idiom that only looks like one, and leaving the idiom alone.
#
# *Prerequisites:* lessons [01](01_how_backward_works.ipynb) to
# [10](10_debug_your_own.ipynb). *Time:* {time}. The whole capstone is
# practice beyond the core path: every case stands alone, so stop and come back whenever you like.
#
# Each case is reduced from a public report (an issue or a forum thread): the model is made
# small, the user's mistake is kept. Some raise an error, some are silent, and at least one is
# correct as it is. The source is shown after each case, collapsed: open it once you have
# solved it.

# %%
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## Optional · Practice: nine real bugs
#
# ### How to work
#
# For each case: read the report, run the script's cell, then investigate in the empty cell
# below it. The tools you know:
#
# | tool | what it answers |
# |---|---|
# | `gl.diagnose(step)` | `step` is a function that returns `locals()`: where the gradient flow to the loss was cut, and why |
# | `gl.diagnose(step, steps=5)` | the same over five training steps, with a table of what did not move |
# | `%%gradlab` on top of a cell (after `%load_ext gradlab`) | the graph and the findings for the cell's `loss` |
# | `gl.draw(step)` | the graph, with the cut edges drawn and named |
# | `gl.explain("…error text…")` | what an autograd error or warning means |
# | `gl.hint("12.3")` | the next hint: 1 the symptom in words, 2 where, 3 the fix |
# | `gl.solution("12.3")` | the reference solution |
#
# A script defined as a class (`Perturb`, `SNLINet`, `PreActBlock`) is one training step of
# the model: `model = Perturb()`, `loss = F.mse_loss(model(x), y)`, `loss.backward()`. Plain
# `print`s of `.grad` and `torch.autograd.gradcheck` are fair tools too.
#
# Then edit the script in the *Your fix* cell and run the grading cell:
# `gl.grade("12.N", globals())` runs your version and the reference on the same data and says
# which part of the goal differs (never the fix: that is the last hint). The grading cells'
# outputs are not stored in this notebook, so that none tells you which case is correct as it
# is: run them yourself.

# %%
%load_ext gradlab
# %% [markdown]
# ### Case 12.1 · A DQN update
#
# **The report.** A question often asked about DQN code like the source's: *"After
# `loss.backward()`, `target_net.weight.grad` is `None` and `target_net` never changes. Is the
# `.detach()` on `next_q` a bug?"*
#
# **The goal.** `q_net` learns towards `target`, which the copy `target_net` computes; `q`,
# `target`, `loss` and every parameter's gradient are graded. If nothing is wrong, leave it as it
# is.

# %%
# %starter 12.1

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.1")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.1

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.1", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/philtabor/Deep-Q-Learning-Paper-To-Code/issues/16>.
#
# </details>

# %% [markdown]
# ### Case 12.2 · Learning from the validation batch
#
# **The report.** A user of a depth-estimation trainer added a backward to the validation step to
# also learn from that batch, and got:
#
# ```
# RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# ```
#
# **The goal.** `val_step` measures `losses` on `x`, `y` and, after `losses.backward()`, every
# parameter of `depth` holds the gradient of `losses` (the optimizer's step is left out so that
# the gradients can be compared).

# %%
# %starter 12.2

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.2")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.2

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.2", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/nianticlabs/monodepth2/issues/24>.
#
# </details>

# %% [markdown]
# ### Case 12.3 · A bounded adversarial perturbation
#
# **The report.** A user of a generative adversarial perturbation model: *"Nothing raises and the
# loss moves, but the generator learns worse than it should. When I compute the generator's
# gradient by hand, it does not match `.grad`."*
#
# **The goal.** `gen` makes a perturbation `delta`, scaled so that each row's largest entry is at
# most 0.5 (the bound is measured without gradient); the frozen classifier `clf` reads `x +
# delta`; `gen` gets the gradient of that computation, scaling included.

# %%
# %starter 12.3

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.3")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.3

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.3", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/OmidPoursaeed/Generative_Adversarial_Perturbations/issues/4>.
#
# </details>

# %% [markdown]
# ### Case 12.4 · A Charbonnier loss for image restoration
#
# **The report.** A user of an image-restoration model wrote their own loss and got:
#
# ```
# AttributeError: 'numpy.float32' object has no attribute 'backward'
# ```
#
# **The goal.** `restore_step` computes mean(sqrt((restored - y)² + eps²)), eps = 1e-3, as a
# tensor, and back-propagates it into `model`.

# %%
# %starter 12.4

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.4")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.4

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.4", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/swz30/MPRNet/issues/108>.
#
# </details>

# %% [markdown]
# ### Case 12.5 · An RNN over a long sequence
#
# **The report.** A student of a PyTorch tutorial trains an RNN on a sequence cut into chunks and
# carries the hidden state from one chunk to the next. The second chunk fails:
#
# ```
# RuntimeError: Trying to backward through the graph a second time
# ```
#
# **The goal.** the hidden state's value carries over from the first chunk to the second; each
# chunk's loss back-propagates through its own chunk only, and the two gradients add up in
# `.grad`.

# %%
# %starter 12.5

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.5")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.5

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.5", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/MorvanZhou/PyTorch-Tutorial/issues/57>.
#
# </details>

# %% [markdown]
# ### Case 12.6 · A configurable classifier
#
# **The report.** A user builds the hidden layers from an options dict: *"Only the classifier
# trains. The hidden layers stay at their initial weights. No error anywhere."*
#
# **The goal.** `SNLINet` trains its two hidden layers (names `hids.0.0`, `hids.1.0`) and its
# `classifier`; the grader feeds it 16 × 8 inputs.

# %%
# %starter 12.6

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.6")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.6

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.6", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/pytorch/pytorch/issues/715>.
#
# </details>

# %% [markdown]
# ### Case 12.7 · A pre-activation residual block
#
# **The report.** A user wrote a residual block the way ResNet code does, and backward fails:
#
# ```
# RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation
# ```
#
# **The goal.** `PreActBlock` computes head(relu(fc2(relu(fc1(x)))) + x) and trains all of its
# layers.

# %%
# %starter 12.7

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.7")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.7

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.7", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/pytorch/vision/issues/807>.
#
# </details>

# %% [markdown]
# ### Case 12.8 · Per-group means
#
# **The report.** A user averages scores per group: *"The loss is a finite number, but every
# weight's gradient is `nan` as soon as one group has no sample in the batch. I already guard the
# division with `torch.where`!"*
#
# **The goal.** a group with no sample in the batch has mean 0; `group_mean`, `loss` and every
# parameter's gradient (finite numbers) are graded.

# %%
# %starter 12.8

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.8")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.8

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.8", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/pytorch/pytorch/issues/52248>.
#
# </details>

# %% [markdown]
# ### Case 12.9 · A saliency map
#
# **The report.** A user computes which input features a classifier's top score is most sensitive
# to:
#
# ```
# AttributeError: 'NoneType' object has no attribute 'abs'
# ```
#
# (in the original, `'NoneType' object has no attribute 'zero_'`)
#
# **The goal.** `saliency` is |d score / d inputs|, the gradient with respect to the *normalised*
# input `inputs`, a (1, 3) tensor.

# %%
# %starter 12.9

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.9")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
# %starter 12.9

# %% tags=["remove-output", "nbval-ignore-output"]
gl.grade("12.9", globals())

# %% [markdown]
# <details><summary>Source (open after solving)</summary>
#
# Reduced from <https://github.com/yizt/Grad-CAM.pytorch/issues/27>.
#
# </details>

# %% [markdown]
# ### Recap
#
# Look back over the nine cases before you open the answers.
#
# | when you see | think | first tool |
# |---|---|---|
# | an error that names autograd | read it: `gl.explain` says which failure it is | the traceback, `gl.explain` |
# | `.grad` is `None`, no error | the path from that tensor to the loss is cut, or the tensor is not a leaf | `gl.diagnose(step)`, `gl.draw(step)` |
# | a layer that never moves | is it in `model.parameters()`, and in the optimizer? | `gl.diagnose(step, steps=5)` |
# | `nan` in `.grad`, finite loss | a 0/0 or sqrt(0) somewhere, even in a branch `where` did not pick | print `.grad`, `gl.diagnose` |
# | a gradient that disagrees with the math | a change autograd did not see (`.data`) | a finite-difference check |
# | a gradient that is missing *on purpose* | a target, a teacher, a metric: leave it | the goal of the code |

# %% [markdown]
# **Questions**

# %% [markdown]
# 1. Three cases raised no error at all. Which, and what would have told their authors something
#    was wrong before a long training run?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# 12.3 (the perturbation scaled through `.data`: a wrong gradient), 12.6 (the hidden layers in
# a Python list: they never train) and 12.8 (the `torch.where` guard: NaN gradients). A
# finite-difference check of one gradient catches 12.3; `gl.diagnose(step, steps=5)` or
# comparing `model.parameters()` with the layers you meant catches 12.6; printing
# `.grad.isfinite().all()` after the first backward catches 12.8. gradlab names all three.
#
# </details>

# %% [markdown]
# 2. In 12.1 the target network gets no gradient, and in 12.6 the hidden layers get none either.
#    Why is the first correct and the second a bug?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Because of what the code is for. A target network is a frozen copy that gives the online
# network a fixed target for this step; sending the loss's gradient into it would make the target
# chase the prediction. The hidden layers of 12.6 are meant to learn: the loss depends on them,
# and a plain list hides them from `parameters()`. A missing gradient is a bug only if the goal
# asks for it.
#
# </details>

# %% [markdown]
# 3. In 12.5, what happens if you call `loss.backward(retain_graph=True)` instead of detaching
#    the hidden state? Predict, then check it in a cell.

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The error goes away, and the gradients are wrong: the second chunk's loss now back-propagates
# through the first chunk as well, so the first chunk's contribution is counted again and
# `.grad` differs from truncated back-propagation. (With an `optimizer.step()` between the two
# chunks it raises instead: the step changed the weights the first chunk's graph saved.) The
# grader says the RNN's weight gradients differ.
#
# </details>

# %% [markdown]
# 4. In 12.8, why does `torch.nan_to_num(total / count)` not help, while
#    `total / count.clamp(min=1)` does?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `nan_to_num` cleans the forward value only. In the backward, the division's gradient for an
# empty group is still (incoming gradient) / 0, and 0 / 0 is `nan`, which the sum into each weight
# spreads everywhere. Clamping `count` first means no division by 0 happens at all, forward or
# backward.
#
# </details>

# %% [markdown]
# ## Next
#
# [13 · Cheat sheet](13_cheat_sheet.ipynb): every failure of the course on one page, with its
# symptom, its cause and its fix.
