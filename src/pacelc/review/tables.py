"""The tables a reviewer writes, derived from the model and the facts (never echoed from the model).

A value the model does not give is shown as "unknown (…)" naming what is missing.
"""

from __future__ import annotations

import math

from pacelc.analysis.facts import Facts
from pacelc.analysis.faulttrees import MINUTES_PER_YEAR, OperationAvailability, depends_on_placement
from pacelc.analysis.graph import call_name, degraded_fallback
from pacelc.analysis.placement import replica_zones
from pacelc.analysis.scenarios import AVAILABLE, DEGRADED, UNAVAILABLE, UNKNOWN, failover_time_s
from pacelc.model.schema import CoordinationNeed, Operation, SagaStep, Store, SystemModel
from pacelc.review.report import TableOut
from pacelc.units import fmt_duration, fmt_seconds


def _join(items: list[str], empty: str = "—") -> str:
    return "; ".join(items) if items else empty


def system_boundaries(model: SystemModel, facts: Facts) -> TableOut:
    owned: dict[str, list[str]] = {}
    for d in model.domains:
        owned.setdefault(d.owner, []).append(f"{d.id} ({d.store})")
    produces: dict[str, list[str]] = {}
    consumes: dict[str, list[str]] = {}
    for t in model.topics:
        for p in t.producers:
            produces.setdefault(p.service, []).append(f"→ {t.id} (async, {p.via or 'unknown'} publish)")
        for c in t.consumers:
            consumes.setdefault(c.service, []).append(f"← {t.id} (async consume, ack {c.ack or 'unknown'})")
    rows = []
    for svc in sorted(model.services, key=lambda s: s.id):
        talks = []
        for call in svc.calls:
            kind = facts.graph.kind_of(call.to) or "unknown"
            proto = f", {call.protocol}" if call.protocol else ""
            talks.append(f"{call.to} ({call.mode} {kind}{proto})")
        talks += produces.get(svc.id, []) + consumes.get(svc.id, [])
        regions = facts.graph.regions_of(svc.id)
        if regions and svc.placement is not None and svc.placement.spread == "unspecified":
            # Zones listed without a spread: the replicas run in some of the regions, which is not stated.
            where = f"{svc.replicas}× within {', '.join(regions)} (spread unspecified)"
        elif regions:
            where = f"{svc.replicas}× in {', '.join(regions)}"
        else:
            where = f"{svc.replicas}× (placement unknown)"
        rows.append([svc.id, _join(sorted(owned.get(svc.id, []))), where, _join(talks)])
    return TableOut(
        id="system_boundaries",
        title="System Boundaries",
        columns=["Service", "Data it owns", "Runs", "Communicates with (how)"],
        rows=rows,
    )


def _store_summary(store: Store | None) -> str:
    if store is None:
        return "unknown store"
    rep = store.replication
    if rep is None:
        return f"{store.engine or store.kind}, {store.replicas}× (replication unknown)"
    parts = [store.engine or store.kind, rep.topology.replace("_", "-")]
    if rep.mode:
        parts.append(rep.mode.replace("_", "-"))
    if rep.quorum and rep.quorum.r and rep.quorum.w:
        parts.append(f"N={rep.quorum.n or store.replicas} R={rep.quorum.r} W={rep.quorum.w}")
    if rep.read_from:
        parts.append(f"reads: {rep.read_from}")
    return ", ".join(parts)


def _cross_boundary(facts: Facts, op: Operation) -> bool:
    owners = facts.graph.domain_owner
    writers = {owners[d] for d in op.writes if d in owners}
    return op.transaction is not None or len(writers) > 1


def consistency_decisions(model: SystemModel, facts: Facts) -> TableOut:
    stores = {s.id: s for s in model.stores}
    rows = []
    for d in sorted(model.domains, key=lambda x: x.id):
        decision = facts.decisions[d.id]
        g = decision.guarantee
        required = d.consistency or "unknown (consistency not declared)"
        if d.consistency == "bounded_staleness" and d.staleness_bound_ms:
            required = f"bounded staleness ≤ {d.staleness_bound_ms:g} ms"
        cap = pacelc = guaranteed = verdict = "unknown"
        why = ""
        if g is not None:
            cap, pacelc = g.cap, g.pacelc
            guaranteed = g.strongest or f"unknown (missing: {', '.join(g.missing)})"
            verdict = "unknown" if decision.met is None else "met" if decision.met else "NOT met"
            why = "; ".join(g.reasons)
        counterexample = facts.counterexamples.get(d.id)
        if counterexample is not None:
            # The model checker's history (CNS050) outranks the derivation from the settings.
            steps = len(counterexample.counterexample.steps) if counterexample.counterexample else 0
            verdict = "NOT met"
            anomaly = counterexample.anomaly or "a violating history"
            guaranteed = f"not {d.consistency}: {anomaly} (model checker)"
            found = f"counterexample (CNS050): {anomaly} in {steps} steps"
            why = f"{found}; from the settings: {why}" if why else found
        if g is not None and g.assumptions:
            why += f" (assumes {'; '.join(g.assumptions)})"
        if d.justification:
            why = f"{d.justification} — derived: {why}" if why else d.justification
        rows.append(
            [
                f"domain {d.id}",
                required,
                _store_summary(stores.get(d.store)),
                cap,
                pacelc,
                guaranteed,
                verdict,
                why or "—",
            ]
        )
    for op in sorted(model.operations, key=lambda o: o.id):
        if not _cross_boundary(facts, op):
            continue
        tx = op.transaction
        # No transaction given is not the same as `pattern: none`: the model is silent.
        pattern = tx.pattern if tx else "not_stated"
        cap, pacelc, guaranteed = {
            "saga_orchestrated": ("AP", "PA/EL", "eventual (intermediate states visible)"),
            "saga_choreographed": ("AP", "PA/EL", "eventual (intermediate states visible)"),
            "outbox": ("AP", "PA/EL", "eventual (events follow the local commit)"),
            "two_phase_commit": ("CP", "PC/EC", "atomic; blocks while the coordinator is unreachable"),
            "local": ("CP", "PC/EC", "atomic (one local transaction)"),
            "none": ("unknown", "unknown", "no cross-service atomicity"),
        }.get(pattern, ("unknown", "unknown", "unknown (no transaction pattern stated)"))
        why = tx.justification if tx and tx.justification else "—"
        rows.append(
            [
                f"operation {op.id}",
                f"atomic across {', '.join(op.writes) or 'its writes'}",
                pattern.replace("_", " "),
                cap,
                pacelc,
                guaranteed,
                "—",
                why,
            ]
        )
    return TableOut(
        id="consistency_decisions",
        title="Consistency Decisions",
        columns=[
            "Subject",
            "Required",
            "Pattern / store",
            "CAP",
            "PACELC",
            "Guaranteed (derived)",
            "Verdict",
            "Justification",
        ],
        rows=rows,
        notes=["CAP and PACELC classes are derived from replication, quorum, routing and failover settings."],
    )


_PATTERNS: dict[str, tuple[str, str, str]] = {
    # pattern -> (concern, rationale, trade-off)
    "single_leader": (
        "replication",
        "one writer orders all writes; simple reads-after-writes at the leader",
        "writes stop while the leader fails over; follower reads may be stale",
    ),
    "multi_leader": (
        "replication",
        "writes accepted in every region at local latency",
        "concurrent writes conflict and must be merged",
    ),
    "leaderless": (
        "replication",
        "any replica serves; tunable R/W quorums",
        "needs anti-entropy; quorum reads are not linearizable",
    ),
    "consensus": (
        "consensus",
        "majority-agreed log: linearizable writes, safe leader election",
        "minority side unavailable; cross-zone round-trip on every write",
    ),
    "lww": ("conflict resolution", "trivial merge", "silently drops one of two concurrent writes; depends on clocks"),
    "crdt": ("conflict resolution", "conflict-free merge of concurrent updates", "limited data types; metadata growth"),
    "merge_function": (
        "conflict resolution",
        "application-specific merge",
        "merge code must be correct and deterministic",
    ),
    "manual": ("conflict resolution", "humans decide", "slow; conflicts pile up"),
    "siblings": ("conflict resolution", "keeps all concurrent versions for the reader to merge", "readers must merge"),
    "saga_orchestrated": (
        "transactions",
        "one coordinator sequences the steps and runs the compensations that are defined",
        "orchestrator is a component to run; intermediate states visible",
    ),
    "saga_choreographed": (
        "transactions",
        "no central coordinator",
        "flow is implicit in event subscriptions; hard to trace",
    ),
    "two_phase_commit": (
        "transactions",
        "atomic commit across participants",
        "blocks on coordinator failure; couples availability of all participants",
    ),
    "outbox": (
        "messaging",
        "event published iff the local transaction commits",
        "relay adds latency; consumers must deduplicate",
    ),
    "cdc": ("messaging", "events taken from the store's change log", "couples consumers to the storage schema"),
    "direct": ("messaging", "simplest publish", "dual write: store and broker can disagree"),
    "circuit_breaker": ("failure handling", "fails fast while a dependency is down", "needs a fallback to be useful"),
    "retry_backoff": (
        "failure handling",
        "rides out transient failures",
        "amplifies load; needs idempotency and jitter",
    ),
    "bulkhead": ("failure handling", "isolates a slow dependency's resources", "capacity must be sized per dependency"),
    "idempotency_key": ("messaging", "retries and redeliveries are harmless", "key storage and expiry"),
}


def _stated(what: str, groups: dict[str, list[str]]) -> str:
    """'what: a: x, y; b: z' with the groups in a fixed order (NOT_STATED last)."""
    keys = sorted(groups, key=lambda k: (k == NOT_STATED, k))
    return f"{what}: " + "; ".join(f"{k}: {_ids(sorted(groups[k]))}" for k in keys)


def _saga_in_model(op: Operation) -> str:
    tx = op.transaction
    assert tx is not None
    if not tx.steps:
        return f"{op.id}: steps {NOT_STATED}"
    undo = [st.id for st in tx.steps if st.compensation]
    pivot = next((st.id for st in tx.steps if st.pivot), None)
    bits = [
        f"{len(tx.steps)} steps",
        f"compensations for {_ids(undo)}" if undo else "no compensation defined",
        f"pivot {pivot}" if pivot else "no pivot marked",
    ]
    if tx.pattern == "saga_orchestrated":
        bits.append(f"coordinator {tx.coordinator or NOT_STATED}")
    bits.append(f"saga state store {NOT_STATED}")
    return f"{op.id}: " + ", ".join(bits)


def _in_model(model: SystemModel, pattern: str, where: set[str]) -> str:
    """What the model states, at the places that use a pattern, about what the pattern's rationale needs."""
    stores = {s.id: s for s in model.stores}
    if pattern.startswith("saga"):
        ops = {o.id: o for o in model.operations}
        return "; ".join(_saga_in_model(ops[w]) for w in sorted(where) if w in ops)
    if pattern == "single_leader":
        groups: dict[str, list[str]] = {}
        for w in where:
            rep = stores[w].replication
            mode = rep.failover.mode if rep and rep.failover else NOT_STATED
            groups.setdefault(mode, []).append(w)
        return _stated("failover", groups)
    if pattern == "consensus":
        groups = {}
        for w in where:
            rep = stores[w].replication
            groups.setdefault((rep.protocol if rep else None) or NOT_STATED, []).append(w)
        return _stated("protocol", groups)
    if pattern == "leaderless":
        groups = {}
        for w in where:
            rep = stores[w].replication
            ae = rep.anti_entropy if rep else None
            kinds = [k for k in ("read_repair", "hinted_handoff", "merkle_trees") if ae and getattr(ae, k)]
            groups.setdefault(", ".join(kinds) if kinds else "none stated", []).append(w)
        return _stated("anti-entropy", groups)
    if pattern == "lww":
        groups = {}
        for w in where:
            rep = stores[w].replication
            cr = rep.conflict_resolution if rep else None
            groups.setdefault((cr.clock if cr else None) or NOT_STATED, []).append(w)
        return _stated("clock", groups)
    calls = {f"{svc.id}→{call_name(c)}": c for svc in model.services for c in svc.calls}
    if pattern == "circuit_breaker":
        groups = {}
        for w in where:
            call = calls[w]
            stated = call.fallback or (call.circuit_breaker.fallback if call.circuit_breaker else None)
            # A stated "none"/"fail fast" is a decision not to degrade, not a fallback (graph.degraded_fallback).
            kind = "given" if degraded_fallback(call) else "none (fails)" if stated else NOT_STATED
            groups.setdefault(kind, []).append(w)
        return _stated("fallback", groups)
    if pattern == "retry_backoff":
        groups = {}
        for w in where:
            retry = calls[w].retry
            groups.setdefault((retry.jitter if retry else None) or NOT_STATED, []).append(w)
        return _stated("jitter", groups)
    if pattern == "outbox":
        topics = {t.id: t for t in model.topics}
        groups = {}
        for w in where:
            # Producers are "service→topic"; an operation with the outbox transaction pattern is its id.
            topic = topics.get(w.split("→", 1)[1]) if "→" in w else None
            for c in topic.consumers if topic else []:
                groups.setdefault(c.dedup or NOT_STATED, []).append(f"{topic.id}→{c.service}")
        return _stated("consumers' dedup", groups) if groups else "no consumers listed"
    return "—"


def pattern_selection(model: SystemModel, facts: Facts) -> TableOut:
    """Every pattern the model uses, where, and what the model states about what the pattern relies on.

    Rationale and trade-off are the pattern's general properties (the columns say so); the "In this
    model" column is derived from the model at the places listed, so a saga without compensations
    is not described as having them."""
    uses: dict[str, set[str]] = {}

    def add(pattern: str, where: str) -> None:
        if pattern in _PATTERNS:  # "none" and unknown values are not patterns
            uses.setdefault(pattern, set()).add(where)

    for store in model.stores:
        rep = store.replication
        if rep is None:
            continue
        if rep.topology != "none":
            add(rep.topology, store.id)
        if rep.conflict_resolution is not None:
            add(rep.conflict_resolution.strategy, store.id)
    for op in model.operations:
        if op.transaction is not None and op.transaction.pattern in _PATTERNS:
            add(op.transaction.pattern, op.id)
    for t in model.topics:
        for p in t.producers:
            if p.via:
                add(p.via, f"{p.service}→{t.id}")
        for c in t.consumers:
            if c.dedup in ("key", "dedup_table"):
                add("idempotency_key", f"{t.id}→{c.service}")
    for svc in model.services:
        for call in svc.calls:
            where = f"{svc.id}→{call_name(call)}"
            if call.circuit_breaker is not None:
                add("circuit_breaker", where)
            backoff = call.retry.backoff if call.retry is not None else None
            if call.retry is not None and call.retry.attempts > 1 and backoff and backoff.kind not in (None, "none"):
                add("retry_backoff", where)
            if call.bulkhead is not None:
                add("bulkhead", where)
            if call.idempotency == "key":
                add("idempotency_key", where)
    rows = []
    for pattern in sorted(uses, key=lambda p: (_PATTERNS[p][0], p)):
        concern, rationale, trade_off = _PATTERNS[pattern]
        rows.append(
            [
                concern,
                pattern.replace("_", " "),
                ", ".join(sorted(uses[pattern])),
                _in_model(model, pattern, uses[pattern]),
                rationale,
                trade_off,
            ]
        )
    return TableOut(
        id="pattern_selection",
        title="Pattern Selection Matrix",
        columns=[
            "Concern",
            "Pattern",
            "Where",
            "In this model (stated)",
            "Rationale (the pattern in general)",
            "Trade-off (the pattern in general)",
        ],
        rows=rows,
        notes=[
            "Rationale and trade-off describe the pattern in general, not this system; what the model states at "
            'the places listed is in "In this model" ("not stated" where it is silent).',
        ],
    )


NOT_STATED = "not stated"


def _ids(items: list[str]) -> str:
    return ", ".join(items)


def _op_services(facts: Facts, op: Operation) -> set[str]:
    """The services an operation reaches (its entry and every service on its call tree)."""
    tree = facts.graph.trees.get(op.id)
    out = {op.entry}
    if tree is not None:
        out |= {node.target for _, node in tree.walk() if node.target_kind == "service"}
    return out


def _store_partition(facts: Facts, store_id: str) -> str:
    """What the store's derived guarantee says a cut-off minority does with writes."""
    g = facts.guarantees.get(store_id)
    if g is None:
        return f"{store_id}: unknown store"
    if g.minority_writes is True:
        return f"{store_id}: both sides may accept writes"
    if g.minority_writes is False:
        return f"{store_id}: minority side refuses writes"
    missing = f" (missing: {', '.join(g.missing)})" if g.missing else ""
    return f"{store_id}: unknown{missing}"


def _idempotency_groups(steps: list[SagaStep], attr: str = "idempotency") -> str:
    by: dict[str, list[str]] = {}
    for step in steps:
        by.setdefault(getattr(step, attr) or NOT_STATED, []).append(step.id)
    order = ["key", "natural", "dedup_table", "none", NOT_STATED]
    return "; ".join(f"{kind}: {_ids(by[kind])}" for kind in order if kind in by)


def _saga_cells(op: Operation) -> tuple[str, str, str]:
    """(on partition, on timeout, recovery) of a saga, from what its steps state and nothing else.

    The model says which steps have a compensation, which is the pivot, which steps are retriable and
    idempotent; it has no field for the saga's own state or how an interrupted saga resumes, so that
    stays "not stated" whatever the pattern would usually imply."""
    tx = op.transaction
    assert tx is not None
    steps = list(tx.steps)
    if not steps:
        undecided = f"{NOT_STATED}: steps not listed, so what is undone when a participant is cut off is unknown"
        return undecided, f"{NOT_STATED}: steps not listed", _saga_recovery(op)
    pivot = next((i for i, st in enumerate(steps) if st.pivot), None)
    before = steps if pivot is None else steps[:pivot]
    after = [] if pivot is None else steps[pivot + 1 :]
    parts = []
    undo = [st.id for st in before if st.compensation]
    keep = [st.id for st in before if not st.compensation]
    if undo:
        parts.append(f"compensations stated for {_ids(undo)}")
    if keep:
        parts.append(f"no compensation for {_ids(keep)} (their effects stay if the saga stops)")
    if pivot is None:
        parts.append("no pivot step marked")
    else:
        parts.append(f"pivot {steps[pivot].id}")
        by_retry: dict[str, list[str]] = {}
        for st in after:
            kind = "retriable" if st.retriable else "not retriable" if st.retriable is False else "retriable not stated"
            by_retry.setdefault(kind, []).append(st.id)
        if by_retry:
            parts.append("after it: " + "; ".join(f"{k}: {_ids(v)}" for k, v in sorted(by_retry.items())))
    on_partition = "a step whose participant is cut off fails or times out; " + ", ".join(parts)
    on_timeout = (
        "a timed-out step's outcome is unknown; repeating it is harmless only where idempotency is stated — "
        + _idempotency_groups(steps)
    )
    return on_partition, on_timeout, _saga_recovery(op)


def _saga_recovery(op: Operation) -> str:
    tx = op.transaction
    assert tx is not None
    if tx.pattern == "saga_orchestrated":
        coord = tx.coordinator or f"the coordinator (not named; entry {op.entry})"
        return (
            f"{NOT_STATED}: the model does not say whether {coord} persists saga state or how an interrupted "
            "saga resumes"
        )
    return (
        f"{NOT_STATED}: the model describes no recovery of an interrupted saga (choreographed: no coordinator "
        "to resume it)"
    )


def _outbox_cells(model: SystemModel, facts: Facts, op: Operation) -> tuple[str, str, str]:
    """The outbox's cells from the operation's services that publish via an outbox, and their consumers."""
    services = _op_services(facts, op)
    topics = [
        (t, p.service)
        for t in sorted(model.topics, key=lambda x: x.id)
        for p in t.producers
        if p.via == "outbox" and p.service in services
    ]
    if not topics:
        missing = f"{NOT_STATED}: no service of the operation publishes `via: outbox`"
        return missing, missing, missing
    on_partition = "; ".join(
        f"{svc}'s local commit proceeds; events to {t.id} wait in its outbox (outbox, in general)" for t, svc in topics
    )
    consumers = []
    for t, _ in topics:
        for c in sorted(t.consumers, key=lambda c: c.service):
            consumers.append(f"{c.service} on {t.id}: dedup {c.dedup or NOT_STATED}")
    on_timeout = "the relay re-sends (outbox, in general); " + (
        "; ".join(consumers) if consumers else "no consumers listed"
    )
    recovery = "the relay resumes from the outbox table (outbox, in general; the relay itself is not described)"
    return on_partition, on_timeout, recovery


def coordination_protocols(model: SystemModel, facts: Facts) -> TableOut:
    """How each cross-boundary operation and coordination need behaves under partition and timeout.

    A cell says what the model states or an engine derived for that row. What a pattern does in
    general is marked "(…, in general)"; what the model leaves out is "not stated", naming it."""
    rows = []
    stores = {s.id: s for s in model.stores}
    domains = {d.id: d for d in model.domains}
    for op in sorted(model.operations, key=lambda o: o.id):
        if not _cross_boundary(facts, op):
            continue
        tx = op.transaction
        if tx is None or tx.pattern == "none":
            owners = sorted({facts.graph.domain_owner[d] for d in op.writes if d in facts.graph.domain_owner})
            declared = "none" if tx is not None else f"{NOT_STATED} (no transaction given)"
            recovery = (
                f"the justification says: {tx.justification}"
                if tx is not None and tx.justification
                else f"{NOT_STATED}: no repair of a partial write described"
            )
            rows.append(
                [
                    op.id,
                    declared,
                    "writes " + ", ".join(op.writes) + (f" (owned by {', '.join(owners)})" if owners else ""),
                    "one write can succeed and another fail: nothing stated makes them atomic",
                    "the outcome of each write is unknown; no compensation stated",
                    recovery,
                ]
            )
            continue
        flow = []
        pivot_seen = False
        for i, step in enumerate(tx.steps, 1):
            comp = f" (undo: {step.compensation})" if step.compensation else (" (no undo)" if not pivot_seen else "")
            mark = " [pivot]" if step.pivot else ""
            flow.append(f"{i}. {step.participant}: {step.action or step.id}{mark}{comp}")
            pivot_seen = pivot_seen or step.pivot
        if tx.pattern.startswith("saga"):
            on_partition, on_timeout, recovery = _saga_cells(op)
        elif tx.pattern == "two_phase_commit":
            coord = tx.coordinator or f"the coordinator ({NOT_STATED})"
            on_partition = (
                "participants that voted yes block holding locks until the coordinator returns (2PC, in general)"
            )
            on_timeout = "before the vote: abort; after it: in doubt (2PC, in general)"
            recovery = f"{NOT_STATED}: no recovery log of {coord} described; in-doubt participants wait for it"
        elif tx.pattern == "local":
            written = sorted({domains[d].store for d in op.writes if d in domains})
            on_partition = (
                "one local transaction: " + "; ".join(_store_partition(facts, st) for st in written)
                if written
                else f"one local transaction; {NOT_STATED}: which store"
            )
            if op.idempotency in ("key", "natural", "dedup_table"):
                on_timeout = (
                    f"outcome unknown to the client; a retry is harmless (operation idempotency: {op.idempotency})"
                )
            elif op.idempotency == "none":
                on_timeout = "outcome unknown to the client; a retry may apply it twice (operation idempotency: none)"
            else:
                on_timeout = f"outcome unknown to the client; whether a retry is harmless is {NOT_STATED}"
            recovery = "nothing to coordinate (one local transaction)"
        else:
            on_partition, on_timeout, recovery = _outbox_cells(model, facts, op)
        rows.append(
            [
                op.id,
                tx.pattern.replace("_", " "),
                "; ".join(flow) or "steps not listed",
                on_partition,
                on_timeout,
                recovery,
            ]
        )
    for svc in sorted(model.services, key=lambda s: s.id):
        for need in svc.coordination:
            store = stores.get(need.via) if need.via else None
            proto = (
                store.replication.protocol
                if store and store.replication and store.replication.protocol
                else (store.replication.topology if store and store.replication else "unknown")
            )
            via = f"{need.via} ({proto})" if need.via else "unknown (no store named)"
            guard = []
            if need.lease_ms:
                guard.append(f"lease {need.lease_ms:g} ms")
            if need.fencing_tokens:
                guard.append("fencing tokens")
            rows.append(
                [
                    f"{svc.id}: {need.kind.replace('_', ' ')}",
                    f"via {via}",
                    ", ".join(guard) or "no lease, no fencing token",
                    *_need_cells(facts, need, store),
                ]
            )
    return TableOut(
        id="coordination_protocols",
        title="Coordination Protocols",
        columns=["Operation / need", "Pattern", "Flow", "On partition", "On timeout", "Recovery"],
        rows=rows,
        notes=[
            'Each cell says what the model states or an engine derived for that row; "not stated" names what '
            'the model leaves out. "(…, in general)" marks what the pattern does by definition, not a claim '
            "about this system's implementation.",
        ],
    )


def _need_cells(facts: Facts, need: CoordinationNeed, store: Store | None) -> list[str]:
    """(on partition, on timeout, recovery) of a coordination need, from its store and its lease."""
    if store is None:
        on_partition = f"unknown: {'no store named' if need.via is None else f'store {need.via} not in the model'}"
    elif store.replicas == 1 or store.replication is None or store.replication.topology == "none":
        on_partition = f"one copy ({store.id}): only the side that reaches it can write it (grant, renew or change)"
    else:
        g = facts.guarantees.get(store.id)
        if g is not None and g.minority_writes is False:
            on_partition = f"only the side with a majority of {store.id} can write it (grant, renew or change)"
        elif g is not None and g.minority_writes is True:
            on_partition = f"both sides may write it ({store.id} accepts writes on a minority side): two holders"
        else:
            on_partition = f"unknown ({_store_partition(facts, store.id)})"
    if need.lease_ms:
        fenced = (
            "fencing tokens reject its late writes"
            if need.fencing_tokens
            else "nothing stops its late writes (fencing tokens "
            + ("off)" if need.fencing_tokens is False else f"{NOT_STATED})")
        )
        on_timeout = f"a cut-off holder's grant expires after {need.lease_ms:g} ms; {fenced}"
        recovery = f"re-acquire after the lease ({need.lease_ms:g} ms) expires"
    else:
        on_timeout = f"{NOT_STATED}: no lease, so when a cut-off holder loses the grant is not given"
        recovery = f"{NOT_STATED} (no lease)"
    return [on_partition, on_timeout, recovery]


def failure_handling(model: SystemModel, facts: Facts) -> TableOut:
    rows = []
    for store in sorted(model.stores, key=lambda s: s.id):
        rep = store.replication
        g = facts.guarantees[store.id]
        det = rep.failover.detector if rep and rep.failover else None
        if det is None:
            detector = "unknown (no failure detector given)" if store.replicas > 1 else "n/a (single copy)"
        else:
            bits = [det.kind.replace("_", " ")]
            if det.interval_ms:
                bits.append(f"every {det.interval_ms:g} ms")
            if det.threshold:
                bits.append(f"× {det.threshold}")
            if det.phi_threshold:
                bits.append(f"φ ≥ {det.phi_threshold:g}")
            if det.timeout_ms:
                bits.append(f"timeout {det.timeout_ms:g} ms")
            detector = " ".join(bits)
        if g.minority_writes is True:
            partition = "both sides may accept writes (divergence)"
        elif g.minority_writes is False:
            partition = "minority side refuses writes"
        else:
            partition = f"unknown (missing: {', '.join(g.missing)})" if g.missing else "unknown"
        if store.replicas == 1:
            # One copy: nothing to fail over to. What brings it back (a restart, a restore) is only what the
            # model states: its backups.
            backups = store.durability.backups if store.durability else None
            if backups is not None:
                restore = f", restore {fmt_seconds(backups.restore_s)}" if backups.restore_s else ""
                recovery = f"single copy, no failover; backups every {fmt_seconds(backups.interval_s)}{restore}"
            else:
                recovery = f"single copy, no failover; backups {NOT_STATED}"
        elif rep and rep.failover:
            t = failover_time_s(store)
            recovery = f"{rep.failover.mode} failover " + (
                f"in ~{fmt_seconds(t)}" if t is not None else f"(time {NOT_STATED})"
            )
            if rep.failover.fencing:
                recovery += f", fencing: {rep.failover.fencing}"
        else:
            recovery = "unknown (failover not described)"
        rows.append([f"store {store.id}", detector, partition, recovery])
    for svc in sorted(model.services, key=lambda s: s.id):
        det = svc.failure_detector
        detector = (
            det.kind.replace("_", " ") + (f" every {det.interval_ms:g} ms" if det and det.interval_ms else "")
            if det
            else "unknown (no failure detector given)"
        )
        breakers = sum(1 for c in svc.calls if c.circuit_breaker is not None)
        sync = sum(1 for c in svc.calls if c.mode == "sync")
        zones = facts.graph.zones_of(svc.id)
        placed = replica_zones(svc.replicas, svc.placement)
        if placed is not None:
            partition = f"replicas in {len(set(placed))} zone(s)"
        elif zones:
            # Zones listed, spread unspecified: all replicas may share one of them.
            partition = (
                f"replicas in 1 to {min(len(set(zones)), svc.replicas)} of {len(set(zones))} zones (spread unspecified)"
            )
        else:
            partition = "placement unknown"
        failover = svc.failover or f"{NOT_STATED}"
        recovery = f"failover: {failover}; breakers on {breakers}/{sync} sync calls"
        rows.append([f"service {svc.id}", detector, partition, recovery])
    return TableOut(
        id="failure_handling",
        title="Failure Handling",
        columns=["Component", "Failure detector", "Partition behaviour", "Recovery"],
        rows=rows,
    )


def _rpo_note(facts: Facts, store: str, window_s: float | None) -> str:
    """' — breaks RPO of d (x s)' for domains whose RPO the window breaks ('may break' when it is unknown)."""
    notes = []
    for d in facts.graph.domains_on.get(store, []):
        if d.rpo_s is None:
            continue
        if window_s is None or window_s > d.rpo_s:
            notes.append(f"{d.id} RPO {d.rpo_s:g} s")
    verb = "may break" if window_s is None else "breaks"
    return f" — {verb} {', '.join(notes)}" if notes else ""


def _unplaced(model: SystemModel) -> list[str]:
    return sorted(e.id for e in [*model.services, *model.stores] if e.placement is None or not e.placement.zones)


def failure_scenarios(model: SystemModel, facts: Facts) -> TableOut:
    rows = []
    ranked = []
    for outcome in facts.scenario_outcomes:
        hit = [i for i in outcome.operations if i.status != AVAILABLE]
        down = [i.operation for i in hit if i.status == UNAVAILABLE]
        degraded = [i.operation for i in hit if i.status == DEGRADED]
        unknown = [i.operation for i in hit if i.status == UNKNOWN]
        first_reason = {i.operation: i.reasons[0] for i in hit if i.reasons}

        def named(ops: list[str], reasons: dict[str, str] = first_reason) -> str:
            return ", ".join(f"{op} ({reasons[op]})" if op in reasons else op for op in ops)

        impact = []
        if down:
            impact.append(f"unavailable: {named(down)}")
        if degraded:
            impact.append(f"degraded: {named(degraded)}")
        if unknown:
            impact.append(f"unknown: {named(unknown)}")
        mitigation = sorted({r for i in hit for r in i.reasons if "falls back" in r or "degraded mode" in r})
        # Elements that lost replicas but kept serving: the redundancy that mitigated the failure.
        survivors = sorted({s.reason for s in outcome.elements if s.status == AVAILABLE and s.lost > 0})
        mitig = _join(mitigation + survivors, "none needed" if not hit else "none")
        recoveries = [i.recovery_s for i in outcome.operations if i.recovery_s is not None]
        if down:
            # Without a failover estimate the model says nothing of how the failed elements come back (a
            # restart is not stated, and an external provider is not restarted by anyone here).
            failed = sorted(e.element for e in outcome.elements if e.status == UNAVAILABLE)
            rec = (
                "until the failed domain returns"
                if outcome.failure.zones
                else f"until {', '.join(failed) or 'the failed elements'} return{'s' if len(failed) == 1 else ''} "
                f"(how: {NOT_STATED})"
            )
            unavailable_recovery = [i.recovery_s for i in hit if i.status == UNAVAILABLE and i.recovery_s is not None]
            if unavailable_recovery:
                rec = f"manual failover ~{fmt_seconds(max(unavailable_recovery))}"
        elif recoveries:
            rec = f"~{fmt_seconds(max(recoveries))} (failover if a leader was lost)"
        else:
            rec = "none (no interruption)"
        rank = 0 if down else 1 if degraded or unknown else 2
        at_risk = _join(
            [
                f"{loss.store}: "
                + ("unknown" if loss.window_s is None else f"≤ {fmt_seconds(loss.window_s)}")
                + f" ({loss.reason})"
                + _rpo_note(facts, loss.store, loss.window_s)
                for loss in outcome.losses
            ],
            "none",
        )
        ranked.append((rank, outcome.failure.id, [outcome.failure.label, _join(impact, "none"), mitig, rec, at_risk]))
    for op_id, points in sorted(facts.single_points.items()):
        for sp in points:
            if sp.only_assumed:
                # A single point only if the scheduler put all its replicas in one zone: say so, name no zone
                # as a fact (the label carries the modelled zone with its condition).
                row = [
                    f"{' or '.join(sp.labels)} (possible single point of failure)",
                    f"unavailable if {sp.culprit}'s replicas share that zone: {op_id} (path {' → '.join(sp.path)})",
                    f"unknown: depends on where the scheduler puts {sp.culprit}'s replicas (spread unspecified)",
                    "until the zone returns",
                    "—",
                ]
            else:
                row = [
                    f"{' or '.join(sp.labels)} (single point of failure)",
                    f"unavailable: {op_id} (path {' → '.join(sp.path)})",
                    "none: no redundancy or fallback on this path",
                    "until the element is repaired or replaced",
                    "—",
                ]
            ranked.append((-1, f"spof:{sp.culprit}:{op_id}", row))
    rows = [r for _, _, r in sorted(ranked, key=lambda x: (x[0], x[1]))]
    return TableOut(
        id="failure_scenarios",
        title="Failure Scenario Table",
        columns=["Scenario", "Impact", "Mitigation", "Recovery time", "Data at risk"],
        rows=rows,
        notes=[
            "Single points of failure first (from the minimal cut sets of order 1), then every single zone and "
            "region failure and the explicit failure scenarios, worst first.",
            *(
                [f"Without placement, treated as outside the modelled failure domains: {', '.join(external)}."]
                if (external := _unplaced(model))
                else []
            ),
            "Zone, region and scenario rows count surviving replicas against what each element needs; the "
            "Availability table gives the exact probabilities.",
        ],
    )


def _nines(unavailability: float) -> float:
    return math.inf if unavailability <= 0 else -math.log10(unavailability)


def _fmt_nines(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.2f}"


def _cut_set_text(a: OperationAvailability, events: tuple[str, ...], probability: float) -> str:
    """'{labels} p', marked when the cut set exists only under an assumed placement."""
    text = "{" + ", ".join(a.labels.get(e, e) for e in events) + f"}} {probability:.1e}"
    assumed = depends_on_placement(a, events)
    if assumed:
        text += f" (only if all replicas of {', '.join(assumed)} are there; spread unspecified)"
    return text


def availability(model: SystemModel, facts: Facts) -> TableOut:
    rows = []
    for op_id, a in sorted(facts.availability.items()):
        r = a.result
        if r.probability is None:
            rows.append([op_id, f"unknown ({r.message})", "—", "—", "—", "—", "—", "—"])
            continue
        q = r.probability
        digits = min(12, max(6, math.ceil(_nines(q)) + 2)) if q > 0 else 6
        avail = f"{1 - q:.{digits}f} ({_fmt_nines(_nines(q))} nines)"
        downtime = f"{q * MINUTES_PER_YEAR:.1f}"
        # Elements on this operation's tree whose placement was assumed (spread unspecified): the figure
        # and the verdict are for that placement, not facts about where they run.
        assumed = sorted({a.element_of.get(e, e) for e in a.tree.basic_events} & set(a.assumed_zones))
        best = a.any_placement.probability if assumed and a.any_placement is not None else None
        if assumed:
            where = ", ".join(f"{e} in {a.assumed_zones[e]}" for e in assumed)
            avail += f" assuming all replicas of {where} (spread unspecified)"
            if best is not None:
                avail += f"; at most {1 - best:.{digits}f} for any placement"
            downtime += " (with that placement)"
        if a.sla is not None:
            allowed = (1 - a.sla) * MINUTES_PER_YEAR
            gap_nines = _nines(q) - _nines(1 - a.sla)
            verdict = "meets" if 1 - q >= a.sla else "MISSES"
            if assumed and best is not None and 1 - best < a.sla:
                verdict += " whatever the placement"  # even the bound no placement beats misses it
            elif assumed:
                verdict += " with that placement"
            sla = f"{a.sla} ({verdict}; {gap_nines:+.2f} nines, {q * MINUTES_PER_YEAR - allowed:+.1f} min/yr)"
        else:
            sla = "none stated"
        degraded = "—" if a.degraded_fraction is None else f"{a.degraded_fraction * MINUTES_PER_YEAR:.1f} min/yr"
        spofs = (
            ", ".join(
                f"{sp.culprit} (if its replicas share a zone)" if sp.only_assumed else sp.culprit
                for sp in facts.single_points.get(op_id, [])
            )
            or "none"
        )
        smallest = "; ".join(_cut_set_text(a, c.events, c.probability) for c in r.cut_sets[:3])
        approx = "—" if r.rare_event is None else f"{r.rare_event:.3e} / {r.mcub:.3e}"
        rows.append([op_id, avail, sla, downtime, degraded, spofs, smallest or "none of order ≤ 3", approx])
    return TableOut(
        id="availability",
        title="Availability",
        columns=[
            "Operation",
            "Availability (exact)",
            "SLA",
            "Downtime min/yr",
            "Degraded (fallback in use)",
            "Single points of failure",
            "Smallest cut sets",
            "Rare-event / min-cut bound (approx.)",
        ],
        rows=rows,
        notes=[
            "Exact steady-state availability from a BDD of each operation's fault tree (replicas, zones and regions "
            "as shared basic events, k-of-n gates for quorums and minimum capacity).",
            "The approximations are over the minimal cut sets of order ≤ 3 only and are labelled as such.",
            *(
                [
                    '"assuming all replicas of X in Z": the model lists X\'s zones but not its spread, so the figure '
                    'is for one placement the scheduler may choose, not a fact; "at most" is the same tree without '
                    "zone or region causes for X, which no placement beats."
                ]
                if any(a.assumed_zones for a in facts.availability.values())
                else []
            ),
            *sorted(facts.availability_assumptions),
        ],
    )


def partitions(model: SystemModel, facts: Facts) -> TableOut:
    rows = []
    for outcome in facts.partitions:
        grouped: dict[str, list[str]] = {}
        for b in outcome.split_brains:
            grouped.setdefault(b.outcome, []).append(f"{b.domain} ({b.store})")
        brains = "; ".join(f"{kind}: {', '.join(domains)}" for kind, domains in sorted(grouped.items()))
        for index, side in enumerate(outcome.sides):
            writes = ", ".join(s.store for s in side.stores if s.writes) or "none"
            refused = ", ".join(s.store for s in side.stores if s.writes is False and s.replicas) or "none"
            by_status: dict[str, list[str]] = {}
            for op, status, _ in side.operations:
                by_status.setdefault(status, []).append(op)
            ops = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(by_status.items())) or "no operations"
            rows.append(
                [
                    outcome.partition.label if index == 0 else "",
                    side.name,
                    writes,
                    refused,
                    ops,
                    (brains or "none") if index == 0 else "",
                ]
            )
    return TableOut(
        id="partitions",
        title="Partitions",
        columns=["Partition", "Side", "Stores accepting writes", "Stores refusing writes", "Operations", "Split brain"],
        rows=rows,
        notes=[
            "Explicit partition scenarios first, then every region and every zone cut off from the rest.",
            "Where the leader sits at the moment of the cut is unknown: the worst case the settings allow is shown.",
            "Split brain: domains written on two sides, and what happens to acknowledged writes when the sides "
            "heal: lost (last-writer-wins or a deposed leader), merged (CRDT, merge function), siblings, manual, "
            "or unknown (no resolution described).",
        ],
    )


def budgets(model: SystemModel, facts: Facts) -> TableOut:
    rows = []
    for op_id, ob in sorted(facts.budgets.operations.items()):
        for row, hop in zip(ob.rows, ob.hops, strict=True):
            slack = "—" if row.slack_ms is None else f"{row.slack_ms:+.0f} ms"
            callee = "—" if hop.callee_leaf else fmt_duration(hop.callee_worst)
            if hop.inverted:
                callee += " (inverted: longer than the timeout)"
            rows.append(
                (
                    row.slack_ms if row.slack_ms is not None else float("inf"),
                    op_id,
                    [
                        op_id,
                        "  " * (row.depth - 1) + row.hop,
                        fmt_duration(row.timeout),
                        "unknown" if row.attempts is None else str(row.attempts),
                        callee,
                        fmt_duration(row.worst_case),
                        fmt_duration(row.caller_budget),
                        slack,
                    ],
                )
            )
    # Per operation in path order, the operations with the worst slack first.
    worst_slack: dict[str, float] = {}
    for slack, op_id, _ in rows:
        worst_slack[op_id] = min(worst_slack.get(op_id, float("inf")), slack)
    ordered = sorted(rows, key=lambda r: (worst_slack[r[1]], r[1]))
    return TableOut(
        id="budgets",
        title="Timeout and Retry Budgets",
        columns=[
            "Operation",
            "Hop",
            "Timeout per attempt",
            "Attempts",
            "Callee's worst case",
            "Worst case",
            "Caller's budget",
            "Slack",
        ],
        rows=[r for _, _, r in ordered],
        notes=[
            "Worst case = min(total timeout, attempts × min(per-attempt timeout, callee's worst case) + "
            "worst-case backoffs); parallel groups take the longest member. Negative slack: the caller gives up "
            "while the callee still works (timeout inversion). Operations with the worst slack first.",
            "≥: a lower bound because the model does not state a retry policy somewhere below.",
        ],
    )


def amplification(model: SystemModel, facts: Facts) -> TableOut:
    rows = []
    for load in facts.budgets.loads:
        if load.worst <= 1:
            continue
        rows.append(
            [
                load.element,
                load.kind,
                str(load.calls),
                ("≥ " if load.at_least else "") + f"{load.worst}×",
                f"{load.capped:.2f}×",
            ]
        )
    latency_rows = []
    for op_id, ob in sorted(facts.budgets.operations.items()):
        lat = ob.latency
        p50 = "unknown" if lat.p50_ms is None else f"{lat.p50_ms:.0f} ms"
        p99 = "unknown" if lat.p99_ms is None else f"{lat.p99_ms:.0f} ms"
        sla = "—" if lat.sla_p99_ms is None else f"{lat.sla_p99_ms:.0f} ms"
        margin = "—" if lat.sla_margin_ms is None else f"{lat.sla_margin_ms:+.0f} ms"
        latency_rows.append([op_id, fmt_duration(ob.worst_case), f"{ob.max_amplification}×", p50, p99, sla, margin])
    return TableOut(
        id="amplification",
        title="Retry Amplification and Latency",
        columns=["Element", "Kind", "Calls per request", "When it fails (all layers retry)", "With budgets/breakers"],
        rows=rows,
        notes=[
            "Calls reaching each element per user request when it (or something below it) fails and every layer "
            "retries, summed over the paths that reach it; the last column caps each layer at 1 + budget% with a "
            "retry budget and at 1× with a circuit breaker.",
            "Per operation (worst case to failure, worst amplification, p50, p99 estimate, SLA p99, margin): "
            + "; ".join(" / ".join(r) for r in latency_rows),
            "p99 estimate = sum of per-call p99s along the path (exact when slowness is shared across calls).",
        ],
    )


def build_tables(model: SystemModel, facts: Facts) -> list[TableOut]:
    return [
        availability(model, facts),
        system_boundaries(model, facts),
        consistency_decisions(model, facts),
        pattern_selection(model, facts),
        coordination_protocols(model, facts),
        failure_handling(model, facts),
        failure_scenarios(model, facts),
        partitions(model, facts),
        budgets(model, facts),
        amplification(model, facts),
    ]
