"""FLR017 outlier-ejection-can-eject-every-host."""

from __future__ import annotations

import math
from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.graph import call_name
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR017", "outlier-ejection-can-eject-every-host", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Outlier detection may eject every host of a service at once.

    What it does:
        For every call with outlier ejection (its own or inherited from the mesh defaults), compares
        how many of the callee's replicas `max_ejection_percent` lets the caller eject with how many the
        callee has. Fires when all of them can be ejected together.

    Why it matters:
        Outlier ejection removes a misbehaving host so the others take its traffic. When the whole
        service degrades at once (a bad deploy, an overloaded database behind it), ejecting every host
        turns a partial failure into a total one, and recovery waits for the ejection time to pass.
        Meshes cap it for that reason (Envoy defaults to 10 %).

    Example:
        services:
          - id: api
            calls:
              - to: pricing
                timeout: {read_ms: 300}
                outlier_ejection: {consecutive_errors: 5, max_ejection_percent: 100}
          - {id: pricing, replicas: 3}

    Fix:
        services:
          - id: api
            calls:
              - to: pricing
                timeout: {read_ms: 300}
                outlier_ejection: {consecutive_errors: 5, max_ejection_percent: 34}
          - {id: pricing, replicas: 3}

    How it is computed:
        Hosts ejectable = ⌈replicas × max_ejection_percent / 100⌉ (Envoy rounds up and always allows
        one); fires when that reaches the callee's replica count. Calls to stores and topics, and
        calls without `max_ejection_percent`, are left alone.

    False positives:
        Panic-mode load balancing (Envoy's healthy panic threshold) sends traffic to ejected hosts when
        too many are out; if you rely on it, record it in the risk register.

    References:
        Envoy documentation, outlier detection (max_ejection_percent) and panic threshold.
    """
    for svc in sorted(model.services, key=lambda s: s.id):
        for call in svc.calls:
            target = facts.graph.services.get(call.to)
            if target is None or target.external:
                continue
            oe = facts.graph.effective_call(call).outlier_ejection
            if oe is None or oe.max_ejection_percent is None:
                continue
            ejectable = max(1, math.ceil(target.replicas * oe.max_ejection_percent / 100))
            if ejectable < target.replicas:
                continue
            name = call_name(call)
            yield Finding(
                rule="FLR017",
                elements=(svc.id, name),
                message=(
                    f"outlier ejection on {svc.id} → {call.to} may eject {ejectable} of its {target.replicas} "
                    f"replica(s) (max_ejection_percent {oe.max_ejection_percent:g}): a service-wide slowdown "
                    "ejects every host"
                ),
                fix=f"cap `max_ejection_percent` below {100 * (target.replicas - 1) / target.replicas:.0f} % "
                "or add replicas",
                where=("services", svc.id, "calls", name, "outlier_ejection"),
                evidence={
                    "replicas": target.replicas,
                    "ejectable": ejectable,
                    "max_ejection_percent": oe.max_ejection_percent,
                },
            )
