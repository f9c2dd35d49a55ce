"""OPS001 async-trace-context-dropped."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("OPS001", "async-trace-context-dropped", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Trace context does not cross an asynchronous link (producer or consumer).

    What it does:
        Flags every producer that does not put trace context in message headers and every consumer that
        does not read it (`trace_propagation: false`). When a producer or consumer does not say and
        tracing is not propagated by default, it is reported as unknown. Systems with no tracing at all
        are reported once by OPS002.

    Why it matters:
        The hardest incidents cross a queue: a request succeeded, the event was published, and what
        happened next is invisible. With the trace broken at the topic, the consumer's work starts a new
        trace; nobody can follow one order from click to e-mail, or find which upstream request a
        poison message came from.

    Example:
        readiness: {tracing: {standard: w3c, propagated_by_default: true}}
        services: [{id: orders}, {id: notifier}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: order-events
            broker: kafka
            producers: [{service: orders, trace_propagation: true}]
            consumers: [{service: notifier, trace_propagation: false}]

    Fix:
        readiness: {tracing: {standard: w3c, propagated_by_default: true}}
        services: [{id: orders}, {id: notifier}]
        stores: [{id: kafka, kind: log}]
        topics:
          - id: order-events
            broker: kafka
            producers: [{service: orders, trace_propagation: true}]
            consumers: [{service: notifier, trace_propagation: true}]

    How it is computed:
        Producers and consumers of every topic: `trace_propagation: false` fires; absent passes when
        `readiness.tracing.propagated_by_default` is true, is unknown when tracing is configured
        otherwise, and is left to OPS002 when there is no tracing. A service that both produces and
        consumes a topic gets one finding.

    False positives:
        Links through a broker that strips headers (old Kafka, some SQS integrations) cannot carry the
        context: carry the trace id in the payload and declare `trace_propagation: true`.

    References:
        W3C Trace Context. OpenTelemetry, "Semantic conventions for messaging spans" (span links).
    """
    tracing = model.readiness.tracing
    traced = tracing is not None and tracing.standard not in (None, "none")
    default = bool(tracing and tracing.propagated_by_default)
    for topic in model.topics:
        links: dict[str, list[tuple[str, bool | None]]] = {}
        for p in topic.producers:
            links.setdefault(p.service, []).append(("producer", p.trace_propagation))
        for c in topic.consumers:
            links.setdefault(c.service, []).append(("consumer", c.trace_propagation))
        for service, roles in sorted(links.items()):
            dropped = [role for role, flag in roles if flag is False]
            silent = [role for role, flag in roles if flag is None and traced and not default]
            if not dropped and not silent:
                continue
            unknown = not dropped
            role = (dropped or silent)[0]
            yield Finding(
                rule="OPS001",
                elements=(topic.id, service),
                message=(
                    f"unknown: the model does not say whether {service} ({' and '.join(silent)} of '{topic.id}') "
                    "carries trace context, and tracing is not propagated by default"
                    if unknown
                    else f"{service} ({' and '.join(dropped)} of '{topic.id}') drops trace context: the work behind "
                    "the topic starts a new, unconnected trace"
                ),
                fix="inject trace context into message headers when producing and extract it (as a parent or a "
                "span link) when consuming",
                where=("topics", topic.id, f"{role}s", service, "trace_propagation"),
                evidence={"dropped": dropped, "silent": silent, "propagated_by_default": default},
                severity=lower("medium") if unknown else None,
                unknown=unknown,
            )
