"""TXN006 at-least-once-consumer-without-dedup."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import safe
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN006", "at-least-once-consumer-without-dedup", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A consumer of an at-least-once topic does not make redelivered messages harmless.

    What it does:
        Flags every consumer of an at-least-once topic whose `dedup` is none. A consumer that does not
        say how it deduplicates, or of a topic whose delivery is not stated, is reported as unknown.
        Idempotency keys, natural idempotence and dedup tables are all accepted. Exactly-once topics are
        judged by TXN007; an at-most-once topic redelivers nothing, except to a consumer that
        acknowledges after processing (a crash mid-message redelivers it); a consumer that
        acknowledges before processing gets no redelivery to be blamed for: it loses messages
        instead (TXN013).

    Why it matters:
        At-least-once means duplicates: a consumer crash before the offset commit, a rebalance, a
        producer retry all redeliver. A consumer that acts on every delivery sends two e-mails, books
        two charges, decrements stock twice.

    Example:
        services: [{id: orders}, {id: notifier}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: order-events
            broker: kafka
            delivery: at_least_once
            consumers: [{service: notifier, ack: after_processing, dedup: none}]

    Fix:
        services: [{id: orders}, {id: notifier}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: order-events
            broker: kafka
            delivery: at_least_once
            consumers: [{service: notifier, ack: after_processing, dedup: dedup_table}]

    How it is computed:
        Consumers of topics with delivery at_least_once (or unstated): dedup key, natural or
        dedup_table passes; none fires (unknown when the delivery is unstated); absent is unknown.

    False positives:
        Consumers whose every effect is an upsert keyed by the message (naturally idempotent) but the
        model says none: change it to `dedup: natural`.

    References:
        Kleppmann, "Designing Data-Intensive Applications", ch. 11 (Idempotence). Confluent, "Exactly-once
        semantics are possible: here's how Kafka does it" (2017).
    """
    flows = facts.flows
    for topic, consumer in flows.consumers():
        if safe(consumer.dedup) or topic.delivery == "exactly_once":
            continue
        if topic.delivery == "at_most_once" and consumer.ack != "after_processing":
            # At-most-once on the consumer's side too; one that acknowledges after processing is
            # redelivered what it was handling when it crashed, whatever the topic promises producers.
            continue
        if consumer.ack == "before_processing":
            continue  # acknowledged on receipt: nothing is redelivered to it, it loses messages (TXN013)
        unknown = consumer.dedup is None or topic.delivery is None
        delivery = topic.delivery or "unstated (most brokers: at-least-once)"
        yield Finding(
            rule="TXN006",
            elements=(topic.id, consumer.service),
            message=(
                f"{'unknown: ' if unknown else ''}'{consumer.service}' consumes '{topic.id}' (delivery {delivery}) "
                + (
                    "and the model does not say how it deduplicates redeliveries"
                    if consumer.dedup is None
                    else "without deduplication: every redelivery repeats its effects"
                )
            ),
            fix="deduplicate: record processed message ids in a dedup table in the same transaction as the effect, "
            "or make the effect naturally idempotent (upsert by message key)",
            where=("topics", topic.id, "consumers", consumer.service, "dedup"),
            evidence={"delivery": topic.delivery, "dedup": consumer.dedup, "ack": consumer.ack},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
