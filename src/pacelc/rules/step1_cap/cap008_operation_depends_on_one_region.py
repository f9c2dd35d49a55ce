"""CAP008 operation-depends-on-one-region."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("CAP008", "operation-depends-on-one-region", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """An operation needs, synchronously and without a fallback, something that runs in one region only.

    What it does:
        For each operation, looks at its entry service and every synchronous dependency it cannot
        do without (calls with a fallback are left out) and flags each region that one of them is
        confined to: when that region fails or is cut off, the operation stops everywhere.

    Why it matters:
        A single-region dependency is an implicit bet that the region never fails or gets
        partitioned. It is often invisible in multi-region systems (one billing or entitlement
        service in the "home" region on every request path), and in single-region systems it is
        the whole disaster-recovery story. Restoring backups into another region is recovery, not
        failover: hours of downtime.

    Example:
        regions:
          - {id: us, zones: [{id: us-a}, {id: us-b}]}
          - {id: eu, zones: [{id: eu-a}, {id: eu-b}]}
        services:
          - id: api
            replicas: 4
            placement: {zones: [us-a, us-b, eu-a, eu-b]}
            calls: [{to: billing, timeout: {read_ms: 300}}]
          - {id: billing, replicas: 2, placement: {zones: [us-a, us-b]}}
        operations:
          - {id: checkout, entry: api}

    Fix:
        regions:
          - {id: us, zones: [{id: us-a}, {id: us-b}]}
          - {id: eu, zones: [{id: eu-a}, {id: eu-b}]}
        services:
          - id: api
            replicas: 4
            placement: {zones: [us-a, us-b, eu-a, eu-b]}
            calls: [{to: billing, timeout: {read_ms: 300}, fallback: accept the order and bill later}]
          - {id: billing, replicas: 2, placement: {zones: [us-a, us-b]}}
        operations:
          - {id: checkout, entry: api}

    How it is computed:
        `facts.required_elements` gives the elements an operation needs (its entry and the
        targets of sync calls without a fallback, recursively); `facts.spreads` the regions each
        one runs in. Fires per (operation, region) when at least one needed element runs only in
        that region. When the entry itself is confined, no degraded mode can help; when only a
        dependency is, an operation-level `degraded_mode` is accepted as the mitigation.

    False positives:
        A region outage deliberately covered by a restore or a cold standby: accept it in the risk
        register (pattern `CAP008@*@<region>`) with the recovery time you accept.

    References:
        AWS Well-Architected Reliability Pillar, "Use fault isolation to protect your workload".
        Google SRE Workbook, chapter 9 ("Incident Response"), on regional failover.
    """
    for op in sorted(model.operations, key=lambda o: o.id):
        confined: dict[str, list[str]] = {}
        for element in facts.required_elements.get(op.id, []):
            spread = facts.spreads.get(element)
            if spread is None or spread.single_region is None:
                continue
            confined.setdefault(spread.single_region, []).append(element)
        for region in sorted(confined):
            elements = confined[region]
            entry_confined = elements[0] == op.entry
            entry_spread = facts.spreads.get(op.entry)
            everywhere = entry_spread is not None and len(entry_spread.regions) > 1
            if op.degraded_mode and not entry_confined:
                continue
            yield Finding(
                rule="CAP008",
                elements=(op.id, region),
                message=(
                    f"operation '{op.id}' needs {', '.join(elements)}, which {'run' if len(elements) > 1 else 'runs'} "
                    f"only in region {region}, "
                    f"with no fallback: a failure or partition of {region} stops the operation"
                    + (" in every region" if everywhere else "")
                ),
                fix=(
                    f"run {', '.join(elements)} in a second region (active-active or warm standby with "
                    "replicated data), or give the calls to them a fallback"
                ),
                where=("operations", op.id),
                evidence={
                    "region": region,
                    "confined_elements": elements,
                    "entry_confined": entry_confined,
                    "degraded_mode": op.degraded_mode,
                },
            )
