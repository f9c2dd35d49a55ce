"""SYN006 async-replication-with-zero-rpo."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import Store, SystemModel
from pacelc.rules.base import Finding, lower, rule


def _loss_window(store: Store) -> tuple[str | None, tuple[str | int, ...], bool]:
    """Why an acknowledged write may exist on one node only (None: it may not), where, and unknown."""
    rep = store.replication
    assert rep is not None
    setting: tuple[str | int, ...] = ("stores", store.id, "replication", "mode")
    if rep.topology == "multi_leader":
        return "multi-leader replication acknowledges a write before any other leader has it", setting, False
    if rep.topology == "leaderless":
        w = rep.quorum.w if rep.quorum else None
        if w == 1:
            return "W=1: a write is acknowledged by one replica", (*setting[:-1], "quorum", "w"), False
        return None, setting, False
    if rep.topology != "single_leader":
        return None, setting, False
    min_isr = rep.quorum.min_in_sync_replicas if rep.quorum else None
    if store.kind == "log" and min_isr == 1:
        return (
            "min in-sync replicas 1: the in-sync set may shrink to the leader alone, which then acknowledges alone",
            (*setting[:-1], "quorum", "min_in_sync_replicas"),
            False,
        )
    if rep.mode == "async":
        return "asynchronous replication acknowledges before any follower has the write", setting, False
    if rep.mode == "semi_sync":
        return "semi-synchronous replication falls back to asynchronous when the replica is slow", setting, False
    if rep.mode is None:
        return "the model does not say whether replication is synchronous", setting, True
    return None, setting, False


@rule("SYN006", "async-replication-with-zero-rpo", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain that may lose no data (RPO 0) is replicated asynchronously.

    What it does:
        Flags every domain with `rpo_s: 0` whose store can acknowledge a write that exists on one node
        only: single-leader async or semi-sync replication (semi-sync degrades to async under load),
        logs whose min in-sync replicas is 1, multi-leader replication, leaderless W=1. A single-leader
        store that does not state its replication mode is reported as unknown.

    Why it matters:
        RPO 0 means no acknowledged write may ever be lost. With asynchronous replication every write
        acknowledged in the last lag interval is lost when the leader's node dies, and automatic
        failover makes it certain: the promoted follower never had them (and the old leader's copy is
        discarded when it rejoins).

    Example:
        services: [{id: payments}]
        stores:
          - id: pay-db
            kind: database
            replicas: 2
            replication: {topology: single_leader, mode: async, lag_p99_ms: 200, failover: {mode: automatic}}
        domains:
          - {id: payments, owner: payments, store: pay-db, rpo_s: 0}

    Fix:
        services: [{id: payments}]
        stores:
          - id: pay-db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: sync, failover: {mode: automatic, fencing: lease}}
        domains:
          - {id: payments, owner: payments, store: pay-db, rpo_s: 0}

    How it is computed:
        For each domain with `rpo_s: 0`, the store holding it (a topic's broker for domains kept in a
        topic), when it has more than one replica: the replication topology, mode, min in-sync
        replicas (logs) and W (leaderless) decide whether a write can be acknowledged by one node.
        Consensus stores and synchronous single-leader stores pass. Single-copy stores are judged by
        their backups (SYN009). With manual or no failover the loss needs the leader's storage to be
        lost as well, so the finding is one level lower.

    False positives:
        Semi-sync with the fallback disabled (MySQL `rpl_semi_sync_source_timeout` huge, or
        `wait_for_slave_count` enforced) behaves like sync: model it as `mode: sync`.
        Where this rule fires, CAP002 (store weaker than required consistency) stays quiet on the
        same domain: this finding names the replication setting to change.

    References:
        Kleppmann, "Designing Data-Intensive Applications", ch. 5 (Synchronous versus asynchronous
        replication). GitHub, "October 21 post-incident analysis" (2018).
    """
    flows = facts.flows
    for domain in model.domains:
        store = flows.store_of(domain)
        if domain.rpo_s != 0 or store is None or store.replicas < 2:
            continue
        rep = store.replication
        if rep is None or rep.topology == "none":
            continue
        why, where, unknown = _loss_window(store)
        if why is None:
            continue
        failover = rep.failover.mode if rep.failover else None
        lag = f"; p99 lag {rep.lag_p99_ms:g} ms of writes at risk" if rep.lag_p99_ms else ""
        yield Finding(
            rule="SYN006",
            elements=(domain.id, store.id),
            message=(
                f"{'unknown: ' if unknown else ''}domain '{domain.id}' has rpo_s 0 but on '{store.id}' {why}{lag}"
                + (
                    "; automatic failover promotes a follower that lacks them"
                    if failover == "automatic"
                    else "; they are lost if the leader's storage is"
                )
            ),
            fix="replicate synchronously (sync, or a consensus store; min in-sync replicas ≥ 2 with acks all), "
            "or state the RPO the domain can really accept",
            where=where,
            evidence={
                "rpo_s": domain.rpo_s,
                "topology": rep.topology,
                "mode": rep.mode,
                "lag_p99_ms": rep.lag_p99_ms,
                "failover": failover,
                "min_in_sync_replicas": rep.quorum.min_in_sync_replicas if rep.quorum else None,
            },
            severity=lower("high") if unknown or failover in ("manual", "none") else None,
            unknown=unknown,
        )
