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
        `priority: availability`. Consensus stores fence by term and are not judged here.

    False positives:
        A fencing mechanism the model does not name (a proxy that routes to one leader only): state
        it as `fencing: token` or `lease`.

    References:
        Kleppmann, "Designing Data-Intensive Applications", chapter 8 ("The leader and the lock",
        fencing tokens). GitHub, "MySQL high availability at GitHub" (2018). Jepsen analyses of
        Redis Sentinel and MongoDB.
    """
    domains: dict[str, list[tuple[str, str | None]]] = {}
    for d in model.domains:
        domains.setdefault(d.store, []).append((d.id, d.priority))
    for store in sorted(model.stores, key=lambda s: s.id):
        rep = store.replication
        if rep is None or rep.topology != "single_leader" or rep.failover is None:
            continue
        fo = rep.failover
        if fo.mode != "automatic" or fo.fencing not in (None, "none"):
            continue
        held = domains.get(store.id, [])
        if held and all(p == "availability" for _, p in held):
            continue
        if _majority_writes(store):
            continue
        unknown = fo.fencing is None
        names = ", ".join(sorted(d for d, _ in held)) or "no declared domain"
        yield Finding(
            rule="FLR008",
            elements=(store.id,),
            message=(
                f"unknown: '{store.id}' fails over automatically and the model does not say how the old leader "
                f"is fenced (domains: {names})"
                if unknown
                else f"'{store.id}' fails over automatically without fencing: a partitioned or paused old leader "
                f"keeps accepting writes next to the new one (split brain; domains: {names})"
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
            },
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )


def _majority_writes(store: Store) -> bool:
    rep = store.replication
    if rep is None or rep.quorum is None or rep.mode not in ("sync", "semi_sync"):
        return False
    need = max(rep.quorum.w or 0, rep.quorum.min_in_sync_replicas or 0)
    return need > store.replicas / 2
