# %% [markdown]
# # Lesson 03 · The `no_grad` block
#
# **What you will learn**
# - how a `torch.no_grad()` block (or `@torch.no_grad()` on a method) cuts everything upstream of it;
# - what `torch.inference_mode()` adds, and why `model.eval()` does **not** turn gradients off;
# - when `no_grad` is exactly right: evaluation, target networks, weight updates.
#
# *Prerequisites:* [lesson 02](02_missing_requires_grad.ipynb). *Time:* about 15 minutes.

# %%
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## The symptom
#
# A two-layer network whose first layer was wrapped in `torch.no_grad()` (say, to "save memory").
# Backward runs without an error. Then:

# %%
class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        with torch.no_grad():
            h = torch.relu(self.fc1(x))
        return self.fc2(h)


model = TwoLayer()
F.mse_loss(model(x), y).backward()
print("fc1.weight.grad:", model.fc1.weight.grad)
print("fc2.weight.grad is None:", model.fc2.weight.grad is None)

# %% [markdown]
# `fc2` learns, `fc1` never will. No error says so.

# %% [markdown]
# ## The smallest broken program

# %%
def broken():
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


print(gl.diagnose(broken))

# %% [markdown]
# ## Look at the graph
#
# The dashed red edge runs from the box where `fc1`'s history was cut to `fc2`, labelled with the
# cause and the line; both `fc1` parameters are marked *gets no gradient*.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# The fix: compute the hidden layer outside the `no_grad` block.

# %%
class FixedTwoLayer(TwoLayer):
    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return self.fc2(h)


def fixed():
    model = FixedTwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


toggle = gl.compare(broken, fixed, title="no_grad inside forward")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").kinds == ["no_grad"]
assert toggle.result.grad_states()["fc1.weight"] == "None"
assert toggle.show("fixed").kinds == []
assert set(toggle.result.grad_states().values()) == {"norm"}
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# **Grad mode is a switch.** Inside `no_grad`, `torch.is_grad_enabled()` is `False` and an op does
# not record how its output was made, even when its inputs require grad. That record is the
# output's `grad_fn`: the backward op that links it to its inputs (`MulBackward0` for `*`).

# %%
w = torch.randn(3, requires_grad=True)
with torch.no_grad():
    print("grad mode inside:", torch.is_grad_enabled())
    h = w * 2
print("grad mode after: ", torch.is_grad_enabled())
print("h.requires_grad:", h.requires_grad, "| h.grad_fn:", h.grad_fn)

# %% [markdown]
# `h` has no `grad_fn`: for autograd it is a constant, like data. Everything computed from `h`
# later can still be differentiated, but only back to `h`, never to `w`.
#
# **When nothing else requires grad, backward fails.** If the whole forward runs under
# `no_grad`, the loss has no history at all, and `backward()` raises (it does not quietly leave
# `.grad` at `None`):

# %%
net = nn.Linear(3, 1)
with torch.no_grad():
    loss = F.mse_loss(net(x), y)
with gl.shows_error(RuntimeError):
    loss.backward()

# %% [markdown]
# **`@torch.no_grad()` on a method does the same, less visibly.** The decorator wraps the whole
# method in the block:

# %%
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 8)

    @torch.no_grad()
    def forward(self, x):
        return torch.relu(self.fc(x))


print("output requires grad:", Encoder()(x).requires_grad)

# %% [markdown]
# **`torch.inference_mode()` is a stricter `no_grad`.** Its tensors are marked as inference
# tensors, and autograd refuses to save them for a later backward. Feeding features computed in
# inference mode into a layer that trains raises as soon as that layer needs them:

# %%
backbone, head = nn.Linear(3, 8), nn.Linear(8, 1)
with torch.inference_mode():
    features = backbone(x)
print("features.is_inference():", features.is_inference())
with gl.shows_error(RuntimeError):
    loss = F.mse_loss(head(features), y)

# %% [markdown]
# **`model.eval()` does not turn gradients off.** It switches layers such as dropout and batch
# norm to their evaluation behaviour (dropout stops zeroing values, batch norm uses its running
# statistics instead of the batch's); grad mode is untouched:

# %%
net = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.BatchNorm1d(8), nn.Linear(8, 1))
ones, batch = torch.ones(6), torch.randn(16, 8)
print("dropout in train mode:", net[1](ones).tolist())
norm_train = net[2](batch)
net.eval()
print("dropout in eval mode: ", net[1](ones).tolist())
print("batch norm gives the same output after eval():", torch.allclose(norm_train, net[2](batch)))
print("after eval(), output requires grad:", net(x).requires_grad)

# %% [markdown]
# **`torch.set_grad_enabled(flag)`** is the switch with an argument, handy for one loop that
# trains or evaluates:

# %%
for training in (True, False):
    with torch.set_grad_enabled(training):
        print(f"training={training}: output requires grad:", net(x).requires_grad)

# %% [markdown]
# PyTorch's documentation: [Locally disabling gradient computation](https://pytorch.org/docs/stable/notes/autograd.html#locally-disabling-gradient-computation)
# (grad mode, no-grad mode, inference mode, evaluation mode).

# %% [markdown]
# ## In the wild
#
# A feature extractor computed under `no_grad` "because we only need its output" — but it was
# meant to train with the head. Over 30 steps the broken model can only fit what the head alone
# can do.

# %%
torch.manual_seed(0)  # the same data, whatever ran before
xs = torch.randn(64, 3)
ys = torch.sin(2 * xs).sum(1, keepdim=True)


def extractor_under_no_grad():
    torch.manual_seed(0)
    extractor = nn.Sequential(nn.Linear(3, 8), nn.Tanh())
    head = nn.Linear(8, 1)
    optimizer = torch.optim.SGD([*extractor.parameters(), *head.parameters()], lr=0.3)

    def step():
        optimizer.zero_grad()
        with torch.no_grad():
            features = extractor(xs)
        loss = F.mse_loss(head(features), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


def extractor_trained():
    torch.manual_seed(0)
    extractor = nn.Sequential(nn.Linear(3, 8), nn.Tanh())
    head = nn.Linear(8, 1)
    optimizer = torch.optim.SGD([*extractor.parameters(), *head.parameters()], lr=0.3)

    def step():
        optimizer.zero_grad()
        features = extractor(xs)
        loss = F.mse_loss(head(features), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


wild = gl.compare(extractor_under_no_grad, extractor_trained,
                  title="feature extractor under no_grad", train_steps=30)
wild

# %% tags=["remove-cell"]
broken_run, fixed_run = wild.show("broken"), wild.show("fixed")
assert broken_run.kinds == ["no_grad"] and fixed_run.kinds == []
assert fixed_run.losses[-1] < 0.8 * broken_run.losses[-1]
_ = wild.show("broken")

# %%
print("final loss, extractor under no_grad:", round(broken_run.losses[-1], 4))
print("final loss, extractor trained:      ", round(fixed_run.losses[-1], 4))

# %% [markdown]
# ## When `no_grad` is right
#
# `no_grad` is the right tool whenever you do **not** want a gradient: an evaluation loop, the
# target of a deep Q-network (DQN) update, an exponential moving average (EMA) of weights, or a
# manual update.
# gradlab stays quiet on these:

# %%
def evaluation_and_ema():
    model = nn.Linear(3, 1)
    ema = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():                                     # evaluation
        val_loss = F.mse_loss(model(x), y).item()
        for p_ema, p in zip(ema.parameters(), model.parameters()):
            p_ema.mul_(0.9).add_(0.1 * p)                     # EMA update
    return locals()


print(gl.diagnose(evaluation_and_ema))

# %% [markdown]
# ## Your turn
#
# `Classifier` should train its encoder and its head, but the encoder never learns. Fix it, then
# run the feedback cell.

# %%
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(3, 8)
        self.head = nn.Linear(8, 1)

    @torch.no_grad()
    def encode(self, x):
        return torch.tanh(self.encoder(x))

    def forward(self, x):
        return self.head(self.encode(x))

# %% [markdown]
# **Feedback.** `gl.grade` builds your `Classifier` and the reference solution's on the same seed, runs
# one step on the exercise's own `x`, `y` (forward, the loss, `backward()`), and compares the output,
# the loss, every parameter's gradient and what gradlab finds. In a terminal,
# `python -m gradlab grade 02 my_answer.py` does the same for a file that defines `Classifier`.
# Stuck? A solution waits at the end of this notebook, after the recap.

# %%
gl.grade("03", globals())

# %% [markdown]
# ## Recap
#
# - [ ] No `no_grad`, `inference_mode` or `@torch.no_grad()` on the path from a trained weight to
#   the loss.
# - [ ] `no_grad` around evaluation, targets and manual weight updates: that is its job.
# - [ ] `model.eval()` changes dropout and batch norm, not gradients.
#
# | when you see | think |
# |---|---|
# | some layers' `.grad` is `None`, the rest fine | a `no_grad` block or decorator between them and the loss |
# | `element 0 of tensors does not require grad` | the whole forward ran without grad mode |
# | `Inference tensors cannot be saved for backward` | `inference_mode` output fed to a layer that trains |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. Why does a `no_grad` block inside `forward` not raise any error?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Inside `no_grad` the ops still compute their values; they only record no history (the result has
# `requires_grad=False` and no `grad_fn`). As long as something after the block requires grad (the
# head's weights), the loss has a `grad_fn` and `backward()` runs: it fills the head's `.grad` and
# never reaches the encoder, whose `.grad` stays `None`. Only when nothing in the loss requires grad
# does backward raise: *Why* shows it under **When nothing else requires grad, backward fails**.
#
# </details>

# %% [markdown]
# 2. What does `model.eval()` change, and what does it not change?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# It sets `training=False` on every sub-module: dropout stops zeroing values, batch norm uses (and
# stops updating) its running statistics. It does not touch grad mode or `requires_grad`: outputs
# still require grad and `backward()` still fills `.grad`. *Why* shows it under **`model.eval()`
# does not turn gradients off**.
#
# </details>

# %% [markdown]
# 3. Name two places in a training script where `no_grad` belongs.

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The evaluation loop (no backward follows, the graph would only cost memory), targets that must
# not be trained through (a DQN target, an exponential moving average of weights), and manual
# weight updates: outside `no_grad`, `w -= lr * w.grad` on a leaf raises *a leaf Variable that
# requires grad is being used in an in-place operation*. *When `no_grad` is right* shows them.
#
# </details>

# %% [markdown]
# ## Next
#
# [Lesson 04 · `.detach()` and the numpy round-trip](04_detach_and_numpy.ipynb): cutting the
# gradient by hand, on purpose or not.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/03_no_grad_block.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/03_no_grad_block.py

# %%
gl.grade("03", globals())
