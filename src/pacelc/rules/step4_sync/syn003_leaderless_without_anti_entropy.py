"""SYN003 leaderless-without-anti-entropy."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("SYN003", "leaderless-without-anti-entropy", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A leaderless store has no way to repair replicas that missed writes.

    What it does:
        Flags every replicated leaderless store with neither read repair, hinted handoff nor
        Merkle-tree anti-entropy. A store whose model says nothing about anti-entropy is reported as
        unknown.

    Why it matters:
        A leaderless write succeeds once W replicas acknowledge it; the other N - W may never get it.
        Without a repair mechanism those replicas stay divergent forever: rarely read keys are never
        fixed, R + W > N overlap degrades as nodes are replaced, and a later node loss can remove the
        only copy of an acknowledged write.

    Example:
        services: [{id: app}]
        stores:
          - id: kv
            kind: database
            replicas: 3
            replication:
              topology: leaderless
              quorum: {n: 3, r: 2, w: 2}
              anti_entropy: {read_repair: false, hinted_handoff: false, merkle_trees: false}

    Fix:
        services: [{id: app}]
        stores:
          - id: kv
            kind: database
            replicas: 3
            replication:
              topology: leaderless
              quorum: {n: 3, r: 2, w: 2}
              anti_entropy: {read_repair: true, merkle_trees: true}

    How it is computed:
        For each store with more than one replica and `replication.topology: leaderless`: fires when
        `anti_entropy` sets none of read_repair, hinted_handoff, merkle_trees (unknown, one level lower,
        when `anti_entropy` is absent). Any one of the three is accepted.

    False positives:
        Hinted handoff alone repairs only transient outages (hints expire); a store relying on it alone
        passes this rule but still drifts after a long outage. Schedule full repair (Merkle trees).

    References:
        DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store" (SOSP 2007), sections 4.6-4.7.
        Apache Cassandra documentation, "Repair".
    """
    for store in model.stores:
        rep = store.replication
        if store.replicas < 2 or rep is None or rep.topology != "leaderless":
            continue
        ae = rep.anti_entropy
        if ae is not None and (ae.read_repair or ae.hinted_handoff or ae.merkle_trees):
            continue
        unknown = ae is None
        yield Finding(
            rule="SYN003",
            elements=(store.id,),
            message=(
                f"unknown: the model does not say how leaderless store '{store.id}' ({store.replicas} replicas) "
                "repairs replicas that missed writes"
                if unknown
                else f"leaderless store '{store.id}' ({store.replicas} replicas) has no read repair, hinted handoff "
                "or Merkle-tree anti-entropy: replicas that miss a write stay stale"
            ),
            fix="enable read repair and scheduled Merkle-tree repair (and hinted handoff for short outages)",
            where=("stores", store.id, "replication", "anti_entropy"),
            evidence={"replicas": store.replicas, "anti_entropy": ae.model_dump() if ae else None},
            severity=lower("medium") if unknown else None,
            unknown=unknown,
        )
