"""TXN009 lock-without-fencing-or-lease."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("TXN009", "lock-without-fencing-or-lease", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A distributed lock has neither fencing tokens nor a lease the holder stays within.

    What it does:
        Flags every `coordination` need of kind lock with neither fencing tokens nor a lease, and locks
        whose holder works longer than its lease without renewing (`hold_ms` > `lease_ms`) and has no
        fencing tokens. A lock that states neither is reported as unknown.

    Why it matters:
        A lock without a lease is held forever by a crashed holder; a lock with a lease can expire while
        its holder is paused (GC, VM migration, slow disk) and still believes it holds it. Then two
        holders act at once: two runners execute the same migration, two writers corrupt one file.
        Fencing tokens (a number that grows with each grant and that the resource checks) stop the
        stale holder; a lease the holder renews well within its length shrinks the window.

    Example:
        services:
          - id: runner
            coordination: [{kind: lock, via: lock-store, fencing_tokens: false}]
        stores: [{id: lock-store, kind: coordination}]

    Fix:
        services:
          - id: runner
            coordination: [{kind: lock, via: lock-store, fencing_tokens: true, lease_ms: 30000}]
        stores: [{id: lock-store, kind: coordination}]

    How it is computed:
        For each `services[].coordination` entry of kind lock: `fencing_tokens: true` passes; a
        `lease_ms` passes unless `hold_ms` exceeds it; otherwise it fires, as unknown when both
        `fencing_tokens` and `lease_ms` are absent. Whether the lock service itself is consensus-backed
        is judged by the step-2 rules.

    False positives:
        Locks that only reduce duplicate work (efficiency, not correctness) tolerate a double holder:
        record that in `justification` and the risk register. A lease alone passes this rule but is
        unsafe under process pauses when correctness depends on the lock: prefer fencing tokens.

    References:
        Kleppmann, "How to do distributed locking" (2016). Burrows, "The Chubby lock service" (OSDI 2006),
        section 2.4 (sequencers). Gray and Cheriton, "Leases" (SOSP 1989).
    """
    for svc in model.services:
        for index, need in enumerate(svc.coordination):
            if need.kind != "lock" or need.fencing_tokens is True:
                continue
            if need.lease_ms is not None and (need.hold_ms is None or need.hold_ms <= need.lease_ms):
                continue
            unknown = need.fencing_tokens is None and need.lease_ms is None
            if need.lease_ms is not None:
                message = (
                    f"'{svc.id}' holds its lock on {need.via or 'an unnamed store'} for {need.hold_ms:g} ms between "
                    f"renewals but the lease lasts {need.lease_ms:g} ms, and there are no fencing tokens: the lock "
                    "expires while the holder still acts"
                )
            elif unknown:
                message = (
                    f"unknown: the model does not say whether the lock '{svc.id}' takes on "
                    f"{need.via or 'an unnamed store'} has fencing tokens or a lease"
                )
            else:
                message = (
                    f"'{svc.id}' takes a lock on {need.via or 'an unnamed store'} with no fencing tokens and no lease: "
                    "a crashed holder keeps it forever, a paused one acts after losing it"
                )
            yield Finding(
                rule="TXN009",
                elements=(svc.id, need.via or f"lock-{index}"),
                message=message,
                fix="issue fencing tokens checked by the protected resource, and a lease renewed well within "
                "its length",
                where=("services", svc.id, "coordination", index, "fencing_tokens"),
                evidence={"fencing_tokens": need.fencing_tokens, "lease_ms": need.lease_ms, "hold_ms": need.hold_ms},
                severity=lower("high") if unknown else None,
                unknown=unknown,
            )
