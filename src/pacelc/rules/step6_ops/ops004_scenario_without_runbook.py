"""OPS004 scenario-without-runbook."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("OPS004", "scenario-without-runbook", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A failure or partition scenario the team analyses has no runbook.

    What it does:
        Flags every scenario in `scenarios` that no runbook in `readiness.runbooks` handles.

    Why it matters:
        The scenarios are the failures the team itself expects. When one happens at 3 a.m. the on-call
        engineer needs the steps written down: how to confirm it, what to fail over or fence, what not to
        touch (promoting a replica during a partition can create the split brain the design avoided), how
        to verify recovery.

    Example:
        regions: [{id: eu, zones: [{id: eu-a}, {id: eu-b}]}]
        scenarios:
          - {id: zone-partition, kind: partition, sides: [[eu-a], [eu-b]]}

    Fix:
        regions: [{id: eu, zones: [{id: eu-a}, {id: eu-b}]}]
        scenarios:
          - {id: zone-partition, kind: partition, sides: [[eu-a], [eu-b]]}
        readiness:
          runbooks: [{id: rb-zone-partition, scenario: zone-partition, link: https://wiki/rb/zone-partition}]

    How it is computed:
        Scenario ids not named by any `readiness.runbooks[].scenario`.

    False positives:
        Scenarios kept only for analysis ("what if"), handled entirely by automation: record that in the
        risk register, or point a runbook at the automation's verification steps.

    References:
        Google SRE Book, ch. 14 (Managing Incidents) and ch. 11 (Being On-Call). AWS Well-Architected,
        Operational Excellence (OPS10 playbooks).
    """
    handled = {rb.scenario for rb in model.readiness.runbooks}
    for scenario in model.scenarios:
        if scenario.id in handled:
            continue
        what = (
            f"partition {' | '.join('+'.join(side) for side in scenario.sides)}"
            if scenario.kind == "partition"
            else f"failure of {', '.join([*scenario.fail, *(f'{s} leader' for s in scenario.leader_loss)]) or '?'}"
        )
        yield Finding(
            rule="OPS004",
            elements=(scenario.id,),
            message=f"scenario '{scenario.id}' ({what}) has no runbook",
            fix=f"write a runbook for '{scenario.id}' (detect, decide, act, verify) and add it to readiness.runbooks",
            where=("scenarios", scenario.id),
            evidence={"kind": scenario.kind, "fail": scenario.fail, "sides": scenario.sides},
        )
