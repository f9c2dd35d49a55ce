"""SYN010 data-lost-with-pod-or-host."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import storage_loss
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("SYN010", "data-lost-with-pod-or-host", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A store keeps its only copy on storage that dies with its pod, container or host.

    What it does:
        Flags a store with one copy (one replica, or replication none) whose `durability.storage` is
        `ephemeral` (an emptyDir, a container's own layer) or `node_local` (hostPath, a local
        volume, a compose volume on its docker host) and that holds a domain, whether or not the
        domain declares an RPO; and a store on ephemeral storage that holds no domain, unless it is
        a cache (its content is rebuilt by design). A store on node-local storage that holds no
        domain is reported as medium (several such stores: once for the system, listed), since no
        domain says what the data is worth.

    Why it matters:
        Ephemeral storage is lost on every reschedule: a rolling update, a node drain, an eviction
        under memory pressure, `docker compose down`. Node-local storage is lost with the host. With
        no other copy, each such event loses everything written since the last backup, however
        durable the engine's own settings (fsync, write-ahead log) are.

    Example:
        services: [{id: api}]
        stores:
          - id: orders-db
            kind: database
            replicas: 1
            durability: {storage: ephemeral}
        domains:
          - {id: orders, owner: api, store: orders-db}

    Fix:
        services: [{id: api}]
        stores:
          - id: orders-db
            kind: database
            replicas: 1
            durability: {storage: network, backups: {interval_s: 300}}
        domains:
          - {id: orders, owner: api, store: orders-db}

    How it is computed:
        For each store, the shared fact `flows.storage_loss`: storage `ephemeral` or `node_local`
        and a single copy. The domains it holds (directly or as a topic's broker) are listed with
        their RPOs; backups, when described, bound the loss to their interval. SYN009 leaves such a
        store to this rule (one cause, one finding). Replicated stores are not flagged: hosts are
        not failure domains in the model yet, so replicas that share one host are not seen. A store
        whose data is rebuilt at every start (`durability.rebuilt_from`: its image or its source)
        loses nothing of its own and is not flagged.

    False positives:
        Data that is deliberately disposable (a scratch database rebuilt at start-up): say so by
        giving it no domain and kind `cache`, or accept the risk in the risk register.

    References:
        Kubernetes documentation, "Volumes" (emptyDir: deleted when the pod is removed from the node)
        and "Persistent Volumes". Docker documentation, "Volumes".
    """
    flows = facts.flows
    on_one_host = []  # stores with no domain whose only copy is on one host's disk: one cause, said once
    for store in model.stores:
        lost_with = storage_loss(store)
        if lost_with is None or store.durability is None:  # storage_loss needs durability
            continue
        domains = [d for d in model.domains if flows.store_of(d) is store]
        if not domains and store.kind == "cache":
            continue  # a cache is rebuilt by design
        if not domains and store.durability.storage == "node_local":
            on_one_host.append(store)
            continue
        backups = store.durability.backups
        held = (
            "holds "
            + ", ".join(f"'{d.id}'" + (f" (rpo_s {d.rpo_s:g})" if d.rpo_s is not None else "") for d in domains)
            if domains
            else "holds data the model names no domain for"
        )
        loss = (
            f"up to {backups.interval_s:g} s of writes (its backup interval) are lost"
            if backups is not None
            else "everything it holds is lost (no backups described)"
        )
        storage = store.durability.storage.replace("_", "-") if store.durability.storage else "unknown"
        yield Finding(
            rule="SYN010",
            elements=(store.id,),
            message=(f"store '{store.id}' {held} in its only copy, on {storage} storage: {lost_with}, {loss}"),
            fix="put the data on storage that outlives the host (a PersistentVolumeClaim on network or replicated "
            "storage, a managed volume), or run replicas that hold copies; back it up within the domains' RPO",
            where=("stores", store.id, "durability", "storage"),
            evidence={
                "storage": store.durability.storage,
                "replicas": store.replicas,
                "domains": [d.id for d in domains],
                "backup_interval_s": backups.interval_s if backups else None,
            },
            severity=None if domains else "medium",
        )
    if len(on_one_host) > 1:
        names = [s.id for s in on_one_host]
        yield Finding(
            rule="SYN010",
            elements=(model.system.name,),
            message=(
                f"{len(names)} stores keep their only copy on one host's disk, with no backups the model describes: "
                f"{', '.join(names)}; the host's loss loses all of it (no domain says what the data is worth)"
            ),
            fix="back the stores up off the host (or put their data on network or replicated storage), and declare "
            "the domains they hold with their RPO",
            where=("stores", names[0], "durability", "storage"),
            evidence={"stores": names},
            severity="medium",
        )
    elif on_one_host:
        store = on_one_host[0]
        assert store.durability is not None
        backups = store.durability.backups
        yield Finding(
            rule="SYN010",
            elements=(store.id,),
            message=(
                f"store '{store.id}' keeps its only copy on one host's disk"
                + (
                    f", backed up every {backups.interval_s:g} s"
                    if backups
                    else ", with no backups the model describes"
                )
                + ": the host's loss loses it (no domain says what the data is worth)"
            ),
            fix="back the store up off the host (or put its data on network or replicated storage), and declare the "
            "domains it holds with their RPO",
            where=("stores", store.id, "durability", "storage"),
            evidence={"storage": "node_local", "replicas": store.replicas, "domains": []},
            severity="medium",
        )
