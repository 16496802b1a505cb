"""The real-world corpus: how often `gradlab check` names the failure, and false alarms."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.common import Figure, run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from realworld import corpus


def measure() -> list[Figure]:
    """Found % as the user ran the script, with its error swallowed, silent; false alarms."""
    m = corpus.measure()
    size = f"{len(corpus.cases())} cases, {len(corpus.idioms())} correct idioms"
    return [
        Figure("corpus: failure named, script crashes", m["found_crashing"], " %",
               note=f"goal ≥ 90 %; {size}"),
        Figure("corpus: failure named, error swallowed", m["found_swallowed"], " %",
               note="goal ≥ 90 %; the raising statement wrapped in try/except"),
        Figure("corpus: silent failure named", m["found_silent"], " %", note="goal ≥ 90 %"),
        Figure("corpus: false alarms (fixed scripts and idioms)", m["false_alarms"], "", 0),
    ]


if __name__ == "__main__":
    run(measure)
