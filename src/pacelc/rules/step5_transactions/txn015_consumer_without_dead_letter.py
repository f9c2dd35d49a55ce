"""TXN015 consumer-without-dead-letter."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("TXN015", "consumer-without-dead-letter", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A consumer has nowhere to put a message it cannot process.

    What it does:
        Flags every consumer of an at-least-once (or unstated) topic that names no dead-letter topic.
        Consumers of dead-letter topics themselves are exempt.

    Why it matters:
        A poison message (bad schema, a bug, a reference to deleted data) fails every time. Without a
        dead-letter topic the consumer either retries it forever, blocking its partition and every
        message behind it, or drops it, and nobody sees either.

    Example:
        services: [{id: notifier}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: order-events
            broker: kafka
            delivery: at_least_once
            consumers: [{service: notifier, ack: after_processing, dedup: key}]

    Fix:
        services: [{id: notifier}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: order-events
            broker: kafka
            delivery: at_least_once
            consumers:
              - {service: notifier, ack: after_processing, dedup: key, dead_letter: order-events-dlq, max_attempts: 5}
          - {id: order-events-dlq, broker: kafka, delivery: at_least_once}

    How it is computed:
        Consumers with no `dead_letter` on topics whose delivery is not at_most_once and that are not
        some consumer's dead-letter topic.

    False positives:
        Consumers that park failures in their own error table: model that table as the dead-letter topic.

    References:
        Hohpe and Woolf, "Enterprise Integration Patterns", Dead Letter Channel. AWS SQS documentation,
        "Dead-letter queues".
    """
    flows = facts.flows
    for topic, consumer in flows.consumers():
        if consumer.dead_letter is not None or topic.delivery == "at_most_once":
            continue
        if topic.id in flows.dead_letter_topics:
            continue
        yield Finding(
            rule="TXN015",
            elements=(topic.id, consumer.service),
            message=(
                f"'{consumer.service}' consumes '{topic.id}' with no dead-letter topic: a message that always fails "
                + (
                    f"is retried {consumer.max_attempts} times and then dropped unseen"
                    if consumer.max_attempts
                    else (
                        "blocks its partition or is dropped unseen"
                        if flows.partitioned_log(topic) is not False
                        else "is redelivered forever or dropped unseen"
                    )
                )
            ),
            fix="send messages that fail max_attempts times to a dead-letter topic, and alarm on it",
            where=("topics", topic.id, "consumers", consumer.service, "dead_letter"),
            evidence={"max_attempts": consumer.max_attempts, "delivery": topic.delivery},
        )
