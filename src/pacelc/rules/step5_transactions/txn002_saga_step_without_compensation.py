"""TXN002 saga-step-without-compensation."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import SAGAS
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("TXN002", "saga-step-without-compensation", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A saga step before the pivot has no compensation.

    What it does:
        Flags every step of an orchestrated or choreographed saga that comes before the pivot (the
        go/no-go step) and has no `compensation`. When no step is marked as the pivot, the last step
        is taken as the pivot and the finding says so. A read-only step (the operation reads the
        participant's domains and writes none of them) has nothing to undo and is left alone.

    Why it matters:
        A saga undoes its completed steps when a later step fails. A step before the pivot that cannot
        be undone stays done: the coupon is burnt though the payment was declined, the seat stays held
        though the order was cancelled. The saga then leaves the data inconsistent in exactly the case
        it exists for.

    Example:
        services: [{id: orders}, {id: pricing}, {id: payments}]
        operations:
          - id: checkout
            entry: orders
            transaction:
              pattern: saga_orchestrated
              coordinator: orders
              steps:
                - {id: redeem-coupon, participant: pricing, idempotency: key}
                - {id: authorize, participant: payments, idempotency: key, pivot: true}

    Fix:
        services: [{id: orders}, {id: pricing}, {id: payments}]
        operations:
          - id: checkout
            entry: orders
            transaction:
              pattern: saga_orchestrated
              coordinator: orders
              steps:
                - {id: redeem-coupon, participant: pricing, idempotency: key, compensation: un-redeem the coupon}
                - {id: authorize, participant: payments, idempotency: key, pivot: true}

    How it is computed:
        Steps of `transaction.steps` (pattern saga_orchestrated or saga_choreographed) before the first
        step with `pivot: true` (else before the last step) whose `compensation` is absent.

    False positives:
        Read-only steps (a validation) have nothing to undo: give them `compensation: none needed
        (read-only)` so the decision is visible.

    References:
        Garcia-Molina and Salem, "Sagas" (SIGMOD 1987). Richardson, "Microservices Patterns", ch. 4
        (compensatable, pivot and retriable transactions).
    """
    for op in model.operations:
        tx = op.transaction
        if tx is None or tx.pattern not in SAGAS or not tx.steps:
            continue
        pivots = [i for i, s in enumerate(tx.steps) if s.pivot]
        declared = bool(pivots)
        pivot = pivots[0] if declared else len(tx.steps) - 1
        for step in tx.steps[:pivot]:
            if step.compensation is not None or facts.flows.step_writes(op, step) is False:
                continue  # compensated, or it only reads: nothing to undo
            yield Finding(
                rule="TXN002",
                elements=(op.id, step.id),
                message=(
                    f"saga '{op.id}': step '{step.id}' ({step.participant}) comes before the pivot "
                    f"'{tx.steps[pivot].id}'{'' if declared else ' (no pivot declared: the last step is taken)'} "
                    "and has no compensation: if a later step fails it stays done"
                ),
                fix=f"give step '{step.id}' a compensation that undoes it (idempotent), or move it after the pivot",
                where=("operations", op.id, "transaction", "steps", step.id),
                evidence={
                    "step_index": tx.steps.index(step),
                    "pivot": tx.steps[pivot].id,
                    "pivot_declared": declared,
                    "participant": step.participant,
                },
            )
