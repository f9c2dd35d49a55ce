"""SYN001 session-reads-from-lagging-followers."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import FOLLOWER_READS
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule

SESSION = frozenset({"read_your_writes", "monotonic_reads", "monotonic_writes", "writes_follow_reads"})
ACCEPTED = {"causal": frozenset({"causal_token"})} | {
    m: frozenset({"sticky", "version_token", "causal_token"}) for m in SESSION
}


@rule("SYN001", "session-reads-from-lagging-followers", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain needs read-your-writes (or causal) but its reads go to lagging replicas with no session guarantee.

    What it does:
        Flags every domain requiring a session guarantee (read_your_writes, monotonic_reads,
        monotonic_writes, writes_follow_reads) or causal consistency whose store serves reads from
        followers, any or the nearest replica while those replicas may lag (async or semi-sync
        single-leader replication, consensus followers, multi-leader peers), and gives clients no
        sticky session, version token or causal token.

    Why it matters:
        A user saves a change, the next page load hits a follower that has not applied it yet, and
        the change seems lost: they retry (creating duplicates) or file a bug. Monotonic reads break
        the same way: a refresh can show older data than the previous one.

    Example:
        services: [{id: profile}]
        stores:
          - id: profile-db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: async, read_from: followers, session_guarantees: none}
        domains:
          - {id: profiles, owner: profile, store: profile-db, consistency: read_your_writes}

    Fix:
        services: [{id: profile}]
        stores:
          - id: profile-db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: async, read_from: followers, session_guarantees: version_token}
        domains:
          - {id: profiles, owner: profile, store: profile-db, consistency: read_your_writes}

    How it is computed:
        For each domain with a session or causal requirement, the store holding it (a topic's broker
        for domains kept in a topic). Fires when the store is replicated, `read_from` is followers,
        any or nearest, the replicas can lag (not single-leader `mode: sync`; leaderless stores are
        judged by their quorums, see SYN004), and `session_guarantees` is not one that gives the
        requirement: sticky, version_token or causal_token for session guarantees, causal_token for
        causal. Silent `session_guarantees` (or replication mode) is reported as unknown, one level lower.

    False positives:
        Clients that route their own reads to the leader after a write (read-after-write routing in
        the application) have a session guarantee the model cannot see: declare it as
        `session_guarantees: sticky` or `version_token`.

    References:
        Terry et al., "Session Guarantees for Weakly Consistent Replicated Data" (PDIS 1994).
        Kleppmann, "Designing Data-Intensive Applications", ch. 5 (Reading your own writes).
    """
    flows = facts.flows
    for domain in model.domains:
        accepted = ACCEPTED.get(domain.consistency or "")
        store = flows.store_of(domain)
        if accepted is None or store is None or store.replicas < 2:
            continue
        rep = store.replication
        if rep is None or rep.topology in ("none", "leaderless") or rep.read_from not in FOLLOWER_READS:
            continue
        if rep.topology == "single_leader" and rep.mode == "sync":
            continue
        session = rep.session_guarantees
        if session in accepted:
            continue
        unknown = session is None or (rep.topology == "single_leader" and rep.mode is None)
        lag = f", p99 lag {rep.lag_p99_ms:g} ms" if rep.lag_p99_ms is not None else ""
        mode = (rep.mode or "unknown-mode") if rep.topology == "single_leader" else rep.topology.replace("_", "-")
        said = (
            "the model does not say which session guarantee clients get"
            if session is None
            else (f"session_guarantees is {session}")
        )
        yield Finding(
            rule="SYN001",
            elements=(domain.id, store.id),
            message=(
                f"{'unknown: ' if unknown else ''}domain '{domain.id}' requires {domain.consistency} but "
                f"'{store.id}' serves reads from {rep.read_from} replicas ({mode}{lag}) and {said}: "
                "a client may not see its own latest write"
            ),
            fix=(
                f"set `session_guarantees: {'causal_token' if domain.consistency == 'causal' else 'version_token'}`"
                f" on {store.id} (or sticky sessions), or read this domain from the leader"
            ),
            where=("stores", store.id, "replication", "session_guarantees" if session is not None else "read_from"),
            evidence={
                "required": domain.consistency,
                "read_from": rep.read_from,
                "mode": rep.mode,
                "topology": rep.topology,
                "session_guarantees": session,
                "lag_p99_ms": rep.lag_p99_ms,
                "accepted": sorted(accepted),
            },
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
