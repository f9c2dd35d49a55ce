"""Operation fault trees: exact availability against brute-force enumeration, and single points of failure."""

from __future__ import annotations

import itertools
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacelc.analysis.faulttrees import analyse_operations, single_points
from pacelc.analysis.graph import SystemGraph
from pacelc.model.schema import (
    AvailabilityDefaults,
    Call,
    Defaults,
    Failover,
    Operation,
    Placement,
    Quorum,
    Region,
    Replication,
    Service,
    Store,
    SystemInfo,
    SystemModel,
    Zone,
)

ZONE_P, REGION_P, SVC_P, STORE_P = 0.01, 0.005, 0.05, 0.03


def _defaults() -> Defaults:
    return Defaults(
        availability=AvailabilityDefaults(
            region=1 - REGION_P, zone=1 - ZONE_P, host=0.999, service_replica=1 - SVC_P, store_replica=1 - STORE_P
        )
    )


@st.composite
def architectures(draw) -> SystemModel:
    zones = [f"z{i}" for i in range(draw(st.integers(1, 3)))]
    spread = st.sampled_from(["one_per_zone", "even"])

    def placement(replicas: int) -> Placement:
        kind = draw(spread)
        if kind == "one_per_zone" and replicas > len(zones):
            kind = "even"
        return Placement(zones=zones, spread=kind)

    stores = []
    for i in range(draw(st.integers(1, 2))):
        topology = draw(st.sampled_from(["none", "single_leader", "consensus", "leaderless"]))
        n = 1 if topology == "none" else draw(st.integers(2 if topology != "consensus" else 3, 3))
        if topology == "consensus":
            rep = Replication(topology="consensus", read_from="leader", linearizable_reads="read_index")
        elif topology == "leaderless":
            rep = Replication(
                topology="leaderless", quorum=Quorum(n=n, r=draw(st.integers(1, n)), w=draw(st.integers(1, n)))
            )
        elif topology == "single_leader":
            mode = draw(st.sampled_from(["automatic", "manual"]))
            rep = Replication(
                topology="single_leader", mode="sync", read_from="leader", failover=Failover(mode=mode, fencing="epoch")
            )
        else:
            rep = Replication(topology="none")
        stores.append(Store(id=f"db{i}", kind="database", replicas=n, placement=placement(n), replication=rep))
    services = []
    count = draw(st.integers(1, 3))
    for i in range(count):
        replicas = draw(st.integers(1, 3))
        calls = []
        if i + 1 < count:
            calls.append(
                Call(to=f"s{i + 1}", timeout={"read_ms": 100}, fallback=draw(st.sampled_from([None, "cached"])))
            )
        for store in stores:
            if draw(st.booleans()):
                calls.append(
                    Call(to=store.id, operation=draw(st.sampled_from(["read", "write"])), timeout={"read_ms": 50})
                )
        services.append(
            Service(
                id=f"s{i}",
                replicas=replicas,
                min_replicas=draw(st.integers(1, replicas)),
                placement=placement(replicas),
                calls=calls,
            )
        )
    return SystemModel(
        system=SystemInfo(name="random"),
        defaults=_defaults(),
        regions=[Region(id="r", zones=[Zone(id=z) for z in zones])],
        services=services,
        stores=stores,
        operations=[Operation(id="op", entry="s0")],
    )


def _replica_zone(zones: list[str], i: int) -> str:
    return zones[i % len(zones)]


def brute_force_unavailability(model: SystemModel) -> float:
    """Enumerate every combination of failed replicas, zones and the region; sum the failing ones."""
    zones = [z.id for z in model.regions[0].zones]
    events: list[tuple[str, float]] = [("region", REGION_P)] + [(f"zone:{z}", ZONE_P) for z in zones]
    for svc in model.services:
        events += [(f"s:{svc.id}:{i}", SVC_P) for i in range(svc.replicas)]
    for store in model.stores:
        events += [(f"d:{store.id}:{i}", STORE_P) for i in range(store.replicas)]
    names = [e for e, _ in events]
    stores = {s.id: s for s in model.stores}
    services = {s.id: s for s in model.services}
    total = 0.0
    for bits in itertools.product((False, True), repeat=len(events)):
        failed = {n for n, b in zip(names, bits, strict=True) if b}

        def up(prefix: str, element, i: int, failed=failed) -> bool:
            z = _replica_zone(element.placement.zones, i)
            return f"{prefix}:{element.id}:{i}" not in failed and f"zone:{z}" not in failed and "region" not in failed

        def store_up(store: Store, write: bool, up=up) -> bool:
            alive = [up("d", store, i) for i in range(store.replicas)]
            rep = store.replication
            if rep.topology == "consensus":
                return sum(alive) >= store.replicas // 2 + 1
            if rep.topology == "leaderless":
                return sum(alive) >= (rep.quorum.w if write else rep.quorum.r)
            if rep.topology == "single_leader" and rep.failover.mode == "manual":
                return alive[0]
            return any(alive)

        def service_up(sid: str, up=up, store_up=store_up) -> bool:
            svc = services[sid]
            if sum(up("s", svc, i) for i in range(svc.replicas)) < (svc.min_replicas or 1):
                return False
            for call in svc.calls:
                if call.fallback:
                    continue
                if call.to in stores:
                    if not store_up(stores[call.to], call.operation == "write"):
                        return False
                elif not service_up(call.to):
                    return False
            return True

        if not service_up("s0"):
            total += math.prod(p if b else 1 - p for (_, p), b in zip(events, bits, strict=True))
    return total


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures())
def test_exact_availability_matches_brute_force(model: SystemModel) -> None:
    result = analyse_operations(SystemGraph(model))["op"].result
    expected = brute_force_unavailability(model)
    assert math.isclose(result.probability, expected, rel_tol=1e-9, abs_tol=1e-15)


def test_zone_is_a_common_cause_not_independent() -> None:
    """Two replicas in one zone fail together with it: P(down) = P(zone) + ... exactly, not P(r1)·P(r2)."""
    model = SystemModel(
        system=SystemInfo(name="t"),
        defaults=_defaults(),
        regions=[Region(id="r", zones=[Zone(id="a"), Zone(id="b")])],
        services=[Service(id="api", replicas=2, placement=Placement(zones=["a"], spread="even"))],
        operations=[Operation(id="op", entry="api")],
    )
    q = analyse_operations(SystemGraph(model))["op"].result.probability
    # down = region ∨ zone a ∨ (r1 ∧ r2)
    p_up = (1 - REGION_P) * (1 - ZONE_P) * (1 - SVC_P**2)
    assert math.isclose(q, 1 - p_up, rel_tol=1e-12)


def test_single_points_name_the_element_and_the_path() -> None:
    model = SystemModel(
        system=SystemInfo(name="t"),
        defaults=_defaults(),
        regions=[Region(id="r", zones=[Zone(id="a"), Zone(id="b")])],
        services=[
            Service(
                id="api",
                replicas=2,
                placement=Placement(zones=["a", "b"], spread="one_per_zone"),
                calls=[Call(to="core", timeout={"read_ms": 100})],
            ),
            Service(
                id="core",
                replicas=2,
                placement=Placement(zones=["a", "b"], spread="one_per_zone"),
                calls=[Call(to="db", operation="write", timeout={"read_ms": 100})],
            ),
        ],
        stores=[Store(id="db", kind="database", placement=Placement(zones=["b"]))],
        operations=[Operation(id="op", entry="api")],
    )
    graph = SystemGraph(model)
    points = single_points(graph, analyse_operations(graph)["op"])
    assert [(p.culprit, p.events, p.path) for p in points] == [
        ("db", ("store:db#1", "zone:b"), ("api", "core", "db")),
    ]


def test_operations_keeping_different_calls_below_one_hop_get_their_own_trees() -> None:
    """Two operations through web → api whose `uses` keep different calls of api: each tree holds
    its own stores (the hop's gate was once shared, so the second operation got the first's)."""
    from pacelc.model import loads

    model = loads(
        """
pacelc: 1
system: {name: shop}
services:
  - {id: web, calls: [{to: api}]}
  - {id: api, calls: [{to: cart-db}, {to: orders-db}]}
stores:
  - {id: cart-db, kind: cache}
  - {id: orders-db, kind: database}
operations:
  - {id: add-to-cart, entry: web, uses: [web.api, api.cart-db]}
  - {id: checkout, entry: web, uses: [web.api, api.orders-db]}
"""
    ).model
    out = analyse_operations(SystemGraph(model))
    spof = {op: {out[op].element_of.get(e, e) for e in out[op].single_points_of_failure()} for op in out}
    assert "cart-db" in spof["add-to-cart"] and "orders-db" not in spof["add-to-cart"]
    assert "orders-db" in spof["checkout"] and "cart-db" not in spof["checkout"]
