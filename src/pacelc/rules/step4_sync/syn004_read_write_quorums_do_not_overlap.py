"""SYN004 read-write-quorums-do-not-overlap."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import SESSION_OR_STRONGER, STRONG
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("SYN004", "read-write-quorums-do-not-overlap", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A leaderless store has R + W ≤ N under a domain that needs to read its latest writes.

    What it does:
        Flags every domain requiring read-your-writes or anything stronger (monotonic reads, causal,
        sequential, linearizable) kept in a leaderless store whose read and write quorums need not
        overlap (R + W ≤ N). For session guarantees, sticky sessions or version/causal tokens are
        accepted instead; for causal only a causal token; for sequential and linearizable nothing
        but overlapping quorums. Unknown R or W is reported as unknown.

    Why it matters:
        With R + W ≤ N a read can be answered entirely by replicas that were not in the write quorum:
        a user posts a comment and does not see it on reload, a counter goes backwards between two
        reads. The anomaly is not rare under load or during a node outage; it is the normal case
        while replication catches up.

    Example:
        services: [{id: comments}]
        stores:
          - id: comments-db
            kind: database
            replicas: 3
            replication: {topology: leaderless, quorum: {n: 3, r: 1, w: 1}, session_guarantees: none}
        domains:
          - {id: comments, owner: comments, store: comments-db, consistency: read_your_writes}

    Fix:
        services: [{id: comments}]
        stores:
          - id: comments-db
            kind: database
            replicas: 3
            replication: {topology: leaderless, quorum: {n: 3, r: 2, w: 2}, session_guarantees: none}
        domains:
          - {id: comments, owner: comments, store: comments-db, consistency: read_your_writes}

    How it is computed:
        N is `quorum.n` (else the store's replica count), R and W from `quorum`. Fires when R + W ≤ N
        and no accepted session mechanism is declared. Sloppy quorums are SYN005's concern.

    False positives:
        Quorums counted per data centre (LOCAL_QUORUM) while N counts every region: if clients read and
        write in one region only, model that region's replicas as N. The cross-region anomaly is real
        as soon as a client moves.
        Where this rule fires, CAP002 (store weaker than required consistency) stays quiet on the
        same domain: this finding names the quorum setting to change.

    References:
        Gifford, "Weighted Voting for Replicated Data" (SOSP 1979). Bailis et al., "Probabilistically
        Bounded Staleness for Practical Partial Quorums" (VLDB 2012).
    """
    flows = facts.flows
    for domain in model.domains:
        required = domain.consistency
        store = flows.store_of(domain)
        if required not in SESSION_OR_STRONGER or store is None or store.replicas < 2:
            continue
        rep = store.replication
        if rep is None or rep.topology != "leaderless":
            continue
        q = rep.quorum
        n = (q.n if q and q.n else None) or store.replicas
        r = q.r if q else None
        w = q.w if q else None
        session = rep.session_guarantees
        if required not in STRONG:
            accepted = {"causal_token"} if required == "causal" else {"sticky", "version_token", "causal_token"}
            if session in accepted:
                continue
        if r is not None and w is not None and r + w > n:
            continue
        unknown = r is None or w is None
        yield Finding(
            rule="SYN004",
            elements=(domain.id, store.id),
            message=(
                f"unknown: domain '{domain.id}' requires {required} and the model does not give the read and write "
                f"quorums of leaderless store '{store.id}' (N={n})"
                if unknown
                else f"domain '{domain.id}' requires {required} but '{store.id}' has R={r} + W={w} = {r + w} ≤ N={n}: "
                "a read may miss every replica that took the last write"
            ),
            fix=(
                f"choose R + W > {n} (e.g. R={n // 2 + 1}, W={n // 2 + 1})"
                + ("" if required in STRONG else ", or give clients sticky sessions or version tokens")
            ),
            where=("stores", store.id, "replication", "quorum"),
            evidence={"required": required, "n": n, "r": r, "w": w, "session_guarantees": session},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
