"""FLR052 split-brain-loses-acknowledged-writes."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


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
              topology: single_leader
              mode: async
              failover: {mode: automatic, fencing: none}
        domains:
          - {id: orders, owner: app, store: db, consistency: linearizable}

    Fix:
        regions:
          - id: eu
            zones: [{id: eu-a}, {id: eu-b}, {id: eu-c}]
        services: [{id: app}]
        stores:
          - id: db
            kind: database
            replicas: 3
            placement: {zones: [eu-a, eu-b, eu-c], spread: one_per_zone}
            replication:
              topology: single_leader
              mode: sync
              failover: {mode: automatic, fencing: epoch}
        domains:
          - {id: orders, owner: app, store: db, consistency: linearizable}

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

    References:
        Kleppmann, "Designing Data-Intensive Applications", ch. 5 (handling write conflicts) and ch. 8
        (the truth is defined by the majority). Kingsbury, Jepsen analyses of split-brain data loss.
    """
    seen: dict[str, list[str]] = {}
    details: dict[str, tuple[str, str, str]] = {}
    domains = {d.id: d for d in model.domains}
    for outcome in facts.partitions:
        for brain in outcome.split_brains:
            if brain.outcome not in ("lost", "unknown"):
                continue
            store = facts.graph.stores.get(brain.store)
            domain = domains.get(brain.domain)
            if _derived_cache(store, domain):
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


def _derived_cache(store, domain) -> bool:
    """A cache of data whose truth lives elsewhere: losing a write there costs a refill, not data."""
    return (
        store is not None
        and store.kind == "cache"
        and domain is not None
        and domain.consistency in ("eventual", "bounded_staleness")
    )
