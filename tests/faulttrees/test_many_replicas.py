"""Fault trees of elements with many replicas keep a shape the analysis handles in linear time.

Each replica gate used to be OR(replica, zone, region): every two replicas of a region then shared
two arguments, so merging common arguments paired them all (quadratic: 3,000 replicas spent the
whole 10 s budget there). The zone's failure is now one shared gate, and each replica gate shares a
single argument with the others.
"""

from __future__ import annotations

import math

from pacelc.analysis.faulttrees import analyse_operations
from pacelc.analysis.fta.merge import merge_common_args
from pacelc.analysis.graph import SystemGraph
from pacelc.model.schema import (
    AvailabilityDefaults,
    Defaults,
    Operation,
    Placement,
    Region,
    Service,
    SystemInfo,
    SystemModel,
    Zone,
)

ZONE_P, REGION_P, SVC_P = 0.01, 0.005, 0.05


def _model(replicas: int) -> SystemModel:
    zones = ["a", "b", "c"]
    return SystemModel(
        system=SystemInfo(name="many"),
        defaults=Defaults(
            availability=AvailabilityDefaults(region=1 - REGION_P, zone=1 - ZONE_P, service_replica=1 - SVC_P)
        ),
        regions=[Region(id="r", zones=[Zone(id=z) for z in zones])],
        services=[Service(id="api", replicas=replicas, placement=Placement(zones=zones, spread="even"))],
        operations=[Operation(id="op", entry="api")],
    )


def test_replica_gates_leave_nothing_for_the_argument_merge() -> None:
    result = analyse_operations(SystemGraph(_model(30)))["op"]
    tree = result.tree
    assert merge_common_args(tree) is tree  # the same object: no common arguments to factor out
    assert sum(g.startswith("zone-down:") for g in tree.gates) == 3


def test_the_shared_zone_gate_keeps_the_exact_availability() -> None:
    n = 30
    result = analyse_operations(SystemGraph(_model(n)))["op"]
    # Down when the region is down, or every zone-group of 10 replicas is lost (zone down or all
    # of its replicas down).
    group_lost = ZONE_P + (1 - ZONE_P) * SVC_P ** (n // 3)
    expected = REGION_P + (1 - REGION_P) * group_lost**3
    assert result.result.probability is not None
    assert math.isclose(result.result.probability, expected, rel_tol=1e-9)
