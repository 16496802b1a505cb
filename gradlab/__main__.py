"""Command line: `python -m gradlab check SCRIPT [options] [-- ARGS...]`, `check-install`, and
the course's `grade NN FILE`, `hint NN [--level K]` and `solution NN`.

`check` runs SCRIPT the way `python SCRIPT ARGS...` does, under the recorder, and prints what
cut or corrupted its gradients. Exit codes of `check`: 0 no error or warning finding,
1 findings, 2 usage error (no such file, not a Python source file, bad option), 3 the script
failed for a reason unrelated to autograd (a SyntaxError included).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradlab.context import Context
    from gradlab.report import Report
    from gradlab.runner import ScriptRun
    from gradlab.steps import watch_steps

__all__ = ["main"]


def _say(text: str) -> None:
    print(f"gradlab check: {text}", file=sys.stderr)


def check(path: str, args: Sequence[str], loss: str | None, as_json: bool,
          timeout: float | None, steps: int | None = None) -> int:
    """Run SCRIPT under gradlab and print its findings; return the exit code."""
    from gradlab.analysis import analyse
    from gradlab.diagnosis import autograd_related, unrelated_error
    from gradlab.steps import watch_steps

    try:
        watch = watch_steps(steps) if steps is not None else None
    except ValueError as problem:
        _say(f"--steps: {problem}")
        return 2
    run = _run(path, args, timeout, as_json, watch)
    if isinstance(run, int):
        return run
    ctx = _context(run, loss, as_json)
    if isinstance(ctx, int):
        return ctx
    report = analyse(ctx)
    if run.error is not None and not autograd_related(report):
        _say(f"the script failed for a reason unrelated to autograd: "
             f"{unrelated_error(run.error)}")
        if report.ok:
            return 3
        _say("before that, gradlab found:")  # e.g. an autograd error it caught and went on
    _print(report, run, watch, as_json)
    if report.ok and run.exited and run.exit_status not in (None, 0):
        _say(f"the script exited with status {run.exit_status!r}")
        return 3
    return 0 if report.ok else 1


def _run(path: str, args: Sequence[str], timeout: float | None, as_json: bool,
         watch: watch_steps | None) -> ScriptRun | int:
    """Run the script (its prints to stderr with --json); an exit code if it could not run."""
    from gradlab.runner import NotASource, run_script, syntax_error_text

    quiet = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    try:  # with --json the script's own prints go to stderr: stdout carries only the JSON
        with watch or contextlib.nullcontext(), quiet:
            run = run_script(path, args, timeout=timeout)
    except NotASource as problem:
        _say(str(problem))
        return 2
    except SyntaxError as error:  # the script's own syntax error, shown as Python shows it
        print(syntax_error_text(error), end="", file=sys.stderr)
        return 3
    if run.timed_out:
        _say(f"the script was stopped after {timeout:g} s (--timeout); the report covers "
             "what it ran until then")
    elif run.exited:
        _say(f"the script called sys.exit({run.exit_status!r}); the report covers what it ran "
             "until then")
    return run


def _context(run: ScriptRun, loss: str | None, as_json: bool) -> Context | int:
    """What the analysis reads from the script's run, or the exit code when there is none."""
    from gradlab.diagnosis import _context_from_scope

    try:
        return _context_from_scope(run.scope, loss=loss, model=None, optimizer=None,
                                   recording=run.recording, exception=run.error,
                                   caught=run.warned)
    except ValueError as problem:
        if run.exited or run.timed_out:  # stopped before a loss existed: nothing to judge
            _say(f"nothing to check: {problem}")
            return 3 if run.timed_out or run.exit_status not in (None, 0) else 2
        if loss is None and run.error is None and not run.recording.of_kind("backward"):
            _say("nothing to check: the script ran without calling backward() or "
                 "autograd.grad() and has no loss (name it `loss`, or pass --loss NAME)")
            if as_json:
                print("[]")
            return 0
        _say(str(problem))
        return 2


def _print(report: Report, run: ScriptRun, watch: watch_steps | None, as_json: bool) -> None:
    """Print the findings (with the caught warnings and the steps table) as text or JSON."""
    from gradlab.warned import add_findings

    add_findings(report, run.warned)
    findings = [f.to_dict() for f in report.findings]
    if watch is not None:
        report.steps = table = watch.table(run.scope, report.findings)
        if as_json:
            print(json.dumps({"findings": findings, "steps": [r.to_dict() for r in table.rows]},
                             indent=2))
    elif as_json:
        print(json.dumps(findings, indent=2))
    if not as_json:
        print(report)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"--timeout takes a number of seconds > 0, not {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from gradlab.runner import EXIT_CODES

    argv = list(sys.argv[1:] if argv is None else argv)
    script_args: list[str] = []
    if "--" in argv:  # what follows `--` is the script's own command line
        cut = argv.index("--")
        argv, script_args = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(prog="python -m gradlab",
                                     description="Find where PyTorch gradients go missing.")
    commands = parser.add_subparsers(dest="command", required=True)
    check_cmd = commands.add_parser(
        "check", help="run a script as python does and report severed gradients",
        description="Run SCRIPT as `python SCRIPT ARGS...` does, under gradlab's recorder, "
                    "and report where gradients were cut or corrupted.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="python -m gradlab check SCRIPT [--loss NAME] [--json] [--timeout SECONDS] "
              "[-- ARGS...]")
    check_cmd.add_argument("script", help="the Python script to run")
    check_cmd.add_argument("--loss", help="name of the loss variable (default: `loss`)")
    check_cmd.add_argument("--json", action="store_true",
                           help="print findings as JSON (the script's prints go to stderr)")
    check_cmd.add_argument("--timeout", type=_positive, metavar="SECONDS",
                           help="stop the script after SECONDS and report what it ran")
    check_cmd.add_argument("--steps", type=int, metavar="N", help="watch N optimizer steps: "
                           "which parameters did not move, and why")
    commands.add_parser("check-install", help="say what the course still needs")
    from gradlab.course.cli import COMMANDS, add_commands, run_command

    add_commands(commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0) and 2
    if args.command == "check-install":
        from gradlab.install_check import main as install_main

        return install_main()
    if args.command in COMMANDS:
        return run_command(args)
    return check(args.script, script_args, args.loss, args.json, args.timeout, args.steps)


if __name__ == "__main__":
    sys.exit(main())
