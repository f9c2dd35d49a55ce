"""FLR052 split-brain-loses-acknowledged-writes."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule
from pacelc.rules.step3_failure.flr008_automatic_failover_without_fencing import unfenced_failover

STRONG = ("linearizable", "sequential")
#: Data types whose merge CNS005 judges (LWW is register semantics; counters and sets need CRDTs).
SHAPED = ("counter", "set", "register")


@rule("FLR052", "split-brain-loses-acknowledged-writes", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A partition lets two sides accept writes to a domain, and healing throws acknowledged writes away.

    What it does:
        For every partition (the model's, and every zone and region cut off), finds the domains whose
        store accepts writes on two or more sides, and reports those where the reconciliation loses
        acknowledged writes: last-writer-wins, a deposed single leader rolled back, an unclean log
        leader, or no conflict resolution at all (reported as unknown).

    Why it matters:
        The client was told "saved". After the partition heals, one side's writes silently disappear:
        an order, a revoked permission, a payment record. No error reaches anyone.

    Example:
        regions:
          - id: eu
            zones: [{id: eu-a}, {id: eu-b}]
        services: [{id: app}]
        stores:
          - id: db
            kind: database
            replicas: 2
            placement: {zones: [eu-a, eu-b], spread: one_per_zone}
            replication:
              topology: multi_leader
              mode: async
              conflict_resolution: {strategy: lww, clock: hybrid_logical}
        domains:
          - {id: profiles, owner: app, store: db, consistency: eventual, priority: availability, data_type: document}

    Fix:
        regions:
          - id: eu
            zones: [{id: eu-a}, {id: eu-b}]
        services: [{id: app}]
        stores:
          - id: db
            kind: database
            replicas: 2
            placement: {zones: [eu-a, eu-b], spread: one_per_zone}
            replication:
              topology: multi_leader
              mode: async
              conflict_resolution: {strategy: merge_function, merge_function: field-wise merge by version vector}
        domains:
          - {id: profiles, owner: app, store: db, consistency: eventual, priority: availability, data_type: document}

    How it is computed:
        The partition engine counts each store's replicas per side and applies its rules: a majority
        for consensus and fenced failover, W for leaderless quorums (any side with sloppy quorums),
        every side for multi-leader and for unfenced automatic failover, min in-sync replicas for logs
        unless unclean leader election is on. Two writing sides plus a losing reconciliation fire.

    False positives:
        Data where losing a concurrent write is acceptable (a "last seen" timestamp): say so in the risk
        register. CRDTs, merge functions, siblings and manual resolution are accepted as they are. A
        cache (store kind `cache`) holding an eventual or bounded-staleness domain is skipped: it is
        refilled from its source of truth, so a lost write there costs a miss, not data.
        Losses with a more specific cause are left to the rule that names the setting to change:
        a single leader with unfenced automatic failover (FLR008, which carries the partitions as
        evidence); a domain claiming CP on a multi-leader or leaderless store (CAP005); a counter,
        set or register on a multi-writer store (CNS005 judges whether its merge fits the data:
        last-writer-wins is register semantics, and loses increments and set updates). What stays
        here is data whose merge drops writes with nothing more specific to say: documents, maps or
        logs resolved by last-writer-wins, or multi-writer stores with no resolution.

    References:
        Kleppmann, "Designing Data-Intensive Applications", ch. 5 (handling write conflicts) and ch. 8
        (the truth is defined by the majority). Kingsbury, Jepsen analyses of split-brain data loss.
    """
    seen: dict[str, list[str]] = {}
    details: dict[str, tuple[str, str, str]] = {}
    domains = {d.id: d for d in model.domains}
    held: dict[str, list[tuple[str, str | None]]] = {}
    for d in model.domains:
        held.setdefault(d.store, []).append((d.id, d.priority))
    for outcome in facts.partitions:
        for brain in outcome.split_brains:
            if brain.outcome not in ("lost", "unknown"):
                continue
            store = facts.graph.stores.get(brain.store)
            domain = domains.get(brain.domain)
            if _derived_cache(store, domain) or _owned_elsewhere(store, domain, held):
                continue
            seen.setdefault(brain.domain, []).append(outcome.partition.label)
            details.setdefault(brain.domain, (brain.store, brain.outcome, brain.explanation))
    for domain, partitions in sorted(seen.items()):
        store, outcome, explanation = details[domain]
        unknown = outcome == "unknown"
        yield Finding(
            rule="FLR052",
            elements=(domain, store),
            message=(
                f"domain '{domain}': both sides of a partition accept writes to '{store}' "
                f"({len(partitions)} partition(s), e.g. {partitions[0]}); on healing, {explanation}"
            ),
            fix=(
                "let only a majority side accept writes (consensus, or failover with fencing), or reconcile "
                "without loss (CRDT, merge function, siblings)"
            ),
            where=("stores", store, "replication"),
            evidence={"partitions": partitions, "outcome": outcome},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )


def _owned_elsewhere(store, domain, held) -> bool:
    """The same loss with a more specific cause, reported by the rule that names the setting to change."""
    if store is None or domain is None or store.replication is None:
        return False
    topology = store.replication.topology
    if unfenced_failover(store, held.get(store.id, [])):
        return True  # FLR008: the deposed, unfenced leader
    if topology in ("multi_leader", "leaderless"):
        if domain.priority == "consistency" or (domain.priority is None and domain.consistency in STRONG):
            return True  # CAP005: a CP domain on a store that writes on a minority side
        if domain.data_type in SHAPED:
            return True  # CNS005: whether the merge fits a counter, set or register
    return False


def _derived_cache(store, domain) -> bool:
    """A cache of data whose truth lives elsewhere: losing a write there costs a refill, not data."""
    return (
        store is not None
        and store.kind == "cache"
        and domain is not None
        and domain.consistency in ("eventual", "bounded_staleness")
    )
