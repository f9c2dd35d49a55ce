"""Where replicas run: zone of each replica, from the placement policy.

`one_per_zone` and `even` place replica i in zone i mod k (round-robin, which is what topology
spread constraints and anti-affinity give); `unspecified` leaves the zone of each replica unknown.
"""

from __future__ import annotations

from collections import Counter

from pacelc.model.schema import Placement


def replica_zones(replicas: int, placement: Placement | None) -> list[str] | None:
    """Zone of each replica, or None when the model does not say where they run."""
    if placement is None or not placement.zones or placement.spread == "unspecified":
        return None
    zones = placement.zones
    return [zones[i % len(zones)] for i in range(replicas)]


def zone_counts(replicas: int, placement: Placement | None) -> Counter[str] | None:
    """Replicas per zone, or None when unknown."""
    zones = replica_zones(replicas, placement)
    return None if zones is None else Counter(zones)
