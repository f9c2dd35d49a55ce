"""The eight quality checks of a distributed design review, each passed or failed with its reason."""

from __future__ import annotations

from collections.abc import Callable

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.review.report import CheckOut

Criterion = Callable[[SystemModel, Facts], list[str]]  # returns the gaps; empty means passed


def _cap_explicit(model: SystemModel, facts: Facts) -> list[str]:
    gaps = []
    for d in sorted(model.domains, key=lambda x: x.id):
        if d.consistency is None:
            gaps.append(f"domain {d.id}: no consistency requirement")
        elif d.priority is None and d.justification is None:
            gaps.append(f"domain {d.id}: no declared partition priority or justification")
    if not model.domains:
        gaps.append("no data domains described")
    return gaps


def _consensus_justified(model: SystemModel, facts: Facts) -> list[str]:
    gaps = []
    stores = {s.id: s for s in model.stores}
    for s in sorted(model.stores, key=lambda x: x.id):
        if s.replication and s.replication.topology == "consensus":
            if not s.replication.protocol:
                gaps.append(f"store {s.id}: consensus protocol not named")
            if s.replicas % 2 == 0:
                gaps.append(f"store {s.id}: even member count ({s.replicas})")
    for svc in sorted(model.services, key=lambda x: x.id):
        for need in svc.coordination:
            store = stores.get(need.via) if need.via else None
            if store is None or store.replication is None or store.replication.topology != "consensus":
                gaps.append(f"service {svc.id}: {need.kind.replace('_', ' ')} not backed by a consensus store")
    for d in sorted(model.domains, key=lambda x: x.id):
        decision = facts.decisions[d.id]
        if d.consistency == "linearizable" and decision.met is not True:
            gaps.append(f"domain {d.id}: linearizable required, store {d.store} does not guarantee it")
    return gaps


def _detectors_and_budgets(model: SystemModel, facts: Facts) -> list[str]:
    gaps = []
    for s in sorted(model.stores, key=lambda x: x.id):
        rep = s.replication
        if rep and rep.failover and rep.failover.mode == "automatic" and rep.failover.detector is None:
            gaps.append(f"store {s.id}: automatic failover without a described failure detector")
    for svc in sorted(model.services, key=lambda x: x.id):
        for call in svc.calls:
            if call.mode != "sync":
                continue
            t = facts.graph.effective_call(call).timeout
            if t is None or (t.read_ms is None and t.total_ms is None):
                gaps.append(f"call {svc.id}→{call_name(call)}: no timeout")
    return gaps


def _compensations(model: SystemModel, facts: Facts) -> list[str]:
    gaps = []
    for op in sorted(model.operations, key=lambda o: o.id):
        tx = op.transaction
        if tx is None or not tx.pattern.startswith("saga"):
            continue
        if not tx.steps:
            gaps.append(f"operation {op.id}: saga steps not listed")
        for step in tx.steps:
            if step.pivot:
                break
            if not step.compensation:
                gaps.append(f"operation {op.id}: step {step.id} has no compensation")
    return gaps


def _saga_count(model: SystemModel) -> int:
    return sum(1 for op in model.operations if op.transaction and op.transaction.pattern.startswith("saga"))


def _idempotency(model: SystemModel, facts: Facts) -> list[str]:
    gaps = []
    for t in sorted(model.topics, key=lambda x: x.id):
        if t.delivery == "at_most_once":
            continue
        for c in t.consumers:
            if c.dedup in (None, "none"):
                gaps.append(f"consumer {c.service} of {t.id}: no deduplication")
    for svc in sorted(model.services, key=lambda x: x.id):
        for call in svc.calls:
            eff = facts.graph.effective_call(call)
            if eff.retry and eff.retry.attempts > 1 and call.idempotency in (None, "none"):
                gaps.append(f"call {svc.id}→{call_name(call)}: retried without idempotency")
    return gaps


def _replication_documented(model: SystemModel, facts: Facts) -> list[str]:
    gaps = []
    for s in sorted(model.stores, key=lambda x: x.id):
        rep = s.replication
        if s.replicas > 1 and rep is None:
            gaps.append(f"store {s.id}: {s.replicas} replicas, replication not described")
            continue
        if rep and rep.topology in ("multi_leader", "leaderless") and rep.conflict_resolution is None:
            gaps.append(f"store {s.id}: {rep.topology.replace('_', '-')} without conflict resolution")
        if rep and rep.topology == "single_leader" and rep.mode is None:
            gaps.append(f"store {s.id}: replication mode not given")
    return gaps


def _tracing(model: SystemModel, facts: Facts) -> list[str]:
    gaps = []
    tracing = model.readiness.tracing
    if tracing is None or tracing.standard in (None, "none"):
        gaps.append("no trace-context standard declared")
    default = bool(tracing and tracing.propagated_by_default)
    for t in sorted(model.topics, key=lambda x: x.id):
        for p in t.producers:
            if p.trace_propagation is False or (p.trace_propagation is None and not default):
                gaps.append(f"producer {p.service}→{t.id}: trace context not propagated")
        for c in t.consumers:
            if c.trace_propagation is False or (c.trace_propagation is None and not default):
                gaps.append(f"consumer {t.id}→{c.service}: trace context not continued")
    for svc in sorted(model.services, key=lambda x: x.id):
        for call in svc.calls:
            if call.trace_propagation is False:
                gaps.append(f"call {svc.id}→{call_name(call)}: trace context dropped")
    return gaps


def _chaos(model: SystemModel, facts: Facts) -> list[str]:
    kinds = {e.kind for e in model.readiness.chaos}
    gaps = []
    if "partition" not in kinds:
        gaps.append("no network-partition experiment")
    if not kinds & {"node_failure", "zone_failure", "region_failure"}:
        gaps.append("no node-failure experiment")
    if "clock_skew" not in kinds:
        gaps.append("no clock-skew experiment")
    return gaps


QUALITY_CHECKS: list[tuple[str, Criterion]] = [
    ("CAP trade-offs explicit per data domain", _cap_explicit),
    ("Consensus protocol choice justified by requirements", _consensus_justified),
    ("Failure detectors and timeout budgets specified", _detectors_and_budgets),
    ("Compensating transactions defined for every saga step", _compensations),
    ("Idempotency and deduplication for message-driven flows", _idempotency),
    ("Replication strategy and conflict resolution documented", _replication_documented),
    ("Distributed tracing across service boundaries", _tracing),
    ("Chaos engineering scenarios identified (partition, node failure, clock skew)", _chaos),
]


def evaluate(model: SystemModel, facts: Facts) -> list[CheckOut]:
    out = []
    for number, (title, criterion) in enumerate(QUALITY_CHECKS, 1):
        gaps = criterion(model, facts)
        if gaps:
            shown = "; ".join(gaps[:6]) + (f"; and {len(gaps) - 6} more" if len(gaps) > 6 else "")
            out.append(CheckOut(id=number, title=title, passed=False, reason=shown))
        else:
            reason = _PASS_REASON[number]
            if number == 4 and _saga_count(model) == 0:
                reason = "no sagas in the design: nothing to compensate"
            out.append(CheckOut(id=number, title=title, passed=True, reason=reason))
    return out


_PASS_REASON = {
    1: "every data domain states its consistency model and its partition priority or justification",
    2: "consensus stores name their protocol with odd membership; coordination needs and linearizable domains "
    "sit on stores that guarantee them",
    3: "every automatic failover has a failure detector and every sync call a timeout",
    4: "every saga step before the pivot has a compensation",
    5: "every at-least-once consumer deduplicates and every retried call is idempotent",
    6: "every replicated store describes its replication, and multi-writer stores their conflict resolution",
    7: "a trace-context standard is declared and propagated across every async link",
    8: "chaos experiments cover partitions, node failures and clock skew",
}
