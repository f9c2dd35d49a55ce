"""Partitions: what each side of a network partition can still do.

For every partition (the model's explicit ones, and generated ones: every zone, and every region
when there are several, cut off from the rest), per side: which stores keep a quorum or a leader,
which accept writes, which operations stay available, degrade or stop. Where two sides accept
writes to the same domain, the split brain is reported with what the conflict resolution does to
acknowledged writes.

Which side holds a single leader at the moment of the cut is not knowable from a design, so the
analysis takes the worst case the settings allow: with automatic failover and no fencing both
sides end up with a leader; with fencing only the side that can elect one (a majority of replicas)
does; with manual failover the side without the leader waits for an operator.
"""

from __future__ import annotations

from dataclasses import dataclass

from pacelc.analysis.graph import CallNode, SystemGraph, degraded_fallback
from pacelc.analysis.placement import replica_zones
from pacelc.analysis.scenarios import sentence
from pacelc.model.schema import Store

AVAILABLE, DEGRADED, UNAVAILABLE, UNKNOWN = "available", "degraded", "unavailable", "unknown"


@dataclass(frozen=True)
class Partition:
    id: str
    label: str
    sides: tuple[frozenset[str], ...]  # zones per side
    side_names: tuple[str, ...]
    generated: bool


@dataclass(frozen=True)
class StoreSide:
    store: str
    replicas: int | None  # on this side; None when placement is unknown
    writes: bool | None
    reads: bool | None
    reason: str


@dataclass(frozen=True)
class SplitBrain:
    domain: str
    store: str
    sides: tuple[str, ...]
    outcome: str  # lost / merged / siblings / manual / unknown
    explanation: str


@dataclass(frozen=True)
class SideOutcome:
    name: str
    zones: frozenset[str]
    stores: tuple[StoreSide, ...]
    operations: tuple[tuple[str, str, str], ...]  # (operation, status, reason)


@dataclass(frozen=True)
class PartitionOutcome:
    partition: Partition
    sides: tuple[SideOutcome, ...]
    split_brains: tuple[SplitBrain, ...]


def generated_partitions(graph: SystemGraph) -> list[Partition]:
    """Every zone cut off from the rest, and every region when there are several."""
    all_zones = frozenset(graph.zone_region)
    out = []
    regions = sorted(graph.model.regions, key=lambda r: r.id)
    if len(regions) > 1:
        for region in regions:
            inside = frozenset(z.id for z in region.zones)
            if inside and all_zones - inside:
                out.append(
                    Partition(
                        f"region:{region.id}",
                        f"region {region.id} cut off",
                        (inside, all_zones - inside),
                        (region.id, "rest"),
                        True,
                    )
                )
    for zone in sorted(all_zones):
        rest = all_zones - {zone}
        if rest:
            out.append(
                Partition(f"zone:{zone}", f"zone {zone} cut off", (frozenset({zone}), rest), (zone, "rest"), True)
            )
    return out


def explicit_partitions(graph: SystemGraph) -> list[Partition]:
    regions = {r.id: frozenset(z.id for z in r.zones) for r in graph.model.regions}
    out = []
    for sc in sorted(graph.model.scenarios, key=lambda s: s.id):
        if sc.kind != "partition":
            continue
        sides = []
        for side in sc.sides:
            zones: set[str] = set()
            for member in side:
                zones |= regions.get(member, frozenset({member}))
            sides.append(frozenset(zones))
        names = tuple("+".join(side) for side in sc.sides)
        out.append(
            Partition(
                f"scenario:{sc.id}", f"{sc.id}: {sentence(sc.description) or 'partition'}", tuple(sides), names, False
            )
        )
    return out


def _on_side(replicas: int, placement, side: frozenset[str]) -> int | None:
    if placement is None or not placement.zones:
        return None
    zones = replica_zones(replicas, placement)
    if zones is None:
        return None
    return sum(1 for z in zones if z in side)


def _store_side(store: Store, side: frozenset[str], other_sides: list[frozenset[str]]) -> StoreSide:
    n = store.replicas
    here = _on_side(n, store.placement, side)
    if here is None:
        return StoreSide(store.id, None, None, None, f"{store.id}: placement unknown")
    if here == 0:
        return StoreSide(store.id, 0, False, False, f"{store.id}: no replica on this side")
    rep = store.replication
    topology = rep.topology if rep else "none"
    q = rep.quorum if rep else None
    majority = n // 2 + 1
    if n == 1 or (rep is not None and topology == "none"):
        return StoreSide(store.id, here, True, True, f"{store.id}: its only copy is here")
    if rep is None:
        # Several replicas and nothing said of how they relate: which side writes is unknown, not
        # "each side has a copy it writes to" (that would invent a split brain).
        return StoreSide(store.id, here, None, None, f"{store.id}: {here}/{n} replicas; replication not described")
    if topology == "consensus":
        if here >= majority:
            return StoreSide(store.id, here, True, True, f"{store.id}: {here}/{n} members, a majority")
        followers = rep.read_from in ("followers", "any", "nearest")
        return StoreSide(
            store.id,
            here,
            False,
            followers,
            f"{store.id}: {here}/{n} members, no majority"
            + ("; followers still serve stale reads" if followers else ""),
        )
    if topology == "leaderless":
        w, r = (q.w, q.r) if q else (None, None)
        if q is not None and q.sloppy:
            return StoreSide(store.id, here, True, True, f"{store.id}: sloppy quorum, writes land on stand-ins")
        if w is None or r is None:
            return StoreSide(store.id, here, None, None, f"{store.id}: {here}/{n} replicas; quorum not given")
        return StoreSide(store.id, here, here >= w, here >= r, f"{store.id}: {here}/{n} replicas, W={w}, R={r}")
    if topology == "multi_leader":
        return StoreSide(store.id, here, True, True, f"{store.id}: a local leader accepts writes")
    if store.kind == "log" and q is not None and q.min_in_sync_replicas:
        if rep.unclean_leader_election:
            return StoreSide(store.id, here, True, True, f"{store.id}: unclean leader election lets this side elect")
        ok = here >= q.min_in_sync_replicas
        return StoreSide(store.id, here, ok, ok, f"{store.id}: {here}/{n} brokers vs min ISR {q.min_in_sync_replicas}")
    # single leader
    fo = rep.failover if rep else None
    fenced = fo is not None and fo.fencing not in (None, "none")
    if fo is not None and fo.mode == "automatic" and not fenced:
        return StoreSide(store.id, here, True, True, f"{store.id}: automatic failover without fencing, a leader here")
    if fo is not None and fo.mode == "automatic":
        ok = here >= majority
        return StoreSide(
            store.id,
            here,
            ok,
            ok or rep.read_from in ("followers", "any", "nearest"),
            f"{store.id}: {here}/{n} replicas; fenced failover " + ("can elect here" if ok else "cannot elect here"),
        )
    return StoreSide(
        store.id, here, None, None, f"{store.id}: writes only where the leader was; manual failover to move it"
    )


_RESOLUTION = {
    "lww": ("lost", "last-writer-wins keeps one version per item; the other side's acknowledged writes are lost"),
    "crdt": ("merged", "the CRDT merges both sides' updates"),
    "merge_function": ("merged", "the merge function combines both sides' versions"),
    "siblings": ("siblings", "both versions are kept as siblings for the reader to merge"),
    "manual": ("manual", "both versions are kept for manual resolution"),
}


def _split_brain(graph: SystemGraph, store: Store, sides: list[str]) -> tuple[str, str]:
    rep = store.replication
    if rep is not None and rep.topology == "single_leader":
        return "lost", "two leaders: the deposed one's acknowledged writes are rolled back when it rejoins"
    if rep is not None and store.kind == "log":
        return "lost", "an unclean leader truncates what the other side's leader acknowledged"
    cr = rep.conflict_resolution if rep else None
    if cr is None:
        return "unknown", "the model gives no conflict resolution: divergent versions with no rule to reconcile them"
    if cr.strategy in _RESOLUTION:
        return _RESOLUTION[cr.strategy]
    return "unknown", "conflict resolution 'none': divergent versions stay divergent"


def _operation_status(
    graph: SystemGraph, op_id: str, side: frozenset[str], store_sides: dict[str, StoreSide]
) -> tuple[str, str]:
    tree = graph.trees[op_id]

    def service_here(sid: str) -> tuple[bool | None, str]:
        svc = graph.services[sid]
        if svc.external:
            return True, ""
        here = _on_side(svc.replicas, svc.placement, side)
        if here is None:
            return None, f"{sid}: placement unknown"
        need = svc.min_replicas or 1
        return here >= need, f"{sid}: {here} replica(s) here, needs {need}"

    entry_ok, why = service_here(tree.entry)
    if entry_ok is False:
        return UNAVAILABLE, why
    status, reasons = (UNKNOWN, [why]) if entry_ok is None else (AVAILABLE, [])

    def visit(node: CallNode) -> None:
        nonlocal status
        if not node.sync:
            return
        ok: bool | None
        if node.target_kind == "service":
            ok, why = service_here(node.target)
        elif node.target_kind in ("store", "topic"):
            store_id = node.target if node.target_kind == "store" else graph.topics[node.target].broker
            st = store_sides.get(store_id)
            write = node.call.operation in ("write", "read_write") or node.target_kind == "topic"
            ok = None if st is None else (st.writes if write else st.reads)
            why = st.reason if st else f"{store_id}: unknown"
        else:
            ok, why = None, f"{node.target}: unknown"
        fallback = degraded_fallback(graph.effective_call(node.call))
        if ok is False:
            if fallback:
                status = DEGRADED if status == AVAILABLE else status
                reasons.append(f"{why}; {node.caller} falls back")
            else:
                status = UNAVAILABLE
                reasons.append(why)
            return
        if ok is None and status == AVAILABLE:
            status = UNKNOWN
            reasons.append(why)
        for child in node.children:
            visit(child)

    for node in tree.calls:
        visit(node)
    return status, "; ".join(dict.fromkeys(r for r in reasons if r))


def analyse_partition(graph: SystemGraph, partition: Partition) -> PartitionOutcome:
    sides = list(partition.sides)
    outcomes = []
    writers: dict[str, list[str]] = {}
    for index, side in enumerate(sides):
        others = [s for i, s in enumerate(sides) if i != index]
        store_sides = {s.id: _store_side(s, side, others) for s in sorted(graph.model.stores, key=lambda s: s.id)}
        for sid, st in store_sides.items():
            if st.writes:
                writers.setdefault(sid, []).append(partition.side_names[index])
        ops = tuple(
            (op.id, *_operation_status(graph, op.id, side, store_sides))
            for op in sorted(graph.model.operations, key=lambda o: o.id)
        )
        outcomes.append(SideOutcome(partition.side_names[index], side, tuple(store_sides.values()), ops))
    brains = []
    for domain in sorted(graph.model.domains, key=lambda d: d.id):
        store = graph.stores.get(domain.store)
        if store is None or len(writers.get(store.id, [])) < 2:
            continue
        outcome, explanation = _split_brain(graph, store, writers[store.id])
        brains.append(SplitBrain(domain.id, store.id, tuple(writers[store.id]), outcome, explanation))
    return PartitionOutcome(partition, tuple(outcomes), tuple(brains))


def all_partitions(graph: SystemGraph) -> list[PartitionOutcome]:
    return [analyse_partition(graph, p) for p in explicit_partitions(graph) + generated_partitions(graph)]
