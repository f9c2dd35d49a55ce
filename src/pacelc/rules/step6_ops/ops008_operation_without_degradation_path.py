"""OPS008 operation-without-degradation-path."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("OPS008", "operation-without-degradation-path", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An operation with an SLA fails outright when any dependency fails.

    What it does:
        Flags every operation with an SLA that has synchronous dependencies beyond its own data but
        no `degraded_mode` and no fallback on any call of its path (a call `fallback` or a circuit
        breaker's fallback, own or inherited). The stores holding, and the services owning, the
        domains the operation reads or writes are its own data: it cannot degrade without them, so
        an operation whose every dependency is its own data is left alone (when it declares no reads
        or writes, every dependency counts).

    Why it matters:
        Every synchronous dependency is then a hard dependency: the operation's availability is at most
        the product of theirs, and any one slow or failed service takes it down. Graceful degradation
        (serve from cache, skip the optional part, queue and confirm later) is what keeps an SLA above
        the product.

    Example:
        services:
          - id: api
            calls: [{to: db, timeout: {read_ms: 200}}]
        stores: [{id: db, kind: database}]
        operations:
          - {id: refund, entry: api, sla: {availability: 0.999}}

    Fix:
        services:
          - id: api
            calls: [{to: db, timeout: {read_ms: 200}}]
        stores: [{id: db, kind: database}]
        operations:
          - {id: refund, entry: api, sla: {availability: 0.999}, degraded_mode: accept the request and queue it}

    How it is computed:
        Operations with `sla`: the sync calls of the operation's call tree; fires when there is at least
        one, `degraded_mode` is absent and none has an effective `fallback` or `circuit_breaker.fallback`.

    False positives:
        Operations where failing fast is the right degradation (a payment that must not be faked): state
        that as the `degraded_mode` ("reject with 503 and keep the cart").

    References:
        Nygard, "Release It!", 2nd ed., ch. 5 (Fail Fast, Handshaking, Steady State). AWS Builders'
        Library, "Avoiding fallback in distributed systems" (when not to).
    """
    g = facts.graph
    for op in model.operations:
        if op.sla is None or op.degraded_mode:
            continue
        nodes = g.trees[op.id].sync_nodes()
        if not nodes:
            continue
        with_fallback = []
        for node in nodes:
            call = g.effective_call(node.call)
            if call.fallback or (call.circuit_breaker and call.circuit_breaker.fallback):
                with_fallback.append(node.name)
        if with_fallback:
            continue
        # Dependencies on the operation's own data (the stores holding, and the services owning, the
        # domains it reads or writes) cannot degrade: without them it has nothing to do. Only the others
        # are optional; when there are none, a fallback would have nothing to fall back from.
        data = [d for d in model.domains if d.id in set(op.reads) | set(op.writes)]
        essential = {d.store for d in data} | {d.owner for d in data}
        optional = [n for n in nodes if n.call.to not in essential] if data else list(nodes)
        if not optional:
            continue
        sla = ", ".join(
            f"{k} {v:g}" for k, v in (("availability", op.sla.availability), ("p99_ms", op.sla.p99_ms)) if v
        )
        yield Finding(
            rule="OPS008",
            elements=(op.id,),
            message=(
                f"operation '{op.id}' (SLA {sla or 'declared'}) has {len(optional)} sync dependenc"
                f"{'ies' if len(optional) > 1 else 'y'} beyond its own data ({', '.join(n.name for n in optional)}), "
                "no degraded mode and no fallback on any of them: each failure is an outage of the operation"
            ),
            fix="define what the operation still does when a dependency fails (`degraded_mode`), and give the "
            "optional calls a fallback behind a circuit breaker",
            where=("operations", op.id),
            evidence={"sync_calls": [n.name for n in nodes], "optional": [n.name for n in optional]},
        )
