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
        does not read it (`trace_propagation: false`), or that does not say while tracing is stated
        opt-in (`propagated_by_default: false`). Links that do not say when the model does not say
        whether tracing propagates by default are one question, asked once for the system with the
        links listed. Systems with no tracing at all are reported once by OPS002.

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
    stated_off = traced and tracing is not None and tracing.propagated_by_default is False
    not_said = traced and tracing is not None and tracing.propagated_by_default is None
    asked: list[str] = []  # links that say nothing while the model does not say what the default is
    for topic in model.topics:
        links: dict[str, list[tuple[str, bool | None]]] = {}
        for p in topic.producers:
            links.setdefault(p.service, []).append(("producer", p.trace_propagation))
        for c in topic.consumers:
            links.setdefault(c.service, []).append(("consumer", c.trace_propagation))
        for service, roles in sorted(links.items()):
            # Silent under tracing stated opt-in (`propagated_by_default: false`): it drops, a fact.
            dropped = [role for role, flag in roles if flag is False or (flag is None and stated_off)]
            if not dropped:
                if not_said and any(flag is None for _, flag in roles):
                    asked.append(f"{service} ({' and '.join(r for r, f in roles if f is None)} of '{topic.id}')")
                continue
            yield Finding(
                rule="OPS001",
                elements=(topic.id, service),
                message=(
                    f"{service} ({' and '.join(dropped)} of '{topic.id}') drops trace context: the work behind "
                    "the topic starts a new, unconnected trace"
                ),
                fix="inject trace context into message headers when producing and extract it (as a parent or a "
                "span link) when consuming",
                where=("topics", topic.id, f"{dropped[0]}s", service, "trace_propagation"),
                evidence={
                    "dropped": dropped,
                    "propagated_by_default": tracing.propagated_by_default if tracing else None,
                },
            )
    if asked:
        # One question: whether the tracing library carries context through the broker by default.
        assert tracing is not None
        yield Finding(
            rule="OPS001",
            elements=(model.system.name,),
            message=(
                f"unknown: tracing is declared ({tracing.standard}), but neither "
                "`readiness.tracing.propagated_by_default` nor the "
                f"links say whether {len(asked)} producer or consumer link(s) carry trace context: {', '.join(asked)}"
            ),
            fix="state `readiness.tracing.propagated_by_default` (true when the messaging clients are instrumented), "
            "or `trace_propagation` on the producers and consumers that differ",
            where=("readiness", "tracing"),
            evidence={"links": asked, "propagated_by_default": None},
            severity=lower("medium"),
            unknown=True,
        )
