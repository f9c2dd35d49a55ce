"""FLR008 automatic-failover-without-fencing."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import Store, SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR008", "automatic-failover-without-fencing", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A single-leader store fails over automatically but nothing stops the old leader (split brain).

    What it does:
        Flags every single-leader store with `failover.mode: automatic` and `fencing: none`;
        reports as unknown the ones that do not state their fencing. Stores whose domains are all
        declared availability-first are left alone (they accept divergence by design).

    Why it matters:
        A failure detector cannot tell a dead leader from a slow or partitioned one. When it
        promotes a new leader while the old one is still alive and reachable by some clients, both
        accept writes: the old leader's writes are lost or conflict when it rejoins, and any
        invariant kept by the single leader (stock, balances, uniqueness) is broken.

    Example:
        services: [{id: inv}]
        stores:
          - id: db
            kind: database
            replicas: 2
            replication:
              topology: single_leader
              mode: async
              failover: {mode: automatic, fencing: none}
        domains:
          - {id: stock, owner: inv, store: db, priority: consistency}

    Fix:
        services: [{id: inv}]
        stores:
          - id: db
            kind: database
            replicas: 2
            replication:
              topology: single_leader
              mode: async
              failover: {mode: automatic, fencing: stonith}
        domains:
          - {id: stock, owner: inv, store: db, priority: consistency}

    How it is computed:
        `stores[].replication.failover` of single-leader stores. Accepted: any fencing (epoch,
        STONITH, lease, token); a write quorum that needs a majority (`quorum.w` or
        `min_in_sync_replicas` above half the replicas, with sync or semi-sync replication), since
        an isolated old leader can then commit nothing; every domain on the store declaring
        `priority: availability`. Consensus stores fence by term and are not judged here. The
        partitions (from the partition engine) where both sides keep a writing leader are the
        evidence.

    False positives:
        A fencing mechanism the model does not name (a proxy that routes to one leader only): state
        it as `fencing: token` or `lease`. This rule owns the root cause "no fencing on a single
        leader", so the same store is not reported again by FLR052 (the deposed leader's rollback; its
        partitions are this finding's evidence), CNS004 (leader reads that a deposed leader may still
        answer) or CAP002 (the domain's weaker guarantee).

    References:
        Kleppmann, "Designing Data-Intensive Applications", chapter 8 ("The leader and the lock",
        fencing tokens). GitHub, "MySQL high availability at GitHub" (2018). Jepsen analyses of
        Redis Sentinel and MongoDB.
    """
    domains: dict[str, list[tuple[str, str | None]]] = {}
    for d in model.domains:
        domains.setdefault(d.store, []).append((d.id, d.priority))
    split: dict[str, list[str]] = {}
    for outcome in facts.partitions:
        for brain in outcome.split_brains:
            labels = split.setdefault(brain.store, [])
            if outcome.partition.label not in labels:
                labels.append(outcome.partition.label)
    for store in sorted(model.stores, key=lambda s: s.id):
        if not unfenced_failover(store, domains.get(store.id, [])):
            continue
        rep = store.replication
        fo = rep.failover
        held = domains.get(store.id, [])
        unknown = fo.fencing is None
        names = ", ".join(sorted(d for d, _ in held)) or "no declared domain"
        partitions = split.get(store.id, [])
        seen = (
            f"; {len(partitions)} partition(s) leave a writing leader on both sides, e.g. {partitions[0]}, "
            "and the deposed leader's acknowledged writes are rolled back when it rejoins"
            if partitions
            else ""
        )
        yield Finding(
            rule="FLR008",
            elements=(store.id,),
            message=(
                f"unknown: '{store.id}' fails over automatically and the model does not say how the old leader "
                f"is fenced (domains: {names})"
                if unknown
                else f"'{store.id}' fails over automatically without fencing: a partitioned or paused old leader "
                f"keeps accepting writes and answering reads next to the new one (split brain; domains: {names})"
                f"{seen}"
            ),
            fix=(
                "fence the old leader (`fencing: epoch`, `stonith`, `lease` with a watchdog, or `token`), or "
                "require a majority to acknowledge every write"
            ),
            where=("stores", store.id, "replication", "failover", "fencing"),
            evidence={
                "mode": rep.mode,
                "fencing": fo.fencing,
                "replicas": store.replicas,
                "domains": sorted(d for d, _ in held),
                "partitions": partitions,
            },
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )


def unfenced_failover(store: Store, held: list[tuple[str, str | None]]) -> bool:
    """FLR008's condition, shared with the rules that leave this root cause to it (FLR052, CNS004, CAP002).

    `held` lists the (domain, priority) pairs kept in the store.
    """
    rep = store.replication
    if rep is None or rep.topology != "single_leader" or rep.failover is None:
        return False
    fo = rep.failover
    if fo.mode != "automatic" or fo.fencing not in (None, "none"):
        return False
    if held and all(p == "availability" for _, p in held):
        return False
    return not _majority_writes(store)


def _majority_writes(store: Store) -> bool:
    rep = store.replication
    if rep is None or rep.quorum is None or rep.mode not in ("sync", "semi_sync"):
        return False
    need = max(rep.quorum.w or 0, rep.quorum.min_in_sync_replicas or 0)
    return need > store.replicas / 2
