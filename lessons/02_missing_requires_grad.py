# %% [markdown]
# # Lesson 02 · The weight that never asked for a gradient
#
# **What you will learn**
# - why a weight made with `torch.randn` gets no `.grad`;
# - why `nn.Parameter` fixes it: it asks for a gradient *and* joins `model.parameters()`;
# - how to list what the optimizer will train.
#
# *Prerequisites:* [01 · How backward finds a weight](01_how_backward_works.ipynb).
# *Time:* {time}

# %%
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

gl.setup()

# %% [markdown]
# ## Predict
#
# A linear model whose weight `w` is handed in; here it is a plain `torch.randn` tensor.

# %%
class Line(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = w
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x @ self.w + self.b


x, y = torch.randn(16, 3), torch.randn(16, 1)
model = Line(torch.randn(3, 1))
loss = F.mse_loss(model(x), y)
gl.predict("After loss.backward(), what is model.w.grad?",
           ["None", "a tensor of zeros", "a tensor, like model.b.grad"], answer="None",
           why="torch.randn makes a tensor with requires_grad=False, and backward fills .grad "
               "only on leaves that require grad (lesson 01): to autograd, w is data like x.")

# %% [markdown]
# ## The symptom

# %%
loss.backward()
print("w.grad:", model.w.grad, "| b.grad:", model.b.grad)

# %% [markdown]
# No error, no warning: training would move `b` and leave `w` as it was.

# %% [markdown]
# ## Look at the graph
#
# The same steps as a function returning `locals()`, for gradlab. `w` is drawn hollow: no
# `AccumulateGrad` node leads to it.

# %%
def broken():
    model = Line(torch.randn(3, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


gl.draw(broken)

# %% [markdown]
# ## Flip it

# %%
gl.predict("Now w is nn.Parameter(torch.randn(3, 1)). Which tensors get a .grad and are "
           "updated by optimizer.step()?", ["b only", "w and b", "w only"], answer="w and b",
           why="nn.Parameter asks for a gradient and, assigned to a module attribute, registers "
               "itself in model.parameters(), the list the optimizer is built from.")

# %%
def fixed():
    model = Line(nn.Parameter(torch.randn(3, 1)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


toggle = gl.compare(broken, fixed, title="plain tensor vs nn.Parameter")
toggle

# %% tags=["remove-cell"]
assert toggle.show("broken").grad_states() == {"b": "norm", "w": "None"}
assert toggle.result.kinds == ["plain_tensor_attribute"]
assert toggle.show("fixed").kinds == []
assert toggle.result.grad_states() == {"w": "norm", "b": "norm"}
assert [n for n, _ in broken()["model"].named_parameters()] == ["b"]
assert [n for n, _ in fixed()["model"].named_parameters()] == ["w", "b"]
_ = toggle.show("broken")  # leave the toggle on the broken program

# %% [markdown]
# ## Why
#
# A weight trains when it asks for a gradient (backward fills its `.grad`) *and* the optimizer
# has it. `nn.Parameter` does both: assigned to a module, it joins `model.parameters()`.
# `list(model.named_parameters())` lists what the optimizer trains: `['b']`, then `['w', 'b']`. Docs: [`nn.Parameter`](https://pytorch.org/docs/stable/generated/torch.nn.parameter.Parameter.html).

# %% [markdown]
# ## Optional · The half-fix: `requires_grad=True`
#
# It is tempting to write `torch.randn(3, 1, requires_grad=True)` instead. Backward now fills
# `w.grad`, but `w` is still not registered, so the optimizer built from `model.parameters()`
# skips it, silently. One step moves `b` and leaves `w` as it was, gradient and all:

# %%
half = Line(torch.randn(3, 1, requires_grad=True))
optimizer = torch.optim.SGD(half.parameters(), lr=0.1)
w_before = half.w.clone()
F.mse_loss(half(x), y).backward()
optimizer.step()
print("w.grad computed:", half.w.grad is not None, "| w changed:", not torch.equal(w_before, half.w))
print("the optimizer trains:", [name for name, _ in half.named_parameters()])

# %% tags=["remove-cell"]
assert half.w.grad is not None and torch.equal(w_before, half.w)

# %% [markdown]
# With no other parameter at all, building the optimizer fails instead:
# `torch.optim.SGD([], lr=0.1)` raises `ValueError: optimizer got an empty parameter list`.
# And an unregistered tensor is left out of everything else a module does for its parameters:
# `state_dict()` does not save it, and `model.to(torch.float64)` does not convert it:

# %%
half.to(torch.float64)
print("state_dict keys:", list(half.state_dict()))
print("dtypes after .to(float64): w", half.w.dtype, "| b", half.b.dtype)

# %% tags=["remove-cell"]
assert list(half.state_dict()) == ["b"]
assert (half.w.dtype, half.b.dtype) == (torch.float32, torch.float64)
try:
    torch.optim.SGD([], lr=0.1)
    raise AssertionError("an empty parameter list should raise")
except ValueError as error:
    assert str(error) == "optimizer got an empty parameter list"

# %% [markdown]
# ## Optional · In the wild: layers in a Python list
#
# A module registers a sub-module when it is assigned to an attribute or held in an
# `nn.ModuleList`, `nn.ModuleDict` or `nn.Sequential`. A plain Python `list` hides it. Here a
# deeper model keeps its hidden layers in a list.

# %%
class Deep(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.out(x)


torch.manual_seed(0)  # the same data, whatever ran before
xs = torch.randn(64, 3)
ys = torch.sin(2 * xs).sum(1, keepdim=True)   # a curve only the hidden layers can fit

# %%
gl.predict(
    "The hidden layers sit in a Python list. After loss.backward(), what is "
    "model.hidden[0].weight.grad?",
    ["None: the layer is not registered", "a tensor, but the optimizer never applies it"],
    answer="a tensor, but the optimizer never applies it",
    why="Each layer's weight is an nn.Parameter, so it asks for a gradient and backward fills "
        "it. But the list hides the layers from model.parameters(): the optimizer trains "
        "`out` alone.",
)

# %%
def layers_in_a_list():
    torch.manual_seed(0)
    model = Deep([nn.Linear(3, 16), nn.Linear(16, 16)])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


def layers_in_a_module_list():
    torch.manual_seed(0)
    model = Deep(nn.ModuleList([nn.Linear(3, 16), nn.Linear(16, 16)]))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)

    def step():
        optimizer.zero_grad()
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


wild = gl.compare(layers_in_a_list, layers_in_a_module_list,
                  title="layers in a Python list vs nn.ModuleList", train_steps=30)
wild

# %% tags=["remove-cell"]
broken_run, fixed_run = wild.show("broken"), wild.show("fixed")
assert broken_run.kinds == ["not_in_optimizer"]
assert fixed_run.kinds == []
assert fixed_run.losses[-1] < 0.8 * broken_run.losses[-1]
_listed = layers_in_a_list()["model"]
assert _listed.hidden[0].weight.grad is not None
assert [n for n, _ in _listed.named_parameters()] == ["out.weight", "out.bias"]
_ = wild.show("broken")

# %% [markdown]
# ## Optional · Frozen on purpose
#
# When you fine-tune, you freeze a pretrained layer with `requires_grad_(False)` and give the
# optimizer only the rest. A frozen parameter is still registered (listed, saved, converted by
# `model.to`), and gradlab reports it as *info*, not as an error:

# %%
def fine_tune():
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    model[0].requires_grad_(False)                     # pretrained: keep it as it is
    optimizer = torch.optim.SGD(model[2].parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


print(gl.diagnose(fine_tune))

# %% [markdown]
# ## Optional · Your turn
#
# A different model, reduced from a real bug report: `RankMix` mixes three learned parts of its
# input with learned weights `mix`. Its author complains that `mix` stays at ones however long
# it trains. Fix the class in the next cell so
# that every weight trains, then run the feedback cell.

# %%
# %starter 02

# %%
gl.grade("02", globals())

# %% [markdown]
# Stuck? Each call gives the next hint: the symptom, then where, then the fix.

# %%
gl.hint("02")

# %% [markdown]
# `gl.solution("02")` shows the reference solution. In a terminal, `python -m gradlab grade 02
# my_answer.py` grades a file that defines `RankMix`.

# %% [markdown]
# ## Recap
#
# | when you see | think |
# |---|---|
# | `.grad` is `None` on a weight | is it an `nn.Parameter` on the module? |
# | `.grad` is set, the weight never changes | is it in `model.parameters()`? |

# %% [markdown]
# ### Optional · Check yourself

# %% [markdown]
# **Three questions**

# %% [markdown]
# 1. A model stores `self.scale = torch.ones(1, requires_grad=True)`. What is `scale.grad` after
#    `backward()`, and what is `scale` after 100 optimizer steps?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `scale.grad` is a tensor: `scale` is a leaf that requires grad. But `scale` is still all ones:
# only `nn.Parameter`s register on the module, so the optimizer built from `model.parameters()`
# never got it. *The half-fix* shows both.
#
# </details>

# %% [markdown]
# 2. Why does `nn.Linear`'s weight train when you put the layer in a model, although you never
#    wrote `requires_grad=True`?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# `nn.Linear` creates its weight and bias as `nn.Parameter`s: they require grad by default and
# register on the layer, and the layer registers on your model when you assign it to an
# attribute. That chain breaks when the layer sits in a plain Python `list`.
#
# </details>

# %% [markdown]
# 3. You freeze a layer with `requires_grad_(False)` and later call `requires_grad_(True)` on it.
#    Does an optimizer built from `model.parameters()` before that train it now? Would it for a
#    plain tensor attribute?

# %% [markdown]
# <details><summary>Check your answer</summary>
#
# Yes: a frozen parameter is still registered, so it is in the optimizer's list; the optimizer
# skips it only while its `.grad` is `None`. A plain tensor never was in the list, so flipping
# `requires_grad` gives it a `.grad` the optimizer never applies.
#
# </details>

# %% tags=["remove-cell"]
_layer = nn.Linear(2, 2)
assert isinstance(_layer.weight, nn.Parameter) and _layer.weight.requires_grad
_frozen = nn.Sequential(nn.Linear(3, 1))
_frozen[0].requires_grad_(False)
_opt = torch.optim.SGD(_frozen.parameters(), lr=0.1)
_frozen[0].requires_grad_(True)
_before = _frozen[0].weight.clone()
F.mse_loss(_frozen(x), y).backward()
_opt.step()
assert not torch.equal(_before, _frozen[0].weight)

# %% [markdown]
# ## Next
#
# [Lesson 03 · The `no_grad` block](03_no_grad_block.ipynb): gradients switched off by a context
# manager, on purpose or not.
