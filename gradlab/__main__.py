"""Command line: `python -m gradlab check SCRIPT [--loss NAME] [--json] [--steps N]` and
`check-install`.

Exit codes of `check`: 0 no error or warning findings, 1 findings, 2 usage error or missing
file, 3 the script failed for a reason unrelated to autograd.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]


def _run_script(path: str) -> Any:
    """Run a script like `python SCRIPT` under the recorder; return (scope, recording, error,
    warnings)."""
    from gradlab.diagnose import run_recorded

    with open(path, encoding="utf-8") as handle:
        code = compile(handle.read(), path, "exec")
    scope: dict[str, Any] = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    argv, sys.argv = sys.argv, [path]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        def run() -> dict[str, Any]:
            exec(code, scope)
            return scope
        found, rec, error, caught = run_recorded(run)
    finally:
        sys.argv = argv
        sys.path.pop(0)
    if error is not None:
        found = {**scope, **_deepest_script_locals(error, path)}
    return found, rec, error, caught


def _deepest_script_locals(error: BaseException, path: str) -> dict[str, Any]:
    tb = error.__traceback__
    found: dict[str, Any] = {}
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename == path and frame.f_code.co_name != "<module>":
            found = dict(frame.f_locals)
        tb = tb.tb_next
    return found


def check(path: str, loss: str | None, as_json: bool, steps: int | None = None) -> int:
    """Run SCRIPT under gradlab and print its findings; return the exit code."""
    from gradlab.analyse import analyse
    from gradlab.diagnose import _context_from_scope, unrelated_error
    from gradlab.explain import explain

    if not os.path.isfile(path):
        print(f"gradlab check: no such file: {path}", file=sys.stderr)
        return 2
    from gradlab.steps import watch_steps

    try:
        watch = watch_steps(steps) if steps is not None else None
    except ValueError as problem:
        print(f"gradlab check: --steps: {problem}", file=sys.stderr)
        return 2
    with watch or contextlib.nullcontext(), contextlib.redirect_stdout(
            sys.stderr) if as_json else contextlib.nullcontext():  # stdout: only the JSON
        scope, rec, error, caught = _run_script(path)
    if error is not None and explain(error) is None:
        print(f"gradlab check: the script failed for a reason unrelated to autograd: "
              f"{unrelated_error(error)}", file=sys.stderr)
        return 3
    try:
        ctx = _context_from_scope(scope, loss=loss, model=None, optimizer=None, recording=rec,
                                  exception=error, caught=caught)
    except ValueError as problem:
        print(f"gradlab check: {problem}", file=sys.stderr)
        return 2
    report = analyse(ctx)
    if watch is not None:
        report.steps = table = watch.table(scope, report.findings)
    if as_json and watch is not None:
        print(json.dumps({"findings": [f.to_dict() for f in report.findings],
                          "steps": [r.to_dict() for r in table.rows]}, indent=2))
    elif as_json:
        print(json.dumps([f.to_dict() for f in report.findings], indent=2))
    else:
        print(report)
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gradlab",
                                     description="Find where PyTorch gradients go missing.")
    commands = parser.add_subparsers(dest="command", required=True)
    check_cmd = commands.add_parser("check", help="run a script and report severed gradients")
    check_cmd.add_argument("script")
    check_cmd.add_argument("--loss", help="name of the loss variable (default: `loss`)")
    check_cmd.add_argument("--json", action="store_true", help="print findings as JSON")
    check_cmd.add_argument("--steps", type=int, metavar="N", help="watch N optimizer steps: "
                           "which parameters did not move, and why")
    commands.add_parser("check-install", help="say what the course still needs")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0) and 2
    if args.command == "check-install":
        from gradlab.install_check import main as install_main

        return install_main()
    return check(args.script, args.loss, args.json, args.steps)


if __name__ == "__main__":
    sys.exit(main())
