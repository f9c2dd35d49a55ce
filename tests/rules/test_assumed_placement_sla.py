"""FLR010 on a placement the model does not state: asked, not asserted, when some placement meets the SLA."""

from __future__ import annotations

from pacelc.model.loader import loads
from pacelc.review.engine import ReviewOptions, review

MODEL = """
system: {name: shop}
defaults: {availability: {zone: 0.999, region: 0.99999, service_replica: 0.999}}
regions: [{id: r, zones: [{id: a}, {id: b}]}]
services:
  - {id: api, replicas: 2, placement: {zones: [a, b], spread: %s}}
operations:
  - {id: browse, entry: api, sla: {availability: 0.9995}}
"""


def _flr010(spread: str):
    result = review(loads(MODEL % spread), ReviewOptions(select=("FLR010",)))
    return [f for f in result.findings if f.rule == "FLR010"]


def test_a_miss_only_under_the_assumed_placement_is_unknown() -> None:
    # Both replicas assumed in zone a: the zone alone is 0.999 < 0.9995; one per zone would meet it.
    (finding,) = _flr010("unspecified")
    assert finding.unknown and finding.severity == "medium"
    assert "assuming all replicas of api in one zone" in finding.message
    assert "which would meet it" in finding.message


def test_a_stated_spread_that_meets_the_sla_gives_no_finding() -> None:
    assert _flr010("one_per_zone") == []
