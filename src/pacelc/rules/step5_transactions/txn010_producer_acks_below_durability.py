"""TXN010 producer-acks-below-durability."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN010", "producer-acks-below-durability", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A producer does not wait for the replication its data needs.

    What it does:
        Flags producers with `acks: "0"` or `"1"` on topics whose data must not be lost: a domain kept
        in the topic has `rpo_s: 0`, or the topic feeds a step of a saga. A producer that does not state
        its acks on such a topic is reported as unknown.

    Why it matters:
        With acks=1 the broker acknowledges once the partition leader has the message; if the leader
        fails before a follower copies it, the message is gone although the producer saw success. With
        acks=0 nothing is confirmed at all. A lost saga message stalls the saga; a lost audit record is
        a compliance breach.

    Example:
        services: [{id: audit}]
        stores: [{id: kafka, kind: log, replicas: 3}]
        topics:
          - {id: audit-events, broker: kafka, producers: [{service: audit, acks: "1"}]}
        domains:
          - {id: audit-log, owner: audit, store: audit-events, rpo_s: 0}

    Fix:
        services: [{id: audit}]
        stores: [{id: kafka, kind: log, replicas: 3}]
        topics:
          - {id: audit-events, broker: kafka, producers: [{service: audit, acks: all}]}
        domains:
          - {id: audit-log, owner: audit, store: audit-events, rpo_s: 0}

    How it is computed:
        Per topic: its domains with `rpo_s: 0` (domains whose `store` is the topic) and the saga steps
        whose participant consumes it on the saga's path. With either, producers with acks 0 or 1 fire
        and producers without `acks` are unknown. Whether acks=all is enough also depends on min
        in-sync replicas (SYN006).

    False positives:
        None known: data that may be lost should state its RPO.

    References:
        Kafka documentation, producer config `acks`. Confluent, "Hands-free Kafka replication" (2014).
    """
    flows = facts.flows
    for topic, producer in flows.producers():
        if producer.acks == "all":
            continue
        zero_rpo = sorted(d.id for d in flows.domains_in_topic.get(topic.id, []) if d.rpo_s == 0)
        sagas = flows.saga_participants_fed(topic)
        if not zero_rpo and not sagas:
            continue
        need = [f"domain {d} has rpo_s 0" for d in zero_rpo] + [f"it feeds saga step {op}.{step}" for op, step in sagas]
        unknown = producer.acks is None
        yield Finding(
            rule="TXN010",
            elements=(topic.id, producer.service),
            message=(
                f"unknown: the model does not say which acks '{producer.service}' waits for on '{topic.id}', and "
                f"{'; '.join(need)}"
                if unknown
                else f"'{producer.service}' produces to '{topic.id}' with acks={producer.acks} but {'; '.join(need)}: "
                "a leader failure loses acknowledged messages"
            ),
            fix="produce with acks: all (and min in-sync replicas ≥ 2 on the broker)",
            where=("topics", topic.id, "producers", producer.service, "acks"),
            evidence={
                "acks": producer.acks,
                "zero_rpo_domains": zero_rpo,
                "saga_steps": [f"{o}.{s}" for o, s in sagas],
            },
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
