"""FLR014 p99-above-sla."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR014", "p99-above-sla", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An operation's estimated p99 latency is above its latency SLA.

    What it does:
        Composes the per-call latency figures along the operation's call path (sequential calls add,
        parallel groups take their slowest member) and compares the p99 estimate with `sla.p99_ms`.

    Why it matters:
        Tail latencies add up along a path: five calls of 100 ms p99 do not make a 100 ms p99
        operation. An SLA below the composed figure will be breached every day, not just during
        incidents, and fan-out makes it worse (with k parallel calls, the chance that one is slow is
        1 − 0.99^k).

    Example:
        services:
          - id: api
            calls:
              - {to: a, timeout: {read_ms: 500}, latency: {p50_ms: 20, p99_ms: 120}}
              - {to: b, timeout: {read_ms: 500}, latency: {p50_ms: 30, p99_ms: 150}}
          - {id: a}
          - {id: b}
        operations:
          - {id: page, entry: api, sla: {p99_ms: 200}}

    Fix:
        services:
          - id: api
            calls:
              - {to: a, group: fan, timeout: {read_ms: 500}, latency: {p50_ms: 20, p99_ms: 120}}
              - {to: b, group: fan, timeout: {read_ms: 500}, latency: {p50_ms: 30, p99_ms: 150}}
          - {id: a}
          - {id: b}
        operations:
          - {id: page, entry: api, sla: {p99_ms: 200}}

    How it is computed:
        `facts.budgets` latency estimate: the sum of the p99s of the entry's sequential calls, the
        maximum within each parallel group (a call's figure includes the callee's own calls). The sum
        is exact when slowness is shared along the path and can overstate independent tails; fires only
        when the estimate exceeds the SLA. Missing figures: no finding (the estimate is unknown).

    False positives:
        Independent tails: the true p99 of a sum of independent latencies is below the sum of p99s.
        Give measured end-to-end figures on the calls to tighten the estimate.

    References:
        Dean and Barroso, "The Tail at Scale" (CACM, 2013).
    """
    for op_id, ob in sorted(facts.budgets.operations.items()):
        lat = ob.latency
        if lat.p99_ms is None or lat.sla_p99_ms is None or lat.p99_ms <= lat.sla_p99_ms:
            continue
        yield Finding(
            rule="FLR014",
            elements=(op_id,),
            message=(
                f"operation '{op_id}': estimated p99 {lat.p99_ms:.0f} ms (sum of the path's p99s) is above its SLA "
                f"of {lat.sla_p99_ms:.0f} ms by {lat.p99_ms - lat.sla_p99_ms:.0f} ms"
            ),
            fix="run independent calls in parallel (`group`), cut hops or their latency, or revise the SLA",
            where=("operations", op_id, "sla", "p99_ms"),
            evidence={"p99_estimate_ms": lat.p99_ms, "p50_estimate_ms": lat.p50_ms, "sla_p99_ms": lat.sla_p99_ms},
        )
