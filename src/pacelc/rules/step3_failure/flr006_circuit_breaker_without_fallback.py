"""FLR006 circuit-breaker-without-fallback."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR006", "circuit-breaker-without-fallback", "low")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A circuit breaker does not say what the caller does while it is open.

    What it does:
        Flags every call with a circuit breaker (its own or inherited) where neither the breaker
        nor the call states a `fallback`.

    Why it matters:
        An open breaker turns slow failures into fast ones, but the user still gets an error
        unless the caller has something else to give: a cached answer, a default, a reduced page,
        a queued request. Deciding that is the point of the breaker; leaving it out usually means
        nobody decided.

    Example:
        services:
          - id: cart
            calls:
              - {to: pricing, timeout: {read_ms: 200}, circuit_breaker: {failure_threshold: 20}}
          - {id: pricing}

    Fix:
        services:
          - id: cart
            calls:
              - to: pricing
                timeout: {read_ms: 200}
                circuit_breaker: {failure_threshold: 20, fallback: show the price stored on the cart line}
          - {id: pricing}

    How it is computed:
        `graph.effective_call`: a `circuit_breaker` without `fallback`, on a call without
        `fallback`. A call-level fallback counts as the breaker's. A fallback that states an
        explicit decision to fail ("none; the checkout fails") is accepted: it was decided.

    False positives:
        None known: if failing is the right answer, say so in `fallback`.

    References:
        Nygard, "Release It!", 2nd ed., chapter 5 (Circuit Breaker). Microsoft, "Circuit Breaker
        pattern" (Azure Architecture Center).
    """
    for svc in sorted(model.services, key=lambda s: s.id):
        for call in svc.calls:
            eff = facts.graph.effective_call(call)
            cb = eff.circuit_breaker
            if cb is None or cb.fallback or eff.fallback:
                continue
            name = call_name(call)
            yield Finding(
                rule="FLR006",
                elements=(svc.id, name),
                message=(
                    f"the circuit breaker on {svc.id} → {call.to} has no fallback: while it is open, every request "
                    "fails and nothing says what the user gets instead"
                ),
                fix="state `fallback:` (cached answer, default, skip the feature, queue for later, or 'none: fail')",
                where=("services", svc.id, "calls", name, "circuit_breaker", "fallback"),
                evidence={"failure_threshold": cb.failure_threshold, "half_open_after_s": cb.half_open_after_s},
            )
