"""FLR012 retry-amplification."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR012", "retry-amplification", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Nested retries multiply: one request can become more than 10 calls to a failing dependency.

    What it does:
        For every operation, multiplies the attempts of each layer along every call path from the
        entry to a leaf and flags the leaves that receive more than 10 calls per request when they
        fail and every layer retries, after retry budgets and circuit breakers are taken into account.

    Why it matters:
        Retries at every layer multiply (3 x 3 x 3 = 27). When the deepest dependency slows down,
        it receives a multiple of its normal load at the worst moment, and cannot recover while the
        retries continue: a retry storm that turns a brownout into an outage.

    Example:
        services:
          - id: edge
            calls: [{to: api, timeout: {read_ms: 3000}, retry: {attempts: 3, backoff: {base_ms: 100}, jitter: full}}]
          - id: api
            calls: [{to: db, timeout: {read_ms: 200}, retry: {attempts: 4, backoff: {base_ms: 10}, jitter: full}}]
        stores: [{id: db, kind: database}]
        operations:
          - {id: read, entry: edge}

    Fix:
        services:
          - id: edge
            calls: [{to: api, timeout: {read_ms: 3000}, retry: {attempts: 1}}]
          - id: api
            calls: [{to: db, timeout: {read_ms: 200}, retry: {attempts: 4, backoff: {base_ms: 10}, jitter: full}}]
        stores: [{id: db, kind: database}]
        operations:
          - {id: read, entry: edge}

    How it is computed:
        `facts.budgets` (`analysis/budgets.py`): for each amplification path, the product of the
        attempts along it and the same product capped by retry budgets (`budget_percent`) and
        circuit breakers. Fires when the capped figure is above 10 (`retry_amplification_limit` in
        `pacelc.toml` changes the threshold). Unknown retry policies count
        as one attempt (the product is then a lower bound). One finding per (operation, leaf).

    False positives:
        Layers whose retries cover disjoint failures (connection errors below, timeouts above)
        multiply less in practice: state `retry_on` and a retry budget, or retry at one layer only.

    References:
        Google SRE Book, chapter 22 ("Addressing Cascading Failures": retries at multiple layers,
        retry budgets). AWS Builders' Library, "Timeouts, retries, and backoff with jitter".
    """
    for op_id, budget in sorted(facts.budgets.operations.items()):
        worst: dict[str, Any] = {}
        for path in budget.paths:
            if path.capped <= facts.retry_amplification_limit:
                continue
            leaf = path.hops[-1]
            hop = next((h for h in budget.hops if h.path and h.path[-1] == leaf), None)
            target = hop.target if hop is not None else leaf
            if target not in worst or path.capped > worst[target].capped:
                worst[target] = path
        for target, path in sorted(worst.items()):
            chain = " x ".join(f"{a if a is not None else '1?'}" for a in path.attempts)
            lower_bound = " at least" if path.unknown_attempts else ""
            capped = f" ({path.capped:g} after retry budgets and breakers)" if path.capped < path.product else ""
            yield Finding(
                rule="FLR012",
                elements=(op_id, target),
                message=(
                    f"operation '{op_id}': when {target} fails, one request becomes{lower_bound} {path.product} calls "
                    f"to it{capped}: attempts {chain} along {' → '.join(path.hops)}"
                ),
                fix=(
                    "retry at one layer only (usually the one closest to the failure), add retry budgets "
                    "(`budget_percent`) or circuit breakers to the outer layers"
                ),
                where=("services", path.retrying_layers[0].split(".", 1)[0], "calls")
                if path.retrying_layers
                else ("operations", op_id),
                evidence={
                    "product": path.product,
                    "capped": path.capped,
                    "attempts": [a for a in path.attempts],
                    "hops": list(path.hops),
                    "retrying_layers": list(path.retrying_layers),
                    "unknown_attempts": list(path.unknown_attempts),
                    "limit": facts.retry_amplification_limit,
                },
            )
