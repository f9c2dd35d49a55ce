"""CNS007 projections-not-rebuildable."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("CNS007", "projections-not-rebuildable", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An event-sourced domain has no way to rebuild its projections from the log.

    What it does:
        Flags every domain with `event_sourcing` whose projections cannot be rebuilt from the
        event log (`projection_rebuild: false`), and reports as unknown the ones that do not say.

    Why it matters:
        The point of keeping the events is that read models can be recomputed: after a bug in a
        projection, a new query, or a corrupted read store. Without a rebuild path, a projection
        bug is permanent and the read side drifts from the log with nothing to reconcile it.

    Example:
        services: [{id: ledger}]
        stores: [{id: db, kind: database}]
        domains:
          - id: postings
            owner: ledger
            store: db
            event_sourcing: {versioning: upcasters, projection_rebuild: false}

    Fix:
        services: [{id: ledger}]
        stores: [{id: db, kind: database}]
        domains:
          - id: postings
            owner: ledger
            store: db
            event_sourcing: {versioning: upcasters, projection_rebuild: true, snapshots: true}

    How it is computed:
        `domains[].event_sourcing.projection_rebuild`: false fires; absent fires as unknown.

    False positives:
        A domain whose only projection is the log itself: set `projection_rebuild: true`.

    References:
        Fowler, "Event Sourcing" (2005). Microsoft, "Event Sourcing pattern" and "CQRS pattern"
        (Azure Architecture Center).
    """
    for domain in sorted(model.domains, key=lambda d: d.id):
        es = domain.event_sourcing
        if es is None or es.projection_rebuild is True:
            continue
        unknown = es.projection_rebuild is None
        yield Finding(
            rule="CNS007",
            elements=(domain.id,),
            message=(
                f"unknown: the model does not say whether the projections of event-sourced domain '{domain.id}' "
                "can be rebuilt from the log"
                if unknown
                else f"the projections of event-sourced domain '{domain.id}' cannot be rebuilt from the log: "
                "a projection bug is permanent"
            ),
            fix="provide a replay path that rebuilds projections from the log (and say `projection_rebuild: true`)",
            where=("domains", domain.id, "event_sourcing", "projection_rebuild"),
            evidence={"projection_rebuild": es.projection_rebuild, "snapshots": es.snapshots},
            severity=lower("medium") if unknown else None,
            unknown=unknown,
        )
