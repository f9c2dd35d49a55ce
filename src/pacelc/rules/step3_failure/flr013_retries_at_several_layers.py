"""FLR013 retries-at-several-layers."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule
from pacelc.rules.step3_failure.flr012_retry_amplification import check as flr012

#: Failures that never reached the callee: retrying them adds no work behind the connection.
CONNECT_ONLY = frozenset({"connect_error"})


@rule("FLR013", "retries-at-several-layers", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """More than one layer of a call path retries the same failure.

    What it does:
        For every operation, finds the call paths on which two or more hops retry (more than one
        attempt) and no retry budget or circuit breaker caps the upper layers, and reports the path
        once, naming the retrying layers. Amplification above 10× is FLR012's; this rule catches the
        pattern before it gets there.

    Why it matters:
        The usual advice is to retry at one layer only, close to the failure (or at the edge, with a
        budget). Each extra retrying layer multiplies the load on the failing dependency and the time
        the user waits, and makes the worst case hard to reason about.

    Example:
        services:
          - id: edge
            calls: [{to: api, timeout: {read_ms: 3000}, retry: {attempts: 2, backoff: {base_ms: 100}, jitter: full}}]
          - id: api
            calls: [{to: db, timeout: {read_ms: 200}, retry: {attempts: 3, backoff: {base_ms: 10}, jitter: full}}]
        stores: [{id: db, kind: database}]
        operations:
          - {id: read, entry: edge}

    Fix:
        services:
          - id: edge
            calls:
              - to: api
                timeout: {read_ms: 3000}
                retry: {attempts: 2, budget_percent: 10, backoff: {base_ms: 100}, jitter: full}
          - id: api
            calls: [{to: db, timeout: {read_ms: 200}, retry: {attempts: 3, backoff: {base_ms: 10}, jitter: full}}]
        stores: [{id: db, kind: database}]
        operations:
          - {id: read, entry: edge}

    How it is computed:
        `facts.budgets`: for each amplification path, the hops with more than one attempt
        (`retrying_layers`). A retrying hop whose retries are capped (a retry budget, or a circuit
        breaker that stops them) does not count. Fires with two or more uncapped retrying layers. One
        finding per (operation, path leaf).

    False positives:
        Layers retrying disjoint failures (connect errors below, timeouts above) compound less; cap the
        upper layer with a retry budget to say so. A layer that retries connection errors only is not
        counted (the failed attempt never reached the callee). A path whose amplification FLR012 (retry
        amplification) reports for the same operation and element is left to FLR012.

    References:
        Google SRE Book, chapter 22 ("Addressing Cascading Failures"). AWS Builders' Library, "Timeouts,
        retries, and backoff with jitter" (retry at a single point in the stack).
    """
    storms = {f.elements for f in flr012.run(model, facts)}
    for op_id, ob in sorted(facts.budgets.operations.items()):
        hops = {h.name: h for h in ob.hops}
        for path in ob.paths:
            layers = [
                name
                for name in path.retrying_layers
                if name in hops
                and hops[name].retry_budget_percent is None
                and not hops[name].circuit_breaker
                and not (hops[name].retry_on and set(hops[name].retry_on) <= CONNECT_ONLY)
            ]
            if len(layers) < 2:
                continue
            leaf = path.hops[-1]
            target = hops[leaf].target if leaf in hops else leaf
            if (op_id, target) in storms:
                continue  # FLR012 reports the same path with its amplification
            yield Finding(
                rule="FLR013",
                elements=(op_id, target),
                message=(
                    f"operation '{op_id}': {len(layers)} layers retry on the way to {target} "
                    f"({', '.join(f'{name} ×{hops[name].attempts}' for name in layers)}), none capped by a retry "
                    "budget or breaker"
                ),
                fix="retry at one layer (closest to the failure), or cap the upper layers with `retry.budget_percent`",
                where=("services", hops[layers[0]].caller, "calls", layers[0].split(".", 1)[1], "retry"),
                evidence={"path": list(path.hops), "retrying_layers": layers, "product": path.product},
            )
