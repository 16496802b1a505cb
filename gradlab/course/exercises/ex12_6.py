"""Capstone case 12.6 · hidden layers kept in a Python list (lesson 12_capstone): reduced
from a real report; silent, the layers never train."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
options = {"n_layers": 2, "n_hid": 8, "act": "Tanh"}


class SNLINet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hids = []
        for _li in range(options["n_layers"]):
            self.hids.append([nn.Linear(options["n_hid"], options["n_hid"]),
                              getattr(nn, options["act"])()])
        self.classifier = nn.Linear(options["n_hid"], 1)

    def forward(self, x):
        for linear, act in self.hids:
            x = act(linear(x))
        return self.classifier(x)
"""

_LIST = """\
        self.hids = []
        for _li in range(options["n_layers"]):
            self.hids.append([nn.Linear(options["n_hid"], options["n_hid"]),
                              getattr(nn, options["act"])()])
"""
_MODULES = """\
        self.hids = nn.ModuleList()
        for _li in range(options["n_layers"]):
            self.hids.append(nn.ModuleList([nn.Linear(options["n_hid"], options["n_hid"]),
                                            getattr(nn, options["act"])()]))
"""
SOLUTION = STARTER.replace(_LIST, _MODULES)

EXERCISE = Exercise(
    name="SNLINet",
    lesson="12_capstone",
    goal="`SNLINet` trains every layer: its two hidden `nn.Linear` layers (with their Tanh) and "
         "its classifier are all in `model.parameters()`, under the names `hids.0.0`, `hids.1.0` "
         "and `classifier`, so the optimizer updates them. After one MSE loss on `x`, `y` "
         "(8 features) every parameter gets the reference's gradient; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    features=8,
    source="https://github.com/pytorch/pytorch/issues/715",
    hints=("Nothing raises and the loss goes down a little, but only the classifier learns: "
           "the hidden layers never change.",
           "Look at where the hidden layers are kept: `self.hids` is a plain Python list, and "
           "`model.parameters()` does not look inside lists.",
           "Keep them in `nn.ModuleList`s: `self.hids = nn.ModuleList()` and append "
           "`nn.ModuleList([linear, act])` (or an `nn.Sequential(linear, act)`)."),
    right=(Edit("""nn.ModuleList([nn.Linear(options["n_hid"], options["n_hid"]),
                                            getattr(nn, options["act"])()]))""",
                """nn.Sequential(nn.Linear(options["n_hid"], options["n_hid"]),
                                           getattr(nn, options["act"])()))"""),
           Edit(_MODULES, """\
        self.hids = nn.ModuleList(
            nn.ModuleList([nn.Linear(options["n_hid"], options["n_hid"]),
                           getattr(nn, options["act"])()])
            for _li in range(options["n_layers"]))
""")),
    wrong=(Edit("self.hids = nn.ModuleList()", "self.hids = []",
                "`hids.0.0.weight` is not a parameter of your version"),
           Edit("""nn.ModuleList([nn.Linear(options["n_hid"], options["n_hid"]),
                                            getattr(nn, options["act"])()]))""",
                """[nn.Linear(options["n_hid"], options["n_hid"]),
                                            getattr(nn, options["act"])()])""",
                "is not a Module subclass"),
           Edit("x = act(linear(x))", "x = linear(x)", "`output` differs")),
)
