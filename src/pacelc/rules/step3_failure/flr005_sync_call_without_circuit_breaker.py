"""FLR005 sync-call-without-circuit-breaker."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name, degraded_fallback
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR005", "sync-call-without-circuit-breaker", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A synchronous call to a dependency that can fail on its own has no circuit breaker or bulkhead.

    What it does:
        Flags every synchronous call to another service or to a data store that has neither a
        circuit breaker nor a bulkhead (its own or inherited from `defaults.call`). Calls to a
        store are reported one level lower: a connection pool usually bounds them already.

    Why it matters:
        When the dependency hangs or fails, every request still waits for its full timeout (and its
        retries): threads and connections pile up in the caller, its own callers time out, and the
        failure spreads up the call chain. A breaker fails fast and lets the dependency recover; a
        bulkhead at least confines the damage to the calls that need it.

    Example:
        services:
          - id: api
            calls: [{to: pricing, timeout: {read_ms: 300}}]
          - {id: pricing}

    Fix:
        services:
          - id: api
            calls:
              - to: pricing
                timeout: {read_ms: 300}
                circuit_breaker: {failure_threshold: 50, threshold_kind: rate, window_s: 30, half_open_after_s: 10}
          - {id: pricing}

    How it is computed:
        `graph.effective_call` for every sync call whose target is a service (other than the caller)
        or a store: fires when `circuit_breaker` and `bulkhead` are both absent. A bulkhead is
        accepted as the equivalent isolation. A call from a service to the store holding a domain it
        owns is not judged unless the call has a fallback: the service cannot work without its own
        database, a breaker would only change the error, and its connection pool bounds the wait.
        With a fallback (a cache in front of the database), a breaker is what makes the fallback
        fast, so a call with a fallback is reported only when its worst-case wait before falling
        back (`facts.budgets`: timeouts, attempts and backoffs composed) exceeds the p99 target of an
        operation that uses it; the message then says so. Calls to topics are left to the broker's
        own checks.

    False positives:
        A service that cannot do anything without the dependency and already fails fast (a short
        timeout, no retries): a breaker still sheds load from the recovering dependency; accept it
        in the risk register if you disagree. A call with a fallback whose wait fits every latency
        target (a 30 ms cache timeout under a 2 s deploy) is not reported: the caller degrades in
        time, and a breaker would only save the wait.

    References:
        Nygard, "Release It!", 2nd ed., chapter 5 (Circuit Breaker, Bulkheads). Fowler,
        "CircuitBreaker" (2014).
    """
    owned_by: dict[str, set[str]] = {}
    for d in model.domains:
        owned_by.setdefault(d.owner, set()).add(d.store)
    slow = _fallback_too_late(model, facts)
    for svc in sorted(model.services, key=lambda s: s.id):
        owned = owned_by.get(svc.id, set())
        for call in svc.calls:
            if call.mode != "sync" or call.to == svc.id:
                continue
            kind = facts.graph.kind_of(call.to)
            if kind not in ("service", "store"):
                continue
            eff = facts.graph.effective_call(call)
            if eff.circuit_breaker is not None or eff.bulkhead is not None:
                continue
            fallback = degraded_fallback(eff)
            if kind == "store" and call.to in owned and not fallback:
                continue  # the service's own database, with nothing to fall back to
            name = call_name(call)
            late = slow.get(f"{svc.id}.{name}")
            if fallback and late is None:
                continue  # it degrades, and the wait before the fallback fits every latency target
            message = (
                f"sync call {svc.id} → {kind} {call.to} has no circuit breaker or bulkhead: when {call.to} "
                f"hangs, every request waits up to {late[1]:g} ms before {svc.id} falls back, above the p99 "
                f"target of {late[2]:g} ms of operation '{late[0]}'"
                if late is not None and fallback
                else f"sync call {svc.id} → {kind} {call.to} has no circuit breaker or bulkhead: when {call.to} "
                f"hangs or fails, every request waits out its timeout and {svc.id} fails with it"
            )
            yield Finding(
                rule="FLR005",
                elements=(svc.id, name),
                message=message,
                fix=(
                    "add `circuit_breaker: {failure_threshold, window_s, half_open_after_s, fallback}` "
                    "or a `bulkhead: {max_concurrent}` to the call (or to `defaults.call`)"
                ),
                where=("services", svc.id, "calls", name),
                evidence={"target": call.to, "target_kind": kind}
                | ({"operation": late[0], "wait_ms": late[1], "sla_p99_ms": late[2]} if late and fallback else {}),
                severity=lower("medium") if kind == "store" else None,
            )


def _fallback_too_late(model: SystemModel, facts: Facts) -> dict[str, tuple[str, float, float]]:
    """Per hop (caller.call): an operation whose p99 target its worst-case wait exceeds, the wait, the target."""
    sla = {op.id: op.sla.p99_ms for op in model.operations if op.sla is not None and op.sla.p99_ms is not None}
    out: dict[str, tuple[str, float, float]] = {}
    for op_id, budget in sorted(facts.budgets.operations.items()):
        target = sla.get(op_id)
        if target is None:
            continue
        for hop in budget.hops:
            wait = hop.worst_case.ms
            if hop.name not in out and (wait is None or wait > target):
                out[hop.name] = (op_id, wait if wait is not None else float("inf"), target)
    return out
