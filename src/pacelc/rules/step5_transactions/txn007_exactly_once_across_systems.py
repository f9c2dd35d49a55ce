"""TXN007 exactly-once-across-systems."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import safe
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN007", "exactly-once-across-systems", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Exactly-once is claimed across systems whose links only give at-least-once.

    What it does:
        Flags operations that claim end-to-end exactly-once (`exactly_once_claimed`) while a link of
        their path can duplicate: client retries without idempotency, a producer without idempotence,
        a topic that is not exactly-once, a consumer without deduplication. Also flags consumers of
        `delivery: exactly_once` topics that write to another store without deduplication: the
        broker's exactly-once covers its own log, not the consumer's database.

    Why it matters:
        Exactly-once delivery does not exist across independent systems; what exists is at-least-once
        delivery plus idempotent processing. A design that believes the broker gives exactly-once
        skips the deduplication, and the first rebalance or retry double-bills.

    Example:
        services:
          - id: collector
            calls: [{to: usage, mode: async}]
          - id: billing
            calls: [{to: billing-db, operation: write}]
        stores: [{id: kafka, kind: log}, {id: billing-db, kind: database}]
        topics:
          - id: usage
            broker: kafka
            delivery: exactly_once
            producers: [{service: collector, idempotent: true, acks: all}]
            consumers: [{service: billing, dedup: none}]
        operations:
          - {id: record-usage, entry: collector, uses: [collector.usage], idempotency: key, exactly_once_claimed: true}

    Fix:
        services:
          - id: collector
            calls: [{to: usage, mode: async}]
          - id: billing
            calls: [{to: billing-db, operation: write}]
        stores: [{id: kafka, kind: log}, {id: billing-db, kind: database}]
        topics:
          - id: usage
            broker: kafka
            delivery: exactly_once
            producers: [{service: collector, idempotent: true, acks: all}]
            consumers: [{service: billing, dedup: dedup_table}]
        operations:
          - {id: record-usage, entry: collector, uses: [collector.usage], idempotency: key, exactly_once_claimed: true}

    How it is computed:
        For a claiming operation: its `idempotency`, and for each topic its path publishes to, the
        producers among the path's services (`idempotent`), the topic's `delivery` and its consumers'
        `dedup` (on an exactly-once topic, only consumers that write outside the broker count). Every
        weak link is listed in the evidence. For exactly-once topics: consumers that write a store
        (owned domain or write call) with dedup none (unknown when absent).

    False positives:
        A consumer that commits its effects into the same broker transaction (Kafka Streams
        read-process-write) has exactly-once: declare `dedup: natural` with that reason.

    References:
        Kleppmann, "Designing Data-Intensive Applications", ch. 11 (Exactly-once message processing).
        Treat, "You Cannot Have Exactly-Once Delivery" (2015). Kafka documentation, "Message delivery
        semantics".
    """
    flows = facts.flows
    g = facts.graph
    for op in model.operations:
        if not op.exactly_once_claimed:
            continue
        weak: list[str] = []
        if not safe(op.idempotency):
            weak.append(
                f"client retries of the operation are not deduplicated (idempotency {op.idempotency or 'unstated'})"
            )
        services = set(g.trees[op.id].services())
        for tid in flows.operation_topics.get(op.id, []):
            topic = g.topics[tid]
            for p in topic.producers:
                if p.service in services and p.idempotent is not True:
                    said = "unstated" if p.idempotent is None else "false"
                    weak.append(f"producer {p.service} → {tid} is not idempotent (idempotent {said})")
            if topic.delivery != "exactly_once":
                weak.append(f"topic {tid} delivers {topic.delivery or 'with unstated semantics'}")
            for c in topic.consumers:
                inside_broker = topic.delivery == "exactly_once" and not flows.writes_elsewhere(c.service)
                if not safe(c.dedup) and not inside_broker:
                    weak.append(f"consumer {c.service} of {tid} does not deduplicate (dedup {c.dedup or 'unstated'})")
        if not weak:
            continue
        yield Finding(
            rule="TXN007",
            elements=(op.id,),
            message=f"operation '{op.id}' claims exactly-once but {len(weak)} link(s) can duplicate: {'; '.join(weak)}",
            fix="make every link idempotent (idempotency key from the client, idempotent producer, consumer "
            "dedup table written with the effect), or drop the exactly-once claim",
            where=("operations", op.id, "exactly_once_claimed"),
            evidence={"weak_links": weak},
        )
    for topic, consumer in flows.consumers():
        if topic.delivery != "exactly_once" or safe(consumer.dedup):
            continue
        writes = flows.writes_elsewhere(consumer.service)
        if not writes:
            continue
        unknown = consumer.dedup is None
        yield Finding(
            rule="TXN007",
            elements=(topic.id, consumer.service),
            message=(
                f"{'unknown: ' if unknown else ''}'{topic.id}' is exactly-once inside the broker but "
                f"'{consumer.service}' writes {', '.join(writes)} "
                + ("and the model does not say how it deduplicates" if unknown else "without deduplication")
                + ": a redelivery after a crash or rebalance repeats the write"
            ),
            fix="write a processed-message record in the same transaction as the effect (dedup table), or key "
            "the effect by message id",
            where=("topics", topic.id, "consumers", consumer.service, "dedup"),
            evidence={"delivery": topic.delivery, "dedup": consumer.dedup, "writes": writes},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
