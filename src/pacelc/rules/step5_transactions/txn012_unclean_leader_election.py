"""TXN012 unclean-leader-election."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import LOG_KINDS
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN012", "unclean-leader-election", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A log lets an out-of-sync replica become partition leader.

    What it does:
        Flags every replicated log or queue store with `unclean_leader_election: true`, and reports as
        unknown those that do not say.

    Why it matters:
        When every in-sync replica of a partition is down, unclean election makes a lagging replica the
        leader: the partition comes back sooner, without every message the lost leader had acknowledged,
        and consumers silently skip them (offsets are reused). Producers with acks=all were told the
        messages were safe.

    Example:
        stores:
          - id: kafka
            kind: log
            replicas: 3
            replication: {topology: single_leader, mode: sync, unclean_leader_election: true}

    Fix:
        stores:
          - id: kafka
            kind: log
            replicas: 3
            replication: {topology: single_leader, mode: sync, unclean_leader_election: false}

    How it is computed:
        Stores of kind log or queue with more than one replica: `replication.unclean_leader_election`
        true fires, absent is unknown. The evidence lists the topics on the store and the RPO of their
        domains.

    False positives:
        Logs whose every topic carries loss-tolerant data (metrics) may prefer availability: record the
        decision in the risk register, and keep loss-intolerant topics off that cluster.

    References:
        Kafka documentation, broker config `unclean.leader.election.enable` (false by default since 0.11).
        Kingsbury, "Jepsen: Kafka" (2013).
    """
    flows = facts.flows
    for store in model.stores:
        rep = store.replication
        if store.kind not in LOG_KINDS or store.replicas < 2 or rep is None or rep.topology == "none":
            continue
        if rep.unclean_leader_election is False:
            continue
        unknown = rep.unclean_leader_election is None
        topics = sorted(t.id for t in model.topics if t.broker == store.id)
        rpo = {d.id: d.rpo_s for d in flows.domains_on_store.get(store.id, []) if d.rpo_s is not None}
        yield Finding(
            rule="TXN012",
            elements=(store.id,),
            message=(
                f"unknown: the model does not say whether log '{store.id}' allows unclean leader election"
                if unknown
                else f"log '{store.id}' allows unclean leader election: an out-of-sync replica can take over and "
                f"drop acknowledged messages of {len(topics)} topic(s)"
                + (f" (domains with RPO: {', '.join(f'{k} {v:g} s' for k, v in sorted(rpo.items()))})" if rpo else "")
            ),
            fix="set unclean_leader_election: false (unclean.leader.election.enable=false)",
            where=("stores", store.id, "replication", "unclean_leader_election"),
            evidence={"topics": topics, "domain_rpo_s": rpo},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
