# %% [markdown]
# # Lesson 06 · Backward twice
#
# **What you will learn**
# - that `backward()` frees the values the graph saved, so a second one through it raises;
# - the fixes: one backward on the summed losses, a fresh forward, `retain_graph=True`;
# - the classic traps: a GAN reusing `fake`, an RNN carrying its hidden state.
#
# *Prerequisites:* [lesson 05](05_in_place.ipynb). *Time:* {time}.

# %%
import torch
from torch import nn

import gradlab as gl

gl.setup()
x, y = torch.randn(16, 3), torch.randn(16, 1)

# %% [markdown]
# ## Predict
#
# Two losses computed from the same hidden layer `h`, each with its own `backward()`:

# %%
def broken():
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    fit = (h - y).pow(2).mean()
    fit.backward()
    small = h.pow(2).mean()
    small.backward()
    return locals()


gl.predict("What does the second backward(), small.backward(), do?", ["it raises an error",
           "it runs and adds to model.weight.grad", "it runs and replaces model.weight.grad"],
           answer="it raises an error", why="both losses go back through tanh, whose backward "
           "needs tanh's output. The first backward used it, then freed it to save memory.")

# %% [markdown]
# ## The symptom

# %%
with gl.shows_error(RuntimeError) as shown:
    broken()

# %% tags=["remove-cell"]
assert str(shown.error).startswith("Trying to backward through the graph a second time")

# %% [markdown]
# ## Look at the graph
#
# The nodes the first backward went through are marked *freed*: their saved tensors are gone.
# The second loss reaches `TanhBackward0` and `AddmmBackward0` through them.

# %%
gl.draw(broken)

# %% [markdown]
# ## Flip it
#
# One change: add the losses and call `backward()` once.

# %%
gl.predict("With one (fit + small).backward(), model.weight.grad is…",
           ["the gradient of fit only", "the sum of both losses' gradients"],
           answer="the sum of both losses' gradients", why="the derivative of a sum is the sum "
           "of the derivatives: one backward walks the shared part once and each weight gets "
           "both contributions, what two working backwards would have added up.")

# %%
def fixed():
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    fit, small = (h - y).pow(2).mean(), h.pow(2).mean()
    (fit + small).backward()
    return locals()


toggle = gl.compare(broken, fixed, title="two backward() calls vs one on the sum")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").exception_kind == "double_backward"
assert toggle.show("fixed").exception_kind is None and toggle.result.kinds == []
assert set(toggle.result.grad_states().values()) == {"norm"}
_ = toggle.show("broken")

# %% [markdown]
# ## Why
#
# **Backward frees what it used.** Saved tensors (lesson 05) are most of a step's memory, and a
# loop runs one backward per forward (each forward builds a new graph), so each node drops them
# once used. Fixes: one backward on the sum; a fresh forward per loss; or
# `backward(retain_graph=True)` first, which keeps them for a second backward (`.grad` adds up).
# PyTorch's documentation: [`Tensor.backward`](https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html)
# (`retain_graph`).
#
# ### Optional · One pass or two
#
# The sum goes back through the shared part once; two backwards go through it twice. A hook on
# `h` (a function autograd calls with `h`'s gradient) counts the passes:

# %%
def passes(two_backwards):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    calls = []
    h.register_hook(lambda grad: calls.append(1))
    fit, small = (h - y).pow(2).mean(), h.pow(2).mean()
    if two_backwards:
        fit.backward(retain_graph=True)
        small.backward()
    else:
        (fit + small).backward()
    return len(calls), model.weight.grad


(one, grad_one), (two, grad_two) = passes(False), passes(True)
print("hook calls:", one, "vs", two, "| same gradient:", torch.allclose(grad_one, grad_two))

# %% tags=["remove-cell"]
assert (one, two) == (1, 2) and torch.allclose(grad_one, grad_two)

# %% [markdown]
# ### Optional · When backward twice does not raise
#
# Only a node that saved something can find it freed. `(w + 1).sum()` saves nothing, so a second
# backward runs and silently doubles `w.grad`; `(w * 2).sum()` raises, since `MulBackward0`
# saved the `2`. Do not rely on either: one backward per forward.

# %%
w = torch.randn(3, requires_grad=True)
total = (w + 1).sum()
total.backward()
total.backward()
print("(w + 1).sum() twice: w.grad =", w.grad)
total = (w * 2).sum()
total.backward()
with gl.shows_error(RuntimeError):
    total.backward()

# %% [markdown]
# ## Optional · In the wild
#
# **A GAN that reuses `fake`.** The discriminator's loss backwards through the generator's graph
# and frees it; the generator's loss then needs it again. The fix is `fake.detach()` in the
# discriminator's loss: that step trains D only and needs no gradient for G. The generator's
# loss must not detach: G learns only through D's judgement of `fake`.

# %%
gl.predict("D's loss backwards through `fake` (not detached); then G's loss backwards through "
           "`fake` again. What happens at loss_g.backward()?",
           ["it runs: G gets its gradient", "it raises: the graph through G was freed"],
           answer="it raises: the graph through G was freed",
           why="loss_d.backward() went through G's part of the graph and freed its saved "
               "tensors; loss_g needs that part again. Detaching fake for D keeps D's backward "
               "out of G's graph.")

# %%
def gan_step(detach_for_d):
    torch.manual_seed(0)
    G, D = nn.Linear(2, 3), nn.Linear(3, 1)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
    real, fake = torch.randn(8, 3), G(torch.randn(8, 2))
    seen = fake.detach() if detach_for_d else fake
    loss_d = nn.functional.softplus(-D(real)).mean() + nn.functional.softplus(D(seen)).mean()
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = nn.functional.softplus(-D(fake)).mean()
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return locals()


def gan_fake_reused():
    return gan_step(detach_for_d=False)


def gan_fake_detached():
    return gan_step(detach_for_d=True)


gan = gl.compare(gan_fake_reused, gan_fake_detached, title="GAN: fake reused vs fake.detach() for D")
gan

# %% tags=["remove-cell"]
assert gan.show("broken").exception_kind == "double_backward"
assert gan.show("fixed").exception_kind is None and gan.result.report.ok
_ = gan.show("broken")

# %% [markdown]
# **An RNN that carries its hidden state** from one step to the next: step 2's backward runs
# back into step 1's graph, already freed. Detaching the state between steps (*truncated
# backpropagation through time*) ends the history there:

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


def rnn_carried():
    return rnn_training(detach_state=False)


def rnn_detached():
    return rnn_training(detach_state=True)


carried, detached = gl.diagnose(rnn_carried), gl.diagnose(rnn_detached)
print("carried: ", carried.kinds("error"), "| detached:", detached.kinds("error"))

# %% tags=["remove-cell"]
assert carried.kinds("error") == ["double_backward"] and detached.kinds("error") == []

# %% [markdown]
# ### Optional · Gradients of gradients: `create_graph=True`
#
# `torch.autograd.grad` returns a gradient instead of adding it to `.grad`. With
# `create_graph=True` that gradient has a graph of its own and can be differentiated again: for
# `t ** 3` at 2, the first derivative is `3 · 2² = 12`, the second `6 · 2 = 12`. A gradient
# penalty (a loss built from a gradient) uses the same mechanism.

# %%
t = torch.tensor(2.0, requires_grad=True)
(first,) = torch.autograd.grad(t ** 3, t, create_graph=True)
(second,) = torch.autograd.grad(first, t)
print("first:", first.item(), "| second:", second.item(), "| t.grad:", t.grad)

# %% [markdown]
# PyTorch's documentation: [`torch.autograd.grad`](https://pytorch.org/docs/stable/generated/torch.autograd.grad.html).
#
# ## Optional · Your turn
#
# Unseen code: a PPO update (reinforcement learning). An actor picks actions, a critic estimates
# their value; the *advantages* (reward minus the critic's estimate) weigh the actor's update for
# two mini-epochs. It stops in the second mini-epoch. Fix it so that the critic learns from
# `critic_loss` only, and run the feedback cell.

# %%
# %starter 06

# %% [markdown]
# **Feedback.** `gl.grade` runs your `ppo_update` and the reference on the same seed and data and
# compares every parameter's gradient after the last mini-epoch.

# %%
gl.grade("06", globals())

# %% [markdown]
# Stuck? Each call gives the next hint (what, where, the fix):

# %%
gl.hint("06")

# %% [markdown]
# `gl.solution("06")` shows the reference solution. Solved it? The update is reduced from a real
# report, [hijkzzz/pymarl2 issue 46](https://github.com/hijkzzz/pymarl2/issues/46).
#
# ## Recap
#
# | when you see | think |
# |---|---|
# | `Trying to backward through the graph a second time` | a second backward reaches nodes the first one freed: sum the losses, or recompute |
# | the error at step 2 of a loop | a tensor from step 1 carries its graph (hidden state, `fake`, a cached target): `.detach()` it |

# %% [markdown]
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. A loop computes `hidden = cell(x_t, hidden)` and `loss.backward()` at each step. Which step
#    raises, and what one line fixes it?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Step 2: its backward goes through `hidden` back into step 1's graph, which step 1's backward
# freed. `hidden = hidden.detach()` at the start of each step ends the history there (truncated
# backpropagation through time). *Optional · In the wild* shows it.
#
# </details>

# %% [markdown]
# 2. What happens if you fix the first program with `fit.backward(retain_graph=True)` and keep
#    `small.backward()`: same gradients as the sum?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Yes: `.grad` adds the two backwards' gradients, the same numbers as one backward on
# `fit + small`. But the shared part is walked twice (a hook on `h` fires twice) and the saved
# tensors stay in memory between the two calls. *Optional · One pass or two* shows both.
#
# </details>

# %% [markdown]
# 3. In a GAN, which loss needs `fake.detach()`, and what goes wrong if the other one gets it?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# The discriminator's: `D(fake.detach())` trains D only and leaves the generator's graph for the
# generator's own backward. Detached in the generator's loss, `fake` has no history: G gets no
# gradient (its `.grad` stays `None`), and the loss may not require grad at all.
#
# </details>

# %% tags=["remove-cell"]
_G, _D = nn.Linear(2, 3), nn.Linear(3, 1)
_fake = _G(torch.randn(4, 2))
_loss_g = nn.functional.softplus(-_D(_fake.detach())).mean()
_loss_g.backward()
assert _G.weight.grad is None and _D.weight.grad is not None

# %% [markdown]
# ## Next
#
# [Lesson 07 · `.grad` on a non-leaf](07_non_leaf_grad.ipynb): the gradient that was computed and
# not kept.
