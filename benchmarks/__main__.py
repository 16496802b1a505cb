"""`make bench`: every benchmark in one run, a table, and benchmarks/results.json."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import corpus, course, engine, flips, render
from benchmarks.common import machine, run


def main() -> None:
    figures = run(lambda: engine.measure() + render.measure() + flips.measure()
                  + course.measure() + corpus.measure())
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps({"machine": machine(), "figures": [f.to_dict() for f in figures]},
                              indent=2) + "\n", encoding="utf-8")
    print(f"written to benchmarks/{out.name}")


if __name__ == "__main__":
    main()
