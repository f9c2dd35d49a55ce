"""SYN005 sloppy-quorum-for-strong-reads."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import SESSION_OR_STRONGER
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("SYN005", "sloppy-quorum-for-strong-reads", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain that must read its latest writes relies on a sloppy quorum.

    What it does:
        Flags every domain requiring read-your-writes or stronger kept in a leaderless store whose
        quorum is sloppy, even when R + W > N.

    Why it matters:
        With a sloppy quorum a write that cannot reach its home replicas is accepted by stand-in nodes
        outside the key's N replicas (hinted handoff brings it home later). A read quorum among the
        home replicas then overlaps none of the nodes holding the write: R + W > N promises overlap,
        the sloppy quorum takes it back exactly when nodes are unreachable.

    Example:
        services: [{id: carts}]
        stores:
          - id: cart-db
            kind: database
            replicas: 5
            replication: {topology: leaderless, quorum: {n: 3, r: 2, w: 2, sloppy: true}}
        domains:
          - {id: carts, owner: carts, store: cart-db, consistency: read_your_writes}

    Fix:
        services: [{id: carts}]
        stores:
          - id: cart-db
            kind: database
            replicas: 5
            replication: {topology: leaderless, quorum: {n: 3, r: 2, w: 2, sloppy: false}}
        domains:
          - {id: carts, owner: carts, store: cart-db, consistency: read_your_writes}

    How it is computed:
        Domains with a session-or-stronger requirement on a leaderless store with `quorum.sloppy: true`.
        A silent `sloppy` is left to the derived guarantee (CAP rules report the unknown guarantee);
        R + W ≤ N is SYN004.

    False positives:
        None known: a domain that accepts stale reads during outages should say `eventual`.

    References:
        DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store" (SOSP 2007), section 4.6.
        Kleppmann, "Designing Data-Intensive Applications", ch. 5 (Sloppy quorums and hinted handoff).
    """
    flows = facts.flows
    for domain in model.domains:
        store = flows.store_of(domain)
        if domain.consistency not in SESSION_OR_STRONGER or store is None:
            continue
        rep = store.replication
        if rep is None or rep.topology != "leaderless" or rep.quorum is None or rep.quorum.sloppy is not True:
            continue
        q = rep.quorum
        yield Finding(
            rule="SYN005",
            elements=(domain.id, store.id),
            message=(
                f"domain '{domain.id}' requires {domain.consistency} but '{store.id}' uses a sloppy quorum "
                f"(N={q.n or store.replicas}, R={q.r}, W={q.w}): during an outage writes land on stand-in nodes "
                "that reads do not consult"
            ),
            fix="use strict quorums for this data (sloppy: false), or keep the domain in a store that has them",
            where=("stores", store.id, "replication", "quorum", "sloppy"),
            evidence={"required": domain.consistency, "n": q.n or store.replicas, "r": q.r, "w": q.w},
        )
