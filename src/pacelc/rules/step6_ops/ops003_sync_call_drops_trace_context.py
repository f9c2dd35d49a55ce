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
        `trace_propagation` (own or inherited from `defaults.call`) is false. A call that does not say,
        when tracing is not propagated by default, is reported as unknown. Calls to external services
        and to stores are not judged; systems without tracing are OPS002's.

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
    for svc in model.services:
        for call in svc.calls:
            target = g.services.get(call.to)
            if call.mode != "sync" or target is None or target.external:
                continue
            flag = g.effective_call(call).trace_propagation
            if flag is True or (flag is None and default):
                continue
            unknown = flag is None
            name = call_name(call)
            yield Finding(
                rule="OPS003",
                elements=(svc.id, name),
                message=(
                    f"unknown: the model does not say whether sync call {svc.id} → {call.to} propagates trace "
                    "context, and tracing is not propagated by default"
                    if unknown
                    else f"sync call {svc.id} → {call.to} drops trace context: {call.to}'s work appears as separate "
                    "traces"
                ),
                fix="propagate the trace context on this call (`trace_propagation: true`, or in `defaults.call`)",
                where=("services", svc.id, "calls", name, "trace_propagation"),
                evidence={"trace_propagation": flag, "propagated_by_default": tracing.propagated_by_default},
                severity=lower("medium") if unknown else None,
                unknown=unknown,
            )
