"""CAP001 consistency-not-declared."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("CAP001", "consistency-not-declared", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A data domain does not say which consistency model it requires.

    What it does:
        Flags every data domain without a `consistency` requirement.

    Why it matters:
        Every CAP/PACELC decision starts from what the data needs. Without a stated requirement
        nobody can tell whether the store's replication is right, and the choice gets made by
        accident: by a default read routing or a library setting.

    Example:
        services: [{id: orders}]
        stores: [{id: orders-db, kind: database}]
        domains:
          - {id: orders, owner: orders, store: orders-db}

    Fix:
        services: [{id: orders}]
        stores: [{id: orders-db, kind: database}]
        domains:
          - {id: orders, owner: orders, store: orders-db, consistency: read_your_writes}

    How it is computed:
        Reads `domains[].consistency`; fires when it is absent.

    False positives:
        None: a domain that truly tolerates anything should say `eventual`.

    References:
        Abadi, "Consistency Tradeoffs in Modern Distributed Database System Design" (IEEE Computer, 2012).
    """
    for domain in model.domains:
        if domain.consistency is None:
            yield Finding(
                rule="CAP001",
                elements=(domain.id,),
                message=f"domain '{domain.id}' declares no consistency requirement",
                fix="state `consistency:` (linearizable, sequential, causal, read_your_writes, ..., eventual)",
                where=("domains", domain.id),
            )
