"""SYN007 replication-lag-exceeds-tolerance."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import FOLLOWER_READS
from pacelc.model.schema import Store, SystemModel
from pacelc.rules.base import Finding, lower, rule


def _reads_may_lag(store: Store) -> str | None:
    """How reads of a store can see replication lag (None: they cannot)."""
    rep = store.replication
    if store.replicas < 2 or rep is None or rep.topology == "none":
        return None
    if rep.topology in ("single_leader", "consensus"):
        return (
            f"reads served by {rep.read_from.replace('followers', 'follower')} replicas"
            if rep.read_from in FOLLOWER_READS
            else None
        )
    if rep.topology == "multi_leader":
        return "every leader serves reads before the others' writes arrive"
    q = rep.quorum
    n = (q.n if q and q.n else None) or store.replicas
    if q is not None and q.r is not None and q.w is not None and q.r + q.w > n and q.sloppy is False:
        return None
    return "leaderless reads may be answered by replicas that missed recent writes"


@rule("SYN007", "replication-lag-exceeds-tolerance", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Readers can see replication lag larger than the domain tolerates.

    What it does:
        Flags every domain with a lag tolerance (`lag_tolerance_ms`) or a staleness bound
        (`staleness_bound_ms` with bounded_staleness) whose store serves reads from replicas that lag,
        when the store's p99 replication lag exceeds the tighter of the two. A store that does not state
        its lag is reported as unknown.

    Why it matters:
        The tolerance is the contract the readers were built on (a cache badge 30 s old is fine, a
        balance 5 s old is not). When the p99 lag is above it, one read in a hundred or more breaks the
        contract in normal operation, and far more during a lag spike (batch jobs, failover catch-up).

    Example:
        services: [{id: catalog}]
        stores:
          - id: catalog-db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: async, read_from: followers, lag_p99_ms: 4000}
        domains:
          - {id: prices, owner: catalog, store: catalog-db, consistency: eventual, lag_tolerance_ms: 1000}

    Fix:
        services: [{id: catalog}]
        stores:
          - id: catalog-db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: async, read_from: followers, lag_p99_ms: 400}
        domains:
          - {id: prices, owner: catalog, store: catalog-db, consistency: eventual, lag_tolerance_ms: 1000}

    How it is computed:
        Reads can see lag when a single-leader or consensus store reads from followers, any or nearest,
        when the store is multi-leader, or leaderless without strict overlapping quorums (R + W > N,
        `sloppy: false`). The bound is the smaller of `lag_tolerance_ms` and, for bounded_staleness,
        `staleness_bound_ms`; it is held against `replication.lag_p99_ms`.

    False positives:
        A p99 measured over a period that includes a one-off incident: state the steady-state figure and
        alarm on lag above the tolerance (OPS009).

    References:
        Bailis et al., "Probabilistically Bounded Staleness for Practical Partial Quorums" (VLDB 2012).
        Azure Cosmos DB documentation, "Bounded staleness consistency".
    """
    flows = facts.flows
    for domain in model.domains:
        bounds = [b for b in (domain.lag_tolerance_ms,) if b is not None]
        if domain.consistency == "bounded_staleness" and domain.staleness_bound_ms is not None:
            bounds.append(domain.staleness_bound_ms)
        store = flows.store_of(domain)
        if not bounds or store is None:
            continue
        how = _reads_may_lag(store)
        if how is None:
            continue
        rep = store.replication
        assert rep is not None
        bound = min(bounds)
        lag = rep.lag_p99_ms
        if lag is not None and lag <= bound:
            continue
        unknown = lag is None
        if lag is None:
            message = (
                f"unknown: domain '{domain.id}' tolerates {bound:g} ms of lag, {how} on '{store.id}', and the model "
                "does not give its replication lag (lag_p99_ms)"
            )
        else:
            ratio = f": {lag / bound:.1f}x the tolerance" if bound > 0 else ""
            message = (
                f"domain '{domain.id}' tolerates {f'{bound:g} ms of lag' if bound > 0 else 'no lag'} but '{store.id}' "
                f"has p99 replication lag "
                f"{lag:g} ms ({how}){ratio}"
            )
        yield Finding(
            rule="SYN007",
            elements=(domain.id, store.id),
            message=message,
            fix="read this domain from the leader (or a strict quorum), reduce the lag, or restate the tolerance",
            where=("stores", store.id, "replication", "lag_p99_ms" if not unknown else "read_from"),
            evidence={
                "lag_tolerance_ms": domain.lag_tolerance_ms,
                "staleness_bound_ms": domain.staleness_bound_ms,
                "bound_ms": bound,
                "lag_p99_ms": lag,
                "read_path": how,
            },
            severity=lower("medium") if unknown else None,
            unknown=unknown,
        )
