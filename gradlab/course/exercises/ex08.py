"""Exercise 08 · silent gradients: zero, NaN and wrong (lesson 08_silent_gradients).

Reduced from open-mmlab/mmrotate#205 and photosynthesis-team/piq#308: the length of a vector,
written `sqrt` of a sum of squares, is differentiated where the vector is exactly zero."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class MotionModel(nn.Module):
    \"\"\"A target from the features plus the speed of a predicted 2-D motion. Points whose
    first feature is negative are static: their motion is exactly zero.\"\"\"

    def __init__(self):
        super().__init__()
        self.base = nn.Linear(3, 1)
        self.motion = nn.Linear(3, 2)

    def forward(self, x):
        moving = (x[:, :1] > 0).float()
        motion = self.motion(x) * moving
        speed = motion.pow(2).sum(1, keepdim=True).sqrt()
        return self.base(x) + speed
"""

_SPEED = "speed = motion.pow(2).sum(1, keepdim=True).sqrt()"
_NORM = "speed = torch.linalg.vector_norm(motion, dim=1, keepdim=True)"

SOLUTION = STARTER.replace(_SPEED, _NORM)

EXERCISE = Exercise(
    name="MotionModel",
    lesson="08_silent_gradients",
    goal="`MotionModel` outputs `base(x)` plus the length of the motion vector (0 for static "
         "points), and after one MSE loss on `x`, `y` every parameter gets a finite gradient, "
         "the reference's: a static point adds nothing to `motion`'s gradient.",
    starter=STARTER,
    solution=SOLUTION,
    hints=("Nothing raises, but `motion.weight.grad` and `motion.bias.grad` are `nan`: one step "
           "of the optimizer turns those weights into `nan`.",
           "Look at `speed`: for a static point the sum of squares is exactly 0, and the slope of "
           "`sqrt` at 0 is infinite; the chain rule then multiplies that `inf` by 0.",
           "Compute the length with an op whose backward handles a zero vector: "
           f"`{_NORM}` (or keep `sqrt` away from 0 with `torch.where` on its input)."),
    right=(Edit(_NORM, "speed = motion.norm(dim=1, keepdim=True)"),
           Edit(_NORM, "squared = motion.pow(2).sum(1, keepdim=True)\n"
                       "        safe = torch.where(squared > 0, squared, "
                       "torch.ones_like(squared))\n"
                       "        speed = torch.where(squared > 0, safe.sqrt(), "
                       "torch.zeros_like(squared))")),
    wrong=(Edit(_NORM, _SPEED, "holds NaN or Inf"),
           Edit(_NORM, "squared = motion.pow(2).sum(1, keepdim=True)\n"
                       "        speed = torch.where(squared > 0, squared.sqrt(), "
                       "torch.zeros_like(squared))", "holds NaN or Inf"),
           Edit(_NORM, _SPEED.replace(".sqrt()", ".sqrt().nan_to_num()"), "holds NaN or Inf"),
           Edit(_NORM, "speed = (motion.pow(2).sum(1, keepdim=True) + 1e-2).sqrt()",
                "`output` differs"),
           Edit(_NORM, "speed = torch.linalg.vector_norm(motion.detach(), dim=1, keepdim=True)",
                "`motion.weight.grad` is None")),
)
