"""FLR010 sla-above-dependency-availability."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR010", "sla-above-dependency-availability", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An operation promises more availability than its dependencies can give, and has no degraded mode.

    What it does:
        For every operation with an availability SLA and no `degraded_mode`, takes the exact
        availability of its fault tree (replicas, zones and regions as shared events, k-of-n gates for
        quorums and minimum capacity) and flags the SLA when the design cannot reach it.

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
          - {id: psp, replicas: 2, replica_availability: 0.99}
        operations:
          - {id: pay, entry: api, sla: {availability: 0.99999}}

    Fix:
        services:
          - id: api
            replicas: 3
            calls: [{to: psp, timeout: {read_ms: 2000}}]
          - {id: psp, replicas: 2, replica_availability: 0.99}
        operations:
          - {id: pay, entry: api, sla: {availability: 0.99999}, degraded_mode: accept and capture the payment later}

    How it is computed:
        `facts.availability`: each operation's fault tree compiled to a BDD gives the exact steady-state
        unavailability; the smallest minimal cut sets (ZBDD) say what dominates it. Fires when the
        design's downtime exceeds the SLA's by more than 1 % (a margin against rounding). Calls with a
        fallback are left out of the tree: they degrade the operation instead of stopping it. When
        an element's spread is unspecified, the figure is for all its replicas in one zone; the
        message names that assumption and the any-placement bound, and when some placement would
        meet the SLA the finding is unknown (it asks for the spread) rather than a fact. An operation
        whose single points of failure alone break the SLA is left to FLR050, which says so.

    False positives:
        Dependencies the operation does not really wait for: mark the call async, give it a
        fallback, or list the real path in `uses`.

    References:
        Google SRE Book, chapter 3 ("Embracing Risk") and the "rule of the extra nine". Treynor et al.,
        "The Calculus of Service Availability" (ACM Queue, 2017).
    """
    for op in sorted(model.operations, key=lambda o: o.id):
        sla = op.sla.availability if op.sla else None
        avail = facts.availability.get(op.id)
        if sla is None or op.degraded_mode or avail is None or avail.availability is None:
            continue
        if op.id in facts.sla_missed_by_single_points:
            continue  # its single points alone break the SLA: FLR050 names them and says so
        a = avail.availability
        # Material only: the design's downtime exceeds the SLA's by more than 1 % (not by rounding).
        if (1 - a) <= (1 - sla) * 1.01:
            continue
        cuts = avail.result.cut_sets[:3]
        dominant = ["{" + ", ".join(avail.labels.get(e, e) for e in c.events) + "}" for c in cuts]
        # With a placement the model does not state (spread unspecified), the figure is the modelled
        # placement's; the any-placement bound says whether some placement would meet the SLA.
        best_p = avail.any_placement.probability if avail.any_placement is not None else None
        best = None if best_p is None else 1 - best_p
        assumed = sorted(avail.assumed_zones) if avail.any_placement is not None else []
        conditional = bool(assumed) and (best is None or (1 - best) <= (1 - sla) * 1.01)
        placement = (
            f" (assuming all replicas of {', '.join(assumed)} in one zone: spread unspecified"
            + (f"; with the best placement {best:.7g}, which would meet it" if conditional and best is not None else "")
            + (f"; {best:.7g} at best, whatever the placement" if not conditional and best is not None else "")
            + ")"
            if assumed
            else ""
        )
        yield Finding(
            rule="FLR010",
            elements=(op.id,),
            message=(
                f"{'unknown: ' if conditional else ''}operation '{op.id}' promises {sla:.7g} availability "
                f"({_minutes(sla):.0f} min/year down), but its design gives {a:.7g} ({_minutes(a):.0f} min/year, exact "
                f"from its fault tree){placement}; dominated by {', '.join(dominant) or 'no cut set of order ≤ 3'}; "
                "no degraded mode"
            ),
            unknown=conditional,
            severity=lower("high") if conditional else None,
            fix=(
                "add redundancy where the smallest cut sets point, give calls a fallback, declare a "
                "`degraded_mode`, or lower the SLA"
            ),
            where=("operations", op.id, "sla", "availability"),
            evidence={
                "sla": sla,
                "availability": round(a, 12),
                "sla_downtime_min_per_year": round(_minutes(sla), 1),
                "downtime_min_per_year": round(_minutes(a), 1),
                "method": "exact: BDD of the operation's fault tree",
                "smallest_cut_sets": [
                    {"events": list(c.events), "probability": float(f"{c.probability:.6g}")} for c in cuts
                ],
            },
        )


def _minutes(availability: float) -> float:
    return (1 - availability) * 365.25 * 24 * 60
