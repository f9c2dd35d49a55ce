"""TXN004 compensation-not-idempotent."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import safe
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN004", "compensation-not-idempotent", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A compensation can run twice and does harm when it does.

    What it does:
        Flags every transaction step that has a compensation whose `compensation_idempotency` is none,
        and reports as unknown those that do not say.

    Why it matters:
        A compensation must succeed eventually, so it is retried until it does, and retries mean
        duplicates. "Release 3 units" applied twice releases 6; "refund 20 EUR" twice refunds 40. The
        failure path is the least tested one, so the double effect is found in production.

    Example:
        services: [{id: orders}, {id: inventory}]
        operations:
          - id: place-order
            entry: orders
            transaction:
              pattern: saga_orchestrated
              steps:
                - id: reserve
                  participant: inventory
                  idempotency: key
                  compensation: release 3 units
                  compensation_idempotency: none
                - {id: pay, participant: orders, idempotency: key, pivot: true}

    Fix:
        services: [{id: orders}, {id: inventory}]
        operations:
          - id: place-order
            entry: orders
            transaction:
              pattern: saga_orchestrated
              steps:
                - id: reserve
                  participant: inventory
                  idempotency: key
                  compensation: release the order's reservation
                  compensation_idempotency: natural
                - {id: pay, participant: orders, idempotency: key, pivot: true}

    How it is computed:
        Steps with `compensation`: key, natural and dedup_table pass, none fires, absent is unknown.

    False positives:
        None known: a compensation written as "set state to X for order Y" is natural; say so.

    References:
        Garcia-Molina and Salem, "Sagas" (SIGMOD 1987). Richardson, "Microservices Patterns", ch. 4.
    """
    for op in model.operations:
        tx = op.transaction
        if tx is None:
            continue
        for step in tx.steps:
            if step.compensation is None or safe(step.compensation_idempotency):
                continue
            unknown = step.compensation_idempotency is None
            yield Finding(
                rule="TXN004",
                elements=(op.id, step.id),
                message=(
                    f"unknown: the model does not say whether the compensation of step '{step.id}' of '{op.id}' "
                    f"('{step.compensation}') is idempotent"
                    if unknown
                    else f"the compensation of step '{step.id}' of '{op.id}' ('{step.compensation}') is not "
                    "idempotent: a retried compensation undoes twice"
                ),
                fix="make the compensation idempotent: key it by saga and step, or express it as setting a state",
                where=("operations", op.id, "transaction", "steps", step.id, "compensation_idempotency"),
                evidence={"compensation": step.compensation, "compensation_idempotency": step.compensation_idempotency},
                severity=lower("high") if unknown else None,
                unknown=unknown,
            )
