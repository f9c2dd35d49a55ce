"""CAP007 single-zone-element."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("CAP007", "single-zone-element", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A service or store runs all its replicas in one zone: a zone failure or partition stops it.

    What it does:
        Flags every service and store whose placement puts all replicas in a single zone. A
        failover inside the zone does not help when the zone itself fails or is cut off.

    Why it matters:
        Zones fail and get partitioned as a unit (power, cooling, network fabric, a bad rollout).
        An element confined to one zone silently assumes that never happens: everything that needs
        it synchronously goes down with the zone, and a store there loses whatever was not yet
        backed up elsewhere.

    Example:
        regions: [{id: eu, zones: [{id: eu-a}, {id: eu-b}]}]
        services: [{id: ship}]
        stores:
          - {id: ship-db, kind: database, replicas: 2, placement: {zones: [eu-a]}}

    Fix:
        regions: [{id: eu, zones: [{id: eu-a}, {id: eu-b}]}]
        services: [{id: ship}]
        stores:
          - {id: ship-db, kind: database, replicas: 2, placement: {zones: [eu-a, eu-b], spread: one_per_zone}}

    How it is computed:
        `facts.spreads`: the zones listed in each element's placement. Fires when there is exactly
        one. Elements without a placement are not judged here (nothing says where they run).

    False positives:
        A deliberately zonal element whose loss is covered elsewhere (a per-zone cache in front of a
        multi-zone store, a batch worker): accept it in the risk register with the reason. An element
        that is also a single point of failure of an operation is left to FLR050 (single point of
        failure), which reports the same zone with the operations it stops and their probability.

    References:
        AWS Well-Architected Reliability Pillar, "Deploy the workload to multiple locations".
        Google SRE Book, chapter 26 ("Data Integrity") and chapter 22 ("Addressing Cascading Failures").
    """
    spofs = {sp.culprit for points in facts.single_points.values() for sp in points}
    for element, spread in sorted(facts.spreads.items()):
        zone = spread.single_zone
        if zone is None or element in spofs:
            continue  # a single point of failure of an operation: FLR050 names the operation and the zone
        kind = "service" if element in facts.graph.services else "store"
        section = "services" if kind == "service" else "stores"
        yield Finding(
            rule="CAP007",
            elements=(element, zone),
            message=(
                f"{kind} '{element}' runs "
                + (f"all {spread.replicas} replicas" if spread.replicas > 1 else "its only replica")
                + f" in zone {zone}: "
                f"a failure or partition of {zone} stops it, and failover has nowhere to go"
            ),
            fix=f"spread '{element}' over two or more zones (`placement: {{zones: [...], spread: one_per_zone}}`)",
            where=(section, element, "placement", "zones"),
            evidence={"zone": zone, "replicas": spread.replicas, "regions": list(spread.regions)},
        )
