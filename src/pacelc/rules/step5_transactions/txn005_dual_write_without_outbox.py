"""TXN005 dual-write-without-outbox."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN005", "dual-write-without-outbox", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A service writes its database and publishes an event as two separate writes.

    What it does:
        Flags every producer that publishes `via: direct` while its service also writes a store (it
        owns a domain in one or calls one to write). A producer that does not say how it publishes is
        reported as unknown. A transactional outbox or change data capture is accepted.

    Why it matters:
        The database commit and the publish cannot be atomic. A crash or broker error between them
        leaves a committed change with no event (downstream never hears of it: a ledger misses a
        payment) or, when the order is reversed, an event for a change that was rolled back. Retrying
        in the application narrows the window but does not close it.

    Example:
        services:
          - id: payments
            calls: [{to: pay-db, operation: write}]
        stores: [{id: pay-db, kind: database}, {id: kafka, kind: log}]
        topics:
          - {id: payment-events, broker: kafka, producers: [{service: payments, via: direct}]}

    Fix:
        services:
          - id: payments
            calls: [{to: pay-db, operation: write}]
        stores: [{id: pay-db, kind: database}, {id: kafka, kind: log}]
        topics:
          - {id: payment-events, broker: kafka, producers: [{service: payments, via: outbox}]}

    How it is computed:
        For each producer, the stores its service changes: domains it owns in stores other than logs
        and queues, and its write calls to such stores. None: no dual write. Otherwise `via: outbox`
        or `cdc` passes, `direct` fires, absent is unknown.

    False positives:
        Events that only announce something the consumer re-reads from the source (a "something
        changed, poll me" ping) lose nothing but latency when dropped: record it in the risk register.

    References:
        Richardson, "Pattern: Transactional outbox" (microservices.io). Kleppmann, "Designing
        Data-Intensive Applications", ch. 11 (Change data capture). Debezium documentation, "Outbox
        event router".
    """
    flows = facts.flows
    for topic, producer in flows.producers():
        if producer.via in ("outbox", "cdc"):
            continue
        writes = flows.writes_elsewhere(producer.service)
        if not writes:
            continue
        unknown = producer.via is None
        consumers = sorted({c.service for c in topic.consumers})
        yield Finding(
            rule="TXN005",
            elements=(topic.id, producer.service),
            message=(
                f"unknown: '{producer.service}' writes {', '.join(writes)} and publishes to '{topic.id}', and the "
                "model does not say whether the publish is atomic with the write (via)"
                if unknown
                else f"'{producer.service}' writes {', '.join(writes)} and publishes to '{topic.id}' directly: a crash "
                f"between the commit and the publish loses the event"
                + (f" for {', '.join(consumers)}" if consumers else "")
            ),
            fix="write the event in the same local transaction (transactional outbox) and relay it, or publish "
            "from the store's change log (CDC)",
            where=("topics", topic.id, "producers", producer.service, "via"),
            evidence={"via": producer.via, "writes": writes, "consumers": consumers},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
