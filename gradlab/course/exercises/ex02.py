"""Exercise 02 · the weight that never asked for a gradient (lesson 02_missing_requires_grad).

Reduced from a real report: https://github.com/CWanli/RecoNet/issues/10 (the rank weights
`lam` of a tensor-reconstruction module got a `.grad` but stayed all ones).
"""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class RankMix(nn.Module):
    \"\"\"Three learned views of the input, mixed by learned weights.\"\"\"

    def __init__(self, rank=3):
        super().__init__()
        self.parts = nn.Linear(3, rank)
        self.mix = torch.ones(rank, requires_grad=True)

    def forward(self, x):
        return (self.parts(x) * self.mix).sum(1, keepdim=True)
"""

SOLUTION = """\
class RankMix(nn.Module):
    \"\"\"Three learned views of the input, mixed by learned weights.\"\"\"

    def __init__(self, rank=3):
        super().__init__()
        self.parts = nn.Linear(3, rank)
        self.mix = nn.Parameter(torch.ones(rank))

    def forward(self, x):
        return (self.parts(x) * self.mix).sum(1, keepdim=True)
"""

EXERCISE = Exercise(
    name="RankMix",
    lesson="02_missing_requires_grad",
    goal="`RankMix` trains all of its weights: `parts.weight`, `parts.bias` and `mix` (starting "
         "at ones) are parameters of the model, and after one MSE loss on `x`, `y` each gets "
         "the reference's gradient; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    hints=("`mix` gets a `.grad` after backward, yet it stays at ones however long the model "
           "trains: no optimizer step ever changes it.",
           "Look at `self.mix = torch.ones(rank, requires_grad=True)` in `__init__`: "
           "`model.parameters()` lists only `parts.weight` and `parts.bias`.",
           "Register it as a parameter: `self.mix = nn.Parameter(torch.ones(rank))`."),
    right=(Edit("self.mix = nn.Parameter(torch.ones(rank))",
                "self.register_parameter('mix', nn.Parameter(torch.ones(rank)))"),
           Edit("nn.Parameter(torch.ones(rank))",
                "nn.Parameter(torch.ones(rank, requires_grad=True))"),
           Edit("(self.parts(x) * self.mix)", "(self.mix * self.parts(x))")),
    wrong=(Edit("nn.Parameter(torch.ones(rank))",
                "nn.Parameter(torch.ones(rank), requires_grad=False)",
                "`mix` has requires_grad=False"),
           Edit("nn.Parameter(torch.ones(rank))", "nn.Parameter(torch.ones(rank)).clone()",
                "`mix` is a plain tensor"),
           Edit("(self.parts(x) * self.mix)", "(self.parts(x) * self.mix.detach())",
                "`mix.grad` is None"),
           Edit("torch.ones(rank)", "torch.rand(rank)", "`mix` starts from other values")),
)
