"""OPS005 no-partition-chaos-test."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("OPS005", "no-partition-chaos-test", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A system spread over several zones or regions never tests a network partition.

    What it does:
        Flags a model whose services and stores run in two or more zones when no chaos experiment
        injects a network partition. When the model does not list its chaos experiments at all (no
        `readiness.chaos`, as in an import), the finding is unknown, a level lower: it asks.

    Why it matters:
        Partition behaviour is where designs and implementations part ways: a store declared CP that
        keeps accepting writes on the minority side, a failover that promotes while the old leader still
        serves, a client that retries into the cut. Crashes are tested by every deploy; partitions only
        by the network, on its own schedule, unless the team tests them.

    Example:
        regions: [{id: eu, zones: [{id: eu-a}, {id: eu-b}]}]
        services: [{id: api, replicas: 2, placement: {zones: [eu-a, eu-b]}}]
        readiness:
          chaos: [{id: kill-pods, kind: node_failure, targets: [api]}]

    Fix:
        regions: [{id: eu, zones: [{id: eu-a}, {id: eu-b}]}]
        services: [{id: api, replicas: 2, placement: {zones: [eu-a, eu-b]}}]
        readiness:
          chaos:
            - {id: kill-pods, kind: node_failure, targets: [api]}
            - {id: cut-eu-a, kind: partition, targets: [eu-a], schedule: monthly}

    How it is computed:
        The zones the placements of services and stores use; with two or more, fires when no
        `readiness.chaos[].kind` is partition. The evidence lists the partition scenarios the model
        analyses, which are the natural first experiments.

    False positives:
        None known: a partition test can run in staging with the same topology.

    References:
        Alquraan et al., "An Analysis of Network-Partitioning Failures in Cloud Systems" (OSDI 2018).
        Kingsbury, Jepsen analyses (jepsen.io).
    """
    zones = facts.flows.zones_used
    if len(zones) < 2 or any(c.kind == "partition" for c in model.readiness.chaos):
        return
    scenarios = sorted(s.id for s in model.scenarios if s.kind == "partition")
    unknown = not facts.flows.chaos_described
    yield Finding(
        rule="OPS005",
        elements=(model.system.name,),
        message=(
            f"unknown: '{model.system.name}' runs in {len(zones)} zones, and the model does not list its chaos "
            "experiments: is a network partition ever injected?"
            if unknown
            else f"'{model.system.name}' runs in {len(zones)} zones but no chaos experiment injects a network partition"
        )
        + (f" (partition scenarios analysed but never tested: {', '.join(scenarios)})" if scenarios else ""),
        fix="add a partition experiment (iptables/tc, Toxiproxy, AWS FIS network disruption) that cuts one zone off",
        where=("readiness", "chaos"),
        evidence={"zones": zones, "partition_scenarios": scenarios},
        severity=lower("medium") if unknown else None,
        unknown=unknown,
    )
