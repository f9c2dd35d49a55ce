"""A placement that lists zones without a spread: the fault trees model one placement (all replicas in
the first listed zone), and everything that exists only under it says so instead of naming a zone."""

from __future__ import annotations

import pytest

from pacelc.analysis.facts import Facts
from pacelc.analysis.faulttrees import depends_on_placement
from pacelc.model import loads
from pacelc.review.engine import ReviewOptions, review
from pacelc.review.tables import build_tables

MODEL = """
system: {name: fixture}
regions:
  - id: eu
    zones: [{id: eu-a}, {id: eu-b}]
services:
  - id: api
    replicas: 2
    placement: {zones: [eu-a, eu-b], spread: SPREAD}
    calls:
      - {to: db, operation: write, timeout: {read_ms: 200}}
stores:
  - id: db
    kind: database
    replicas: 2
    placement: {zones: [eu-a, eu-b], spread: one_per_zone}
    replication: {topology: single_leader, mode: sync, failover: {mode: automatic, fencing: epoch}}
operations:
  - {id: save, entry: api, sla: {availability: 0.9999}}
"""


def _facts(spread: str) -> Facts:
    return Facts(loads(MODEL.replace("SPREAD", spread)).model)


def test_unspecified_spread_is_a_possible_single_point_not_a_fact() -> None:
    facts = _facts("unspecified")
    (sp,) = facts.single_points["save"]
    assert sp.culprit == "api"
    assert sp.assumed == ("zone:eu-a",)
    assert sp.only_assumed
    # The zone is named only as the modelled case, behind the condition.
    assert not sp.labels[0].startswith("zone eu-a")
    assert "spread unspecified" in sp.labels[0]
    cut = next(c for c in facts.availability["save"].result.cut_sets if c.events == ("zone:eu-a",))
    assert depends_on_placement(facts.availability["save"], cut.events) == ["api"]


def test_a_stated_spread_assumes_nothing() -> None:
    facts = _facts("one_per_zone")
    assert facts.single_points["save"] == []
    assert facts.availability["save"].assumed_zones == {}


def test_a_zone_that_also_holds_a_placed_single_copy_is_a_fact() -> None:
    # db is one copy in eu-a: eu-a's failure stops 'save' wherever api's replicas run.
    model = MODEL.replace("SPREAD", "unspecified").replace(
        "replicas: 2\n    placement: {zones: [eu-a, eu-b], spread: one_per_zone}", "placement: {zones: [eu-a]}"
    )
    facts = Facts(loads(model).model)
    a = facts.availability["save"]
    assert a.assumed_zones == {"api": "eu-a"}
    assert depends_on_placement(a, ("zone:eu-a",)) == []
    by = {sp.culprit: sp for sp in facts.single_points["save"]}
    assert by["db"].assumed == ()
    assert "zone eu-a down" in by["db"].labels


def test_flr050_says_may_and_names_no_zone_as_fact() -> None:
    result = review(loads(MODEL.replace("SPREAD", "unspecified")), ReviewOptions(select=("FLR050",)))
    (finding,) = [f for f in result.findings if f.rule == "FLR050"]
    assert list(finding.elements) == ["api"]
    assert "may be a single point of failure" in finding.message
    assert "fails when zone eu-a down" not in finding.message
    assert "cut_sets" not in finding.evidence
    assert finding.evidence["cut_sets_if_replicas_share_a_zone"] == [["zone:eu-a"]]
    assert "spread" in finding.fix


@pytest.mark.parametrize("spread", ["unspecified", "one_per_zone"])
def test_tables_label_the_assumed_placement(spread: str) -> None:
    loaded = loads(MODEL.replace("SPREAD", spread))
    facts = Facts(loaded.model)
    tables = {t.id: t for t in build_tables(loaded.model, facts)}
    (row,) = tables["availability"].rows
    spofs = [r for r in tables["failure_scenarios"].rows if "single point of failure" in r[0]]
    if spread == "unspecified":
        assert "assuming all replicas of api in eu-a (spread unspecified)" in row[1]
        assert "with that placement" in row[2]
        assert row[5] == "api (if its replicas share a zone)"
        (spof,) = spofs
        assert "possible single point of failure" in spof[0]
        assert spof[2].startswith("unknown: depends on where the scheduler puts api's replicas")
    else:
        assert "assuming" not in row[1]
        assert "with that placement" not in row[2]
        assert row[5] == "none"
        assert spofs == []


def test_no_placement_beats_the_any_placement_figure() -> None:
    unspecified = _facts("unspecified").availability["save"]
    assert unspecified.any_placement is not None
    bound = unspecified.any_placement.probability
    assert bound is not None and bound < unspecified.result.probability
    # Every concrete placement of api's two replicas over its zones is at least as unavailable.
    placements = {
        "spread": "placement: {zones: [eu-a, eu-b], spread: SPREAD}".replace("SPREAD", "one_per_zone"),
        "all in eu-a": "placement: {zones: [eu-a], spread: even}",
        "all in eu-b": "placement: {zones: [eu-b], spread: even}",
    }
    for name, placement in placements.items():
        model = MODEL.replace("placement: {zones: [eu-a, eu-b], spread: SPREAD}", placement)
        concrete = Facts(loads(model).model).availability["save"]
        assert concrete.any_placement is None, name
        assert concrete.result.probability >= bound - 1e-15, name
    assert _facts("one_per_zone").availability["save"].any_placement is None
