"""gradlab: see why PyTorch gradients go missing.

Record a forward pass, find every place where gradient flow to the loss was cut and why,
draw the autograd graph with the severed edges, and flip between a broken and a fixed program.
"""

from gradlab.analyse import Context, analyse
from gradlab.diagnose import diagnose
from gradlab.explain import Explanation, explain
from gradlab.graph import Edge, GradGraph, Node
from gradlab.record import Event, Recording, record
from gradlab.render import LEGEND, GraphView, draw
from gradlab.report import ExceptionInfo, Finding, GradRow, Report
from gradlab.setup import setup

__version__ = "0.1.0"

__all__ = [
    "LEGEND", "Context", "Edge", "Event", "ExceptionInfo", "Explanation", "Finding", "GradGraph",
    "GradRow", "GraphView", "Node", "Recording", "Report", "__version__", "analyse", "diagnose",
    "draw", "explain", "record", "setup",
]
