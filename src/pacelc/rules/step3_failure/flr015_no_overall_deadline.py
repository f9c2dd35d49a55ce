"""FLR015 no-overall-deadline."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule
from pacelc.units import fmt_duration


@rule("FLR015", "no-overall-deadline", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """No deadline bounds a request end to end: each layer starts its own clock.

    What it does:
        For every operation that goes at least two hops deep, checks whether anything bounds the whole
        request: a total timeout (`total_ms`) on the entry's calls, or deadline propagation on every
        deeper hop. Fires when neither holds, with the composed worst case. When the entry's calls
        without a total timeout have no timeout at all, the cause is FLR001's and this rule is silent.

    Why it matters:
        Without an overall deadline, the user's wait is the sum of every layer's timeouts and retries,
        and deeper services keep working on requests whose caller gave up long ago. A deadline set at
        the edge and passed down (gRPC deadlines, a `X-Request-Deadline` header) lets every layer stop
        when the answer can no longer be used.

    Example:
        services:
          - id: edge
            calls: [{to: api, timeout: {read_ms: 2000}}]
          - id: api
            calls: [{to: db, timeout: {read_ms: 500}, retry: {attempts: 3, backoff: {base_ms: 50}, jitter: full}}]
        stores: [{id: db, kind: database}]
        operations:
          - {id: read, entry: edge}

    Fix:
        services:
          - id: edge
            calls: [{to: api, timeout: {read_ms: 2000, total_ms: 2500}}]
          - id: api
            calls: [{to: db, timeout: {read_ms: 500}, retry: {attempts: 3, backoff: {base_ms: 50}, jitter: full}}]
        stores: [{id: db, kind: database}]
        operations:
          - {id: read, entry: edge}

    How it is computed:
        `facts.budgets`: the hops of depth 1 (called by the entry) and their `total_ms`; the
        `deadline_propagation` of the hops below. Either every depth-1 hop has a total timeout, or every
        deeper hop propagates the deadline; otherwise the finding gives the operation's composed worst
        case to failure.

    False positives:
        A deadline enforced outside the model (a load balancer's request timeout): state it as
        `total_ms` on the entry's calls, or set `deadline_propagation` on the hops that honour it.

    References:
        gRPC, "Deadlines" guide. Nygard, "Release It!", 2nd ed. (timeouts and propagation).
    """
    for op_id, ob in sorted(facts.budgets.operations.items()):
        top = [h for h in ob.hops if h.depth == 1]
        deep = [h for h in ob.hops if h.depth >= 2]
        if not top or not deep:
            continue
        if all(h.total_ms is not None for h in top):
            continue
        if all(h.deadline_propagation for h in deep):
            continue
        if all(h.read_ms is None for h in top if h.total_ms is None):
            continue  # the entry's calls have no timeout at all: FLR001's cause, said there
        unbounded = [h.name for h in top if h.total_ms is None]
        yield Finding(
            rule="FLR015",
            elements=(op_id,),
            message=(
                f"operation '{op_id}' has no end-to-end deadline: {', '.join(unbounded)} set no total timeout and "
                f"{sum(1 for h in deep if not h.deadline_propagation)} deeper hop(s) do not propagate a deadline; "
                f"worst case to failure {fmt_duration(ob.worst_case)}"
            ),
            fix="set `timeout.total_ms` on the entry's calls and propagate the remaining deadline downstream",
            where=("operations", op_id),
            evidence={
                "without_total_timeout": unbounded,
                "without_deadline_propagation": [h.name for h in deep if not h.deadline_propagation],
                "worst_case_ms": ob.worst_case.ms,
                "worst_case_status": ob.worst_case.status,
            },
        )
