"""Issue 15: a whole-review time budget; what it leaves undone is unknown and named, never dropped."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pacelc.analysis.deadline import Deadline
from pacelc.analysis.facts import Facts
from pacelc.cli import cli
from pacelc.model import load
from pacelc.review.engine import ReviewOptions, review

CHECKOUT = Path(__file__).resolve().parents[2] / "examples" / "checkout" / "system.yaml"


def test_an_exhausted_review_budget_marks_every_availability_unknown_by_name() -> None:
    out = review(load([str(CHECKOUT)]), ReviewOptions(budget_s=1e-9))
    table = next(t for t in out.tables if t.id == "availability")
    assert table.rows
    for row in table.rows:
        assert row[1] == f"unknown (availability of operation {row[0]} not computed: review budget of 1e-09 s reached)"


def test_an_exhausted_review_budget_marks_the_model_checks_unknown_by_name() -> None:
    loaded = load([str(CHECKOUT)])
    facts = Facts(loaded.model, deadline=Deadline.start(1e-9))
    checks = facts.consistency_checks
    checked = [v for v in checks.values() if v.checked is not None and v.protocol is None and v.status == "unknown"]
    assert checked
    for v in checked:
        assert v.reason.endswith(f"model check of domain {v.domain} not computed: review budget of 1e-09 s reached")


def test_review_takes_a_budget_option() -> None:
    result = CliRunner().invoke(cli, ["review", str(CHECKOUT), "--budget-s", "0.000001", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert "not computed: review budget of 1e-06 s reached" in result.output
