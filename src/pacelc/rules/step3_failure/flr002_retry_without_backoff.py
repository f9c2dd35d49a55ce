"""FLR002 retry-without-backoff."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR002", "retry-without-backoff", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A call retries immediately, with no wait between attempts.

    What it does:
        Flags every call whose effective retry policy (its own, or inherited from `defaults.call`)
        makes more than one attempt with `backoff: {kind: none}`. A single immediate retry is
        reported one level lower than three or more. A policy that does not state its backoff is
        reported as unknown: an omitted backoff is not assumed to be none.

    Why it matters:
        A callee that fails because it is overloaded gets the same requests again at once, from
        every caller, multiplied by the attempts: the retries keep it overloaded and turn a short
        blip into an outage (a retry storm). Backoff gives it time to recover.

    Example:
        services:
          - id: api
            calls: [{to: audit, timeout: {read_ms: 200}, retry: {attempts: 5}}]
          - {id: audit}

    Fix:
        services:
          - id: api
            calls:
              - to: audit
                timeout: {read_ms: 200}
                retry: {attempts: 3, backoff: {kind: exponential, base_ms: 50, max_ms: 1000}, jitter: full}
          - {id: audit}

    How it is computed:
        `graph.effective_call` for every call (sync or async): `retry.attempts` > 1 and
        `backoff.kind: none`; with no `retry.backoff` (or no `kind`) the finding is unknown and a level
        lower: it asks. Severity is lowered one level for `attempts: 2`.

    False positives:
        A retry that goes to a different replica after a connection error is cheap; a retry budget
        (`budget_percent`) bounds the extra load but does not spread it out in time. Prefer a short
        backoff anyway (a few milliseconds with jitter).

    References:
        AWS Builders' Library, "Timeouts, retries, and backoff with jitter". Google SRE Book,
        chapter 22, "Addressing Cascading Failures" (retries).
    """
    for svc in sorted(model.services, key=lambda s: s.id):
        for call in svc.calls:
            eff = facts.graph.effective_call(call)
            retry = eff.retry
            if retry is None or retry.attempts < 2:
                continue
            if retry.backoff is not None and retry.backoff.kind not in ("none", None):
                continue
            name = call_name(call)
            unknown = retry.backoff is None or retry.backoff.kind is None
            budget = f" (retry budget {retry.budget_percent:g} %)" if retry.budget_percent else ""
            yield Finding(
                rule="FLR002",
                elements=(svc.id, name),
                message=(
                    f"unknown: call {svc.id} → {call.to} makes {retry.attempts} attempts{budget}, and the model does "
                    "not say whether it waits between them"
                    if unknown
                    else f"call {svc.id} → {call.to} makes {retry.attempts} attempts with no wait between them{budget}"
                    ": a struggling callee gets every request again at once"
                ),
                fix=(
                    "add exponential backoff with jitter "
                    "(`backoff: {kind: exponential, base_ms, max_ms}`, `jitter: full`)"
                ),
                where=("services", svc.id, "calls", name, "retry", "backoff"),
                evidence={
                    "attempts": retry.attempts,
                    "retry_on": list(retry.retry_on),
                    "budget_percent": retry.budget_percent,
                    "mode": call.mode,
                },
                severity=lower("medium") if retry.attempts == 2 or unknown else None,
                unknown=unknown,
            )
