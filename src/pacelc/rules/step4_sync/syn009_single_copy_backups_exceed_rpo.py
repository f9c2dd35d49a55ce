"""SYN009 single-copy-backups-exceed-rpo."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import single_copy, storage_loss
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("SYN009", "single-copy-backups-exceed-rpo", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A store with one copy of the data is backed up less often than its domains' RPO, or not at all.

    What it does:
        Flags every domain with an RPO (`rpo_s`) held in a store that keeps a single copy (one replica
        or replication none) when the store has no backups, or backs up less often than the RPO. A
        store whose model says nothing about durability is reported as unknown. A domain with no RPO
        is still reported, as medium, when its store describes its durability, has no backups and is
        not a cache: data with no other copy is lost with the disk (or on restart, in memory),
        whether or not anyone wrote down how much loss is acceptable.

    Why it matters:
        With one copy, the last backup is the only other copy: losing the disk, the volume or the
        instance loses everything written since. The RPO the domain states is then a wish, not a
        property of the system.

    Example:
        services: [{id: shipping}]
        stores:
          - id: ship-db
            kind: database
            replicas: 1
            durability: {backups: {interval_s: 86400}}
        domains:
          - {id: shipments, owner: shipping, store: ship-db, rpo_s: 300}

    Fix:
        services: [{id: shipping}]
        stores:
          - id: ship-db
            kind: database
            replicas: 1
            durability: {backups: {interval_s: 60, offsite: true}}
        domains:
          - {id: shipments, owner: shipping, store: ship-db, rpo_s: 300}

    How it is computed:
        For each domain, the store holding it; when it is a single copy: with `rpo_s`, no
        `durability.backups` fires, `backups.interval_s` > `rpo_s` fires (continuous archiving, e.g.
        WAL shipping every 60 s, counts as an interval of 60 s), no `durability` at all is unknown;
        without `rpo_s`, a described `durability` with no backups fires as medium.
        Replicated stores are judged by their replication (SYN006); a store on ephemeral or
        node-local storage by SYN010, which names its backups too; a store rebuilt at every start
        (`durability.rebuilt_from`) loses nothing of its own and is not judged.

    False positives:
        Continuous backup with a point-in-time restore (WAL archiving, binlog streaming) modelled as a
        daily snapshot: state the archiving interval instead.

    References:
        Google SRE Book, ch. 26 (Data Integrity). AWS Well-Architected, Reliability pillar (REL09 back up data).
    """
    flows = facts.flows
    for domain in model.domains:
        store = flows.store_of(domain)
        if store is None or not single_copy(store):
            continue
        if storage_loss(store) is not None:
            continue  # its storage dies with a pod or host: SYN010 reports it, with the backups
        if store.durability is not None and store.durability.rebuilt_from is not None:
            continue  # rebuilt at every start from its image or source: nothing of its own to lose
        dur = store.durability
        backups = dur.backups if dur else None
        memory = dur is not None and not dur.persistent
        if domain.rpo_s is None:
            # No target to miss, but data with no other copy is still lost: said, one level lower.
            if dur is None or backups is not None or store.kind == "cache":
                continue
            yield Finding(
                rule="SYN009",
                elements=(domain.id, store.id),
                message=(
                    f"domain '{domain.id}' lives in the only copy in '{store.id}', with no backups: "
                    + (
                        "it is in memory, so every restart loses it"
                        if memory
                        else "losing its disk or volume loses the data"
                    )
                    + " (no rpo_s is declared, so how much loss is acceptable is not said)"
                ),
                fix="add a replica, or back up the store (continuous log archiving), offsite; declare the domain's "
                "rpo_s",
                where=("stores", store.id, "durability"),
                evidence={
                    "rpo_s": None,
                    "replicas": store.replicas,
                    "backup_interval_s": None,
                    "persistent": dur.persistent,
                },
                severity="medium",
            )
            continue
        if backups is not None and backups.interval_s <= domain.rpo_s:
            continue
        unknown = dur is None
        if unknown:
            message = (
                f"unknown: domain '{domain.id}' has rpo_s {domain.rpo_s:g} and its store '{store.id}' keeps one copy; "
                "the model does not say whether it is backed up"
            )
        elif backups is None:
            message = (
                f"domain '{domain.id}' has rpo_s {domain.rpo_s:g} but '{store.id}' keeps one "
                f"{'in-memory ' if memory else ''}copy and has no backups: losing it loses all the data"
            )
        else:
            message = (
                f"domain '{domain.id}' has rpo_s {domain.rpo_s:g} but '{store.id}' keeps one copy backed up every "
                f"{backups.interval_s:g} s: up to {backups.interval_s:g} s of writes are lost with it"
            )
        yield Finding(
            rule="SYN009",
            elements=(domain.id, store.id),
            message=message,
            fix=f"add a replica (synchronous for rpo_s 0), or back up at least every {domain.rpo_s:g} s "
            "(continuous log archiving), offsite",
            where=("stores", store.id, "durability", "backups") if backups else ("stores", store.id, "durability"),
            evidence={
                "rpo_s": domain.rpo_s,
                "replicas": store.replicas,
                "backup_interval_s": backups.interval_s if backups else None,
                "persistent": dur.persistent if dur else None,
            },
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
