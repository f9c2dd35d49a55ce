"""FLR003 retry-without-jitter."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR003", "retry-without-jitter", "low")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A call backs off between retries, but without jitter.

    What it does:
        Flags every call whose effective retry policy makes more than one attempt with a fixed or
        exponential backoff and `jitter: none`; with no `jitter` stated, the finding is unknown (it
        asks). (Retries with no backoff, or none stated, are FLR002's.)

    Why it matters:
        Clients that failed together (a callee restart, a network blip) retry together: without
        randomisation their retries arrive in synchronised waves at the same offsets, and each wave
        can knock the recovering callee over again.

    Example:
        services:
          - id: api
            calls:
              - to: payments
                timeout: {read_ms: 500}
                retry: {attempts: 3, backoff: {kind: exponential, base_ms: 100}, jitter: none}
          - {id: payments}

    Fix:
        services:
          - id: api
            calls:
              - to: payments
                timeout: {read_ms: 500}
                retry: {attempts: 3, backoff: {kind: exponential, base_ms: 100}, jitter: full}
          - {id: payments}

    How it is computed:
        `graph.effective_call` for every call: `retry.attempts` > 1, `backoff.kind` fixed or
        exponential, and `jitter: none` (absent: unknown). Any jitter (full, equal, decorrelated) is
        accepted.

    False positives:
        A single caller instance (a batch job) has nobody to synchronise with: accept it in the
        risk register.

    References:
        Brooker, "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015). AWS Builders'
        Library, "Timeouts, retries, and backoff with jitter".
    """
    for svc in sorted(model.services, key=lambda s: s.id):
        for call in svc.calls:
            retry = facts.graph.effective_call(call).retry
            if retry is None or retry.attempts < 2 or retry.backoff is None or retry.backoff.kind in (None, "none"):
                continue  # no backoff, or none stated: FLR002's
            if retry.jitter not in ("none", None):
                continue
            name = call_name(call)
            b = retry.backoff
            unknown = retry.jitter is None
            shape = f"{'an' if b.kind == 'exponential' else 'a'} {b.kind} backoff" + (
                f" from {b.base_ms:g} ms" if b.base_ms is not None else ""
            )
            yield Finding(
                rule="FLR003",
                elements=(svc.id, name),
                message=(
                    f"unknown: call {svc.id} → {call.to} makes {retry.attempts} attempts with {shape}, and the model "
                    "does not say whether the waits are jittered"
                    if unknown
                    else f"call {svc.id} → {call.to} makes {retry.attempts} attempts with {shape} and no jitter: "
                    "callers that failed together retry together"
                ),
                fix="add jitter to the backoff (`jitter: full`, or `equal` / `decorrelated`), or state it",
                where=("services", svc.id, "calls", name, "retry", "jitter"),
                evidence={"attempts": retry.attempts, "backoff": b.kind, "base_ms": b.base_ms, "max_ms": b.max_ms},
                unknown=unknown,
            )
