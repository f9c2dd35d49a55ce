"""CNS009 ordering-key-missing."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("CNS009", "ordering-key-missing", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A topic whose consumers need per-key order has no ordering (partition) key.

    What it does:
        Flags topics with `ordering_required: true` and no `ordering_key`, unless the topic has a
        single partition (which orders everything).

    Why it matters:
        Without a key, messages about the same entity are spread over partitions and consumed in
        parallel: "order cancelled" can be processed before "order created", an old state
        overwrites a new one, and the bug only shows under load.

    Example:
        topics:
          - {id: order-events, broker: kafka, ordering_required: true, partitions: 12}
        stores: [{id: kafka, kind: log}]

    Fix:
        topics:
          - {id: order-events, broker: kafka, ordering_required: true, ordering_key: order_id, partitions: 12}
        stores: [{id: kafka, kind: log}]

    How it is computed:
        `topics[]`: `ordering_required` without `ordering_key`, and `partitions` other than 1.

    False positives:
        Consumers that reorder by a sequence number themselves: drop `ordering_required`.

    References:
        Kafka documentation, "Design: Partitions and ordering". Kleppmann, "Designing Data-Intensive
        Applications", chapter 11 ("Partitioned logs").
    """
    for topic in sorted(model.topics, key=lambda t: t.id):
        if not topic.ordering_required or topic.ordering_key or topic.partitions == 1:
            continue
        parts = f"{topic.partitions} partitions" if topic.partitions else "an unstated number of partitions"
        yield Finding(
            rule="CNS009",
            elements=(topic.id,),
            message=(
                f"topic '{topic.id}' needs per-key order but has no ordering key: messages about one entity "
                f"spread over {parts} and are consumed out of order"
            ),
            fix="set `ordering_key:` to the entity id the consumers need ordered (the partition key)",
            where=("topics", topic.id, "ordering_key"),
            evidence={"partitions": topic.partitions},
        )
