"""OPS002 tracing-not-configured."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("OPS002", "tracing-not-configured", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A system with calls between services has no distributed tracing.

    What it does:
        Flags a model whose services call each other (synchronously or through topics) when
        `readiness.tracing` sets `standard: none`, and reports as unknown a model that says nothing
        about tracing, unless every such call explicitly propagates trace context. Calls and links that
        explicitly propagate are not counted.

    Why it matters:
        Without trace context crossing service boundaries, latency budgets and failure chains cannot be
        seen end to end: an operation that times out shows up as N unrelated errors in N services, and
        the question "which dependency made place-order slow" has no answer during an incident.

    Example:
        readiness: {tracing: {standard: none}}
        services:
          - id: api
            calls: [{to: orders, timeout: {read_ms: 500}}]
          - {id: orders}

    Fix:
        readiness: {tracing: {standard: w3c, propagated_by_default: true}}
        services:
          - id: api
            calls: [{to: orders, timeout: {read_ms: 500}}]
          - {id: orders}

    How it is computed:
        Counts sync calls between internal services whose effective `trace_propagation` (with
        `defaults.call`) is not true, plus topic producers and consumers that do not propagate. With at
        least one and no tracing standard, one finding for the whole system.

    False positives:
        Systems traced by a mesh or eBPF agent that the model does not mention: declare
        `readiness.tracing`.

    References:
        Sigelman et al., "Dapper, a Large-Scale Distributed Systems Tracing Infrastructure" (Google, 2010).
        W3C Trace Context.
    """
    tracing = model.readiness.tracing
    if tracing is not None and tracing.standard not in (None, "none"):
        return
    g = facts.graph
    calls = [
        f"{svc.id}.{call.id or call.to}"
        for svc in model.services
        for call in svc.calls
        if call.mode == "sync"
        and call.to in g.services
        and not g.services[call.to].external
        and g.effective_call(call).trace_propagation is not True
    ]
    links = [
        f"{t.id}:{x.service}"
        for t in model.topics
        for x in (*t.producers, *t.consumers)
        if x.trace_propagation is not True
    ]
    if not calls and not links:
        return
    unknown = tracing is None or tracing.standard is None
    yield Finding(
        rule="OPS002",
        elements=(model.system.name,),
        message=(
            f"{'unknown: the model does not describe tracing' if unknown else 'tracing is off (standard none)'}"
            f" and {len(calls)} sync call(s) between services and {len(links)} topic link(s) do not propagate "
            "trace context: no request can be followed across services"
        ),
        fix="adopt W3C trace context (OpenTelemetry) propagated by default, and state it in `readiness.tracing`",
        where=("readiness", "tracing") if tracing is not None else ("readiness",),
        evidence={"calls": sorted(calls), "topic_links": sorted(links)},
        severity=lower("medium") if unknown else None,
        unknown=unknown,
    )
