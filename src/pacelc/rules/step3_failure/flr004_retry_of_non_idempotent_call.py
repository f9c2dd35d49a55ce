"""FLR004 retry-of-non-idempotent-call."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule

# Failures that mean the request never reached the callee: retrying them cannot duplicate an effect.
NOT_DELIVERED = frozenset({"connect_error", "connect_timeout", "connection_refused", "dns_error"})


@rule("FLR004", "retry-of-non-idempotent-call", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A call that changes state is retried without being idempotent.

    What it does:
        Flags every write or read-write call retried more than once (effective retry policy)
        whose `idempotency` is `none`; reports as unknown the ones whose idempotency the model
        does not state.

    Why it matters:
        A timeout does not say whether the callee did the work. Retrying a non-idempotent write
        after a timeout repeats it: a second charge, a duplicate shipment, a like counted twice.
        It happens precisely when the system is slow, so tests rarely see it.

    Example:
        services:
          - id: shipping
            calls:
              - {to: carrier, operation: write, idempotency: none, timeout: {read_ms: 4000}, retry: {attempts: 3}}
          - {id: carrier}

    Fix:
        services:
          - id: shipping
            calls:
              - {to: carrier, operation: write, idempotency: key, timeout: {read_ms: 4000}, retry: {attempts: 3}}
          - {id: carrier}

    How it is computed:
        `graph.effective_call` for every call with `operation` write or read_write and
        `retry.attempts` > 1. Accepted mitigations: `idempotency` key, natural or dedup_table;
        retries limited to failures where the request never left (`retry_on` only connect
        errors); for a call to a topic, an idempotent producer (`topics[].producers[].idempotent`).

    False positives:
        A callee that deduplicates by a field the model does not mention: state
        `idempotency: dedup_table` or `key` on the call.

    References:
        AWS Builders' Library, "Making retries safe with idempotent APIs". Stripe, "Designing robust
        and predictable APIs with idempotency" (2017).
    """
    for svc in sorted(model.services, key=lambda s: s.id):
        for call in svc.calls:
            eff = facts.graph.effective_call(call)
            retry = eff.retry
            if retry is None or retry.attempts < 2 or eff.operation not in ("write", "read_write"):
                continue
            if eff.idempotency in ("key", "natural", "dedup_table"):
                continue
            if retry.retry_on and set(retry.retry_on) <= NOT_DELIVERED:
                continue
            topic = facts.graph.topics.get(call.to)
            if topic is not None and any(p.service == svc.id and p.idempotent for p in topic.producers):
                continue
            name = call_name(call)
            unknown = eff.idempotency is None
            on = f" on {', '.join(retry.retry_on)}" if retry.retry_on else ""
            yield Finding(
                rule="FLR004",
                elements=(svc.id, name),
                message=(
                    f"{'unknown: ' if unknown else ''}{eff.operation.replace('_', '-')} call {svc.id} → {call.to} "
                    f"is tried up to {retry.attempts} times{on}, and "
                    + (
                        "the model does not say it is idempotent"
                        if unknown
                        else "it is not idempotent: a retry after a timeout repeats the effect"
                    )
                ),
                fix=(
                    "send an idempotency key the callee deduplicates on (`idempotency: key`), use a dedup table, "
                    "or retry only connection errors"
                ),
                where=("services", svc.id, "calls", name, "idempotency"),
                evidence={
                    "operation": eff.operation,
                    "attempts": retry.attempts,
                    "retry_on": list(retry.retry_on),
                    "idempotency": eff.idempotency,
                },
                severity=lower("high") if unknown else None,
                unknown=unknown,
            )
