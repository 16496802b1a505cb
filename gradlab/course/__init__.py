"""The course around gradlab: graded exercises (`grade`), the hint ladder (`hint`), reference
solutions on request (`solution`), prediction questions (`gradlab.course.predict`) and the fact
check's `error_of`. The library never imports this package; `gradlab` re-exports these names
lazily, so `import gradlab` loads neither the course nor ipywidgets."""

from gradlab.course.errors import error_of
from gradlab.course.grading import Feedback, grade
from gradlab.course.hints import hint, solution

__all__ = ["Feedback", "error_of", "grade", "hint", "solution"]
