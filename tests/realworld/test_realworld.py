"""The real-world corpus: every case well-formed, gradlab never changes a script's gradients or
errors, and its scores never fall below those stored in tests/realworld/scores.json."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradlab.report import KINDS
from realworld import corpus
from realworld.corpus import Case

CASES = corpus.cases()
IDIOMS = corpus.idioms()
SCRIPTS = ([c.broken for c in CASES] + [c.fixed for c in CASES] + IDIOMS)
# Kinds the engine issues name (silent failures, non-scalar losses) beside today's KINDS.
PLANNED_KINDS = {"zero_gradient", "nan_gradient", "constant_loss_term", "rebound_parameter",
                 "unregistered_module", "non_scalar_loss"}


def _name(path: Path) -> str:
    return path.relative_to(corpus.ROOT).as_posix()


def test_corpus_size() -> None:
    assert len(CASES) >= 60
    assert len(IDIOMS) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.slug for c in CASES])
def test_case_is_well_formed(case: Case) -> None:
    assert case.source.startswith("https://"), case.slug
    assert case.symptom, case.slug
    assert case.expect and set(case.expect) <= set(KINDS) | PLANNED_KINDS, case.expect
    assert corpus.header(case.fixed).get("source") == case.source
    assert case.slug == case.slug.lower() and " " not in case.slug and "_" not in case.slug


@pytest.mark.parametrize("path", IDIOMS, ids=[p.stem for p in IDIOMS])
def test_idiom_is_well_formed(path: Path) -> None:
    fields = corpus.header(path)
    assert fields.get("source", "").startswith("https://") and fields.get("idiom")


@pytest.mark.parametrize("case", CASES, ids=[c.slug for c in CASES])
def test_case_runs_as_described(case: Case) -> None:
    error = corpus.run(case.broken).error
    if re.match(r"[A-Z]\w*(Error|Exception): ", case.symptom):
        assert error is not None and case.symptom.startswith(type(error).__name__ + ": "), error
    else:  # a silent failure: the symptom is what the user saw while nothing raised
        assert error is None, error
    assert corpus.run(case.fixed).error is None


@pytest.mark.parametrize("path", SCRIPTS, ids=[_name(p) for p in SCRIPTS])
def test_gradlab_changes_nothing(path: Path) -> None:
    assert corpus.identity_problems(path) == []


def test_scores_do_not_fall() -> None:
    measured = corpus.measure()
    stored = corpus.stored()
    for name in ("found_crashing", "found_swallowed", "found_silent"):
        assert measured[name] >= stored[name], (name, measured[name], stored[name])
    assert measured["false_alarms"] <= stored["false_alarms"], measured
