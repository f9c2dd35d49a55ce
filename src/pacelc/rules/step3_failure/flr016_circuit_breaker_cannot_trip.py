"""FLR016 circuit-breaker-cannot-trip."""

from __future__ import annotations

import math
from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR016", "circuit-breaker-cannot-trip", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A circuit breaker cannot see enough failures in its window to open while the dependency hangs.

    What it does:
        For every call with a count-based breaker (`failure_threshold` failures within `window_s`),
        works out how many failures a hanging dependency can produce in one window: each failed
        attempt takes the full per-attempt timeout, and at most `bulkhead.max_concurrent` attempts are
        in flight. Fires when the window is shorter than one timed-out attempt, or when the threshold
        is more than the bulkhead lets through in a window: then the breaker never opens on a hang,
        the case it exists for.

    Why it matters:
        Fast failures (connection refused) trip any breaker. Hangs are the dangerous failures, and they
        are exactly the ones that a too-short window or a too-high count never accumulates: every
        request waits out the timeout, forever.

    Example:
        services:
          - id: api
            calls:
              - to: pricing
                timeout: {read_ms: 2000}
                bulkhead: {max_concurrent: 10}
                circuit_breaker: {failure_threshold: 20, window_s: 1, fallback: list prices}
          - {id: pricing}

    Fix:
        services:
          - id: api
            calls:
              - to: pricing
                timeout: {read_ms: 2000}
                bulkhead: {max_concurrent: 10}
                circuit_breaker: {failure_threshold: 20, window_s: 10, fallback: list prices}
          - {id: pricing}

    How it is computed:
        Per-attempt timeout = `read_ms` (or `total_ms`) + `connect_ms`, inherited from `defaults.call`.
        A window shorter than that never holds a completed timeout. Otherwise the most failures per
        window is `max_concurrent` × ⌊window / timeout⌋; a threshold above it cannot be reached.
        Rate-based breakers and calls without a bulkhead are left alone (their limit depends on load
        the model does not give).

    False positives:
        Breakers that also count slow calls (Resilience4j's slow-call rate) trip on hangs anyway: say
        so with a rate threshold (`threshold_kind: rate`).

    References:
        Nygard, "Release It!", 2nd ed., Circuit Breaker. Resilience4j documentation, sliding windows.
    """
    for svc in sorted(model.services, key=lambda s: s.id):
        for call in svc.calls:
            cb = call.circuit_breaker
            if cb is None or cb.threshold_kind != "count" or cb.failure_threshold is None or cb.window_s is None:
                continue
            eff = facts.graph.effective_call(call)
            t = eff.timeout
            if t is None or (t.read_ms is None and t.total_ms is None):
                continue  # no timeout: FLR001's business
            per_attempt_ms = (t.read_ms if t.read_ms is not None else t.total_ms) + (t.connect_ms or 0)
            window_ms = cb.window_s * 1000
            name = call_name(call)
            if window_ms < per_attempt_ms:
                reason = (
                    f"its window of {cb.window_s:g} s is shorter than one timed-out attempt ({per_attempt_ms:g} ms)"
                )
                most = 0
            else:
                bulkhead = eff.bulkhead
                if bulkhead is None:
                    continue
                most = bulkhead.max_concurrent * math.floor(window_ms / per_attempt_ms)
                if cb.failure_threshold <= most:
                    continue
                reason = (
                    f"it needs {cb.failure_threshold:g} failures in {cb.window_s:g} s, but a hang yields at most "
                    f"{most} ({bulkhead.max_concurrent} concurrent × {math.floor(window_ms / per_attempt_ms)} "
                    f"timeouts of {per_attempt_ms:g} ms)"
                )
            yield Finding(
                rule="FLR016",
                elements=(svc.id, name),
                message=f"the circuit breaker on {svc.id} → {call.to} cannot open while {call.to} hangs: {reason}",
                fix="lengthen `window_s`, lower the count threshold, or use a rate or slow-call threshold",
                where=("services", svc.id, "calls", name, "circuit_breaker"),
                evidence={
                    "per_attempt_timeout_ms": per_attempt_ms,
                    "window_s": cb.window_s,
                    "failure_threshold": cb.failure_threshold,
                    "most_failures_per_window": most,
                },
            )
