"""FLR005 sync-call-without-circuit-breaker."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.budgets import Duration
from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name, degraded_fallback, response_timeout_stated
from pacelc.analysis.isolation import SharedCapacity
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR005", "sync-call-without-circuit-breaker", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A hung dependency starves operations that do not need it, or delays a fallback past a latency target.

    What it does:
        Judges synchronous calls with neither a circuit breaker nor a bulkhead (their own or from
        `defaults.call`), and reports one only where the missing isolation changes an outcome the
        model shows:

        * contagion: the caller also serves operations with an SLA that never make the call. While
          the target hangs, requests waiting on it hold the caller's workers, and those operations
          fail though they do not need the target. Reported once per caller, listing its calls,
          their worst-case waits and the operations each would starve;
        * a late fallback: the call has a fallback, but its worst-case wait before falling back is
          above the p99 target of an operation that uses it (once per call).

        A call every operation of its caller needs anyway, with no fallback, is not reported: the
        operation fails with its dependency either way, and a breaker would only change the error.
        A retry storm a breaker would cap is FLR012's, a missing timeout FLR001's.

    Why it matters:
        Without a bulkhead, one slow dependency takes the caller's whole worker pool: the failure
        spreads to the caller's unrelated operations and up the call chain. A breaker fails fast
        once the dependency is seen failing and lets it recover; a bulkhead confines the damage to
        the calls that need the dependency.

    Example:
        services:
          - id: api
            calls:
              - {to: pricing, timeout: {read_ms: 300}}
              - {to: catalog, timeout: {read_ms: 300}}
          - {id: pricing}
          - {id: catalog}
        operations:
          - {id: quote, entry: api, uses: [api.pricing], sla: {availability: 0.999}}
          - {id: browse, entry: api, uses: [api.catalog], sla: {availability: 0.999}}

    Fix:
        services:
          - id: api
            calls:
              - {to: pricing, timeout: {read_ms: 300}, bulkhead: {max_concurrent: 20}}
              - {to: catalog, timeout: {read_ms: 300}, bulkhead: {max_concurrent: 20}}
          - {id: pricing}
          - {id: catalog}
        operations:
          - {id: quote, entry: api, uses: [api.pricing], sla: {availability: 0.999}}
          - {id: browse, entry: api, uses: [api.catalog], sla: {availability: 0.999}}

    How it is computed:
        `graph.effective_call` gives the breaker and bulkhead. Contagion: `facts.shared_capacity`
        (from the budget facts' hops) names, per call to a service, the operations that make it and
        the operations its caller serves that do not; those with an SLA are the ones starved, and
        the wait is the call's worst case over its operations (timeouts, attempts, backoffs; "no
        bound" when no timeout is set). Calls to stores are not judged for contagion: a connection
        pool already bounds what waits on them. A call with no response timeout is left to FLR001:
        its wait is unbounded for want of a timeout, which a breaker would not fix first. Late
        fallback: a call with a fallback whose
        worst-case wait (`facts.budgets`) exceeds the p99 target of an operation that uses it. A
        call from a service to the store holding a domain it owns is judged only when it has a
        fallback.

    False positives:
        A caller whose operations run on separate worker pools already (one process per endpoint,
        an event loop with per-route concurrency limits): model that isolation as a `bulkhead` on
        the call. A call with a fallback whose wait fits every latency target is not reported.

    References:
        Nygard, "Release It!", 2nd ed., chapter 5 (Circuit Breaker, Bulkheads). Fowler,
        "CircuitBreaker" (2014).
    """
    owned_by: dict[str, set[str]] = {}
    for d in model.domains:
        owned_by.setdefault(d.owner, set()).add(d.store)
    slow = _fallback_too_late(model, facts)
    with_sla = {op.id for op in model.operations if op.sla is not None}
    contagion: dict[str, list[tuple[str, SharedCapacity, list[str]]]] = {}
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
            name = call_name(call)
            hop = f"{svc.id}.{name}"
            if not response_timeout_stated(eff.timeout):
                continue  # its wait is unbounded because no timeout is given: FLR001's cause, not a breaker's
            if degraded_fallback(eff):
                late = slow.get(hop)
                if late is not None:
                    yield _late_fallback(svc.id, name, call.to, kind, late)
                continue
            if kind == "store" and call.to in owned:
                continue  # the service's own database, with nothing to fall back to
            share = facts.shared_capacity.get(hop)
            if kind != "service" or share is None:
                continue
            starved = [op for op in share.starved if op in with_sla]
            if starved:
                contagion.setdefault(svc.id, []).append((name, share, starved))
    for caller, calls in sorted(contagion.items()):
        listed = "; ".join(
            f"{share.target} (waits {_wait(share.worst_case)} when it hangs; starves {', '.join(starved)})"
            for _, share, starved in calls
        )
        yield Finding(
            rule="FLR005",
            elements=(caller,),
            message=(
                f"service '{caller}' has no circuit breaker or bulkhead on {len(calls)} sync call"
                f"{'s' if len(calls) > 1 else ''} that some of its operations never make: {listed}. While a "
                f"target hangs, requests waiting on it hold {caller}'s workers, and those operations fail with it"
            ),
            fix=(
                "give each listed call a `bulkhead: {max_concurrent}` (a bounded pool of its own) or a "
                "`circuit_breaker: {failure_threshold, window_s, half_open_after_s}`, on the call or in `defaults.call`"
            ),
            where=("services", caller, "calls", calls[0][0]),
            evidence={
                "calls": [name for name, _, _ in calls],
                "starved": {name: starved for name, _, starved in calls},
                "worst_case_ms": {name: share.worst_case.ms for name, share, _ in calls},
            },
        )


def _wait(duration: Duration) -> str:
    if duration.status == "unbounded":
        return "with no bound"
    if duration.ms is None:
        return "for a time the model does not give"
    return f"up to {duration.ms:g} ms" + (" or more" if duration.status == "at_least" else "")


def _late_fallback(caller: str, name: str, target: str, kind: str, late: tuple[str, float, float]) -> Finding:
    return Finding(
        rule="FLR005",
        elements=(caller, name),
        message=(
            f"sync call {caller} → {kind} {target} has no circuit breaker or bulkhead: when {target} hangs, every "
            f"request waits up to {late[1]:g} ms before {caller} falls back, above the p99 target of {late[2]:g} ms "
            f"of operation '{late[0]}'"
        ),
        fix=(
            "add `circuit_breaker: {failure_threshold, window_s, half_open_after_s, fallback}` "
            "or a `bulkhead: {max_concurrent}` to the call (or to `defaults.call`)"
        ),
        where=("services", caller, "calls", name),
        evidence={
            "target": target,
            "target_kind": kind,
            "operation": late[0],
            "wait_ms": late[1],
            "sla_p99_ms": late[2],
        },
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
