"""OPS009 replication-lag-not-alarmed."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import FOLLOWER_READS, replicated
from pacelc.model.schema import Domain, Store, SystemModel
from pacelc.rules.base import Finding, rule

HEADROOM = 10  # lag below a tenth of what the domain tolerates needs no alarm of its own


def _lag_matters(store: Store) -> tuple[bool, bool]:
    """(readers see the lag, the lag is a data-loss window) for a replicated store."""
    rep = store.replication
    assert rep is not None
    if rep.topology in ("multi_leader", "leaderless"):
        return True, rep.topology == "multi_leader"
    visible = rep.read_from in FOLLOWER_READS
    loss = rep.topology == "single_leader" and rep.mode != "sync"
    return visible, loss


def _bound_ms(domain: Domain, visible: bool, loss: bool) -> float | None:
    bounds = []
    if visible and domain.lag_tolerance_ms is not None:
        bounds.append(domain.lag_tolerance_ms)
    if visible and domain.consistency == "bounded_staleness" and domain.staleness_bound_ms is not None:
        bounds.append(domain.staleness_bound_ms)
    if loss and domain.rpo_s is not None:
        bounds.append(domain.rpo_s * 1000)
    return min(bounds) if bounds else None


@rule("OPS009", "replication-lag-not-alarmed", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A replicated store whose lag matters to its data has no replication-lag alarm.

    What it does:
        Flags every replicated store holding a lag-sensitive domain with no alarm of kind
        replication_lag on the store, one of its domains or topics. A domain is lag-sensitive when the
        lag is visible to its readers (follower reads, multi-leader, leaderless) and it states a lag
        tolerance or staleness bound, or when the lag is its data-loss window (asynchronous
        single-leader or multi-leader replication) and it states an RPO; and the store's p99 lag is
        unknown or more than a tenth of that bound.

    Why it matters:
        Lag is what turns a healthy replica set into stale reads and, on failover, into lost writes. It
        grows silently (a long transaction, a slow disk, a batch job), and the design's consistency and
        RPO hold only while it stays small. Nobody looks at it until an alarm says so.

    Example:
        services: [{id: inventory}]
        stores:
          - id: inventory-db
            kind: database
            replicas: 2
            replication: {topology: single_leader, mode: async, read_from: leader, lag_p99_ms: 800}
        domains:
          - {id: stock, owner: inventory, store: inventory-db, rpo_s: 0}

    Fix:
        services: [{id: inventory}]
        stores:
          - id: inventory-db
            kind: database
            replicas: 2
            replication: {topology: single_leader, mode: async, read_from: leader, lag_p99_ms: 800}
        domains:
          - {id: stock, owner: inventory, store: inventory-db, rpo_s: 0}
        readiness:
          alarms: [{id: inventory-lag, kind: replication_lag, targets: [inventory-db], threshold: "> 1s for 2m"}]

    How it is computed:
        Replicated stores; per domain on them (domains kept in a topic count for its broker), the bound
        is the smallest of the lag tolerance and staleness bound (when reads see the lag) and the RPO
        (when the lag is a loss window); sensitive when `lag_p99_ms` is unknown or above bound / 10.
        Fires when no `readiness.alarms[]` of kind replication_lag targets the store, a domain or topic
        on it.

    False positives:
        Managed stores whose provider pages on lag: add the alarm with its target so the model says so.

    References:
        Google SRE Book, ch. 6 (Monitoring Distributed Systems). PostgreSQL documentation,
        `pg_stat_replication`; MySQL `Seconds_Behind_Source`; Kafka under-replicated partitions.
    """
    flows = facts.flows
    for store in model.stores:
        if not replicated(store):
            continue
        visible, loss = _lag_matters(store)
        if not visible and not loss:
            continue
        lag = store.replication.lag_p99_ms if store.replication else None
        sensitive = {}
        for d in flows.domains_on_store.get(store.id, []):
            bound = _bound_ms(d, visible, loss)
            if bound is not None and (lag is None or lag * HEADROOM > bound):
                sensitive[d.id] = bound
        if not sensitive:
            continue
        topics = [t.id for t in model.topics if t.broker == store.id]
        if flows.alarmed("replication_lag", store.id, *sensitive, *topics):
            continue
        listed = ", ".join(f"{d} ({b:g} ms)" for d, b in sorted(sensitive.items()))
        yield Finding(
            rule="OPS009",
            elements=(store.id,),
            message=(
                f"'{store.id}' has no replication-lag alarm although its p99 lag "
                f"({'unknown' if lag is None else f'{lag:g} ms'}) is within a factor {HEADROOM} of what its "
                f"domains tolerate: {listed}"
            ),
            fix=f"alarm on replication lag of {store.id} well below the tightest bound "
            f"({min(sensitive.values()):g} ms)",
            where=("readiness", "alarms"),
            evidence={"lag_p99_ms": lag, "bounds_ms": dict(sorted(sensitive.items())), "reads_see_lag": visible},
        )
