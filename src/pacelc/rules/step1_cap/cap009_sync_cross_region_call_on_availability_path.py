"""CAP009 sync-cross-region-call-on-availability-path."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name, degraded_fallback
from pacelc.analysis.topology import crosses_region
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("CAP009", "sync-cross-region-call-on-availability-path", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A synchronous cross-region call sits on the write path of an availability-first domain.

    What it does:
        For every operation that writes a domain declared `priority: availability`, flags each
        synchronous call on its path that leaves the caller's region and has no fallback.

    Why it matters:
        The domain promises to keep working on a partition, but a synchronous call to another
        region is exactly what a region partition breaks: the operation waits for its timeout and
        fails, on the side that was supposed to stay available. In the meantime every request pays
        the cross-region round trip (PACELC: the else-branch latency the domain did not choose).

    Example:
        regions:
          - {id: us, zones: [{id: us-a}]}
          - {id: eu, zones: [{id: eu-a}]}
        services:
          - id: editor
            placement: {zones: [us-a, eu-a]}
            replicas: 2
            calls: [{to: seats, mode: sync, operation: read, timeout: {read_ms: 500}}]
          - {id: seats, placement: {zones: [us-a]}}
        stores: [{id: docs-db, kind: database}]
        domains:
          - {id: docs, owner: editor, store: docs-db, priority: availability}
        operations:
          - {id: edit, entry: editor, writes: [docs]}

    Fix:
        regions:
          - {id: us, zones: [{id: us-a}]}
          - {id: eu, zones: [{id: eu-a}]}
        services:
          - id: editor
            placement: {zones: [us-a, eu-a]}
            replicas: 2
            calls:
              - to: seats
                operation: read
                timeout: {read_ms: 500}
                fallback: allow with the cached seat count
          - {id: seats, placement: {zones: [us-a]}}
        stores: [{id: docs-db, kind: database}]
        domains:
          - {id: docs, owner: editor, store: docs-db, priority: availability}
        operations:
          - {id: edit, entry: editor, writes: [docs]}

    How it is computed:
        Operation call trees (`facts.graph.trees`), sync calls only. A call crosses regions when it
        says `crosses_region: true`, or, when it does not say, when some region the caller runs in
        holds no replica of the target (`graph.regions_of`). A fallback on the call or on its
        circuit breaker (other than "none"/"fail ...") removes the risk; so do an async call or a
        local replica of the target. One finding per call, listing the operations and domains.

    False positives:
        A call whose target is reachable over a path that survives region partitions (a global
        anycast service with its own regional presence): model the target's regional placement.

    References:
        Abadi, "Consistency Tradeoffs in Modern Distributed Database System Design" (IEEE Computer, 2012).
        Bailis and Kingsbury, "The Network is Reliable" (ACM Queue, 2014).
    """
    domains = {d.id: d for d in model.domains}
    hits: dict[tuple[str, str], dict[str, object]] = {}
    for op in sorted(model.operations, key=lambda o: o.id):
        ap = sorted(d for d in op.writes if d in domains and domains[d].priority == "availability")
        if not ap:
            continue
        for node in facts.graph.trees[op.id].sync_nodes():
            call = facts.graph.effective_call(node.call)
            if degraded_fallback(call):
                continue
            crosses, why = crosses_region(facts.graph, node.caller, node.call)
            if not crosses:
                continue
            key = (node.caller, call_name(node.call))
            hit = hits.setdefault(key, {"target": node.target, "why": why, "operations": [], "domains": set()})
            hit["operations"].append(op.id)  # type: ignore[attr-defined]
            hit["domains"].update(ap)  # type: ignore[attr-defined]
            hit["p99_ms"] = call.latency.p99_ms if call.latency else None
    for (caller, name), hit in sorted(hits.items()):
        doms = sorted(hit["domains"])  # type: ignore[call-overload]
        ops = hit["operations"]
        latency = f"; p99 {hit['p99_ms']:g} ms per attempt" if hit.get("p99_ms") else ""
        yield Finding(
            rule="CAP009",
            elements=(caller, name),
            message=(
                f"sync call {caller} → {hit['target']} crosses regions ({hit['why']}){latency} on the write path "
                f"of {', '.join(ops)}, which write(s) availability-first domain(s) {', '.join(doms)}: "
                "a region partition makes the operation fail on the side that should stay available"
            ),
            fix=(
                f"serve '{hit['target']}' from every region the caller runs in, make the call async, "
                "or give it a fallback (cached answer, allow and reconcile later)"
            ),
            where=("services", caller, "calls", name),
            evidence={
                "target": hit["target"],
                "crosses_region_because": hit["why"],
                "operations": ops,
                "domains": doms,
                "p99_ms": hit.get("p99_ms"),
            },
        )
