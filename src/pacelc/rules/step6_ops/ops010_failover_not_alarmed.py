"""OPS010 failover-not-alarmed."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import replicated
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("OPS010", "failover-not-alarmed", "low")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A store fails over automatically and nobody is told.

    What it does:
        Flags every replicated store with automatic failover and no alarm of kind failover (or
        split_brain) targeting it, when a failover has a cost someone must check: the store can lose
        acknowledged writes on failover (derived guarantee), or a single-leader store does not fence
        the old leader.

    Why it matters:
        An automatic failover is an incident that fixed itself, partly: the writes acknowledged but not
        replicated are gone, the old leader may need fencing or rebuilding, the capacity is one replica
        short, and a flapping leader means a sick node. Each needs a human to look, and without an alarm
        none does.

    Example:
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: async, failover: {mode: automatic, fencing: none}}

    Fix:
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: async, failover: {mode: automatic, fencing: none}}
        readiness:
          alarms: [{id: db-failover, kind: failover, targets: [db], threshold: "leader change"}]

    How it is computed:
        Stores with more than one replica and `replication.failover.mode: automatic`, whose derived
        guarantee may lose acknowledged writes or which are single-leader with fencing none or unstated;
        fires when no `readiness.alarms[]` of kind failover or split_brain lists the store in its
        targets. Consensus stores with fenced, lossless elections are left alone: their leader changes
        are routine.

    False positives:
        Managed services whose failovers are invisible to the customer and lose nothing (DynamoDB,
        Spanner): record the decision in the risk register. Stores whose every domain is declared
        `priority: availability` (a cache of config, rate-limit counters, stock badges) are skipped:
        losing a few writes there was accepted with the priority, so a failover leaves nothing to
        check (the same exemption as FLR008).

    References:
        Google SRE Book, ch. 6 (Monitoring Distributed Systems). GitHub, "October 21 post-incident
        analysis" (2018).
    """
    flows = facts.flows
    for store in model.stores:
        rep = store.replication
        if not replicated(store) or rep is None or rep.failover is None or rep.failover.mode != "automatic":
            continue
        if flows.alarmed("failover", store.id) or flows.alarmed("split_brain", store.id):
            continue
        held = flows.domains_on_store.get(store.id, [])
        if held and all(d.priority == "availability" for d in held):
            continue  # availability-first data: a failover's loss is accepted by design, nothing to check
        costs = []
        guarantee = facts.guarantees.get(store.id)
        if guarantee is not None and guarantee.may_lose_acked_writes:
            costs.append("it can lose acknowledged writes")
        if rep.topology == "single_leader" and rep.failover.fencing in (None, "none"):
            costs.append("the old leader is not known to be fenced")
        if not costs:
            continue
        yield Finding(
            rule="OPS010",
            elements=(store.id,),
            message=(
                f"'{store.id}' fails over automatically and no alarm reports a failover, although "
                f"{' and '.join(costs)}: someone must check what each failover cost"
            ),
            fix=f"alarm on leader changes of {store.id} (and on repeated changes within an hour)",
            where=("readiness", "alarms"),
            evidence={"replicas": store.replicas, "fencing": rep.failover.fencing, "mode": rep.mode, "costs": costs},
        )
