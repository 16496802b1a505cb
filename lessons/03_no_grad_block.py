# %% [markdown]
# # Lesson 03 · The `no_grad` block
#
# **What you will learn**
# - why a `torch.no_grad()` block cuts the weights before it off from the loss;
# - why backward raises when nothing in the loss has history;
# - when `no_grad` is right, and that `eval()` is not it.
#
# *Prerequisites:* [lesson 02](02_missing_requires_grad.ipynb).
# *Time:* {time}

# %%
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## Predict
#
# A training step; someone wrapped the first layer in `torch.no_grad()` "to save memory".

# %%
def broken():
    fc1, fc2 = nn.Linear(3, 8), nn.Linear(8, 1)
    with torch.no_grad():
        h = torch.relu(fc1(x))
    loss = F.mse_loss(fc2(h), y)
    loss.backward()
    return locals()


gl.predict("What does loss.backward() do here?", ["raises an error", "fills fc2's .grad only",
           "fills both layers' .grad"], answer="fills fc2's .grad only", why="Inside no_grad "
           "ops record no grad_fn: h is data to autograd. fc2's weight still requires grad, so "
           "the loss has a graph; backward walks it back to h, no further.")

# %% [markdown]
# ## The symptom

# %%
run = broken()
print("fc1.weight.grad:", run["fc1"].weight.grad, "| fc2.weight.grad:", run["fc2"].weight.grad.shape)

# %% [markdown]
# ## Look at the graph
#
# The dashed red edge marks where `fc1`'s history was cut, with the line.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it

# %%
gl.predict("With h = torch.relu(fc1(x)) outside the block, what is fc1.weight.grad?",
           ["None, as before", "a tensor"], answer="a tensor", why="Outside no_grad, relu "
           "and fc1 record grad_fn nodes: backward walks through h back to fc1's AccumulateGrad.")

# %%
def fixed():
    fc1, fc2 = nn.Linear(3, 8), nn.Linear(8, 1)
    h = torch.relu(fc1(x))
    loss = F.mse_loss(fc2(h), y)
    loss.backward()
    return locals()


toggle = gl.compare(broken, fixed, title="no_grad before the loss")
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
# Inside `no_grad`, ops compute values but record no `grad_fn`. When nothing in the loss has
# history, backward has no graph to walk, and raises:

# %%
with torch.no_grad():
    loss = F.mse_loss(nn.Linear(3, 1)(x), y)
with gl.shows_error(RuntimeError):
    loss.backward()

# %% tags=["remove-cell"]
assert loss.grad_fn is None and not loss.requires_grad

# %% [markdown]
# This message means "the loss has no history": find where it was cut. Docs: [Locally disabling gradient computation](https://pytorch.org/docs/stable/notes/autograd.html#locally-disabling-gradient-computation).

# %% [markdown]
# ## Optional · Other switches: the decorator, `inference_mode`, `eval()`
#
# `@torch.no_grad()` on a method wraps the whole method in the block, less visibly:

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
# `torch.inference_mode()` is a stricter `no_grad`: its results are *inference tensors*, which
# autograd refuses to save for a later backward. A layer that trains on them raises as soon as
# it needs to save its input:

# %%
backbone, head = nn.Linear(3, 8), nn.Linear(8, 1)
with torch.inference_mode():
    features = backbone(x)
print("features.is_inference():", features.is_inference())
with gl.shows_error(RuntimeError):
    head(features)

# %% [markdown]
# `model.eval()` does not turn gradients off. It switches dropout off and makes batch norm use
# its running statistics; grad mode is untouched:

# %%
net = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.BatchNorm1d(8), nn.Linear(8, 1))
train_out = net(x)
net.eval()
print("output changes after eval():", not torch.allclose(train_out, net(x)))
print("after eval(), output requires grad:", net(x).requires_grad)

# %% tags=["remove-cell"]
assert not torch.allclose(train_out, net(x)) and net(x).requires_grad

# %% [markdown]
# `torch.set_grad_enabled(flag)` is the switch with an argument, for one loop that trains or
# evaluates: `with torch.set_grad_enabled(training): ...`.

# %% [markdown]
# ## Optional · In the wild: a feature extractor under `no_grad`
#
# A feature extractor computed under `no_grad` "because we only need its output", though it was
# meant to train with the head. The toggle trains both versions for 30 steps.

# %%
torch.manual_seed(0)  # the same data, whatever ran before
xs = torch.randn(64, 3)
ys = torch.sin(2 * xs).sum(1, keepdim=True)

# %%
gl.predict("Both versions train for 30 steps. How do the final losses compare?",
           ["the same: the head does the fitting anyway",
            "the broken version ends higher: only its head moves"],
           answer="the broken version ends higher: only its head moves",
           why="Under no_grad the extractor gets no gradient, so it keeps its random weights and "
               "the head alone can only fit a linear function of random features.")

# %%
def extractor_under_no_grad():
    torch.manual_seed(0)
    extractor, head = nn.Sequential(nn.Linear(3, 8), nn.Tanh()), nn.Linear(8, 1)
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
    extractor, head = nn.Sequential(nn.Linear(3, 8), nn.Tanh()), nn.Linear(8, 1)
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

# %% [markdown]
# ## Optional · When `no_grad` is right
#
# Use it wherever you do **not** want a gradient: an evaluation loop, or the target of a deep
# Q-network (DQN) update, computed by a frozen copy of the network that must not learn through
# its own target. (Updating weights by hand is the other classic; lesson 09 shows it.)

# %%
def dqn_step():
    q_net, target_net = nn.Linear(3, 2), nn.Linear(3, 2)
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    q = q_net(x).max(1, keepdim=True).values
    with torch.no_grad():                          # the target is a constant for this step
        target = y + 0.9 * target_net(x.roll(1, 0)).max(1, keepdim=True).values
    loss = F.mse_loss(q, target)
    loss.backward()
    return locals()


run = dqn_step()
print("q_net.weight.grad set:", run["q_net"].weight.grad is not None,
      "| target_net.weight.grad:", run["target_net"].weight.grad)

# %% tags=["remove-cell"]
assert run["q_net"].weight.grad is not None and run["target_net"].weight.grad is None

# %% [markdown]
# ## Optional · Your turn
#
# A different program, reduced from a real bug report: a depth `head` is trained on the
# features of a pretrained `backbone` that must stay frozen. The features were computed in a
# block copied from an inference cell, and `loss.backward()` fails. Make the step train `head`
# while no gradient reaches `backbone`, then run the feedback cell.

# %%
# %starter 03

# %%
gl.grade("03", globals())

# %% [markdown]
# Stuck? Each call gives the next hint: the symptom, then where, then the fix.

# %%
gl.hint("03")

# %% [markdown]
# `gl.solution("03")` shows the reference solution. In a terminal, `python -m gradlab grade 03
# my_answer.py` grades a file that defines `fine_tune_step`.

# %% [markdown]
# ## Recap
#
# | when you see | think |
# |---|---|
# | some layers' `.grad` is `None` | a `no_grad` block between them and the loss |
# | `element 0 of tensors does not require grad` | the loss has no history: where was it cut? |

# %% [markdown]
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. In *Predict*, move the line `loss = F.mse_loss(fc2(h), y)` into the `no_grad` block too.
#    What does `loss.backward()` do now, and why?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# It raises *element 0 of tensors does not require grad and does not have a grad_fn*. No op of
# the forward recorded anything, so the loss has no `grad_fn` and backward has no graph to walk.
# With `fc2` outside the block, its weight kept the loss in a graph, and backward ran silently.
#
# </details>

# %% [markdown]
# 2. You call `model.eval()` before a validation loop and then `loss.backward()` by mistake.
#    Does it raise?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# No: `eval()` changes dropout and batch norm, not grad mode, so the loss has a graph and
# backward fills `.grad` (wasting memory and time, and polluting the next step's gradients unless
# they are zeroed). Wrap validation in `torch.no_grad()`; then the same mistake raises.
#
# </details>

# %% [markdown]
# 3. A DQN step computes its target with the trained `q_net` itself, not a copy, and without
#    `no_grad`. Does anything raise? Is `q_net.weight.grad` the same as with `no_grad`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Nothing raises, but the gradient differs: backward now also flows through the target, so the
# step pulls the target towards the prediction as well as the prediction towards the target.
# Under `no_grad` the target is a constant and only the prediction moves.
#
# </details>

# %% tags=["remove-cell"]
_fc1, _fc2 = nn.Linear(3, 8), nn.Linear(8, 1)
with torch.no_grad():
    _loss = F.mse_loss(_fc2(torch.relu(_fc1(x))), y)
try:
    _loss.backward()
    raise AssertionError("a loss without history should raise")
except RuntimeError as error:
    assert str(error).startswith("element 0 of tensors does not require grad")
_net = nn.Sequential(nn.Linear(3, 1))
_net.eval()
F.mse_loss(_net(x), y).backward()
assert _net[0].weight.grad is not None
_q = nn.Linear(3, 2)
_grads = []
for _constant_target in (True, False):
    _q.zero_grad()
    with torch.set_grad_enabled(not _constant_target):
        _target = y + 0.9 * _q(x.roll(1, 0)).max(1, keepdim=True).values
    F.mse_loss(_q(x).max(1, keepdim=True).values, _target).backward()
    _grads.append(_q.weight.grad.clone())
assert not torch.allclose(_grads[0], _grads[1])

# %% [markdown]
# ## Next
#
# [Lesson 04 · `.detach()` and the numpy round-trip](04_detach_and_numpy.ipynb).
