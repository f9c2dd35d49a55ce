"""CNS050 consistency-counterexample."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.consistency.from_model import DomainVerification
from pacelc.analysis.facts import Facts
from pacelc.model.schema import Store, SystemModel
from pacelc.rules.base import Finding, rule


@rule("CNS050", "consistency-counterexample", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """The model checker found a concrete history in which the store breaks the domain's consistency.

    What it does:
        Maps each domain's store (replication topology, mode, failover and fencing, read routing,
        quorums, conflict resolution and clocks, producer acks and in-sync replicas for logs, fsync and
        persistence for single-leader stores and logs) onto a protocol model and searches
        breadth-first, within small stated bounds, for the shortest history of client operations and
        faults that violates the domain's `consistency`. Fires with that history as evidence.

    Why it matters:
        A rule of thumb says "async replication may lose writes"; a history says "client 0 writes 1,
        n1 acknowledges, n1 crashes, n2 is promoted, the write is gone". The history is what a team
        can replay in a test (Jepsen, a chaos experiment) and what settles the argument in a review.

    Example:
        services: [{id: shop}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication:
              topology: single_leader
              mode: async
              read_from: leader
              failover: {mode: automatic, fencing: none}
        domains:
          - {id: stock, owner: shop, store: db, consistency: linearizable, rpo_s: 0}

    Fix:
        services: [{id: shop}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication:
              topology: consensus
              protocol: raft
              read_from: leader
              linearizable_reads: read_index
        domains:
          - {id: stock, owner: shop, store: db, consistency: linearizable, rpo_s: 0}

    How it is computed:
        `pacelc.analysis.consistency.from_model.verify_model` with the review bounds (3 replicas,
        2 clients, 3 client operations, 2 faults; 10,000 states per domain: counterexamples show up
        early, proofs are left to `pacelc verify`): a breadth-first search, so the first violation is
        a shortest one. Two faults, because one misses a synchronous, fenced leader that crashes with
        a logged but unreplicated write, restarts still leader, serves it, crashes again and loses it
        to failover (7 steps; synchronous replication with fencing therefore no longer settles
        linearizable or sequential data on a single leader). Settings the model does not state take
        their safest value, so a violation holds whatever they are; where the search finds nothing, or
        the setting cannot be modelled (session tokens, custom merge functions), nothing fires. When the
        lost write comes from a store that acknowledges before fsync or keeps data only in memory, the
        fix names fsync and persistence first; when it comes from a leader that restarted before
        failover, the fix names the restart. `pacelc verify` runs the same check with a larger budget
        and prints the history.

    False positives:
        The evidence is a concrete history, so it is a real behaviour of the modelled protocol; it can
        still miss the real system where the engine is stronger than its settings say (correct the
        model). Lost acknowledged writes are not reported for domains that accept data loss
        (`rpo_s` above 0): the RPO is the team's decision on that loss. Caches holding eventual or
        bounded-staleness data are skipped: they are refilled from their source of truth. CAP002 and
        the setting-specific rules (SYN004, SYN006, FLR008, CNS004, ...) may report the same domain
        from rules of thumb; this finding is the history that backs (or settles) them.

    References:
        Kingsbury and Alvaro, "Elle: Inferring Isolation Anomalies from Experimental Observations"
        (VLDB 2020), and the Jepsen analyses. Wing and Gong, "Testing and Verifying Concurrent Objects"
        (1993). Kleppmann, "Designing Data-Intensive Applications", chapters 5 and 9.
    """
    stores = {s.id: s for s in model.stores}
    for v in facts.counterexamples.values():
        yield _finding(v, _lost_before_disk(v, stores.get(v.store)), _restart_before_failover(v))


def _lost_before_disk(v: DomainVerification, store: Store | None) -> bool:
    """Whether the history loses data the store acknowledged before it was on disk.

    Only where the protocol model ran with fsync periodic/never or in memory (elsewhere that is listed
    as unmodelled, and the history must come from something else), and only when the history has a
    crash, which in such a model loses unflushed data: a stale read on such a store needs the usual fix.
    """
    d = store.durability if store is not None else None
    cx = v.counterexample
    if d is None or cx is None or (d.persistent and d.fsync not in ("periodic", "never")):
        return False
    if any(".durability." in u for u in v.unmodelled):
        return False
    return any(s.kind == "fault" and s.action == "crash" for s in cx.steps)


def _restart_before_failover(v: DomainVerification) -> bool:
    """Whether the history has a restart followed by a failover: synchronous replication and fencing do
    not prevent it."""
    cx = v.counterexample
    if cx is None:
        return False
    actions = [s.action for s in cx.steps]
    return "restart" in actions and "failover" in actions[actions.index("restart") + 1:]


_FIX = ("remove the step the history relies on: synchronous replication or fencing for lost writes after "
        "failover, leader reads confirmed by read-index or a lease (with bounded clock skew) for stale reads, "
        "R + W > N with strict quorums, acks=all with min in-sync replicas ≥ 2 and no unclean election for "
        "logs, a CRDT instead of last-writer-wins; or lower the domain's requirement with a justification")
#: The store acknowledged before the write was on disk: replication alone leaves a window where every copy
#: that has it is in memory (one machine, or several losing power together).
_FIX_DURABILITY = ("make the acknowledgement durable: fsync before acknowledging (PostgreSQL synchronous_commit "
                   "on, Redis AOF with appendfsync always, Kafka flush.messages=1) or turn persistence on for an "
                   "in-memory store, alongside replication that keeps the write through a failover "
                   "(synchronous replication with fencing; for logs acks=all, min in-sync replicas ≥ 2 across "
                   "power domains, no unclean election); or accept the loss in the domain's rpo_s with a "
                   "justification")


#: A leader restarted in place serves a write it logged but no standby confirmed; a failover later drops it.
_FIX_RESTART = ("do not let a restarted leader serve before a synchronous standby has confirmed its log: "
                "PostgreSQL shows locally committed transactions after crash recovery even when the standby "
                "never confirmed them, and synchronous_commit=remote_apply does not change that (Patroni: "
                "primary_start_timeout 0 fails over instead of restarting the primary in place, which then "
                "rejoins as a replica); or use a consensus store with read-index reads; or treat a read of "
                "just-written data as possibly unreplicated; or lower the domain's requirement with a "
                "justification")


def _finding(v: DomainVerification, lost_before_disk: bool = False, restart: bool = False) -> Finding:
    cx = v.counterexample
    assert cx is not None and v.bounds is not None
    target = f"topic '{v.topic}' on '{v.store}'" if v.topic else f"store '{v.store}'"
    return Finding(
        rule="CNS050",
        elements=(v.domain, v.topic or v.store),
        message=(
            f"domain '{v.domain}' requires {v.required}; the model checker found a concrete {len(cx.steps)}-step "
            f"history on {target} that breaks it: {v.anomaly} ({v.protocol}; bounds: {v.bounds.describe()}). "
            "This is a replayable history, not a rule of thumb (CAP002 and the setting rules reason from "
            f"settings): `pacelc verify <model> --domain {v.domain}` prints it"
        ),
        fix=_FIX_DURABILITY if lost_before_disk else _FIX_RESTART if restart else _FIX,
        where=("topics", v.topic) if v.topic else ("stores", v.store, "durability" if lost_before_disk
                                                    else "replication"),
        evidence={
            "anomaly": v.anomaly,
            "required": v.required,
            "checked_model": v.checked,
            "protocol": v.protocol,
            "bounds": v.bounds.as_dict(),
            "bounds_text": v.bounds.describe(),
            "counterexample": v.steps,
            "why": cx.reason,
            "states_explored": v.states,
            "assumptions": list(v.assumptions),
            "not_stated_in_model": list(v.missing),
        },
    )
