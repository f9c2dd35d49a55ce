"""FLR007 failover-slower-than-rto."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.scenarios import failover_time_s
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR007", "failover-slower-than-rto", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Detecting a failed leader and failing over takes longer than the RTO of the data on it.

    What it does:
        For every single-leader or consensus store holding domains with an `rto_s`, estimates the
        time from a leader failure to a new leader accepting writes and compares it with the
        tightest RTO among those domains. A store with one copy and no failover is judged by its
        backup restore time instead. When the model does not give the figures (an automatic
        failover without a detector, a manual one without a response time), reports it as unknown.

    Why it matters:
        The RTO is the promise made to the business for this data; failover is the mechanism that
        keeps it. If detection plus election plus promotion (or an operator's reaction) already
        exceeds it, every leader failure breaks the promise, before any of the real-world delays
        (DNS, connection pools, cache warm-up) are counted.

    Example:
        services: [{id: inv}]
        stores:
          - id: db
            kind: database
            replicas: 2
            replication:
              topology: single_leader
              failover: {mode: manual, manual_response_s: 900, fencing: stonith}
        domains:
          - {id: stock, owner: inv, store: db, rto_s: 120}

    Fix:
        services: [{id: inv}]
        stores:
          - id: db
            kind: database
            replicas: 2
            replication:
              topology: single_leader
              failover:
                mode: automatic
                detector: {kind: heartbeat, interval_ms: 1000, threshold: 3}
                promotion_s: 15
                fencing: stonith
        domains:
          - {id: stock, owner: inv, store: db, rto_s: 120}

    How it is computed:
        `scenarios.failover_time_s`: detection (detector `timeout_ms`, or `interval_ms` x
        `threshold`, or the phi-accrual equivalent) + `election_timeout_ms` + `promotion_s`; for a
        manual failover, `manual_response_s`. For a store with one copy, or `failover: none`, the
        recovery is a restore: `durability.backups.restore_s`. Compared with the smallest `rto_s`
        of the domains stored there. Multi-leader and leaderless stores need no failover for writes
        and are not judged.

    False positives:
        Faster detection than the model states (a lease shorter than the detector timeout): state
        the real detector.

    References:
        Google SRE Workbook, chapter 9 ("Incident Response") on recovery objectives. Patroni and
        Orchestrator documentation on failure detection and promotion timing.
    """
    rto: dict[str, list[tuple[float, str]]] = {}
    for d in model.domains:
        if d.rto_s is not None:
            rto.setdefault(d.store, []).append((d.rto_s, d.id))
    for store_id in sorted(rto):
        store = facts.graph.stores.get(store_id)
        if store is None:
            continue
        rep = store.replication
        topology = rep.topology if rep else "none"
        if topology in ("multi_leader", "leaderless"):
            continue
        limit, tightest = min(rto[store_id])
        domains = sorted(d for _, d in rto[store_id])
        fo = rep.failover if rep else None
        single_copy = topology == "none" or store.replicas == 1 or (fo is not None and fo.mode == "none")
        if single_copy:
            backups = store.durability.backups if store.durability else None
            seconds = backups.restore_s if backups else None
            how = "no failover: recovery is a restore from backup"
            where: tuple[str | int, ...] = ("stores", store_id, "durability", "backups", "restore_s")
            if seconds is None:
                continue  # nothing is claimed about recovery; backup rules judge this
        else:
            if fo is None:
                continue  # CAP006 reports the missing failover settings
            seconds = failover_time_s(store)
            how = "manual failover" if fo.mode == "manual" else "detection + election + promotion"
            where = ("stores", store_id, "replication", "failover")
            if seconds is None:
                missing = (
                    "manual_response_s"
                    if fo.mode == "manual"
                    else "a detector with timeout_ms or interval_ms and threshold"
                    + ("" if rep and rep.topology != "consensus" else ", or election_timeout_ms")
                )
                yield Finding(
                    rule="FLR007",
                    elements=(store_id,),
                    message=(
                        f"unknown: the model does not say how long the {fo.mode} failover of '{store_id}' takes "
                        f"({missing}), so it cannot be held against the RTO of {limit:g} s of '{tightest}'"
                    ),
                    fix=f"state `{missing}` under stores.{store_id}.replication.failover",
                    where=where,
                    evidence={"rto_s": limit, "domains": domains, "failover": fo.mode},
                    severity=lower("high"),
                    unknown=True,
                )
                continue
        if seconds <= limit:
            continue
        yield Finding(
            rule="FLR007",
            elements=(store_id,),
            message=(
                f"recovering '{store_id}' takes {seconds:g} s ({how}), longer than the RTO of {limit:g} s "
                f"of domain '{tightest}'"
            ),
            fix=(
                "fail over automatically with a faster detector and promotion, keep a hot standby, or relax "
                f"the RTO of '{tightest}'"
            ),
            where=where,
            evidence={"recovery_s": seconds, "how": how, "rto_s": limit, "domain": tightest, "domains": domains},
        )
