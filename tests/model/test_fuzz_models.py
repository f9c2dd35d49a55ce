"""Mutated example models: the loader refuses them with located errors, or the review completes.

Never any other exception (issue 15). Bounded to a few seconds: few examples, derandomized so CI
sees the same inputs every run. `benchmarks/fuzz.py` runs the same mutations (and the text-level
ones the loader work is about) through the real command for as long as you like.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pacelc.model import ModelLoadError, load
from pacelc.review.engine import ReviewOptions, review
from tests.model.mutations import SAFE, example_folders, mutate

FOLDERS = example_folders()
# A fixed date: risk-register expiry must not make the outcome depend on the day the suite runs.
OPTIONS = ReviewOptions(today=dt.date(2026, 6, 1))


def check_mutant(folder: Path, rnd: random.Random, classes: tuple[str, ...]) -> str:
    mutant = mutate(FOLDERS, rnd, classes)
    entry = mutant.write(folder)
    try:
        loaded = load(entry)
    except ModelLoadError as exc:
        unlocated = [str(e) for e in exc.errors if e.loc is None or e.loc.line < 1 or e.loc.col < 1]
        assert not unlocated, (mutant.steps, unlocated)
        return "refused"
    review(loaded, OPTIONS)
    return "reviewed"


FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def run(tmp_path_factory, rnd: random.Random, classes: tuple[str, ...]) -> None:
    folder = tmp_path_factory.mktemp("mutant")
    try:
        event(check_mutant(folder, rnd, classes))  # --hypothesis-show-statistics: how many got reviewed
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(FUZZ, max_examples=25)
@given(rnd=st.randoms(use_true_random=False))
def test_a_mutated_example_is_refused_with_locations_or_reviewed(tmp_path_factory, rnd) -> None:
    """Every mutation class but the loader's known gaps: wrong types, extreme numbers, deleted and
    renamed keys, nesting, odd unicode, tags, aliases, merge keys, huge integers, raw control
    characters, other encodings."""
    run(tmp_path_factory, rnd, SAFE)


@settings(FUZZ, max_examples=10)
@given(rnd=st.randoms(use_true_random=False))
def test_numbers_at_and_past_the_domain_bounds_are_refused_or_reviewed(tmp_path_factory, rnd) -> None:
    """Most of these pass the loader, so the engines meet the smallest and largest values allowed."""
    run(tmp_path_factory, rnd, ("bound",))


@pytest.mark.parametrize("seed", range(3))
def test_the_mutator_is_deterministic(seed) -> None:
    one, two = mutate(FOLDERS, random.Random(seed)), mutate(FOLDERS, random.Random(seed))
    assert one.files == two.files and one.steps == two.steps
