"""TXN013 consumer-acks-before-processing."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN013", "consumer-acks-before-processing", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A consumer acknowledges a message before its effects are done.

    What it does:
        Flags every consumer with `ack: before_processing` (auto-commit, ack on receipt), and reports as
        unknown consumers that do not say when they acknowledge, unless the topic is at-most-once by
        design.

    Why it matters:
        Once acknowledged, the broker will not redeliver. A consumer that crashes, is redeployed or
        throws after the ack and before finishing loses the message for good: the job never runs, the
        e-mail is never sent, and nothing records it. It also turns an at-least-once topic into
        at-most-once without anyone deciding so.

    Example:
        services: [{id: scheduler}, {id: runner}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: jobs
            broker: kafka
            delivery: at_least_once
            consumers: [{service: runner, ack: before_processing, dedup: key}]

    Fix:
        services: [{id: scheduler}, {id: runner}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: jobs
            broker: kafka
            delivery: at_least_once
            consumers: [{service: runner, ack: after_processing, dedup: key}]

    How it is computed:
        Consumers: `ack: before_processing` fires; absent is unknown; topics with `delivery:
        at_most_once` are skipped (loss is the stated contract there).

    False positives:
        Consumers that hand the message to a durable local queue before acking: model that queue as a
        topic of its own.

    References:
        Kafka documentation, consumer config `enable.auto.commit`. RabbitMQ documentation, "Consumer
        Acknowledgements and Publisher Confirms".
    """
    for topic, consumer in facts.flows.consumers():
        if consumer.ack == "after_processing" or topic.delivery == "at_most_once":
            continue
        unknown = consumer.ack is None
        yield Finding(
            rule="TXN013",
            elements=(topic.id, consumer.service),
            message=(
                f"unknown: the model does not say whether '{consumer.service}' acknowledges '{topic.id}' messages "
                "before or after processing them"
                if unknown
                else f"'{consumer.service}' acknowledges '{topic.id}' messages before processing: a crash after the "
                f"ack loses the message (topic delivery {topic.delivery or 'unstated'})"
            ),
            fix="acknowledge (commit the offset) after the effects are durable, and deduplicate redeliveries",
            where=("topics", topic.id, "consumers", consumer.service, "ack"),
            evidence={"ack": consumer.ack, "delivery": topic.delivery, "dedup": consumer.dedup},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
