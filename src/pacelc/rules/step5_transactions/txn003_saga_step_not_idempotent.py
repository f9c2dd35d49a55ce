"""TXN003 saga-step-not-idempotent."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import safe
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN003", "saga-step-not-idempotent", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A participant of a saga or distributed transaction does not make a repeated step harmless.

    What it does:
        Flags a transaction step whose `idempotency` is none when something in the model runs it
        again: the saga retries it (`retriable: true`), a choreography redelivers its message, or
        the coordinator's call to the participant retries or is asynchronous. A step that does not
        say is accepted when that call declares an idempotency key, natural idempotence or a dedup
        table, and is reported as unknown otherwise. A step nothing re-runs is left alone.

    Why it matters:
        Saga steps are retried: the orchestrator times out and resends, the broker redelivers, the
        orchestrator restarts and replays its log. A step that is not idempotent runs twice: two
        shipments, two labels, two charges. At-least-once execution is the normal case, not a corner
        case.

    Example:
        services: [{id: orders}, {id: shipping}]
        operations:
          - id: place-order
            entry: orders
            transaction:
              pattern: saga_orchestrated
              coordinator: orders
              steps:
                - {id: create-shipment, participant: shipping, idempotency: none, retriable: true}

    Fix:
        services: [{id: orders}, {id: shipping}]
        operations:
          - id: place-order
            entry: orders
            transaction:
              pattern: saga_orchestrated
              coordinator: orders
              steps:
                - {id: create-shipment, participant: shipping, idempotency: key, retriable: true}

    How it is computed:
        For each step of `transaction.steps` (any pattern): key, natural and dedup_table pass; none
        fires; absent falls back to the idempotency of the coordinator's (else the entry service's)
        call to the participant, and is unknown when that is silent too. Either way only when
        `flows.step_reruns` names what runs the step again (the message lists it).

    False positives:
        A participant whose downstream API deduplicates on a business key it derives itself: declare
        `idempotency: natural` on the step.

    References:
        Helland, "Idempotence Is Not a Medical Condition" (ACM Queue, 2012). Stripe, "Designing robust
        and predictable APIs with idempotency" (2017).
    """
    flows = facts.flows
    for op in model.operations:
        tx = op.transaction
        if tx is None:
            continue
        caller = tx.coordinator or op.entry
        for step in tx.steps:
            if safe(step.idempotency):
                continue
            via_call = flows.call_idempotency(caller, step.participant) if step.participant != caller else None
            if step.idempotency is None and safe(via_call):
                continue
            reruns = flows.step_reruns(tx, caller, step)
            if not reruns:
                continue  # nothing in the model runs it twice: its idempotency changes no outcome
            unknown = step.idempotency is None
            yield Finding(
                rule="TXN003",
                elements=(op.id, step.id),
                message=(
                    f"unknown: step '{step.id}' of '{op.id}' ({step.participant}) runs again when "
                    f"{'; '.join(reruns)}, and the model does not say how a repeat is made harmless"
                    if unknown
                    else f"step '{step.id}' of '{op.id}' ({step.participant}) is not idempotent and runs again when "
                    f"{'; '.join(reruns)}: the repeat does it twice"
                ),
                fix="give the step an idempotency key (e.g. saga id + step id) checked by the participant, "
                "or a dedup table",
                where=("operations", op.id, "transaction", "steps", step.id, "idempotency"),
                evidence={
                    "idempotency": step.idempotency,
                    "call_idempotency": via_call,
                    "pattern": tx.pattern,
                    "reruns": reruns,
                },
                severity=lower("high") if unknown else None,
                unknown=unknown,
            )
