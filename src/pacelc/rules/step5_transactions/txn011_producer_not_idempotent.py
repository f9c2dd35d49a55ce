"""TXN011 producer-not-idempotent."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import safe
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN011", "producer-not-idempotent", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A producer's retries can duplicate or reorder messages that consumers cannot absorb.

    What it does:
        Flags producers that are not idempotent (`idempotent: false`) on topics where a duplicate or a
        reordering does harm: some consumer does not deduplicate, or the topic requires per-key or
        total order. A producer that does not say is reported as unknown. Only on a partitioned log
        (a broker of `kind: log`, Kafka-like): a queue broker (RabbitMQ, SQS) has no idempotent
        producer, and the duplicates its publisher retries make are the consumers' to absorb (TXN006).

    Why it matters:
        A producer retries when an acknowledgement is lost, and the broker then appends the message
        twice; with several requests in flight a retried batch also lands after a later one. The
        idempotent producer (sequence numbers per partition) removes both; without it every consumer
        must cope.

    Example:
        services: [{id: collector}, {id: billing}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: usage
            broker: kafka
            producers: [{service: collector, idempotent: false, acks: all}]
            consumers: [{service: billing, dedup: none}]

    Fix:
        services: [{id: collector}, {id: billing}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: usage
            broker: kafka
            producers: [{service: collector, idempotent: true, acks: all}]
            consumers: [{service: billing, dedup: none}]

    How it is computed:
        Per producer with `idempotent` not true: fires when a consumer's `dedup` is not key, natural or
        dedup_table, or `ordering_required` / `total_order_required` is set (unknown when `idempotent`
        is absent). Deduplicating consumers on an unordered topic are an accepted alternative.

    False positives:
        Brokers without an idempotent producer (plain AMQP): deduplicate in every consumer instead.

    References:
        Kafka documentation, producer config `enable.idempotence`. KIP-98 "Exactly Once Delivery and
        Transactional Messaging".
    """
    flows = facts.flows
    for topic, producer in flows.producers():
        if producer.idempotent is True or flows.partitioned_log(topic) is False:
            continue  # a queue broker has no idempotent producer: duplicates are TXN006's (consumer dedup)
        exposed = sorted({c.service for c in topic.consumers if not safe(c.dedup)})
        ordered = topic.ordering_required or topic.total_order_required
        if not exposed and not ordered:
            continue
        unknown = producer.idempotent is None
        harm = []
        if exposed:
            harm.append(f"consumer(s) {', '.join(exposed)} do not deduplicate")
        if ordered:
            harm.append("the topic requires ordering, which retried batches break")
        yield Finding(
            rule="TXN011",
            elements=(topic.id, producer.service),
            message=(
                f"{'unknown: the model does not say whether ' if unknown else ''}'{producer.service}' "
                f"{'produces idempotently' if unknown else 'is not an idempotent producer'} on '{topic.id}', and "
                f"{' and '.join(harm)}"
            ),
            fix="enable the idempotent producer (enable.idempotence=true, acks=all), or deduplicate in every consumer",
            where=("topics", topic.id, "producers", producer.service, "idempotent"),
            evidence={"idempotent": producer.idempotent, "consumers_without_dedup": exposed, "ordering": ordered},
            severity=lower("medium") if unknown else None,
            unknown=unknown,
        )
