"""Capstone case 12.5 · an RNN's hidden state carried across chunks (lesson 12_capstone):
reduced from a real report."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
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
"""

_CALL = "        prediction, h_state = rnn(xs, h_state)\n"
_DETACH = "        h_state = h_state.detach()\n"
SOLUTION = STARTER.replace(_CALL, _CALL + _DETACH)

EXERCISE = Exercise(
    name="train_rnn",
    lesson="12_capstone",
    goal="`train_rnn` runs one sequence through `rnn` in two chunks of 8 steps (truncated "
         "back-propagation through time): the hidden state's value carries over from the first "
         "chunk to the second, each chunk's loss back-propagates through its own chunk only, "
         "and the two gradients add up in `.grad`. The last `prediction`, `loss` and every "
         "parameter's gradient are compared with the reference.",
    starter=STARTER,
    solution=SOLUTION,
    forward=("prediction", "loss"),
    source="https://github.com/MorvanZhou/PyTorch-Tutorial/issues/57",
    hints=("The second chunk's backward goes through the graph of the first chunk as well, "
           "and that graph was freed by the first backward.",
           "Look at `h_state`: what comes out of the first chunk carries that chunk's graph "
           "into the second.",
           "Carry the value, not the graph: `h_state = h_state.detach()` right after the "
           "`rnn(...)` call."),
    right=(Edit(_DETACH, "        h_state = h_state.data\n"),
           Edit(_CALL + _DETACH,
                "        h_state = None if h_state is None else h_state.detach()\n" + _CALL)),
    wrong=(Edit(_DETACH + "        loss = F.mse_loss(prediction, ys)\n        loss.backward()",
                "        loss = F.mse_loss(prediction, ys)\n"
                "        loss.backward(retain_graph=True)",
                "`rnn.weight_ih_l0.grad` differs from the reference by"),
           Edit(_DETACH, "        h_state = h_state.clone()\n", "a second time"),
           Edit(_DETACH, "        h_state = None\n", "`loss` differs")),
    tips={".data": "tip: `h_state.detach()` gives the same value and is what PyTorch "
                   "recommends: an in-place change through `.data` is hidden from autograd."},
)
