"""OPS012 consumer-lag-not-alarmed."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("OPS012", "consumer-lag-not-alarmed", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Nobody is told when a consumer falls behind its topic.

    What it does:
        Flags every consumer of an at-least-once or exactly-once topic (or one whose delivery is not
        stated) with no alarm of kind consumer_lag on the topic, the consuming service or the broker.
        Dead-letter topics are exempt (alarm on them with kind dead_letter).

    Why it matters:
        A stuck consumer does not fail anything upstream: producers keep publishing, the topic keeps
        growing, and the work (shipments, ledger entries, e-mails) silently stops. It is found when a
        customer asks, or when retention deletes the backlog.

    Example:
        services: [{id: orders}, {id: ledger}]
        stores: [{id: kafka, kind: log}]
        topics:
          - {id: payment-events, broker: kafka, delivery: at_least_once, consumers: [{service: ledger}]}

    Fix:
        services: [{id: orders}, {id: ledger}]
        stores: [{id: kafka, kind: log}]
        topics:
          - {id: payment-events, broker: kafka, delivery: at_least_once, consumers: [{service: ledger}]}
        readiness:
          alarms: [{id: ledger-lag, kind: consumer_lag, targets: [payment-events], threshold: "> 10000 for 10m"}]

    How it is computed:
        Consumers of topics whose delivery is not at_most_once and that are no consumer's dead-letter
        topic; fires when no `readiness.alarms[]` of kind consumer_lag targets the topic, the service or
        the topic's broker.

    False positives:
        An alarm on the whole broker's consumer groups covers every consumer: target the broker.

    References:
        Google SRE Book, ch. 6 (Monitoring Distributed Systems). Kafka documentation, consumer group lag
        (`kafka-consumer-groups --describe`).
    """
    flows = facts.flows
    for topic, consumer in flows.consumers():
        if topic.delivery == "at_most_once" or topic.id in flows.dead_letter_topics:
            continue
        if flows.alarmed("consumer_lag", topic.id, consumer.service, topic.broker):
            continue
        yield Finding(
            rule="OPS012",
            elements=(topic.id, consumer.service),
            message=(
                f"no consumer-lag alarm covers '{consumer.service}' on '{topic.id}' "
                f"(delivery {topic.delivery or 'unstated'}): a stuck consumer goes unnoticed while the backlog grows"
            ),
            fix=f"alarm on the lag of consumer group {consumer.group or consumer.service} on {topic.id}",
            where=("readiness", "alarms"),
            evidence={"delivery": topic.delivery, "group": consumer.group, "broker": topic.broker},
        )
