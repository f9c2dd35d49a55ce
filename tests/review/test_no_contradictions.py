"""The report never contradicts itself: checks and tables come from the same facts as the findings."""

from __future__ import annotations

import pytest

from pacelc.review.checks import CHECK_RULES
from tests.helpers import REPO
from tests.review.test_review import EXAMPLE_FILES, IMPORTED_EXAMPLES, _review, _review_imported

NAMES = sorted(EXAMPLE_FILES) + sorted(IMPORTED_EXAMPLES)


def _result(name: str, monkeypatch):
    monkeypatch.chdir(REPO)
    if name in EXAMPLE_FILES:
        return _review(EXAMPLE_FILES[name].relative_to(REPO))
    return _review_imported(name)


@pytest.mark.parametrize("name", NAMES)
def test_a_check_fails_exactly_when_its_rules_have_active_findings(name: str, monkeypatch) -> None:
    result = _result(name, monkeypatch)
    active = [f for f in result.findings if f.suppressed is None]
    for check, (_, codes) in zip(result.quality_checks, CHECK_RULES, strict=True):
        behind = [f.fingerprint for f in active if f.rule in codes]
        assert check.findings == behind
        assert check.passed == (not behind), (check.title, behind)


@pytest.mark.parametrize("name", NAMES)
def test_no_domain_is_met_in_the_table_when_a_counterexample_stands(name: str, monkeypatch) -> None:
    result = _result(name, monkeypatch)
    decisions = next(t for t in result.tables if t.id == "consistency_decisions")
    verdict = {row[0].removeprefix("domain "): row[6] for row in decisions.rows if row[0].startswith("domain ")}
    broken = {f.elements[0] for f in result.findings if f.rule == "CNS050"}
    for domain in broken:
        assert verdict[domain] == "NOT met", domain
