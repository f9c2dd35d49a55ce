"""FLR050 single-point-of-failure."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.faulttrees import SinglePoint
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR050", "single-point-of-failure", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """One failure alone makes operations unavailable.

    What it does:
        Reports every element that a single basic failure (one replica, one zone, one external
        provider) takes down while an operation waits for it, i.e. every minimal cut set of order 1
        of an operation's fault tree, traced to the element to change. One finding per element,
        listing every operation it stops with the call path that makes the operation depend on it.
        When most services and stores run a single replica (three or more, over half of them), that
        is one cause, said once for the system with each element and the operations it stops.

    Why it matters:
        Redundancy elsewhere does not help an operation that waits synchronously for one thing that
        can fail alone. The availability of the whole operation is capped by that one element.

    Example:
        regions:
          - id: eu
            zones: [{id: eu-a}, {id: eu-b}]
        services:
          - id: api
            replicas: 2
            placement: {zones: [eu-a, eu-b], spread: one_per_zone}
            calls: [{to: db, operation: write, timeout: {read_ms: 200}}]
        stores:
          - id: db
            kind: database
            placement: {zones: [eu-a]}
        operations:
          - {id: save, entry: api}

    Fix:
        regions:
          - id: eu
            zones: [{id: eu-a}, {id: eu-b}]
        services:
          - id: api
            replicas: 2
            placement: {zones: [eu-a, eu-b], spread: one_per_zone}
            calls: [{to: db, operation: write, timeout: {read_ms: 200}}]
        stores:
          - id: db
            kind: database
            replicas: 2
            placement: {zones: [eu-a, eu-b], spread: one_per_zone}
            replication:
              topology: single_leader
              mode: sync
              failover: {mode: automatic, fencing: epoch}
        operations:
          - {id: save, entry: api}

    How it is computed:
        The operation's fault tree (replicas, zones and regions as shared basic events; k-of-n gates
        for quorums and minimum capacity) is compiled to a BDD; its minimal cut sets of order 1 come
        from the ZBDD of minimal solutions. Each such event is traced to the lowest model element it
        takes down. A call with a fallback does not count: it degrades the operation instead.
        A whole region's failure is left to CAP008, which reports single-region designs once.

    False positives:
        An external provider with a contractual SLA you accept: record it in the risk register with the
        reason. Placement that lists zones without a spread policy does not say where the replicas
        run: the scheduler may put them all in one zone. The finding then says the element *may* be a
        single point of failure, if its replicas share a zone, and names no zone as a fact (the figure
        is for all of them in the first listed zone, and says so); state `spread` if it is not so.
        CAP007 (single-zone element) leaves an element that is a single point of failure of an
        operation to this rule, which names the operation and the zone.

    References:
        Vesely et al., "Fault Tree Handbook" (NUREG-0492), minimal cut sets. Rauzy, "New algorithms
        for fault trees analysis" (1993).
    """
    by_culprit: dict[str, list[tuple[str, SinglePoint]]] = {}
    for op_id, points in sorted(facts.single_points.items()):
        for sp in points:
            by_culprit.setdefault(sp.culprit, []).append((op_id, sp))
    ranked = sorted(by_culprit.items(), key=lambda kv: (-max(sp.probability for _, sp in kv[1]), kv[0]))
    single = [(c, items) for c, items in ranked if _one_replica(facts, c)]
    internal = [s for s in model.services if not s.external] + list(model.stores)
    if len(single) >= 3 and len(single) * 2 > len(internal):
        # An estate that runs one replica of most things: one cause, said once, with the elements.
        listed = "; ".join(f"{c} (stops {', '.join(op for op, _ in items)})" for c, items in single)
        yield Finding(
            rule="FLR050",
            elements=(model.system.name,),
            message=(
                f"{len(single)} of the {len(internal)} services and stores run a single replica, and each is a "
                f"single point of failure of the operations that wait for it: {listed}"
            ),
            fix="run at least two replicas of each (spread over zones, with a failover for stores), or give the "
            "calls to them a fallback so the operations degrade instead",
            where=("stores" if single[0][0] in facts.graph.stores else "services", single[0][0]),
            evidence={
                "elements": {c: [op for op, _ in items] for c, items in single},
                "probability": {c: round(max(sp.probability for _, sp in items), 12) for c, items in single},
            },
        )
        ranked = [(c, items) for c, items in ranked if not _one_replica(facts, c)]
    for culprit, items in ranked:
        events = list(dict.fromkeys(event for _, sp in items for event in sp.events))
        assumed = {event for _, sp in items for event in sp.assumed}
        probability = max(sp.probability for _, sp in items)
        operations = ", ".join(f"'{op_id}' (path {' → '.join(sp.path)})" for op_id, sp in items)
        count = f"{len(items)} operation{'s' if len(items) > 1 else ''}"
        evidence: dict[str, object] = {
            "cut_sets": [[e] for e in events if e not in assumed],
            "operations": {op_id: list(sp.path) for op_id, sp in items},
            "probability": round(probability, 12),
        }
        if assumed and all(e in assumed for e in events):
            # Only under the assumed placement (spread unspecified): a possibility, not a fact, and the
            # zone it was modelled in is not one the model gives.
            element = facts.graph.services.get(culprit) or facts.graph.stores.get(culprit)
            zones = list(element.placement.zones) if element is not None and element.placement else []
            n = element.replicas if element is not None else 0
            evidence["cut_sets_if_replicas_share_a_zone"] = [[e] for e in events if e in assumed]
            del evidence["cut_sets"]  # none is a fact
            yield Finding(
                rule="FLR050",
                elements=(culprit,),
                message=(
                    f"{culprit} may be a single point of failure of {count}: its placement lists "
                    f"{', '.join(zones)} but not how its {n} replicas spread over them (`spread: unspecified`), "
                    f"so the scheduler may put them all in one zone, whose failure then stops it (probability "
                    f"{probability:.1e} with all in {zones[0] if zones else 'one zone'}, the first listed; where "
                    f"they run is unknown), and {operations} fail{'' if len(items) > 1 else 's'} with it"
                ),
                fix=f"state how '{culprit}' spreads over its zones (`spread: one_per_zone` or `even`, backed by a "
                "topology spread constraint or anti-affinity), or give the calls to it a fallback so the "
                "operations degrade instead",
                where=("stores" if culprit in facts.graph.stores else "services", culprit),
                evidence=evidence,
            )
            continue
        # Zone failures that count only under the assumed placement are named as such, next to the facts.
        labels = list(dict.fromkeys(label for _, sp in items for label in sp.labels))
        missed = {
            op_id: facts.sla_missed_by_single_points[op_id]
            for op_id, _ in items
            if op_id in facts.sla_missed_by_single_points
        }
        sla_words = "".join(
            f"; '{op_id}' misses its availability SLA {sla:.7g} ({a:.7g} designed)"
            for op_id, (sla, a) in missed.items()
        )
        if missed:
            evidence["sla_missed"] = {
                op_id: {"sla": sla, "availability": round(a, 12)} for op_id, (sla, a) in missed.items()
            }
        if assumed:
            evidence["cut_sets_if_replicas_share_a_zone"] = [[e] for e in events if e in assumed]
        yield Finding(
            rule="FLR050",
            elements=(culprit,),
            message=(
                f"{culprit} is a single point of failure of {count}: it fails when {' or '.join(labels)} "
                f"(probability {probability:.1e}), and {operations} fail{'' if len(items) > 1 else 's'} with it"
                f"{sla_words}"
            ),
            fix=(
                f"add a second provider next to '{culprit}', or give the calls to it a fallback so the "
                "operations degrade instead (or accept the provider's SLA in the risk register)"
                if _external(facts, culprit)
                else f"add redundancy to '{culprit}' across zones (replicas with `spread: one_per_zone` and "
                "a failover), or give the calls to it a fallback so the operations degrade instead"
            ),
            where=("stores" if culprit in facts.graph.stores else "services", culprit),
            evidence=evidence,
        )


def _one_replica(facts: Facts, element: str) -> bool:
    """An internal service or a store that runs one replica (its own failure is the single point)."""
    svc = facts.graph.services.get(element)
    if svc is not None:
        return not svc.external and svc.replicas == 1
    store = facts.graph.stores.get(element)
    return store is not None and store.replicas == 1


def _external(facts: Facts, element: str) -> bool:
    svc = facts.graph.services.get(element)
    return svc is not None and bool(svc.external)
