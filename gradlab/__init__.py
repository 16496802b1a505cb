"""gradlab: see why PyTorch gradients go missing.

Record a forward pass, find every place where gradient flow to the loss was cut and why,
draw the autograd graph with the severed edges, and flip between a broken and a fixed program.
The notebook parts (`gl.compare`'s toggle, `%%gradlab`) load on first use, so the library alone
needs none of the course's packages (`pip install "gradlab[course]"` adds them).

Data flows one way: `recording/` (one instrument owns every global change) -> `walk` + `facts/`
(read-only) -> `rules/` (pure; each declares its kinds) -> `arbitrate` (overlaps, no finding
contradicts the run) -> `report` -> `render` / `widgets`. The course (`course/`) sits apart:
the library never imports it.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from gradlab.analysis import analyse
from gradlab.api import draw
from gradlab.comparison import Comparison, Result
from gradlab.context import Context
from gradlab.diagnosis import diagnose
from gradlab.explanations import Explanation, explain
from gradlab.graph import Edge, GradGraph, Node
from gradlab.recording import Event, Recording, record
from gradlab.render import LEGEND, GraphView
from gradlab.report import ExceptionInfo, Finding, GradRow, Report
from gradlab.session import classroom, setup
from gradlab.shows import ShowsError, shows_error

if TYPE_CHECKING:
    from gradlab.magic import load_ipython_extension
    from gradlab.widgets import CompareWidget, compare

if TYPE_CHECKING:  # the course's names, for type checkers; imported lazily below
    from gradlab.course.errors import error_of
    from gradlab.course.grading import Feedback, grade
    from gradlab.course.hints import hint, solution
    from gradlab.course.predict import predict

__version__ = "0.1.0"

__all__ = [
    "LEGEND", "CompareWidget", "Comparison", "Context", "Edge", "Event", "ExceptionInfo",
    "Explanation", "Feedback", "Finding", "GradGraph", "GradRow", "GraphView", "Node", "Recording",
    "Report", "Result", "ShowsError", "__version__", "analyse", "classroom", "compare", "diagnose",
    "draw", "error_of", "explain", "grade", "hint", "load_ipython_extension", "predict", "record",
    "setup", "shows_error", "solution",
]

# Names whose modules need the course's packages (IPython, ipywidgets, the course itself),
# loaded on first use: name -> the module that defines it.
_LAZY = {"CompareWidget": "gradlab.widgets", "compare": "gradlab.widgets",
         "load_ipython_extension": "gradlab.magic",
         "Feedback": "gradlab.course.grading", "grade": "gradlab.course.grading",
         "hint": "gradlab.course.hints", "solution": "gradlab.course.hints",
         "error_of": "gradlab.course.errors", "predict": "gradlab.course.predict"}


def __getattr__(name: str) -> object:
    """Import a notebook or course name on first use; without the course's packages, say how
    to get them."""
    if name not in _LAZY:
        raise AttributeError(f"module 'gradlab' has no attribute {name!r}")
    try:
        module = import_module(_LAZY[name])
    except ModuleNotFoundError as missing:
        raise ImportError(f"gl.{name} needs the course's packages ({missing.name} is not "
                          f'installed): pip install "gradlab[course]"') from missing
    value = getattr(module, name)
    globals()[name] = value
    return value
