"""TXN014 post-pivot-step-not-retriable."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import SAGAS
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN014", "post-pivot-step-not-retriable", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A saga step after the pivot cannot be retried until it succeeds.

    What it does:
        Flags every step after a saga's pivot with `retriable: false`, and reports as unknown those that
        do not say.

    Why it matters:
        After the pivot the saga can only move forward: the payment is authorized, so the order must be
        confirmed and shipped. A step there that fails and is not retried leaves the saga stuck half-way
        with no compensation to fall back on: the customer paid and nothing ships.

    Example:
        services: [{id: orders}, {id: payments}, {id: shipping}]
        operations:
          - id: place-order
            entry: orders
            transaction:
              pattern: saga_orchestrated
              steps:
                - {id: authorize, participant: payments, idempotency: key, pivot: true}
                - {id: ship, participant: shipping, idempotency: key, retriable: false}

    Fix:
        services: [{id: orders}, {id: payments}, {id: shipping}]
        operations:
          - id: place-order
            entry: orders
            transaction:
              pattern: saga_orchestrated
              steps:
                - {id: authorize, participant: payments, idempotency: key, pivot: true}
                - {id: ship, participant: shipping, idempotency: key, retriable: true}

    How it is computed:
        Steps after the first `pivot: true` step of a saga: `retriable: false` fires, absent is unknown.
        Sagas without a declared pivot are skipped (TXN002 takes their last step as the pivot).

    False positives:
        A post-pivot step that may fail for business reasons (out of stock after payment) needs a
        forward recovery (refund, back-order) instead: model that as its own retriable step.

    References:
        Richardson, "Microservices Patterns", ch. 4 (retriable transactions). Garcia-Molina and Salem,
        "Sagas" (SIGMOD 1987), forward recovery.
    """
    for op in model.operations:
        tx = op.transaction
        if tx is None or tx.pattern not in SAGAS:
            continue
        pivots = [i for i, s in enumerate(tx.steps) if s.pivot]
        if not pivots:
            continue
        pivot = tx.steps[pivots[0]]
        for step in tx.steps[pivots[0] + 1 :]:
            if step.retriable is True:
                continue
            unknown = step.retriable is None
            yield Finding(
                rule="TXN014",
                elements=(op.id, step.id),
                message=(
                    f"{'unknown: ' if unknown else ''}step '{step.id}' of saga '{op.id}' comes after the pivot "
                    f"'{pivot.id}' "
                    + (
                        "and the model does not say whether it is retried until it succeeds"
                        if unknown
                        else "and is not retriable: a failure leaves the saga stuck after the point of no return"
                    )
                ),
                fix=f"make step '{step.id}' retriable (idempotent, retried with backoff until done, alarmed when "
                "stuck)",
                where=("operations", op.id, "transaction", "steps", step.id, "retriable"),
                evidence={"pivot": pivot.id, "retriable": step.retriable, "idempotency": step.idempotency},
                severity=lower("high") if unknown else None,
                unknown=unknown,
            )
