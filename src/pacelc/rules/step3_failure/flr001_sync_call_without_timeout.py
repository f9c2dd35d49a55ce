"""FLR001 sync-call-without-timeout."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR001", "sync-call-without-timeout", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A synchronous call has no timeout, its own or inherited.

    What it does:
        Flags every synchronous call for which neither the call nor the model's call defaults
        (client library or mesh) give a per-attempt or total timeout. When the call sets no timeout
        and the defaults are silent too, the finding says the timeout is unknown, at a lower severity.

    Why it matters:
        A call without a timeout waits as long as the callee hangs: threads, connections and the
        caller's own deadline are used up, and one slow dependency takes its callers down with it.

    Example:
        services:
          - id: api
            calls: [{to: db, mode: sync, timeout: {}}]
        stores: [{id: db, kind: database}]

    Fix:
        services:
          - id: api
            calls: [{to: db, mode: sync, timeout: {connect_ms: 100, read_ms: 500}}]
        stores: [{id: db, kind: database}]

    How it is computed:
        For each sync call, the call's timeout with `defaults.call` inherited: no `read_ms` and no
        `total_ms` means no bound. A call with an explicit `timeout:` block that bounds nothing is a
        flaw; a call with no `timeout:` at all and no default is reported as unknown.

    False positives:
        Calls whose client library has a built-in default the model does not mention: state it in
        `defaults.call.timeout`.

    References:
        Nygard, "Release It!", 2nd ed., chapter 5 (Timeouts). AWS Builders' Library, "Timeouts, retries and
        backoff with jitter".
    """
    for svc in model.services:
        for call in svc.calls:
            if call.mode != "sync":
                continue
            effective = facts.graph.effective_call(call)
            t = effective.timeout
            if t is not None and (t.read_ms is not None or t.total_ms is not None):
                continue
            name = call_name(call)
            unknown = t is None
            yield Finding(
                rule="FLR001",
                elements=(svc.id, name),
                message=(
                    f"sync call {svc.id} → {call.to}: the model gives no timeout (own or inherited)"
                    if unknown
                    else f"sync call {svc.id} → {call.to} has no read or total timeout"
                ),
                fix="set `timeout: {connect_ms, read_ms, total_ms}` on the call or in `defaults.call`",
                where=("services", svc.id, "calls", name),
                severity=lower("high") if unknown else None,
                unknown=unknown,
            )
