"""gradlab: see why PyTorch gradients go missing.

Record a forward pass, find every place where gradient flow to the loss was cut and why,
draw the autograd graph with the severed edges, and flip between a broken and a fixed program.
"""

from typing import TYPE_CHECKING, Any

from gradlab.analyse import Context, analyse
from gradlab.compare import Comparison, Result
from gradlab.diagnose import diagnose
from gradlab.explain import Explanation, explain
from gradlab.graph import Edge, GradGraph, Node
from gradlab.magic import load_ipython_extension
from gradlab.record import Event, Recording, record
from gradlab.render import LEGEND, GraphView, draw
from gradlab.report import ExceptionInfo, Finding, GradRow, Report
from gradlab.setup import setup
from gradlab.shows import ShowsError, shows_error
from gradlab.widgets import CompareWidget, compare

if TYPE_CHECKING:  # the course's names, for type checkers; imported lazily below
    from gradlab.course.errors import error_of
    from gradlab.course.grade import Feedback, grade
    from gradlab.course.hints import hint, solution
    from gradlab.course.predict import predict

__version__ = "0.1.0"

# The course's names, loaded on first use so that `import gradlab` imports neither the course
# package nor ipywidgets: name -> the module that defines it.
_LAZY = {"Feedback": "gradlab.course.grade", "grade": "gradlab.course.grade",
         "hint": "gradlab.course.hints", "solution": "gradlab.course.hints",
         "error_of": "gradlab.course.errors", "predict": "gradlab.course.predict"}

__all__ = [
    "LEGEND", "CompareWidget", "Comparison", "Context", "Edge", "Event", "ExceptionInfo",
    "Explanation", "Feedback", "Finding", "GradGraph", "GradRow", "GraphView", "Node", "Recording",
    "Report", "Result", "ShowsError", "__version__", "analyse", "compare", "diagnose", "draw",
    "error_of", "explain", "grade", "hint", "load_ipython_extension", "predict", "record",
    "setup", "shows_error", "solution",
]


def __getattr__(name: str) -> Any:
    """The course's names (`gl.grade`, `gl.hint`, `gl.solution`, `gl.predict`, ...), imported
    on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gradlab' has no attribute {name!r}")
