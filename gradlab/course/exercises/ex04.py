"""Exercise 04 · `.detach()` and the numpy round-trip (lesson 04_detach_and_numpy)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Soft(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        h = self.fc1(x).detach().numpy()
        h = torch.tensor(np.exp(-np.abs(h)))
        return self.fc2(h)
"""

SOLUTION = """\
class Soft(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        h = torch.exp(-torch.abs(self.fc1(x)))
        return self.fc2(h)
"""

EXERCISE = Exercise(
    name="Soft",
    lesson="04_detach_and_numpy",
    goal="`Soft` computes exp(-|fc1(x)|) and trains both layers: after one MSE loss on `x`, "
         "`y`, `fc1` and `fc2`'s weights and biases each get the reference's gradient; the "
         "output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    hints=("`fc2` learns, `fc1` never does: its `.grad` stays None, although the output "
           "depends on it.",
           "Look at the two lines that compute `h`: `.detach().numpy()` leaves torch, and "
           "`torch.tensor(...)` makes a new tensor with no history.",
           "Stay in torch: `h = torch.exp(-torch.abs(self.fc1(x)))`."),
    right=(Edit("torch.exp(-torch.abs(self.fc1(x)))", "(-self.fc1(x).abs()).exp()"),
           Edit("h = torch.exp(-torch.abs(self.fc1(x)))",
                "h = self.fc1(x)\n        h = torch.exp(-h.abs())")),
    wrong=(Edit("h = torch.exp(-torch.abs(self.fc1(x)))",
                "h = self.fc1(x)\n        h.data = torch.exp(-torch.abs(h.data))",
                "`fc1.weight.grad` differs from the reference by"),
           Edit("h = torch.exp(-torch.abs(self.fc1(x)))",
                "h = torch.tensor(np.exp(-np.abs(self.fc1(x).detach().numpy())))", "numpy"),
           Edit("torch.exp(-torch.abs(self.fc1(x)))",
                "torch.exp(-torch.abs(self.fc1(x).detach()))",
                ".detach() cut fc1.weight, fc1.bias"),
           Edit("torch.exp(-torch.abs(", "torch.exp(torch.abs(", "`output` differs")),
)
