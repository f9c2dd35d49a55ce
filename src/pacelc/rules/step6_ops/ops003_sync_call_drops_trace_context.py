"""OPS003 sync-call-drops-trace-context."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("OPS003", "sync-call-drops-trace-context", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A synchronous call between internal services drops the trace context.

    What it does:
        In a traced system, flags every sync call to an internal service whose effective
        `trace_propagation` (own or inherited from `defaults.call`) is false, or that does not say
        while tracing is stated opt-in (`propagated_by_default: false`). Calls that do not say when
        the model does not say whether tracing propagates by default are one question, asked once
        for the system with the calls listed. Calls to external services and to stores are not
        judged; systems without tracing are OPS002's.

    Why it matters:
        One call that drops the context cuts every trace in two at that point: the callee's spans and
        everything below them become orphan traces. Tail latency and errors on the far side stop being
        attributable to the operation that suffered them.

    Example:
        readiness: {tracing: {standard: b3, propagated_by_default: false}}
        services:
          - id: doc-sync
            calls: [{to: entitlements, trace_propagation: false, timeout: {read_ms: 200}}]
          - {id: entitlements}

    Fix:
        readiness: {tracing: {standard: b3, propagated_by_default: false}}
        services:
          - id: doc-sync
            calls: [{to: entitlements, trace_propagation: true, timeout: {read_ms: 200}}]
          - {id: entitlements}

    How it is computed:
        Sync calls whose target is a service with `external: false`, with `defaults.call` inherited:
        false fires; absent is unknown unless `readiness.tracing.propagated_by_default` is true.

    False positives:
        Calls through a proxy that re-creates the context from its own span: declare
        `trace_propagation: true` on them.

    References:
        W3C Trace Context. OpenTelemetry, "Context propagation".
    """
    tracing = model.readiness.tracing
    if tracing is None or tracing.standard in (None, "none"):
        return
    default = tracing.propagated_by_default is True
    g = facts.graph
    dropped: list[tuple[str, str, str]] = []  # caller, call name, target: stated false
    silent: list[tuple[str, str, str]] = []  # neither the call nor a default says
    for svc in model.services:
        for call in svc.calls:
            target = g.services.get(call.to)
            if call.mode != "sync" or target is None or target.external:
                continue
            flag = g.effective_call(call).trace_propagation
            if flag is True or (flag is None and default):
                continue
            # Silent while tracing is stated opt-in (`propagated_by_default: false`): it drops, a fact.
            stated_off = flag is False or tracing.propagated_by_default is False
            (dropped if stated_off else silent).append((svc.id, call_name(call), call.to))
    for caller, name, target in dropped:
        yield Finding(
            rule="OPS003",
            elements=(caller, name),
            message=f"sync call {caller} → {target} drops trace context: {target}'s work appears as separate traces",
            fix="propagate the trace context on this call (`trace_propagation: true`, or in `defaults.call`)",
            where=("services", caller, "calls", name, "trace_propagation"),
            evidence={"propagated_by_default": tracing.propagated_by_default},
        )
    if silent:
        # One question: whether the tracing library propagates by default, which the model leaves open.
        listed = ", ".join(f"{c} → {t}" for c, _, t in silent)
        yield Finding(
            rule="OPS003",
            elements=(model.system.name,),
            message=(
                f"unknown: tracing is declared ({tracing.standard}), but neither "
                "`readiness.tracing.propagated_by_default` nor the "
                f"calls say whether {len(silent)} sync call(s) carry trace context: {listed}"
            ),
            fix="state `readiness.tracing.propagated_by_default` (true when the client libraries are instrumented), "
            "or `trace_propagation` on the calls that differ",
            where=("readiness", "tracing"),
            evidence={"calls": [f"{c}.{n}" for c, n, _ in silent], "propagated_by_default": None},
            severity=lower("medium"),
            unknown=True,
        )
