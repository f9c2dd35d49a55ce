"""CAP005 cp-domain-accepts-minority-writes."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule

STRONG = ("linearizable", "sequential")


@rule("CAP005", "cp-domain-accepts-minority-writes", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain claimed CP lives in a store whose replication accepts writes on a minority side.

    What it does:
        Flags domains that claim the CP side (`priority: consistency`, or a linearizable or
        sequential requirement without a declared priority) on a multi-leader or leaderless store
        that, by its topology and quorum settings, accepts writes on the minority side of a
        partition (multi-leader, W below a majority, sloppy quorums).

    Why it matters:
        Writes accepted on both sides of a partition conflict when it heals: one side's
        acknowledged writes are overwritten or must be merged. A domain that claims CP (a unique
        username, a single redemption, an account balance) cannot merge them.

    Example:
        services: [{id: pay}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: leaderless, quorum: {n: 3, r: 2, w: 1, sloppy: false}}
        domains:
          - {id: balances, owner: pay, store: db, consistency: read_your_writes, priority: consistency}

    Fix:
        services: [{id: pay}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: leaderless, quorum: {n: 3, r: 2, w: 2, sloppy: false}}
        domains:
          - {id: balances, owner: pay, store: db, consistency: read_your_writes, priority: consistency}

    How it is computed:
        `facts.decisions`: fires when the domain claims CP and the store's derived
        `minority_writes` is true for a multi-leader or leaderless topology. A single leader that
        keeps writing after an unfenced failover is the same flaw by another cause and is reported
        by FLR008 (automatic failover without fencing).

    False positives:
        A domain that truly merges concurrent writes (a CRDT, an append-only log): declare
        `priority: availability`.
        FLR052 (split brain loses acknowledged writes) leaves these domains to this rule; CAP002
        leaves the domain's weaker guarantee to it.

    References:
        Gilbert and Lynch, "Brewer's Conjecture and the Feasibility of Consistent, Available,
        Partition-Tolerant Web Services" (2002). Kingsbury, Jepsen analyses of Cassandra and Riak.
    """
    for domain_id in sorted(facts.decisions):
        decision = facts.decisions[domain_id]
        domain, g = decision.domain, decision.guarantee
        if g is None or g.minority_writes is not True:
            continue
        claims_cp = domain.priority == "consistency" or (domain.priority is None and domain.consistency in STRONG)
        store = facts.graph.stores.get(g.store)
        rep = store.replication if store else None
        if not claims_cp or rep is None or rep.topology not in ("multi_leader", "leaderless"):
            continue
        claim = "priority consistency" if domain.priority == "consistency" else f"{domain.consistency} (CP)"
        yield Finding(
            rule="CAP005",
            elements=(domain.id, g.store),
            message=(
                f"domain '{domain.id}' claims {claim}, but {rep.topology.replace('_', '-')} store '{g.store}' "
                f"accepts writes on a minority side of a partition: {'; '.join(g.reasons)}"
            ),
            fix=(
                "require a majority for every write (W > N/2, strict quorums), move the domain to a "
                "single-leader or consensus store, or declare `priority: availability` and merge conflicts"
            ),
            where=("stores", g.store, "replication"),
            evidence={
                "claim": claim,
                "topology": rep.topology,
                "minority_writes": True,
                "may_lose_acked_writes": g.may_lose_acked_writes,
                "reasons": list(g.reasons),
            },
        )
