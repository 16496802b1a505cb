"""gradlab: see why PyTorch gradients go missing.

Record a forward pass, find every place where gradient flow to the loss was cut and why,
draw the autograd graph with the severed edges, and flip between a broken and a fixed program.
"""

from gradlab.analyse import Context, analyse
from gradlab.compare import Comparison, Result
from gradlab.diagnose import diagnose
from gradlab.exercise import error_of
from gradlab.explain import Explanation, explain
from gradlab.grade import Feedback, grade
from gradlab.graph import Edge, GradGraph, Node
from gradlab.magic import load_ipython_extension
from gradlab.record import Event, Recording, record
from gradlab.render import LEGEND, GraphView, draw
from gradlab.report import ExceptionInfo, Finding, GradRow, Report
from gradlab.setup import classroom, setup
from gradlab.shows import ShowsError, shows_error
from gradlab.widgets import CompareWidget, compare

__version__ = "0.1.0"

__all__ = [
    "LEGEND", "CompareWidget", "Comparison", "Context", "Edge", "Event", "ExceptionInfo",
    "Explanation", "Feedback", "Finding", "GradGraph", "GradRow", "GraphView", "Node", "Recording",
    "Report", "Result", "ShowsError", "__version__", "analyse", "classroom", "compare", "diagnose",
    "draw", "error_of", "explain", "grade", "load_ipython_extension", "record", "setup",
    "shows_error",
]
