"""TXN008 two-phase-commit-without-justification."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("TXN008", "two-phase-commit-without-justification", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Two-phase commit spans services and nobody wrote down why.

    What it does:
        Flags every operation using `two_phase_commit` across two or more services (step participants
        or owners of the written domains) without a `justification`, and those without a named
        coordinator.

    Why it matters:
        Two-phase commit blocks: a participant that voted yes holds its locks until the coordinator
        says commit or abort, and a coordinator that dies in between leaves them held. Every
        participant's availability multiplies into the operation's, and a partition stops it. It can
        be the right call, but it must be a decision, not a default.

    Example:
        services: [{id: a}, {id: b}]
        operations:
          - id: transfer
            entry: a
            transaction:
              pattern: two_phase_commit
              coordinator: a
              steps: [{id: debit, participant: a, idempotency: key}, {id: credit, participant: b, idempotency: key}]

    Fix:
        services: [{id: a}, {id: b}]
        operations:
          - id: transfer
            entry: a
            transaction:
              pattern: two_phase_commit
              coordinator: a
              justification: both ledgers must change atomically (regulatory); the coordinator log is replicated
              steps: [{id: debit, participant: a, idempotency: key}, {id: credit, participant: b, idempotency: key}]

    How it is computed:
        Operations with `transaction.pattern: two_phase_commit`; participants are the step participants
        and the owners of `writes`. With two or more, a missing justification or coordinator fires.

    False positives:
        2PC inside one database engine (XA-free distributed SQL) is not cross-service: model it as
        `local` on that store.

    References:
        Gray and Lamport, "Consensus on Transaction Commit" (ACM TODS, 2006). Helland, "Life beyond
        Distributed Transactions" (CIDR 2007).
    """
    flows = facts.flows
    for op in model.operations:
        tx = op.transaction
        if tx is None or tx.pattern != "two_phase_commit":
            continue
        participants = sorted({s.participant for s in tx.steps} | set(flows.owners_written(op)))
        if len(participants) < 2:
            continue
        missing = [f for f, v in (("justification", tx.justification), ("coordinator", tx.coordinator)) if v is None]
        if not missing:
            continue
        yield Finding(
            rule="TXN008",
            elements=(op.id,),
            message=(
                f"operation '{op.id}' uses two-phase commit across {len(participants)} services "
                f"({', '.join(participants)}) with no {' and no '.join(missing)}: participants block while the "
                "coordinator is down"
            ),
            fix="justify 2PC (and name a coordinator with a replicated log), or replace it by a saga",
            where=("operations", op.id, "transaction", missing[0]),
            evidence={"participants": participants, "missing": missing},
        )
