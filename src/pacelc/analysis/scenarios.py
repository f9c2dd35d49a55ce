"""Failure scenarios, first version: what each zone, region or explicit failure does to each operation.

For every scenario this engine says, per operation, whether it stays available, degrades (a
fallback or degraded mode covers the loss) or becomes unavailable, why, and an estimated recovery
time from the failover settings of the stores that lose their leader. It counts surviving replicas
per element against what the element needs (a majority for consensus, W and R for leaderless
stores, min in-sync replicas for logs, one replica and a failover for single-leader stores).

It is deterministic and exact about replica counts, but not probabilistic: availability figures
and minimal cut sets come from the fault-tree engine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pacelc.analysis.graph import SystemGraph, degraded_fallback
from pacelc.analysis.placement import replica_zones
from pacelc.analysis.recovery import DataLoss, data_loss, recovery
from pacelc.model.schema import Scenario, Store

AVAILABLE, DEGRADED, UNAVAILABLE, UNKNOWN = "available", "degraded", "unavailable", "unknown"


@dataclass(frozen=True)
class FailureSet:
    """What is down in a scenario: zones (regions expanded to their zones) and whole elements."""

    id: str
    label: str
    zones: frozenset[str]
    elements: frozenset[str]
    generated: bool
    leaders: frozenset[str] = frozenset()  # stores whose current leader (one replica) fails


@dataclass(frozen=True)
class ElementState:
    element: str
    status: str  # available / unavailable / unknown
    reason: str
    recovery_s: float | None = None  # time until the element serves again (failover), when it recovers
    lost: int = 0  # replicas lost in this scenario


@dataclass(frozen=True)
class OperationImpact:
    operation: str
    status: str
    reasons: tuple[str, ...]
    recovery_s: float | None


@dataclass(frozen=True)
class ScenarioOutcome:
    failure: FailureSet
    elements: tuple[ElementState, ...]
    operations: tuple[OperationImpact, ...]
    losses: tuple[DataLoss, ...] = ()  # acknowledged data at risk, per store that lost its leader or copies


def sentence(text: str | None) -> str | None:
    """User prose to embed in a longer line: stripped, without its final full stop."""
    return text.strip().rstrip(".") if text else text


def failover_time_s(store: Store) -> float | None:
    """Detection + election + promotion, or manual response time; None when the model does not say."""
    return recovery(store).failover_s


def generated_failures(graph: SystemGraph) -> list[FailureSet]:
    """Every single zone and every single region failure."""
    out = []
    for region in sorted(graph.model.regions, key=lambda r: r.id):
        zones = frozenset(z.id for z in region.zones)
        if len(graph.model.regions) > 1 or not region.zones:
            out.append(FailureSet(f"region:{region.id}", f"region {region.id} down", zones, frozenset(), True))
        for zone in sorted(region.zones, key=lambda z: z.id):
            out.append(FailureSet(f"zone:{zone.id}", f"zone {zone.id} down", frozenset({zone.id}), frozenset(), True))
    return out


def explicit_failure(graph: SystemGraph, scenario: Scenario) -> FailureSet | None:
    """A `failure` scenario as a FailureSet (partitions are analysed per side elsewhere)."""
    if scenario.kind != "failure":
        return None
    zones: set[str] = set()
    elements: set[str] = set()
    regions = {r.id: r for r in graph.model.regions}
    for target in scenario.fail:
        if target in regions:
            zones |= {z.id for z in regions[target].zones}
        elif target in graph.zone_region:
            zones.add(target)
        else:
            elements.add(target)
    what = ", ".join([*scenario.fail, *(f"{s} leader" for s in scenario.leader_loss)])
    label = f"{scenario.id}: {sentence(scenario.description) or what + ' down'}"
    return FailureSet(
        f"scenario:{scenario.id}", label, frozenset(zones), frozenset(elements), False, frozenset(scenario.leader_loss)
    )


def _surviving(graph: SystemGraph, element: str, replicas: int, failure: FailureSet) -> int | None:
    if element in failure.elements:
        return 0
    if element in failure.leaders:
        return replicas - 1
    obj = graph.services.get(element) or graph.stores.get(element)
    if obj is None or obj.placement is None or not obj.placement.zones:
        # No placement: treated as outside the modelled failure domains (an external provider, say);
        # the table notes name these elements so the assumption stays visible.
        return replicas
    zones = replica_zones(replicas, obj.placement)
    if zones is None:
        # Zones given but spread unspecified: the scheduler may have put every replica in the failed zone.
        return None if failure.zones & set(obj.placement.zones) else replicas
    return sum(1 for z in zones if z not in failure.zones)


def _store_state(graph: SystemGraph, store: Store, failure: FailureSet, write: bool) -> ElementState:
    left = _surviving(graph, store.id, store.replicas, failure)
    n = store.replicas
    if left is None:
        return ElementState(store.id, UNKNOWN, f"{store.id}: placement unknown, cannot tell which replicas are lost")
    if left == n:
        return ElementState(store.id, AVAILABLE, f"{store.id}: all {n} replicas up")
    if left == 0:
        return ElementState(store.id, UNAVAILABLE, f"{store.id}: all {n} replicas down")
    rep = store.replication
    topology = rep.topology if rep else "none"
    if topology == "consensus":
        need = n // 2 + 1
        if left >= need:
            return ElementState(
                store.id,
                AVAILABLE,
                f"{store.id}: {left}/{n} members keep a majority of {need}",
                recovery(store, graph).total_s,
            )
        return ElementState(store.id, UNAVAILABLE, f"{store.id}: {left}/{n} members, no majority of {need}")
    if topology == "leaderless":
        q = rep.quorum if rep else None
        need = (q.w if write else q.r) if q else None
        if need is None:
            return ElementState(store.id, UNKNOWN, f"{store.id}: {left}/{n} replicas; quorum not given")
        kind = "W" if write else "R"
        if left >= need:
            return ElementState(store.id, AVAILABLE, f"{store.id}: {left}/{n} replicas ≥ {kind}={need}")
        return ElementState(store.id, UNAVAILABLE, f"{store.id}: {left}/{n} replicas < {kind}={need}")
    if store.kind == "log" and rep is not None and rep.quorum and rep.quorum.min_in_sync_replicas and write:
        need = rep.quorum.min_in_sync_replicas
        if left >= need:
            return ElementState(store.id, AVAILABLE, f"{store.id}: {left}/{n} brokers ≥ min ISR {need}")
        return ElementState(store.id, UNAVAILABLE, f"{store.id}: {left}/{n} brokers < min ISR {need}")
    if topology == "single_leader" and (write or store.id in failure.leaders):
        # The leader may have been among the lost replicas: a failover is needed in the worst case.
        fo = rep.failover.mode if rep and rep.failover else None
        t = recovery(store, graph).total_s
        if fo == "automatic":
            return ElementState(
                store.id, AVAILABLE, f"{store.id}: {left}/{n} replicas; automatic failover if the leader was lost", t
            )
        if fo == "manual":
            return ElementState(
                store.id,
                UNAVAILABLE,
                f"{store.id}: {left}/{n} replicas; writes wait for a manual failover if the leader was lost",
                t,
            )
        return ElementState(store.id, UNKNOWN, f"{store.id}: {left}/{n} replicas; failover not described")
    return ElementState(store.id, AVAILABLE, f"{store.id}: {left}/{n} replicas up")


def _service_state(graph: SystemGraph, service_id: str, failure: FailureSet) -> ElementState:
    svc = graph.services[service_id]
    left = _surviving(graph, service_id, svc.replicas, failure)
    need = svc.min_replicas or 1
    if left is None:
        return ElementState(service_id, UNKNOWN, f"{service_id}: placement unknown")
    if left >= need:
        status = AVAILABLE
        reason = f"{service_id}: {left}/{svc.replicas} replicas up"
    else:
        status = UNAVAILABLE
        reason = f"{service_id}: {left}/{svc.replicas} replicas up, needs {need}"
    return ElementState(service_id, status, reason)


def analyse(graph: SystemGraph, failure: FailureSet) -> ScenarioOutcome:
    """Per operation: available, degraded or unavailable under one failure."""
    states: dict[tuple[str, bool], ElementState] = {}

    def state(element: str, write: bool) -> ElementState:
        key = (element, write)
        if key not in states:
            obj = graph.services.get(element) or graph.stores.get(element)
            if element in graph.topics:
                obj = graph.stores.get(graph.topics[element].broker)
            if obj is None:
                states[key] = ElementState(element, UNKNOWN, f"{element}: unknown element")
            else:
                if element in graph.services:
                    st = _service_state(graph, element, failure)
                else:
                    st = _store_state(graph, obj, failure, write)
                left = _surviving(graph, obj.id, obj.replicas, failure)
                states[key] = replace(st, lost=obj.replicas - left) if left is not None else st
        return states[key]

    impacts = []
    for op in sorted(graph.model.operations, key=lambda o: o.id):
        tree = graph.trees[op.id]
        status = AVAILABLE
        reasons: list[str] = []
        recovery: float | None = None
        entry = state(op.entry, False)
        if entry.status != AVAILABLE:
            status = entry.status
            reasons.append(entry.reason)
        for node in tree.sync_nodes():
            write = node.call.operation in ("write", "read_write") or node.target_kind == "topic"
            st = state(node.target, write)
            if st.recovery_s is not None and st.status == AVAILABLE:
                # Still serving, but only after a failover if the lost replica was the leader.
                recovery = max(recovery or 0.0, st.recovery_s)
            if st.status == AVAILABLE:
                continue
            fallback = degraded_fallback(graph.effective_call(node.call))
            if st.status == UNAVAILABLE and fallback:
                if status == AVAILABLE:
                    status = DEGRADED
                reasons.append(f"{st.reason}; {node.caller} falls back: {sentence(fallback)}")
            elif st.status == UNAVAILABLE:
                status = UNAVAILABLE
                reasons.append(st.reason)
                if st.recovery_s is not None:
                    recovery = max(recovery or 0.0, st.recovery_s)
            elif status == AVAILABLE:
                status = UNKNOWN
                reasons.append(st.reason)
        if status == UNAVAILABLE and op.degraded_mode and entry.status == AVAILABLE:
            # The degraded mode runs in the entry service: it cannot help when the entry itself is down.
            status = DEGRADED
            reasons.append(f"degraded mode: {sentence(op.degraded_mode)}")
        impacts.append(OperationImpact(op.id, status, tuple(dict.fromkeys(reasons)), recovery))
    touched = tuple(sorted(states.values(), key=lambda s: (s.element, s.reason)))
    return ScenarioOutcome(failure, touched, tuple(impacts), _losses(graph, failure))


def _losses(graph: SystemGraph, failure: FailureSet) -> tuple[DataLoss, ...]:
    """Data at risk in every store of the model that loses replicas in this failure (on a path or not)."""
    out = []
    for store in sorted(graph.model.stores, key=lambda s: s.id):
        left = _surviving(graph, store.id, store.replicas, failure)
        if left is None or left == store.replicas:
            continue
        loss = data_loss(store, all_copies_lost=left == 0)
        if loss.window_s == 0:
            continue
        if left == 0:
            loss = DataLoss(store.id, loss.window_s, f"if the copies are destroyed: {loss.reason}")
        out.append(loss)
    return tuple(out)


def all_outcomes(graph: SystemGraph) -> list[ScenarioOutcome]:
    """Outcomes of every generated zone/region failure and every explicit failure scenario."""
    failures = generated_failures(graph)
    for sc in sorted(graph.model.scenarios, key=lambda s: s.id):
        fs = explicit_failure(graph, sc)
        if fs is not None:
            failures.append(fs)
    return [analyse(graph, f) for f in failures]
