# %% [markdown]
# # Lesson 06 · Backward twice
#
# **What you will learn**
# - why a second `backward()` through the same graph raises, and what "freed" means;
# - `retain_graph=True`, gradient accumulation, and the better fixes (one backward on the summed
#   losses, or a fresh forward);
# - the two classic traps, a GAN reusing `fake` and an RNN carrying its hidden state, and higher
#   derivatives with `create_graph=True`.
#
# *Prerequisites:* [lesson 05](05_in_place.ipynb). *Time:* about 15 minutes.

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
# Two losses computed from the same hidden layer, each with its own `backward()`:

# %%
model = nn.Linear(3, 1)
h = torch.tanh(model(x))
F.mse_loss(h, y).backward()
with gl.shows_error(RuntimeError):
    h.pow(2).mean().backward()

# %% [markdown]
# The error comes from a *saved tensor*, a value a node keeps for its backward (tanh keeps its
# output). A graph that saved nothing does not raise at all: `backward()` twice on the same
# `(w + 1).sum()` runs and silently doubles `w.grad`, the more dangerous case. `(w * 2).sum()`
# raises, because `MulBackward0` saved the constant `2`:

# %%
w = torch.randn(3, requires_grad=True)
total = (w + 1).sum()
total.backward()
total.backward()
print("(w + 1).sum(), twice: no error, w.grad =", w.grad)

w = torch.randn(3, requires_grad=True)
total = (w * 2).sum()
print("MulBackward0 saved:", total.grad_fn.next_functions[0][0]._saved_other)
total.backward()
with gl.shows_error(RuntimeError):
    total.backward()

# %% [markdown]
# ## The smallest broken program
#
# gradlab can say it before the second `backward()` runs: after the first one, the nodes the second
# loss goes through have already given back their saved tensors.

# %%
def broken():
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    fit = F.mse_loss(h, y)
    fit.backward()
    loss = h.pow(2).mean()        # the second loss, not yet backwarded
    return locals()


print(gl.diagnose(broken))

# %% [markdown]
# ## Look at the graph
#
# The nodes whose buffers the first backward freed are marked *freed*; the second loss reaches
# `TanhBackward0` and `AddmmBackward0` through them.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# The better fix: add the losses and call `backward()` once. Autograd walks the shared part once
# and each parameter gets the sum of both gradients.

# %%
def broken_with_backward():
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    fit = F.mse_loss(h, y)
    fit.backward()
    loss = h.pow(2).mean()
    loss.backward()
    return locals()


def fixed():
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    fit = F.mse_loss(h, y)
    loss = fit + h.pow(2).mean()
    loss.backward()
    return locals()


toggle = gl.compare(broken_with_backward, fixed, title="two backward() calls vs one on the sum")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").exception_kind == "double_backward"
assert toggle.show("fixed").exception_kind is None and toggle.result.kinds == []
assert set(toggle.result.grad_states().values()) == {"norm"}
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# **Backward frees what it used.** To save memory, each node drops its saved tensors once backward
# has used them. Reading one afterwards raises the same error:

# %%
w = torch.randn(3, requires_grad=True)
e = w.exp()
e.sum().backward()
try:
    e.grad_fn._saved_result
except RuntimeError as error:
    print(str(error).split(" (")[0])

# %% [markdown]
# **`retain_graph=True` keeps them**, so a second backward runs. Gradients **accumulate** in `.grad`:

# %%
w = torch.randn(3, requires_grad=True)
total = (w * 2).sum()
total.backward(retain_graph=True)
print("after one backward: ", w.grad)
total.backward()
print("after two backwards:", w.grad)

# %% [markdown]
# `retain_graph=True` is right when you really need the same graph twice; it keeps every saved
# tensor alive meanwhile. One backward on the summed losses gives the same gradients with one pass:

# %%
def grads(two_backwards):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    first, second = F.mse_loss(h, y), h.pow(2).mean()
    if two_backwards:
        first.backward(retain_graph=True)
        second.backward()
    else:
        (first + second).backward()
    return model.weight.grad


print("same gradients:", torch.allclose(grads(True), grads(False)))

# %% [markdown]
# The third fix is a fresh forward for each loss: no graph is shared.
#
# PyTorch's documentation: [`Tensor.backward`](https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html)
# (`retain_graph`, `create_graph`) and [`torch.autograd.grad`](https://pytorch.org/docs/stable/generated/torch.autograd.grad.html).

# %% [markdown]
# ## In the wild
#
# **A GAN that reuses `fake`.** The discriminator loss backwards through the generator's graph and
# frees it; the generator loss then needs it again. The fix is `fake.detach()` in the
# discriminator loss: the discriminator step does not need the generator's gradients.

# %%
def gan_fake_reused():
    torch.manual_seed(0)
    G, D = nn.Linear(2, 3), nn.Linear(3, 1)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
    real, z = torch.randn(8, 3), torch.randn(8, 2)
    fake = G(z)
    loss_d = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = F.softplus(-D(fake)).mean()
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return locals()


def gan_fake_detached():
    torch.manual_seed(0)
    G, D = nn.Linear(2, 3), nn.Linear(3, 1)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
    real, z = torch.randn(8, 3), torch.randn(8, 2)
    fake = G(z)
    loss_d = F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = F.softplus(-D(fake)).mean()
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return locals()


gan = gl.compare(gan_fake_reused, gan_fake_detached,
                 title="GAN: fake reused vs fake.detach() for D")
gan

# %% tags=["remove-cell"]
assert gan.show("broken").exception_kind == "double_backward"
assert gan.show("fixed").exception_kind is None and gan.result.report.ok
_ = gan.show("broken")

# %% [markdown]
# **An RNN that carries its hidden state** from one step to the next: the second step's backward
# runs back into the first step's graph, already freed. Detaching the state between steps
# (truncated backpropagation through time) fixes it.

# %%
def rnn_training(detach_state):
    torch.manual_seed(0)
    cell = nn.RNNCell(3, 4)
    optimizer = torch.optim.SGD(cell.parameters(), lr=0.1)
    hidden = torch.zeros(2, 4)
    for step in range(3):
        if detach_state:
            hidden = hidden.detach()
        hidden = cell(torch.randn(2, 3), hidden)
        loss = hidden.pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return locals()


print("carried:  ", gl.diagnose(lambda: rnn_training(False)).kinds())
print("detached: ", gl.diagnose(lambda: rnn_training(True)))

# %% [markdown]
# ## Higher order: `create_graph=True`
#
# `torch.autograd.grad` returns a gradient instead of adding it to `.grad`. With
# `create_graph=True` that gradient has a graph of its own and can be differentiated again. For
# `x ** 3` at 2, the first derivative is `3 * 2**2 = 12` and the second `6 * 2 = 12`:

# %%
t = torch.tensor(2.0, requires_grad=True)
(first,) = torch.autograd.grad(t ** 3, t, create_graph=True)
(second,) = torch.autograd.grad(first, t)
print("first:", first.item(), "| second:", second.item(), "| t.grad:", t.grad)

# %% [markdown]
# The same mechanism gives a gradient penalty: a loss built from a gradient. gradlab stays quiet
# on it:

# %%
def gradient_penalty():
    critic = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(critic.parameters(), lr=0.1)
    inputs = torch.randn(8, 3, requires_grad=True)
    scores = critic(inputs)
    (grad_inputs,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    penalty = (grad_inputs.norm(dim=1) - 1).pow(2).mean()
    loss = scores.mean() + 10 * penalty
    loss.backward()
    return locals()


print(gl.diagnose(gradient_penalty))

# %% [markdown]
# ## Your turn
#
# `two_heads` trains one body with two heads and backwards each head's loss separately. Make it
# run with a single backward, then run the feedback cell under it.

# %%
def two_heads():
    body, head_a, head_b = nn.Linear(3, 8), nn.Linear(8, 1), nn.Linear(8, 1)
    optimizer = torch.optim.SGD([*body.parameters(), *head_a.parameters(),
                                 *head_b.parameters()], lr=0.1)
    features = torch.relu(body(x))
    loss_a = F.mse_loss(head_a(features), y)
    loss_b = F.mse_loss(head_b(features), -y)
    loss_a.backward()
    loss_b.backward()
    return locals()

# %% [markdown]
# **Feedback.** `gl.grade` runs your `two_heads` and the reference solution's on the same seed and
# the exercise's own `x`, `y`, and compares `features`, `loss_a`, `loss_b`, every parameter's
# gradient and what gradlab finds. In a terminal, `python -m gradlab grade 05 my_answer.py` does
# the same for a file that defines `two_heads`. Stuck? A solution waits at the end of this
# notebook, after the recap.

# %%
gl.grade("06", globals())

# %% [markdown]
# ## Recap
#
# - [ ] One `backward()` per graph: add the losses first.
# - [ ] A tensor reused across steps or networks is detached where its history should end
#   (`fake.detach()` for the discriminator, `hidden.detach()` between RNN chunks).
# - [ ] `retain_graph=True` only when the same graph is really needed twice; gradients accumulate.
# - [ ] `torch.autograd.grad(..., create_graph=True)` for gradients of gradients.
#
# | when you see | think |
# |---|---|
# | `Trying to backward through the graph a second time` | a second backward reaches nodes the first one freed |
# | the error appears at step 2 of a loop | state carried from step 1 (hidden state, a cached tensor) |
# | gradients twice as large as expected | two backwards accumulated into `.grad` |

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. Why does autograd free saved tensors after backward?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# To save memory: the saved tensors (the activations) are most of a training step's memory, and the
# usual loop runs one backward per forward, so each node drops them once backward has used them.
# After that, a second backward through the node, or reading a saved tensor, raises *Trying to
# backward through the graph a second time (or directly access saved tensors after they have
# already been freed)*. *Why* shows it under **Backward frees what it used**.
#
# </details>

# %% [markdown]
# 2. Why is `(loss_a + loss_b).backward()` better than `retain_graph=True`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Both give the same gradients, since `.grad` adds them up. But the sum goes back through the shared
# body once, the two calls twice (a hook on `features` fires once against twice), and it needs no
# graph kept alive between two calls. The feedback cell of *Your turn* accepts both, with a tip.
#
# </details>

# %% [markdown]
# 3. In a GAN, which loss needs `fake.detach()`, and why not the other?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The discriminator's: `D(fake.detach())` trains only D, gives the generator no `.grad`, and leaves
# the generator's graph for its own backward. The generator's loss must not detach: G learns only
# through D's judgement of `fake`; with `fake.detach()` its `.grad` stays `None`. *In the wild*
# shows the GAN.
#
# </details>

# %% [markdown]
# ## Next
#
# [Lesson 07 · `.grad` on a non-leaf](07_non_leaf_grad.ipynb): the gradient that was computed and not kept.

# %% [markdown]
# ## Solution (peek if stuck)
#
# The reference solution of [Your turn](#Your-turn), as `%load solutions/06_double_backward.py`
# loads it (type that line in a cell to load it yourself), and the grader on it:

# %%
# %load solutions/06_double_backward.py

# %%
gl.grade("06", globals())
