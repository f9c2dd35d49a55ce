"""Placement facts: which zones and regions each service and store runs in, how the members of a
replicated store are spread over them, which calls cross regions, and which elements an operation
cannot do without. Availability figures come from the fault trees (`analysis/faulttrees.py`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pacelc.analysis.graph import SystemGraph, degraded_fallback
from pacelc.analysis.placement import zone_counts
from pacelc.model.schema import Call, Operation, Service, Store


@dataclass(frozen=True)
class Spread:
    """Where an element's replicas run, as far as the model says."""

    element: str
    replicas: int
    zones: tuple[str, ...]  # zones it may run in (placement.zones), empty when not said
    regions: tuple[str, ...]  # regions of those zones (sorted)
    zone_counts: dict[str, int] | None  # replicas per zone (round-robin), None when unknown
    region_counts: dict[str, int] | None  # replicas per region, None when unknown
    zones_all_known: bool = True  # every placement zone is declared in a region

    @property
    def placed(self) -> bool:
        return bool(self.zones)

    @property
    def single_zone(self) -> str | None:
        """The one zone every replica runs in, or None."""
        return self.zones[0] if len(set(self.zones)) == 1 else None

    @property
    def single_region(self) -> str | None:
        """The one region every replica runs in, or None (also None when the zones are not in a region)."""
        return self.regions[0] if len(self.regions) == 1 and self.zones_all_known else None


def spread_of(graph: SystemGraph, element: str) -> Spread | None:
    """The spread of a service or store, or None when the element is neither."""
    obj: Service | Store | None = graph.services.get(element) or graph.stores.get(element)
    if obj is None:
        return None
    zones = tuple(obj.placement.zones) if obj.placement else ()
    regions = tuple(sorted({graph.zone_region[z] for z in zones if z in graph.zone_region}))
    counts = zone_counts(obj.replicas, obj.placement)
    zc = dict(sorted(counts.items())) if counts is not None else None
    rc: dict[str, int] | None = None
    known = all(z in graph.zone_region for z in zones)
    if zc is not None and known:
        per_region: Counter[str] = Counter()
        for zone, n in zc.items():
            per_region[graph.zone_region[zone]] += n
        rc = dict(sorted(per_region.items()))
    return Spread(element, obj.replicas, zones, regions, zc, rc, known)


def crosses_region(graph: SystemGraph, caller: str, call: Call) -> tuple[bool | None, str]:
    """Whether a call leaves the caller's region, with the reason.

    The call's own `crosses_region` wins. Otherwise it is derived from placement: the call crosses
    when some region the caller runs in holds no replica of the target (those callers must go to
    another region). None when the placement of either side is not known.
    """
    if call.crosses_region is not None:
        return call.crosses_region, "stated on the call (crosses_region)"
    target = call.to
    if target in graph.topics:
        target = graph.topics[target].broker
    src = graph.regions_of(caller)
    dst = graph.regions_of(target)
    if not src or not dst:
        return None, "placement of caller or target not known"
    outside = [r for r in src if r not in dst]
    if outside:
        return True, f"{caller} runs in {', '.join(outside)}, where {target} has no replica ({', '.join(dst)})"
    return False, f"{target} has replicas in every region {caller} runs in"


# --------------------------------------------------------------------------- needed elements


def required_elements(graph: SystemGraph, op: Operation) -> list[str]:
    """Services and stores an operation waits for, entry first, in path order, without repeats.

    Dependencies reached through a call with a fallback (its own or its circuit breaker's) are left
    out, with everything below them: the caller survives their loss. A topic stands for its broker.
    """
    tree = graph.trees[op.id]
    elements: list[str] = [op.entry]

    def visit(node) -> None:  # CallNode
        if not node.sync or degraded_fallback(graph.effective_call(node.call)):
            return
        target = graph.topics[node.target].broker if node.target_kind == "topic" else node.target
        if target not in elements:
            elements.append(target)
        for child in node.children:
            visit(child)

    for node in tree.calls:
        visit(node)
    return [e for e in elements if e in graph.services or e in graph.stores]
