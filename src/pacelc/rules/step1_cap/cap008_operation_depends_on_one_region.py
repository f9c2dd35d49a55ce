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
        do without (calls with a fallback are left out) and finds each region that one of them is
        confined to: when that region fails or is cut off, the operation stops everywhere. One
        finding per region, listing the operations it stops.

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
        one runs in. Fires once per region that confines at least one needed element, listing the
        operations it stops and what each needs there (a system that runs entirely in one region is
        said to be so, once). When the entry itself is confined, no degraded mode can help; when only a
        dependency is, an operation-level `degraded_mode` is accepted as the mitigation.

    False positives:
        A region outage deliberately covered by a restore or a cold standby: accept it in the risk
        register (pattern `CAP008@<region>`) with the recovery time you accept.

    References:
        AWS Well-Architected Reliability Pillar, "Use fault isolation to protect your workload".
        Google SRE Workbook, chapter 9 ("Incident Response"), on regional failover.
    """
    # One cause per region: the elements confined to it. Each finding lists the operations it stops.
    stopped: dict[str, dict[str, list[str]]] = {}  # region -> operation -> confined elements it needs
    entry_confined: dict[str, list[str]] = {}  # region -> operations whose entry is confined there
    everywhere: dict[str, list[str]] = {}  # region -> operations whose entry runs in other regions too
    for op in sorted(model.operations, key=lambda o: o.id):
        confined: dict[str, list[str]] = {}
        for element in facts.required_elements.get(op.id, []):
            spread = facts.spreads.get(element)
            if spread is None or spread.single_region is None:
                continue
            confined.setdefault(spread.single_region, []).append(element)
        entry_spread = facts.spreads.get(op.entry)
        for region, elements in confined.items():
            if op.degraded_mode and elements[0] != op.entry:
                continue
            stopped.setdefault(region, {})[op.id] = elements
            if elements[0] == op.entry:
                entry_confined.setdefault(region, []).append(op.id)
            if entry_spread is not None and len(entry_spread.regions) > 1:
                everywhere.setdefault(region, []).append(op.id)
    for region in sorted(stopped):
        ops = stopped[region]
        elements = list(dict.fromkeys(e for needed in ops.values() for e in needed))
        whole = set(ops) == {op.id for op in model.operations} and all(
            spread.single_region == region for spread in facts.spreads.values()
        )
        listed = "; ".join(f"'{op_id}' (needs {', '.join(needed)})" for op_id, needed in ops.items())
        reach = f" in every region ({', '.join(everywhere[region])})" if region in everywhere else ""
        yield Finding(
            rule="CAP008",
            elements=(region,),
            message=(
                f"the whole system runs only in region {region}: a failure or partition of {region} stops "
                f"all {len(ops)} operations"
                if whole
                else f"{len(elements)} element{'s' if len(elements) > 1 else ''} that operations need with no "
                f"fallback run only in region {region}: a failure or partition of {region} stops {len(ops)} "
                f"operation{'s' if len(ops) > 1 else ''}: {listed}" + reach
            ),
            fix=(
                f"run {', '.join(elements)} in a second region (active-active or warm standby with replicated "
                "data), or give the calls to them a fallback"
            ),
            where=("operations", next(iter(ops))),
            evidence={
                "region": region,
                "operations": ops,
                "entry_confined": entry_confined.get(region, []),
                "confined_elements": elements,
            },
        )
