"""FLR018 replicas-evictable-at-once."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import evictable_at_once
from pacelc.model.schema import Service, Store, SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR018", "replicas-evictable-at-once", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Voluntary disruptions may take every replica of a workload down at once.

    What it does:
        Flags services and stores with two or more replicas whose `disruption_budget` is `none`
        (the platform evicts them with no budget: Kubernetes without a PodDisruptionBudget) or
        allows all of them to go (`min_available: 0`, `max_unavailable` of at least the replica
        count). When that is true of most such workloads, it is one cause, reported once for the
        system with the workloads listed; otherwise once per workload.

    Why it matters:
        Node drains during cluster upgrades, autoscaler scale-downs and maintenance evict pods
        through the eviction API, which only a disruption budget slows down. Without one, draining
        the nodes that hold the replicas (or one node, when they share it) stops the workload
        however many replicas it has: the redundancy that covers crashes does not cover the
        platform's own routine operations.

    Example:
        services:
          - {id: checkout, replicas: 3, disruption_budget: none}

    Fix:
        services:
          - {id: checkout, replicas: 3, disruption_budget: {max_unavailable: 1}}

    How it is computed:
        `flows.evictable_at_once(replicas, disruption_budget)` for every internal service and every
        store with at least two replicas. Workloads whose budget is not described are not judged
        (pacelc does not know their platform evicts at all). Single-replica workloads are left to
        FLR050 (single point of failure).

    False positives:
        A platform that never drains nodes (no upgrades, no autoscaling): accept it in the risk
        register. A budget defined outside the imported manifests (a platform chart): import it too.

    References:
        Kubernetes documentation, "Disruptions" and "Specifying a Disruption Budget for your
        Application".
    """
    judged: list[Service | Store] = [
        el
        for el in (*[s for s in model.services if not s.external], *model.stores)
        if el.replicas >= 2 and el.disruption_budget is not None
    ]
    exposed = [el for el in judged if evictable_at_once(el.replicas, el.disruption_budget)]
    if not exposed:
        return

    def section(el: Service | Store) -> str:
        return "services" if isinstance(el, Service) else "stores"

    def budget_words(el: Service | Store) -> str:
        if el.disruption_budget == "none":
            return "no disruption budget"
        return f"a disruption budget that allows all {el.replicas}"

    if len(exposed) * 2 > len(judged) and len(exposed) > 1:
        listed = ", ".join(f"{el.id} ({el.replicas} replicas, {budget_words(el)})" for el in exposed)
        first = exposed[0]
        yield Finding(
            rule="FLR018",
            elements=(model.system.name,),
            message=(
                f"{len(exposed)} of the {len(judged)} workloads with several replicas can have every replica "
                f"evicted at once by a node drain or upgrade: {listed}"
            ),
            fix="give each a disruption budget (a PodDisruptionBudget with maxUnavailable: 1, or minAvailable "
            "that keeps its quorum or capacity), and spread its replicas over hosts",
            where=(section(first), first.id, "disruption_budget"),
            evidence={"workloads": [el.id for el in exposed], "judged": len(judged)},
        )
        return
    for el in exposed:
        yield Finding(
            rule="FLR018",
            elements=(el.id,),
            message=(
                f"{'service' if isinstance(el, Service) else 'store'} '{el.id}' has {el.replicas} replicas and "
                f"{budget_words(el)}: a node drain or upgrade can evict them all at once"
            ),
            fix=f"give '{el.id}' a disruption budget (a PodDisruptionBudget with maxUnavailable: 1, or minAvailable "
            "that keeps its quorum or capacity), and spread its replicas over hosts",
            where=(section(el), el.id, "disruption_budget"),
            evidence={
                "replicas": el.replicas,
                "disruption_budget": el.disruption_budget
                if isinstance(el.disruption_budget, str)
                else el.disruption_budget.model_dump(exclude_none=True),
            },
        )
