"""Tell a learner, in plain words, what the course still needs.

Runs with the standard library only, so `python gradlab/install_check.py` works even when
gradlab itself is not installed yet.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One thing the course needs, whether it is there, and what to do if not."""

    name: str
    ok: bool
    detail: str


def _module_version(name: str) -> str | None:
    if importlib.util.find_spec(name) is None:
        return None
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "installed"


def _dot_version() -> str | None:
    dot = shutil.which("dot")
    if dot is None:
        return None
    done = subprocess.run([dot, "-V"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip() or "installed"


def checks() -> list[Check]:
    """Check torch, the graphviz `dot` program, the widget frontend and gradlab."""
    torch_version = _module_version("torch")
    dot_version = _dot_version()
    widgets_version = _module_version("ipywidgets")
    frontend_version = _module_version("jupyterlab_widgets")
    gradlab_found = importlib.util.find_spec("gradlab") is not None
    return [
        Check("torch", torch_version is not None,
              f"torch {torch_version}" if torch_version
              else "torch is missing: run `make lab` (or pip install torch==2.13.0)."),
        Check("dot", dot_version is not None,
              dot_version if dot_version
              else "the graphviz `dot` program is missing, so graphs cannot be drawn: "
                   "sudo apt-get install graphviz (macOS: brew install graphviz; "
                   "conda: conda install -c conda-forge python-graphviz)."),
        Check("ipywidgets", widgets_version is not None and frontend_version is not None,
              f"ipywidgets {widgets_version}, JupyterLab widget frontend {frontend_version}"
              if widgets_version and frontend_version
              else "the widget toggles will not show: pip install \"gradlab[course]\" "
                   "(or `make lab`), then restart JupyterLab."),
        Check("gradlab", gradlab_found,
              "gradlab is importable" if gradlab_found
              else "gradlab is not installed: run `make lab` from the course folder "
                   "(or pip install -e .)."),
    ]


def report(verbose: bool = True) -> str:
    """Return one line per check (only the failing ones unless `verbose`), then a verdict."""
    results = checks()
    lines = [f"{'ok     ' if c.ok else 'MISSING'}  {c.name:<10} {c.detail}" for c in results
             if verbose or not c.ok]
    missing = [c.name for c in results if not c.ok]
    lines.append("Everything the course needs is installed." if not missing
                 else f"Missing: {', '.join(missing)}. Fix the lines marked MISSING above.")
    return "\n".join(lines)


def main() -> int:
    print(report())
    return 0 if all(c.ok for c in checks()) else 1


if __name__ == "__main__":
    sys.exit(main())
