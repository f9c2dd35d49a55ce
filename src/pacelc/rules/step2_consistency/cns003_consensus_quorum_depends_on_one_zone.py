"""CNS003 consensus-quorum-depends-on-one-zone."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("CNS003", "consensus-quorum-depends-on-one-zone", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Losing one zone (or one region) takes away a consensus group's majority.

    What it does:
        For every consensus store spread over several zones, counts members per zone and per
        region from its placement and flags each zone (and, for multi-region groups, each region)
        whose loss leaves fewer members than a majority. When the placement does not say where
        members run (no placement, or `spread: unspecified`), reports that as unknown.

    Why it matters:
        A consensus group is chosen to survive failures, but if one zone holds too many members,
        that zone's outage or its partition from the others stops all writes (and linearizable
        reads), even though the group "has 3 zones". Schedulers without anti-affinity routinely
        put two members on the same zone.

    Example:
        regions: [{id: r, zones: [{id: a}, {id: b}, {id: c}]}]
        stores:
          - id: etcd
            kind: coordination
            replicas: 3
            placement: {zones: [a, b], spread: even}
            replication: {topology: consensus, protocol: raft}

    Fix:
        regions: [{id: r, zones: [{id: a}, {id: b}, {id: c}]}]
        stores:
          - id: etcd
            kind: coordination
            replicas: 3
            placement: {zones: [a, b, c], spread: one_per_zone}
            replication: {topology: consensus, protocol: raft}

    How it is computed:
        `facts.spreads`: members per zone by round-robin over `placement.zones` (what
        `one_per_zone` anti-affinity and `even` topology spread give). Fires for a zone holding
        more than n - majority members; for regions likewise, when the group spans more than one
        region and no zone of that region already fired. Groups confined to one zone are CAP007's.

    False positives:
        A placement the scheduler does not honour as described: state the real spread.

    References:
        etcd documentation, "Failure modes" and "Multi-zone deployments". Ongaro and Ousterhout,
        "In Search of an Understandable Consensus Algorithm" (USENIX ATC 2014).
    """
    for store in sorted(model.stores, key=lambda s: s.id):
        rep = store.replication
        if rep is None or rep.topology != "consensus" or store.replicas < 2:
            continue
        n = store.replicas
        majority = n // 2 + 1
        spread = facts.spreads.get(store.id)
        if spread is None or spread.zone_counts is None:
            why = "has no placement" if store.placement is None else "has `spread: unspecified`"
            yield Finding(
                rule="CNS003",
                elements=(store.id,),
                message=(
                    f"unknown: consensus group '{store.id}' {why}, so the model does not say whether one zone "
                    f"holds {n - majority + 1} or more of its {n} members (enough to lose the majority of {majority})"
                ),
                fix="state `placement: {zones: [...], spread: one_per_zone}` (anti-affinity or topology spread)",
                where=("stores", store.id, "placement"),
                severity=lower("high"),
                unknown=True,
            )
            continue
        if spread.single_zone is not None:
            continue
        fired_regions: set[str] = set()
        for zone, count in spread.zone_counts.items():
            if n - count >= majority:
                continue
            fired_regions.add(facts.graph.zone_region.get(zone, ""))
            yield _finding(store.id, zone, "zone", count, n, majority, spread.zone_counts)
        if spread.region_counts is None or len(spread.region_counts) < 2:
            continue
        for region, count in spread.region_counts.items():
            if n - count >= majority or region in fired_regions:
                continue
            yield _finding(store.id, region, "region", count, n, majority, spread.region_counts)


def _finding(store: str, where_: str, kind: str, count: int, n: int, majority: int, counts: dict) -> Finding:
    return Finding(
        rule="CNS003",
        elements=(store, where_),
        message=(
            f"{kind} {where_} holds {count} of the {n} members of consensus group '{store}': losing or "
            f"partitioning {where_} leaves {n - count}, short of the majority of {majority}, and the group stops"
        ),
        fix=(
            f"spread '{store}' so that no {kind} holds more than {n - majority} member(s) "
            f"(more {kind}s, `spread: one_per_zone`, or an odd member count that fits the {kind}s)"
        ),
        where=("stores", store, "placement"),
        evidence={"members": n, "majority": majority, f"per_{kind}": dict(counts), kind: where_, "in_it": count},
    )
