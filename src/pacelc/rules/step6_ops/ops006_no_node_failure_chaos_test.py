"""OPS006 no-node-failure-chaos-test."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import replicated
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule

NODE_KILLING = frozenset({"node_failure", "zone_failure", "region_failure"})


@rule("OPS006", "no-node-failure-chaos-test", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A system that relies on replicas and failover never tests losing a node.

    What it does:
        Flags a model with replicated services or stores when no chaos experiment kills nodes (a node,
        zone or region failure all count). When the model does not list its chaos experiments at all (no
        `readiness.chaos`, as in an import), the finding is unknown, a level lower: it asks.

    Why it matters:
        Replication and failover are the code paths that run only when something breaks. Untested, they
        fail when first needed: the health check that never trips, the client that pins a dead
        connection, the failover that takes ten minutes instead of thirty seconds.

    Example:
        services: [{id: api, replicas: 3}]
        readiness:
          chaos: [{id: slow-db, kind: latency, targets: [api]}]

    Fix:
        services: [{id: api, replicas: 3}]
        readiness:
          chaos:
            - {id: slow-db, kind: latency, targets: [api]}
            - {id: kill-api-pod, kind: node_failure, targets: [api], schedule: weekly}

    How it is computed:
        Fires when some service or store has more than one replica and no `readiness.chaos[].kind` is
        node_failure, zone_failure or region_failure.

    False positives:
        None known.

    References:
        Basiri et al., "Chaos Engineering" (IEEE Software, 2016). Principles of Chaos Engineering
        (principlesofchaos.org).
    """
    if any(c.kind in NODE_KILLING for c in model.readiness.chaos):
        return
    elements = sorted([s.id for s in model.services if s.replicas > 1] + [s.id for s in model.stores if replicated(s)])
    if not elements:
        return
    unknown = not facts.flows.chaos_described
    yield Finding(
        rule="OPS006",
        elements=(model.system.name,),
        message=(
            f"unknown: '{model.system.name}' relies on replicas of {len(elements)} services and stores, and the model "
            "does not list its chaos experiments: is failover tested by killing a node, zone or region?"
            if unknown
            else f"'{model.system.name}' relies on replicas of {len(elements)} services and stores but no chaos "
            "experiment kills a node, zone or region: failover is untested"
        ),
        fix="add node-failure experiments on the replicated stores and services (kill a leader, kill a pod)",
        where=("readiness", "chaos"),
        evidence={"replicated": elements},
        severity=lower("medium") if unknown else None,
        unknown=unknown,
    )
