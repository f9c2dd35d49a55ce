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
        Flags data domains without a `consistency` requirement. When no domain of the system
        declares one, that is one omission, reported once for the system with the domains listed;
        when some do, each domain left out is reported.

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
        Reads `domains[].consistency`: the domains where it is absent, once for the system when that
        is every domain (and there are two or more), else once per domain.

    False positives:
        None: a domain that truly tolerates anything should say `eventual`.

    References:
        Abadi, "Consistency Tradeoffs in Modern Distributed Database System Design" (IEEE Computer, 2012).
    """
    silent = [d for d in model.domains if d.consistency is None]
    if len(silent) > 1 and len(silent) == len(model.domains):
        yield Finding(
            rule="CAP001",
            elements=(model.system.name,),
            message=(
                f"no data domain declares a consistency requirement ({len(silent)} domains: "
                f"{', '.join(d.id for d in silent)}): the store settings cannot be judged against any need"
            ),
            fix="state `consistency:` on each domain (linearizable, sequential, causal, read_your_writes, ..., "
            "eventual), starting with the domains whose loss or staleness costs most",
            where=("domains", silent[0].id),
            evidence={"domains": [d.id for d in silent]},
        )
        return
    for domain in silent:
        yield Finding(
            rule="CAP001",
            elements=(domain.id,),
            message=f"domain '{domain.id}' declares no consistency requirement",
            fix="state `consistency:` (linearizable, sequential, causal, read_your_writes, ..., eventual)",
            where=("domains", domain.id),
        )
