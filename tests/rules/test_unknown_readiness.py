"""A model that does not list its chaos experiments is asked, not told its failover is untested."""

from __future__ import annotations

from pacelc.model.loader import loads
from pacelc.review.engine import ReviewOptions, review

MODEL = """
system: {name: shop}
regions: [{id: r, zones: [{id: a}, {id: b}]}]
services:
  - {id: api, replicas: 2, placement: {zones: [a, b], spread: one_per_zone}}
%s
"""


def _ops006(extra: str):
    result = review(loads(MODEL % extra), ReviewOptions(select=("OPS006", "OPS005")))
    return {f.rule: f for f in result.findings}


def test_chaos_not_listed_is_unknown() -> None:
    found = _ops006("")
    assert found["OPS006"].unknown and found["OPS006"].severity == "low"
    assert "is failover tested" in found["OPS006"].message
    assert found["OPS005"].unknown


def test_chaos_listed_empty_is_a_finding() -> None:
    found = _ops006("readiness: {chaos: []}")
    assert not found["OPS006"].unknown and found["OPS006"].severity == "medium"
    assert "failover is untested" in found["OPS006"].message
