"""OPS007 no-clock-skew-chaos-test."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("OPS007", "no-clock-skew-chaos-test", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """The design relies on synchronized clocks and no experiment skews them.

    What it does:
        Flags a model with something that is correct only while clocks agree (last-writer-wins on wall
        clocks, leader-lease reads, lease fencing, lock or leader leases) when no chaos experiment
        injects clock skew. When the model does not list its chaos experiments at all (no
        `readiness.chaos`, as in an import), the finding is unknown, a level lower: it asks.

    Why it matters:
        Lease and timestamp logic is written assuming clocks agree within a bound, and nothing in
        normal operation checks the assumption. A VM resumed after a pause or an NTP step makes two
        leaders, a stale read, or a newer write lose to an older one, and only a test that moves a
        clock finds out which.

    Example:
        services:
          - id: runner
            coordination: [{kind: lock, via: etcd, fencing_tokens: true, lease_ms: 30000}]
        stores: [{id: etcd, kind: coordination}]

    Fix:
        services:
          - id: runner
            coordination: [{kind: lock, via: etcd, fencing_tokens: true, lease_ms: 30000}]
        stores: [{id: etcd, kind: coordination}]
        readiness:
          chaos: [{id: skew-runner, kind: clock_skew, targets: [runner], schedule: monthly}]

    How it is computed:
        The clock dependencies of the model (LWW with a wall or unstated clock, `linearizable_reads:
        lease`, `failover.fencing: lease`, `coordination[].lease_ms`); with any, fires when no
        `readiness.chaos[].kind` is clock_skew.

    False positives:
        None known: a system that relies on no clock has no dependency and is not flagged.

    References:
        Kingsbury, Jepsen clock-skew nemesis (jepsen.io). Kleppmann, "Designing Data-Intensive
        Applications", ch. 8 (Unreliable clocks, process pauses).
    """
    deps = facts.flows.clock_dependencies
    if not deps or any(c.kind == "clock_skew" for c in model.readiness.chaos):
        return
    listed = [f"{d.element}: {d.reason}" for d in deps]
    unknown = not facts.flows.chaos_described
    yield Finding(
        rule="OPS007",
        elements=(model.system.name,),
        message=f"{'unknown: ' if unknown else ''}{len(deps)} part(s) of the design rely on bounded clock skew "
        f"({'; '.join(listed[:4])}{'; ...' if len(listed) > 4 else ''})"
        + (
            ", and the model does not list its chaos experiments: is clock skew ever injected?"
            if unknown
            else " but no chaos experiment skews a clock"
        ),
        fix="add a clock-skew experiment (libfaketime, chrony offset, Jepsen's clock nemesis) on the lease holders "
        "and LWW writers",
        where=("readiness", "chaos"),
        evidence={"clock_dependencies": listed},
        severity=lower("medium") if unknown else None,
        unknown=unknown,
    )
