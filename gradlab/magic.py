"""`%load_ext gradlab` and `%%gradlab [--loss NAME]`: run a cell under the recorder and show
its graph and report."""

from __future__ import annotations

from types import CodeType, TracebackType
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from gradlab.diagnosis import diagnose_scope, run_recorded
from gradlab.render import draw
from gradlab.report import report_html
from gradlab.session import in_classroom

__all__ = ["GradlabMagics", "load_ipython_extension"]


@magics_class
class GradlabMagics(Magics):
    """The `%%gradlab` cell magic."""

    @magic_arguments()
    @argument("--loss", default=None, help="the variable that holds the loss")
    @cell_magic
    def gradlab(self, line: str, cell: str) -> None:
        """Run the cell under gl.record(), then show the graph and the report for its loss."""
        args = parse_argstring(self.gradlab, line)
        shell = self.shell
        assert shell is not None, "%%gradlab runs inside IPython"
        __tracebackhide__ = True  # IPython shows the cell's frames, not gradlab's
        source = shell.transform_cell(cell)
        try:
            code = compile(source, shell.compile.cache(source, shell.execution_count), "exec")
        except SyntaxError:  # shown as IPython shows it for any cell: no gradlab frames
            shell.showsyntaxerror()
            return
        namespace: dict[str, Any] = shell.user_ns

        def run() -> dict[str, Any]:
            exec(code, namespace)
            return namespace

        _, rec, error, caught = run_recorded(run, code)
        # the variables the cell names, not everything the notebook defined before
        scope = {k: v for k, v in namespace.items() if k in code.co_names}
        try:
            report = diagnose_scope(scope, rec, error, caught, loss=args.loss)
        except ValueError as problem:
            if error is not None:  # the cell's own bug: its frames only, as Python shows it
                raise error.with_traceback(_cell_frames(error, code)) from None
            raise UsageError(f"%%gradlab: {problem}") from None  # the message, no traceback
        display(draw(report))  # large type in classroom mode, as every drawing
        display({"text/html": report_html(report, "1.35em" if in_classroom() else "1em"),
                 "text/plain": str(report)}, raw=True)


def _cell_frames(error: BaseException, code: CodeType) -> TracebackType | None:
    """The part of `error`'s traceback from the cell's own frame on."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    return tb or error.__traceback__


def load_ipython_extension(ipython: Any) -> None:
    """Register `%%gradlab` (called by `%load_ext gradlab`)."""
    if not hasattr(ipython, "register_magics"):
        raise TypeError("load_ipython_extension() takes the IPython shell; in a notebook run "
                        f"`%load_ext gradlab` instead (got {type(ipython).__name__})")
    ipython.register_magics(GradlabMagics)
