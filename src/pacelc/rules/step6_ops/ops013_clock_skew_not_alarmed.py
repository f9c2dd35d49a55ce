"""OPS013 clock-skew-not-alarmed."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("OPS013", "clock-skew-not-alarmed", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """The design relies on bounded clock skew and nothing alarms when clocks drift.

    What it does:
        Flags a model with clock dependencies (last-writer-wins on wall clocks, lease reads, lease
        fencing, lock or leader leases) when no alarm of kind clock_skew exists.

    Why it matters:
        A stated skew bound (`max_clock_skew_ms`) is only true while it is watched. NTP fails quietly: a
        blocked port, a VM restored from a snapshot, a leap-second step. Lease and LWW logic then
        breaks without any error, and the first sign is wrong data.

    Example:
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: consensus, read_from: leader, linearizable_reads: lease}

    Fix:
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: consensus, read_from: leader, linearizable_reads: lease}
        readiness:
          alarms: [{id: ntp-offset, kind: clock_skew, targets: [db], threshold: "offset > 50ms"}]

    How it is computed:
        The model's clock dependencies (see OPS007); fires when there is at least one and no
        `readiness.alarms[]` has kind clock_skew.

    False positives:
        Clusters that refuse to run with a skewed node (CockroachDB's max-offset self-termination) stop
        instead of corrupting: the alarm is still how you learn why.

    References:
        Corbett et al., "Spanner" (OSDI 2012), TrueTime. CockroachDB documentation, "Clock
        synchronization" (max offset).
    """
    deps = facts.flows.clock_dependencies
    if not deps or "clock_skew" in facts.flows.alarm_targets:
        return
    elements = sorted({d.element for d in deps})
    yield Finding(
        rule="OPS013",
        elements=(model.system.name,),
        message=(
            f"{len(elements)} element(s) rely on bounded clock skew ({', '.join(elements)}) and no alarm watches "
            "clock offset"
            + (
                ""
                if model.defaults.max_clock_skew_ms is None
                else f": the stated bound of {model.defaults.max_clock_skew_ms:g} ms is not enforced by anyone"
            )
        ),
        fix="alarm on NTP/chrony offset on every host well below the skew the design assumes",
        where=("readiness", "alarms"),
        evidence={"clock_dependencies": [f"{d.element}: {d.reason}" for d in deps]},
    )
