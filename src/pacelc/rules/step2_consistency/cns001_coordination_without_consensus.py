"""CNS001 coordination-without-consensus."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("CNS001", "coordination-without-consensus", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Leader election, a lock or configuration agreement rests on a store that is not consensus-backed.

    What it does:
        Flags every `coordination` need of a service (leader election, lock, config, membership)
        whose `via` store is neither a consensus group nor otherwise a durable, linearizable,
        partition-safe (CP) store. When `via` is absent, says that the provider is unknown.

    Why it matters:
        Agreement is only as safe as the store that grants it. A lock or leadership held in an
        asynchronously replicated or in-memory store can be granted twice: after a failover that
        lost the grant, after a restart that forgot it, or on both sides of a partition. Two
        leaders or two lock holders then act at once (double processing, corrupted shared state).

    Example:
        services:
          - id: scheduler
            coordination: [{kind: leader_election, via: redis, fencing_tokens: true}]
        stores:
          - id: redis
            kind: cache
            replicas: 2
            replication:
              topology: single_leader
              mode: async
              read_from: leader
              failover: {mode: automatic, fencing: none}

    Fix:
        services:
          - id: scheduler
            coordination: [{kind: leader_election, via: etcd, fencing_tokens: true}]
        stores:
          - id: etcd
            kind: coordination
            replicas: 3
            replication: {topology: consensus, protocol: raft, read_from: leader, linearizable_reads: read_index}

    How it is computed:
        For each coordination need: a `via` store with `replication.topology: consensus` is
        accepted; so is any store whose derived guarantee (`facts.guarantees`) is linearizable, CP,
        never accepts minority writes, and is persistent (a fenced single-leader database, a single
        durable copy). Anything else fires; a missing `via` is reported as unknown.

    False positives:
        A lock that is only an efficiency optimisation (duplicate work is harmless): say so in
        `justification` and accept the finding in the risk register.

    References:
        Kleppmann, "How to do distributed locking" (2016). Burrows, "The Chubby lock service for
        loosely-coupled distributed systems" (OSDI 2006). Ongaro and Ousterhout, "In Search of an
        Understandable Consensus Algorithm" (USENIX ATC 2014).
    """
    for svc in sorted(model.services, key=lambda s: s.id):
        for i, need in enumerate(svc.coordination):
            where = ("services", svc.id, "coordination", i, "via")
            label = need.kind.replace("_", " ")
            if need.via is None:
                yield Finding(
                    rule="CNS001",
                    elements=(svc.id, need.kind),
                    message=f"unknown: the model does not say which store provides the {label} of '{svc.id}'",
                    fix="set `via:` to the consensus-backed store (etcd, ZooKeeper, Consul, a Raft database)",
                    where=where,
                    severity=lower("high"),
                    unknown=True,
                )
                continue
            store = facts.graph.stores.get(need.via)
            if store is None:
                continue  # a service or topic: not a store we can judge
            rep = store.replication
            if rep is not None and rep.topology == "consensus":
                continue
            g = facts.guarantees[store.id]
            persistent = store.durability is None or store.durability.persistent
            safe = "linearizable" in g.models and g.cap == "CP" and g.minority_writes is False and persistent
            if safe:
                continue
            problems = []
            if "linearizable" not in g.models:
                problems.append(f"it gives {g.strongest or 'an unknown model'}, not linearizable")
            if g.minority_writes is not False:
                problems.append(
                    "it may accept writes on a minority side or after an unfenced failover"
                    if g.minority_writes
                    else "whether it accepts writes on a minority side is unknown"
                )
            if not persistent:
                problems.append("in-memory: a restart forgets every grant")
            topology = rep.topology.replace("_", "-") if rep and rep.topology != "none" else "unreplicated"
            yield Finding(
                rule="CNS001",
                elements=(svc.id, need.kind),
                message=(
                    f"the {label} of '{svc.id}' rests on '{store.id}' ({topology}, {g.cap}), not on consensus: "
                    f"it can be granted twice; {'; '.join(problems)}"
                ),
                fix=(
                    f"move the {label} to a consensus-backed store (etcd, ZooKeeper, Consul, a Raft database), "
                    "or make the store durable, linearizable and fenced"
                ),
                where=where,
                evidence={
                    "via": store.id,
                    "topology": rep.topology if rep else None,
                    "cap": g.cap,
                    "strongest": g.strongest,
                    "minority_writes": g.minority_writes,
                    "persistent": persistent,
                    "reasons": problems,
                },
            )
