"""TXN001 cross-service-write-without-transaction."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN001", "cross-service-write-without-transaction", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An operation changes data owned by several services with no transaction pattern.

    What it does:
        Flags every operation that writes domains owned by two or more services when its transaction
        pattern is `none`, or `local` while the domains live in different stores (a local transaction
        cannot span them). An operation that does not say how it keeps those writes consistent is
        reported as unknown.

    Why it matters:
        Each service commits its own write. When one succeeds and the next fails (timeout, crash,
        validation), the system is left half-changed: a refund recorded without the order updated, a
        deploy audited that never happened. Without a pattern nobody retries, compensates or even
        notices, and support repairs it by hand, when a customer complains.

    Example:
        services: [{id: orders}, {id: payments}]
        stores: [{id: order-db, kind: database}, {id: pay-db, kind: database}]
        domains:
          - {id: orders, owner: orders, store: order-db}
          - {id: payments, owner: payments, store: pay-db}
        operations:
          - {id: refund, entry: orders, writes: [payments, orders], transaction: {pattern: none}}

    Fix:
        services: [{id: orders}, {id: payments}]
        stores: [{id: order-db, kind: database}, {id: pay-db, kind: database}]
        domains:
          - {id: orders, owner: orders, store: order-db}
          - {id: payments, owner: payments, store: pay-db}
        operations:
          - id: refund
            entry: orders
            writes: [payments, orders]
            transaction:
              pattern: saga_orchestrated
              coordinator: orders
              steps:
                - id: mark-refunding
                  participant: orders
                  compensation: restore the previous state
                  idempotency: key
                  compensation_idempotency: natural
                - {id: refund-payment, participant: payments, idempotency: key, pivot: true}
                - {id: mark-refunded, participant: orders, idempotency: natural, retriable: true}

    How it is computed:
        The owners of the domains in `operations[].writes`. With two or more owners: pattern none
        fires; local fires when the written domains are in more than one store; sagas, two-phase commit
        and outbox pass (their soundness is judged by the other TXN rules); no `transaction` is unknown.

    False positives:
        Writes whose partial failure is harmless (a best-effort counter beside the real write): move
        the harmless domain out of `writes`, or record the decision in the risk register.

    References:
        Garcia-Molina and Salem, "Sagas" (SIGMOD 1987). Richardson, "Microservices Patterns", ch. 4.
    """
    flows = facts.flows
    for op in model.operations:
        owners = flows.owners_written(op)
        if len(owners) < 2:
            continue
        tx = op.transaction
        stores = flows.stores_written(op)
        if tx is not None and tx.pattern not in ("none", "local"):
            continue
        if tx is not None and tx.pattern == "local" and len(stores) < 2:
            continue
        unknown = tx is None
        summary = "; ".join(f"{owner}: {', '.join(doms)}" for owner, doms in owners.items())
        if unknown:
            message = (
                f"unknown: operation '{op.id}' writes data of {len(owners)} services ({summary}) and the model "
                "does not say how the writes stay consistent"
            )
        elif tx.pattern == "none":
            message = (
                f"operation '{op.id}' writes data of {len(owners)} services ({summary}) with transaction pattern "
                "none: a failure between the writes leaves them half-done"
            )
        else:
            message = (
                f"operation '{op.id}' claims a local transaction but writes {len(stores)} stores "
                f"({', '.join(stores)}) owned by {len(owners)} services ({summary})"
            )
        yield Finding(
            rule="TXN001",
            elements=(op.id,),
            message=message,
            fix="use a saga (with compensations and idempotent steps) or an outbox that hands the second write "
            "to its owner asynchronously",
            where=("operations", op.id, "transaction", "pattern") if tx else ("operations", op.id, "writes"),
            evidence={
                "owners": owners,
                "stores": stores,
                "pattern": tx.pattern if tx else None,
                "justification": tx.justification if tx else None,
            },
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
