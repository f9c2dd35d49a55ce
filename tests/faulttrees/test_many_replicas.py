"""Fault trees of elements with many replicas keep a shape the analysis handles in linear time.

Each replica gate used to be OR(replica, zone, region): every two replicas of a region then shared
two arguments, so merging common arguments paired them all (quadratic: 3,000 replicas spent the
whole 10 s budget there). The zone's failure is now one shared gate, and each replica gate shares a
single argument with the others.
"""

from __future__ import annotations

import math

from pacelc.analysis.faulttrees import analyse_operations
from pacelc.analysis.fta.budget import Status
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


def _model(replicas: int, min_replicas: int | None = None) -> SystemModel:
    zones = ["a", "b", "c"]
    return SystemModel(
        system=SystemInfo(name="many"),
        defaults=Defaults(
            availability=AvailabilityDefaults(region=1 - REGION_P, zone=1 - ZONE_P, service_replica=1 - SVC_P)
        ),
        regions=[Region(id="r", zones=[Zone(id=z) for z in zones])],
        services=[
            Service(
                id="api",
                replicas=replicas,
                min_replicas=min_replicas,
                placement=Placement(zones=zones, spread="even"),
            )
        ],
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


def _up_distribution(replicas: int) -> list[float]:
    """P(exactly j replicas of a zone group up), each up with probability 1 - SVC_P."""
    return [math.comb(replicas, j) * (1 - SVC_P) ** j * SVC_P ** (replicas - j) for j in range(replicas + 1)]


def _convolve(a: list[float], b: list[float]) -> list[float]:
    out = [0.0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def test_a_wide_quorum_over_zones_is_exact() -> None:
    # 300 replicas in three zones, at least 150 up: a k-of-n gate wider than the engine's fold
    # threshold, whose arguments tie on their zone's event.
    n, need = 300, 150
    model = _model(n, need)
    result = analyse_operations(SystemGraph(model))["op"].result
    group = _up_distribution(n // 3)
    zone_lost = [1.0]  # a lost zone has 0 replicas up
    down = 0.0
    for lost in range(8):  # which of the three zones are down, as bits
        p_state = 1.0
        dist = [1.0]
        for z in range(3):
            is_lost = bool(lost >> z & 1)
            p_state *= ZONE_P if is_lost else 1 - ZONE_P
            dist = _convolve(dist, zone_lost if is_lost else group)
        down += p_state * sum(dist[:need])
    expected = REGION_P + (1 - REGION_P) * down
    assert result.probability is not None
    assert math.isclose(result.probability, expected, rel_tol=1e-9)


def test_a_wide_and_over_zones_is_exact() -> None:
    # 3,000 replicas, any one up is enough: an AND over replicas tying on their zone's event (it
    # used to rebuild the whole diagram for each replica: over 60 s for 10,000).
    n = 3_000
    result = analyse_operations(SystemGraph(_model(n)))["op"].result
    group_lost = ZONE_P + (1 - ZONE_P) * SVC_P ** (n // 3)
    expected = REGION_P + (1 - REGION_P) * group_lost**3
    assert result.probability is not None
    assert math.isclose(result.probability, expected, rel_tol=1e-9)


def test_a_quorum_too_large_to_analyse_is_unknown_and_says_why() -> None:
    model = _model(10_000, 5_000)
    result = analyse_operations(SystemGraph(model))["op"].result
    assert result.probability is None
    assert result.status is Status.NODE_BUDGET
    assert result.message is not None
    assert "api is down when 5,001 of its 10,000 replicas are" in result.message
    assert f"at least {5_001 * 5_000:,} nodes" in result.message
