"""CNS006 event-schema-unversioned."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("CNS006", "event-schema-unversioned", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An event-sourced domain has no event versioning.

    What it does:
        Flags every domain with `event_sourcing` whose events carry no versioning scheme
        (`versioning: none`), and reports as unknown the ones that do not say.

    Why it matters:
        In an event-sourced domain the events are the data, kept forever, and every replay reads
        all of them. The first schema change without a version field, upcasters or a schema
        registry makes old events unreadable or silently misread: projections rebuilt after the
        change differ from the ones built before it.

    Example:
        services: [{id: ledger}]
        stores: [{id: db, kind: database}]
        domains:
          - {id: postings, owner: ledger, store: db, consistency: sequential, event_sourcing: {versioning: none}}

    Fix:
        services: [{id: ledger}]
        stores: [{id: db, kind: database}]
        domains:
          - {id: postings, owner: ledger, store: db, consistency: sequential, event_sourcing: {versioning: upcasters}}

    How it is computed:
        `domains[].event_sourcing.versioning`: `none` fires; absent fires as unknown. A schema
        registry, upcasters or a version field are all accepted.

    False positives:
        A log that is truncated and rebuilt on every schema change: say `versioning: version_field`
        and describe the procedure in the domain's justification.

    References:
        Young, "Versioning in an Event Sourced System" (Leanpub, 2017). Fowler, "Event Sourcing" (2005).
    """
    for domain in sorted(model.domains, key=lambda d: d.id):
        es = domain.event_sourcing
        if es is None or es.versioning not in (None, "none"):
            continue
        unknown = es.versioning is None
        yield Finding(
            rule="CNS006",
            elements=(domain.id,),
            message=(
                f"unknown: the model does not say how the events of event-sourced domain '{domain.id}' are versioned"
                if unknown
                else f"event-sourced domain '{domain.id}' has no event versioning: old events break on the first "
                "schema change"
            ),
            fix="version the events (`versioning: schema_registry`, `upcasters` or `version_field`)",
            where=("domains", domain.id, "event_sourcing", "versioning"),
            evidence={"versioning": es.versioning},
            severity=lower("medium") if unknown else None,
            unknown=unknown,
        )
