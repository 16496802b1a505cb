"""The corpus's known failures (KNOWN_MISSES, KNOWN_ALARMS) are real, still fail, and are few:
a listed case gradlab now names, or a listed idiom it no longer alarms on, must leave the list."""

from __future__ import annotations

import pytest

from realworld import corpus

SLUGS = {c.slug: c for c in corpus.cases()}
IDIOMS = {p.stem: p for p in corpus.idioms()}


def test_known_names_exist() -> None:
    assert set(corpus.KNOWN_MISSES) <= set(SLUGS)
    assert set(corpus.KNOWN_ALARMS) <= set(IDIOMS)
    assert all("issue 31 pattern" in why for why in
               [*corpus.KNOWN_MISSES.values(), *corpus.KNOWN_ALARMS.values()])


@pytest.mark.parametrize("slug", sorted(corpus.KNOWN_MISSES))
def test_known_miss_is_still_missed(slug: str) -> None:
    assert corpus.still_missed(corpus.score_case(SLUGS[slug])), f"{slug} is found now: unlist it"


@pytest.mark.parametrize("name", sorted(corpus.KNOWN_ALARMS))
def test_known_alarm_still_alarms(name: str) -> None:
    assert corpus.false_alarm(corpus.check(IDIOMS[name])), f"{name} is quiet now: unlist it"
