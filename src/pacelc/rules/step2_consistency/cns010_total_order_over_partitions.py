"""CNS010 total-order-over-partitions."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("CNS010", "total-order-over-partitions", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A topic needs one global order but is split over several partitions.

    What it does:
        Flags topics with `total_order_required: true` and more than one partition; when the
        partition count is not stated, reports it as unknown.

    Why it matters:
        A partitioned log orders messages within a partition only. Consumers that need one global
        order (a replicated state machine, a ledger applied in sequence) see interleavings that
        never happened, and different consumers may see different ones.

    Example:
        topics:
          - {id: ledger-log, broker: kafka, total_order_required: true, partitions: 6}
        stores: [{id: kafka, kind: log}]

    Fix:
        topics:
          - {id: ledger-log, broker: kafka, total_order_required: true, partitions: 1}
        stores: [{id: kafka, kind: log}]

    How it is computed:
        `topics[]`: `total_order_required` with `partitions` > 1 fires; with `partitions` absent it
        fires as unknown.

    False positives:
        Global order restored by a sequencer in front of the consumers: model the sequencer's topic
        as the one with total order.

    References:
        Défago, Schiper and Urbán, "Total Order Broadcast and Multicast Algorithms: Taxonomy and
        Survey" (ACM Computing Surveys, 2004). Kafka documentation, "Design: Partitions and ordering".
    """
    for topic in sorted(model.topics, key=lambda t: t.id):
        if not topic.total_order_required or topic.partitions == 1:
            continue
        unknown = topic.partitions is None
        yield Finding(
            rule="CNS010",
            elements=(topic.id,),
            message=(
                f"unknown: topic '{topic.id}' needs one global order, and the model does not say it has one partition"
                if unknown
                else f"topic '{topic.id}' needs one global order but has {topic.partitions} partitions, "
                "which are ordered only each on its own"
            ),
            fix="use a single partition (or a sequencer that assigns one global sequence)",
            where=("topics", topic.id, "partitions"),
            evidence={"partitions": topic.partitions},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
