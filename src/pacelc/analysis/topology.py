"""Placement facts: which zones and regions each service and store runs in, how the members of a
replicated store are spread over them, which calls cross regions, and a simple upper bound on the
availability an operation's synchronous dependencies can give.

The availability figure here is a deliberately simple, clearly labelled *upper bound*, not the
exact answer: the exact figure (k-of-n gates, common causes, minimal cut sets) comes from the
fault-tree engine (`pacelc.analysis.fta`). The bound is sound because zone and region failures
can only remove replicas: the probability that every dependency has enough replicas up is at most
the product, over distinct zones and regions some dependency is confined to, of their availability,
times the product over dependencies of their replica-level k-of-n availability (replica failures
are independent of each other and of their zones).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import comb

from pacelc.analysis.graph import SystemGraph, call_name
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


# --------------------------------------------------------------------------- availability bound


def k_of_n(a: float, n: int, k: int) -> float:
    """Probability that at least k of n independent replicas of availability a are up."""
    k = max(1, min(k, n))
    return sum(comb(n, i) * a**i * (1 - a) ** (n - i) for i in range(k, n + 1))


@dataclass(frozen=True)
class DependencyFactor:
    """One element on the synchronous path and what it contributes to the bound."""

    element: str
    replicas: int
    needed: int
    replica_availability: float
    availability: float  # k-of-n over its replicas, zone/region failures left out
    confined_to: str | None  # the one zone or region all its replicas share, if any

    def as_dict(self) -> dict[str, object]:
        return {
            "element": self.element,
            "replicas": self.replicas,
            "needed": self.needed,
            "replica_availability": self.replica_availability,
            "availability": round(self.availability, 9),
            "confined_to": self.confined_to,
        }


@dataclass(frozen=True)
class AvailabilityBound:
    """Upper bound on an operation's availability from its synchronous dependencies."""

    operation: str
    bound: float
    factors: tuple[DependencyFactor, ...]
    failure_domains: tuple[tuple[str, float], ...]  # zones/regions some dependency is confined to
    excluded: tuple[str, ...]  # calls left out because the caller has a fallback for them

    def weakest(self, count: int = 3) -> list[DependencyFactor]:
        return sorted(self.factors, key=lambda f: (f.availability, f.element))[:count]


def degraded_fallback(call: Call) -> str | None:
    """What the caller does instead when the call fails: the call's fallback or its breaker's.

    A fallback that says it is none or that the caller fails ("none; the checkout fails", "fail
    fast") is an explicit decision not to degrade, so it gives no availability.
    """
    for text in (call.fallback, call.circuit_breaker.fallback if call.circuit_breaker else None):
        if text and not text.strip().lower().startswith(("none", "fail", "no fallback")):
            return text
    return None


def _needed(store: Store) -> int:
    rep = store.replication
    if rep is None:
        return 1
    if rep.topology == "consensus":
        return store.replicas // 2 + 1
    if rep.topology == "leaderless" and rep.quorum is not None:
        return max(rep.quorum.r or 1, rep.quorum.w or 1)
    return 1


def availability_bound(graph: SystemGraph, op: Operation) -> AvailabilityBound:
    """A simple upper bound on the availability of an operation (see the module docstring).

    Dependencies reached through a call with a fallback (its own or its circuit breaker's) are left
    out, with everything below them: the caller survives their loss.
    """
    defaults = graph.model.defaults.availability
    tree = graph.trees[op.id]
    elements: list[str] = [op.entry]
    excluded: list[str] = []

    def visit(node) -> None:  # CallNode
        if not node.sync:
            return
        call = graph.effective_call(node.call)
        if degraded_fallback(call):
            excluded.append(f"{node.caller}.{call_name(node.call)}")
            return
        target = node.target
        if node.target_kind == "topic":
            target = graph.topics[target].broker
        if target not in elements:
            elements.append(target)
        for child in node.children:
            visit(child)

    for node in tree.calls:
        visit(node)

    factors: list[DependencyFactor] = []
    domains: dict[str, float] = {}
    regions = {r.id: r for r in graph.model.regions}
    zones = {z.id: z for r in graph.model.regions for z in r.zones}
    for element in elements:
        if element in graph.services and graph.services[element].external:
            # A third-party dependency: its own SLA stands in for replicas and placement.
            svc = graph.services[element]
            a = svc.sla_availability or svc.replica_availability or defaults.service_replica
            factors.append(DependencyFactor(element, 1, 1, a, a, None))
            continue
        if element in graph.services:
            svc = graph.services[element]
            a = svc.replica_availability or defaults.service_replica
            n, k = svc.replicas, svc.min_replicas or 1
        elif element in graph.stores:
            store = graph.stores[element]
            a = store.replica_availability or defaults.store_replica
            n, k = store.replicas, _needed(store)
        else:
            continue
        spread = spread_of(graph, element)
        confined: str | None = None
        if spread is not None and spread.single_zone and spread.single_zone in zones:
            zone = zones[spread.single_zone]
            confined = zone.id
            domains[zone.id] = zone.availability or defaults.zone
        if spread is not None and spread.single_region:
            region = regions[spread.single_region]
            confined = confined or region.id
            domains[region.id] = region.availability or defaults.region
        factors.append(DependencyFactor(element, n, min(k, n), a, k_of_n(a, n, k), confined))

    bound = 1.0
    for f in factors:
        bound *= f.availability
    for value in domains.values():
        bound *= value
    return AvailabilityBound(op.id, bound, tuple(factors), tuple(sorted(domains.items())), tuple(excluded))
