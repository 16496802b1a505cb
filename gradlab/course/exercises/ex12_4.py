"""Capstone case 12.4 · a Charbonnier loss computed in numpy (lesson 12_capstone): reduced
from a real report."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
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
"""

_NUMPY = """\
    diff = x.detach().cpu().numpy() - y.cpu().numpy()
    return np.mean(np.sqrt(diff * diff + eps * eps))
"""
_TORCH = """\
    diff = x - y
    return torch.mean(torch.sqrt(diff * diff + eps * eps))
"""
SOLUTION = STARTER.replace(_NUMPY, _TORCH)

EXERCISE = Exercise(
    name="restore_step",
    lesson="12_capstone",
    goal="`restore_step` computes the Charbonnier loss mean(sqrt((restored - y)² + eps²)) with "
         "eps = 1e-3 and back-propagates it into `model`. `restored`, `loss` (a tensor) and "
         "every parameter's gradient are compared with the reference.",
    starter=STARTER,
    solution=SOLUTION,
    forward=("restored", "loss"),
    source="https://github.com/swz30/MPRNet/issues/108",
    hints=("The loss that comes back is not a tensor at all, so it has no `backward`; and the "
           "numbers it was computed from had already left the graph.",
           "Look at `charbonnier_loss`: it detaches `x`, turns it into a numpy array, and "
           "returns a numpy number.",
           "Stay in torch: `diff = x - y` and `return torch.mean(torch.sqrt(diff * diff + "
           "eps * eps))`."),
    right=(Edit("torch.mean(torch.sqrt(diff * diff + eps * eps))",
                "(diff * diff + eps * eps).sqrt().mean()"),
           Edit("torch.mean(torch.sqrt(diff * diff + eps * eps))",
                "torch.sqrt(diff ** 2 + eps ** 2).mean()")),
    wrong=(Edit("diff = x - y", "diff = x.detach() - y", "does not require grad"),
           Edit("diff = x - y", "diff = x.numpy() - y.numpy()", "numpy()"),
           Edit("torch.mean(torch.sqrt(diff * diff + eps * eps))",
                "torch.tensor(torch.mean(torch.sqrt(diff * diff + eps * eps)).item(), "
                "requires_grad=True)", "`weight.grad` is None")),
)
