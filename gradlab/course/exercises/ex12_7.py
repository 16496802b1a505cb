"""Capstone case 12.7 · an in-place ReLU, then a residual add (lesson 12_capstone): reduced
from a real report."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
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
"""

SOLUTION = STARTER.replace("out += identity", "out = out + identity")

EXERCISE = Exercise(
    name="PreActBlock",
    lesson="12_capstone",
    goal="`PreActBlock` computes head(relu(fc2(relu(fc1(x)))) + x), a residual block, and "
         "trains all of its layers: after one MSE loss on `x`, `y` every parameter gets the "
         "gradient of that computation; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    source="https://github.com/pytorch/vision/issues/807",
    hints=("backward needs a value that was overwritten after the forward had used it: the "
           "ReLU's output.",
           "Look at `out += identity`: it writes into the very tensor the second ReLU returned "
           "and saved for its backward.",
           "Add out of place: `out = out + identity`."),
    right=(Edit("out = out + identity", "out = identity + out"),
           Edit("out = out + identity", "out = torch.add(out, identity)"),
           Edit("        out = out + identity\n        return self.head(out)",
                "        return self.head(out + identity)")),
    wrong=(Edit("out = out + identity", "out += identity.detach()",
                "modified by an inplace operation"),
           Edit("out = out + identity", "out.data += identity",
                "`fc1.weight.grad` differs from the reference by"),
           Edit("out = out + identity", "out = out.detach() + identity",
                "`fc2.weight.grad` is None")),
)
