"""TXN016 write-operation-not-idempotent."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import safe
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN016", "write-operation-not-idempotent", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An operation that changes data is not safe to retry.

    What it does:
        Flags every operation that writes at least one domain and whose `idempotency` is none. An
        operation that does not say is reported as unknown. Idempotency keys, natural idempotence and
        dedup tables are all accepted.

    Why it matters:
        Clients retry: a user double-clicks, a mobile app resends after a dropped connection, a gateway
        retries a timeout whose request actually succeeded. A write that is not idempotent then happens
        twice: two refunds, two comments, two charges. The response that was lost is the common case
        under exactly the conditions (timeouts, failovers) the design is meant to survive.

    Example:
        services: [{id: api}]
        stores: [{id: db, kind: database}]
        domains: [{id: refunds, owner: api, store: db}]
        operations:
          - {id: refund-order, entry: api, writes: [refunds], idempotency: none}

    Fix:
        services: [{id: api}]
        stores: [{id: db, kind: database}]
        domains: [{id: refunds, owner: api, store: db}]
        operations:
          - {id: refund-order, entry: api, writes: [refunds], idempotency: key}

    How it is computed:
        Operations with non-empty `writes`: `idempotency` key, natural or dedup_table passes, none fires,
        absent is unknown. Operations that claim exactly-once are judged by TXN007 instead.

    False positives:
        Writes that are naturally idempotent (set a value, upsert by a client-chosen id) but modelled as
        none: declare `idempotency: natural`.

    References:
        Stripe, "Designing robust and predictable APIs with idempotency" (2017). IETF draft
        "The Idempotency-Key HTTP Header Field".
    """
    for op in model.operations:
        if not op.writes or safe(op.idempotency) or op.exactly_once_claimed:
            continue
        unknown = op.idempotency is None
        yield Finding(
            rule="TXN016",
            elements=(op.id,),
            message=(
                f"unknown: operation '{op.id}' writes {', '.join(op.writes)} and the model does not say whether a "
                "client retry is safe"
                if unknown
                else f"operation '{op.id}' writes {', '.join(op.writes)} and is not idempotent: a client retry after a "
                "lost response applies the change twice"
            ),
            fix="accept an idempotency key from the client (stored with the result) or make the write an upsert "
            "by a client-chosen id",
            where=("operations", op.id, "idempotency"),
            evidence={"writes": list(op.writes), "idempotency": op.idempotency},
            severity=lower("medium") if unknown else None,
            unknown=unknown,
        )
