"""CAP003 consistency-first-domain-on-ap-store."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.patterns import FOLLOWER_READS
from pacelc.model.schema import Store, SystemModel
from pacelc.rules.base import Finding, rule


@rule("CAP003", "consistency-first-domain-on-ap-store", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain declares `priority: consistency` but its store serves stale reads on a minority side.

    What it does:
        Flags domains that declare the CP choice (refuse rather than serve possibly wrong data on a
        partition) whose store keeps answering reads on the side of a partition without a majority
        or leader, with data that may miss acknowledged writes. Stores that also accept writes there
        are CAP005's (or FLR008's for an unfenced single leader).

    Why it matters:
        The team decided that wrong answers are worse than no answers for this data, but the store
        decides otherwise during a partition: clients cut off with a minority of replicas keep
        reading values that the majority side has already changed, and act on them.

    Example:
        services: [{id: acl}]
        stores:
          - id: db
            kind: database
            replicas: 5
            replication: {topology: leaderless, quorum: {n: 5, r: 1, w: 3, sloppy: false}}
        domains:
          - {id: grants, owner: acl, store: db, consistency: read_your_writes, priority: consistency}

    Fix:
        services: [{id: acl}]
        stores:
          - id: db
            kind: database
            replicas: 5
            replication: {topology: leaderless, quorum: {n: 5, r: 3, w: 3, sloppy: false}}
        domains:
          - {id: grants, owner: acl, store: db, consistency: read_your_writes, priority: consistency}

    How it is computed:
        For domains with `priority: consistency`: a leaderless store whose read quorum R is below a
        majority and either does not overlap the write quorum (R+W ≤ N) or is sloppy, or a leader-based
        store that serves reads from followers without version or causal tokens (a token makes a
        cut-off follower wait instead of answering). Strict overlapping quorums are accepted even when
        R is not a majority: every read still sees the last acknowledged write. Linearizable domains
        are left to CAP002 and CNS004, which report the same read path.

    False positives:
        A domain whose readers tolerate stale reads during a partition: declare
        `priority: availability` and say why in `justification`.

    References:
        Brewer, "CAP Twelve Years Later: How the 'Rules' Have Changed" (IEEE Computer, 2012).
        Gilbert and Lynch, "Brewer's Conjecture and the Feasibility of Consistent, Available,
        Partition-Tolerant Web Services" (2002).
    """
    for domain_id in sorted(facts.decisions):
        decision = facts.decisions[domain_id]
        domain, g = decision.domain, decision.guarantee
        if g is None or domain.priority != "consistency" or domain.consistency == "linearizable":
            continue
        store = facts.graph.stores.get(g.store)
        why = stale_minority_reads(store) if store is not None and g.minority_writes is not True else None
        if why is None:
            continue
        yield Finding(
            rule="CAP003",
            elements=(domain.id, g.store),
            message=(
                f"domain '{domain.id}' declares priority consistency, but store '{g.store}' keeps answering "
                f"reads on the minority side of a partition with possibly stale data: {why}"
            ),
            fix=(
                f"make '{g.store}' refuse reads it cannot prove current (majority read quorums with R+W > N, "
                "leader reads, version tokens), or declare `priority: availability` with a justification"
            ),
            where=("stores", g.store, "replication"),
            evidence={"priority": "consistency", "cap": g.cap, "pacelc": g.pacelc, "stale_reads_because": why},
        )


def stale_minority_reads(store: Store) -> str | None:
    """Why a cut-off minority of the store can serve reads that miss acknowledged writes, or None."""
    rep = store.replication
    if rep is None or store.replicas == 1:
        return None
    if rep.topology == "leaderless" and rep.quorum is not None:
        q = rep.quorum
        n = q.n or store.replicas
        if q.r is None or q.w is None or q.r > n // 2:
            return None
        if q.sloppy:
            return f"sloppy quorum with R={q.r} of N={n}: a read on the minority may miss writes held by stand-ins"
        if q.r + q.w <= n:
            return (
                f"R={q.r} is below a majority of N={n} and R+W={q.r + q.w} ≤ N: read and write quorums need not overlap"
            )
        return None
    if rep.read_from in FOLLOWER_READS and rep.session_guarantees not in ("version_token", "causal_token"):
        who = {"followers": "followers", "any": "any replica", "nearest": "the nearest replica"}[rep.read_from]
        return f"reads are served by {who}, which keep(s) answering when cut off from the leader"
    return None
