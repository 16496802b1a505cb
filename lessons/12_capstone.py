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
def td_step():
    q_net, target_net = nn.Linear(3, 2), nn.Linear(3, 2)
    target_net.load_state_dict(q_net.state_dict())
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    q = q_net(x).max(1, keepdim=True).values
    next_q = target_net(x.roll(1, 0)).max(1, keepdim=True).values
    target = y + 0.9 * next_q.detach()
    loss = F.mse_loss(q, target)
    loss.backward()
    return locals()

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.1")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
def td_step():
    q_net, target_net = nn.Linear(3, 2), nn.Linear(3, 2)
    target_net.load_state_dict(q_net.state_dict())
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    q = q_net(x).max(1, keepdim=True).values
    next_q = target_net(x.roll(1, 0)).max(1, keepdim=True).values
    target = y + 0.9 * next_q.detach()
    loss = F.mse_loss(q, target)
    loss.backward()
    return locals()

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
def val_step():
    depth = nn.Linear(3, 1)
    optimizer = torch.optim.Adam(depth.parameters(), lr=1e-4)
    depth.eval()
    with torch.no_grad():
        losses = (torch.sigmoid(depth(x)) - y).abs().mean()
        # also learn from the validation batch
        optimizer.zero_grad()
        losses.backward()
    depth.train()
    return locals()

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.2")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
def val_step():
    depth = nn.Linear(3, 1)
    optimizer = torch.optim.Adam(depth.parameters(), lr=1e-4)
    depth.eval()
    with torch.no_grad():
        losses = (torch.sigmoid(depth(x)) - y).abs().mean()
        # also learn from the validation batch
        optimizer.zero_grad()
        losses.backward()
    depth.train()
    return locals()

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
class Perturb(nn.Module):
    def __init__(self):
        super().__init__()
        self.gen = nn.Linear(3, 3)
        self.clf = nn.Linear(3, 1).requires_grad_(False)  # the pretrained classifier

    def forward(self, x):
        delta = torch.tanh(self.gen(x))
        l_inf = delta.detach().abs().amax(1, keepdim=True)
        scale = (0.5 / l_inf).clamp(max=1.0)  # bound each row's largest entry by 0.5
        delta.data.mul_(scale)
        return self.clf(x + delta)

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.3")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
class Perturb(nn.Module):
    def __init__(self):
        super().__init__()
        self.gen = nn.Linear(3, 3)
        self.clf = nn.Linear(3, 1).requires_grad_(False)  # the pretrained classifier

    def forward(self, x):
        delta = torch.tanh(self.gen(x))
        l_inf = delta.detach().abs().amax(1, keepdim=True)
        scale = (0.5 / l_inf).clamp(max=1.0)  # bound each row's largest entry by 0.5
        delta.data.mul_(scale)
        return self.clf(x + delta)

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
def charbonnier_loss(x, y, eps=1e-3):
    diff = x.detach().cpu().numpy() - y.cpu().numpy()
    return np.mean(np.sqrt(diff * diff + eps * eps))


def restore_step():
    model = nn.Linear(3, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)
    optimizer.zero_grad()
    restored = model(x)
    loss = charbonnier_loss(restored, y)
    loss.backward()
    return locals()

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.4")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
def charbonnier_loss(x, y, eps=1e-3):
    diff = x.detach().cpu().numpy() - y.cpu().numpy()
    return np.mean(np.sqrt(diff * diff + eps * eps))


def restore_step():
    model = nn.Linear(3, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)
    optimizer.zero_grad()
    restored = model(x)
    loss = charbonnier_loss(restored, y)
    loss.backward()
    return locals()

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
class RNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(input_size=3, hidden_size=8, batch_first=True)
        self.out = nn.Linear(8, 1)

    def forward(self, x, h_state):
        r_out, h_state = self.rnn(x, h_state)
        return self.out(r_out), h_state


def train_rnn():
    rnn = RNN()
    h_state = None
    for chunk in range(2):  # one sequence in two chunks; the gradients add up
        xs, ys = x[None, 8 * chunk:8 * chunk + 8], y[None, 8 * chunk:8 * chunk + 8]
        prediction, h_state = rnn(xs, h_state)
        loss = F.mse_loss(prediction, ys)
        loss.backward()
    return locals()

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.5")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
class RNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(input_size=3, hidden_size=8, batch_first=True)
        self.out = nn.Linear(8, 1)

    def forward(self, x, h_state):
        r_out, h_state = self.rnn(x, h_state)
        return self.out(r_out), h_state


def train_rnn():
    rnn = RNN()
    h_state = None
    for chunk in range(2):  # one sequence in two chunks; the gradients add up
        xs, ys = x[None, 8 * chunk:8 * chunk + 8], y[None, 8 * chunk:8 * chunk + 8]
        prediction, h_state = rnn(xs, h_state)
        loss = F.mse_loss(prediction, ys)
        loss.backward()
    return locals()

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
options = {"n_layers": 2, "n_hid": 8, "act": "Tanh"}


class SNLINet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hids = []
        for _li in range(options["n_layers"]):
            self.hids.append([nn.Linear(options["n_hid"], options["n_hid"]),
                              getattr(nn, options["act"])()])
        self.classifier = nn.Linear(options["n_hid"], 1)

    def forward(self, x):
        for linear, act in self.hids:
            x = act(linear(x))
        return self.classifier(x)

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.6")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
options = {"n_layers": 2, "n_hid": 8, "act": "Tanh"}


class SNLINet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hids = []
        for _li in range(options["n_layers"]):
            self.hids.append([nn.Linear(options["n_hid"], options["n_hid"]),
                              getattr(nn, options["act"])()])
        self.classifier = nn.Linear(options["n_hid"], 1)

    def forward(self, x):
        for linear, act in self.hids:
            x = act(linear(x))
        return self.classifier(x)

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
class PreActBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 3)
        self.fc2 = nn.Linear(3, 3)
        self.relu = nn.ReLU(inplace=True)
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        identity = x
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        out = self.relu(out)
        out += identity
        return self.head(out)

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.7")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
class PreActBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 3)
        self.fc2 = nn.Linear(3, 3)
        self.relu = nn.ReLU(inplace=True)
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        identity = x
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        out = self.relu(out)
        out += identity
        return self.head(out)

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
def group_step():
    model = nn.Linear(3, 1)
    group = torch.arange(16) % 2  # each sample's group: 0, 1 or 2
    target = torch.tensor([0.5, -0.5, 0.0])  # each group's mean score
    score = model(x).squeeze(1)
    one_hot = F.one_hot(group, 3).float()
    total, count = score @ one_hot, one_hot.sum(0)
    group_mean = torch.where(count > 0, total / count, torch.zeros_like(total))
    loss = ((group_mean - target) ** 2).sum()
    loss.backward()
    return locals()

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.8")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
def group_step():
    model = nn.Linear(3, 1)
    group = torch.arange(16) % 2  # each sample's group: 0, 1 or 2
    target = torch.tensor([0.5, -0.5, 0.0])  # each group's mean score
    score = model(x).squeeze(1)
    one_hot = F.one_hot(group, 3).float()
    total, count = score @ one_hot, one_hot.sum(0)
    group_mean = torch.where(count > 0, total / count, torch.zeros_like(total))
    loss = ((group_mean - target) ** 2).sum()
    loss.backward()
    return locals()

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
def saliency_map():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5))
    img = x[:1].clone()
    inputs = img.requires_grad_()
    inputs = (inputs - 0.5) / 0.25  # normalise
    output = net(inputs)
    score = output[0, output[0].argmax()]
    score.backward()
    saliency = inputs.grad.abs()
    return locals()

# %%
# investigate here: gl.diagnose(...), gl.draw(...), gl.explain(...), gl.hint("12.9")

# %% [markdown]
# **Your fix.** Edit the script (or leave it as it is), run the cell, then grade it.

# %%
def saliency_map():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5))
    img = x[:1].clone()
    inputs = img.requires_grad_()
    inputs = (inputs - 0.5) / 0.25  # normalise
    output = net(inputs)
    score = output[0, output[0].argmax()]
    score.backward()
    saliency = inputs.grad.abs()
    return locals()

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
