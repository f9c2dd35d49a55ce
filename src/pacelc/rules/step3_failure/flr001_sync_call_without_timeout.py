"""FLR001 sync-call-without-timeout."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name, response_timeout_stated
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("FLR001", "sync-call-without-timeout", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A synchronous call has no timeout, its own or inherited.

    What it does:
        Flags every synchronous call for which neither the call nor the model's call defaults
        (client library or mesh) give a per-attempt or total timeout. When the call sets no timeout
        and the defaults are silent too, the finding says the timeout is unknown, at a lower severity.
        When three or more calls, over half of the sync calls, lack a response timeout, that is one
        cause (client defaults the sources never state, as imported compose files and manifests do
        not, or a habit): said once for the system with the calls listed, unknown when none of them
        states a timeout block.

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
        `total_ms` means no bound, unless `timeout.disabled` says there is none on purpose (a stream,
        a long poll), which is a stated design, not a flaw. A call with an explicit `timeout:` block
        that bounds nothing is a flaw; a call with no `timeout:` at all and no default is reported as
        unknown.

    False positives:
        Calls whose client library has a built-in default the model does not mention: state it in
        `defaults.call.timeout`.

    References:
        Nygard, "Release It!", 2nd ed., chapter 5 (Timeouts). AWS Builders' Library, "Timeouts, retries and
        backoff with jitter".
    """
    judged = 0
    missing: list[tuple[str, str, str, bool]] = []  # caller, call name, target, unknown
    for svc in model.services:
        for call in svc.calls:
            if call.mode != "sync":
                continue
            judged += 1
            t = facts.graph.effective_call(call).timeout
            if response_timeout_stated(t):
                continue  # bounded, or unbounded on purpose (a stream): stated either way
            missing.append((svc.id, call_name(call), call.to, t is None))
    if len(missing) >= 3 and len(missing) * 2 > judged:
        # Most calls lack a response timeout: one cause (client defaults the sources never state, or a
        # habit), asked or said once for the system with the calls listed, instead of once per call.
        first = missing[0]
        unknown_all = all(unknown for *_, unknown in missing)
        stated = [f"{c} → {t}" for c, _, t, unknown in missing if not unknown]
        silent = [f"{c} → {t}" for c, _, t, unknown in missing if unknown]
        parts = []
        if stated:
            parts.append(f"{len(stated)} set a timeout block that bounds no response ({', '.join(stated)})")
        if silent:
            parts.append(f"{len(silent)} give none the model knows of ({', '.join(silent)})")
        yield Finding(
            rule="FLR001",
            elements=(model.system.name,),
            message=(
                f"{'unknown: ' if unknown_all else ''}{len(missing)} of the {judged} sync calls have no response "
                f"timeout (own or inherited): {'; '.join(parts)}"
            ),
            fix="set `timeout: {connect_ms, read_ms, total_ms}` in `defaults.call` (and on the calls that differ), "
            "from the clients' code or configuration",
            where=("services", first[0], "calls", first[1]),
            evidence={
                "calls": [f"{c}.{n}" for c, n, _, _ in missing],
                "sync_calls": judged,
                "stated_without_bound": stated,
                "not_given": silent,
            },
            severity=lower("high") if unknown_all else None,
            unknown=unknown_all,
        )
        return
    for caller, name, target, unknown in missing:
        yield Finding(
            rule="FLR001",
            elements=(caller, name),
            message=(
                f"sync call {caller} → {target}: the model gives no timeout (own or inherited)"
                if unknown
                else f"sync call {caller} → {target} has no read or total timeout"
            ),
            fix="set `timeout: {connect_ms, read_ms, total_ms}` on the call or in `defaults.call`",
            where=("services", caller, "calls", name),
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
