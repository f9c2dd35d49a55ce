"""FLR009 lease-without-fencing-token."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR009", "lease-without-fencing-token", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A lock or leadership is held without fencing tokens, so an expired holder can still act.

    What it does:
        Flags every `coordination` need of kind lock or leader_election with
        `fencing_tokens: false`; reports as unknown the ones that do not say.

    Why it matters:
        A lease expires on the lock service's clock, not the holder's: a holder paused by GC, a
        VM migration or a slow disk wakes up believing it still holds the lock while another
        holder has been granted it. Only a monotonically increasing token, checked by the
        resource being protected, rejects the stale holder's writes.

    Example:
        services:
          - id: runner
            coordination: [{kind: lock, via: etcd, fencing_tokens: false, lease_ms: 30000}]
        stores:
          - {id: etcd, kind: coordination, replicas: 3, replication: {topology: consensus}}

    Fix:
        services:
          - id: runner
            coordination: [{kind: lock, via: etcd, fencing_tokens: true, lease_ms: 30000}]
        stores:
          - {id: etcd, kind: coordination, replicas: 3, replication: {topology: consensus}}

    How it is computed:
        `services[].coordination[]` of kind lock or leader_election: `fencing_tokens` false fires,
        absent fires as unknown. Config and membership needs are not judged.

    False positives:
        A lock that only avoids duplicate work whose effects are idempotent: accept it in the risk
        register with that reason.

    References:
        Kleppmann, "How to do distributed locking" (2016). Burrows, "The Chubby lock service for
        loosely-coupled distributed systems" (OSDI 2006), section 2.4 (sequencers).
    """
    for svc in sorted(model.services, key=lambda s: s.id):
        for i, need in enumerate(svc.coordination):
            if need.kind not in ("lock", "leader_election") or need.fencing_tokens is True:
                continue
            unknown = need.fencing_tokens is None
            label = need.kind.replace("_", " ")
            lease = f" (lease {need.lease_ms:g} ms)" if need.lease_ms else ""
            via = f" via '{need.via}'" if need.via else ""
            yield Finding(
                rule="FLR009",
                elements=(svc.id, need.kind),
                message=(
                    f"unknown: the model does not say whether the {label} of '{svc.id}'{via} uses fencing tokens"
                    if unknown
                    else f"the {label} of '{svc.id}'{via}{lease} has no fencing tokens: a paused holder whose lease "
                    "expired keeps acting next to the new holder"
                ),
                fix=(
                    "pass a monotonically increasing token (lock revision, epoch) with every write and have the "
                    "protected resource reject older tokens (`fencing_tokens: true`)"
                ),
                where=("services", svc.id, "coordination", i, "fencing_tokens"),
                evidence={"kind": need.kind, "via": need.via, "lease_ms": need.lease_ms},
                severity=lower("high") if unknown else None,
                unknown=unknown,
            )
