"""FLR010 sla-above-dependency-availability."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR010", "sla-above-dependency-availability", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An operation promises more availability than its dependencies can give, and has no degraded mode.

    What it does:
        For every operation with an availability SLA and no `degraded_mode`, computes a simple
        upper bound on the availability its synchronous dependencies allow and flags the SLA when
        it is above that bound. The figure is a labelled approximation: the exact availability
        (k-of-n gates, shared zones and regions, minimal cut sets) comes from the failure-analysis
        engine.

    Why it matters:
        An operation that needs every one of its dependencies is at most as available as all of
        them together. An SLA above that is a promise the architecture cannot keep, however good
        the code: it will be missed by arithmetic, and the error budget is spent before the first
        incident.

    Example:
        services:
          - id: api
            replicas: 3
            calls: [{to: psp, timeout: {read_ms: 2000}}]
          - {id: psp, replicas: 1, replica_availability: 0.999}
        operations:
          - {id: pay, entry: api, sla: {availability: 0.9999}}

    Fix:
        services:
          - id: api
            replicas: 3
            calls: [{to: psp, timeout: {read_ms: 2000}}]
          - {id: psp, replicas: 1, replica_availability: 0.999}
        operations:
          - {id: pay, entry: api, sla: {availability: 0.9999}, degraded_mode: accept and capture the payment later}

    How it is computed:
        `facts.availability_bounds` (`analysis/topology.py`): the product, over the entry and every
        sync dependency reached without a fallback, of its replica-level k-of-n availability
        (replica availability from `defaults.availability` or the element's override; k is
        `min_replicas`, a consensus majority or the larger of R and W, else 1), times the
        availability of every zone or region some dependency is confined to (an external service
        counts with its `sla_availability`). Fires when the bound's downtime exceeds the SLA's by
        more than 1 % (a margin against rounding). Zone and region
        failures of spread elements are left out, which is why it is an upper bound: if even this
        is below the SLA, the SLA is out of reach.

    False positives:
        Dependencies the operation does not really wait for: mark the call async, give it a
        fallback, or list the real path in `uses`.

    References:
        Google SRE Book, chapter 3 ("Embracing Risk") and the "rule of the extra nine". Treynor et al.,
        "The Calculus of Service Availability" (ACM Queue, 2017).
    """
    for op in sorted(model.operations, key=lambda o: o.id):
        sla = op.sla.availability if op.sla else None
        if sla is None or op.degraded_mode:
            continue
        bound = facts.availability_bounds.get(op.id)
        # Material only: the bound's downtime exceeds the SLA's by more than 1 % (not by rounding).
        if bound is None or (1 - bound.bound) <= (1 - sla) * 1.01:
            continue
        weakest = [f for f in bound.weakest() if f.availability < 1 - 1e-7]
        parts = [f"{f.element} {f.availability:.7g}" for f in weakest]
        parts += [f"{name} {a:.7g}" for name, a in bound.failure_domains]
        yield Finding(
            rule="FLR010",
            elements=(op.id,),
            message=(
                f"operation '{op.id}' promises {sla:.7g} availability ({_minutes(sla):.0f} min/year down), but its "
                f"synchronous dependencies allow at most {bound.bound:.7g} ({_minutes(bound.bound):.0f} min/year; "
                "simple upper bound, the failure-analysis engine gives the exact figure); "
                f"weakest: {', '.join(parts) or 'none below 0.9999999'}; no degraded mode"
            ),
            fix=(
                f"add replicas or zones to {weakest[0].element if weakest else 'the weakest dependency'}, give "
                "calls to it a fallback, declare a `degraded_mode`, or lower the SLA"
            ),
            where=("operations", op.id, "sla", "availability"),
            evidence={
                "sla": sla,
                "sla_downtime_min_per_year": round(_minutes(sla), 1),
                "bound_downtime_min_per_year": round(_minutes(bound.bound), 1),
                "upper_bound": round(bound.bound, 9),
                "method": "product of replica-level k-of-n availability and confined zones/regions (upper bound)",
                "factors": [f.as_dict() for f in bound.factors],
                "failure_domains": dict(bound.failure_domains),
                "excluded_calls_with_fallback": list(bound.excluded),
            },
        )


def _minutes(availability: float) -> float:
    return (1 - availability) * 365.25 * 24 * 60
