"""CNS005 mergeable-data-without-crdt."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule

SHAPES = {"counter": "counter", "set": "set"}


@rule("CNS005", "mergeable-data-without-crdt", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A counter, set or register accepts concurrent writes but has no CRDT or merge function.

    What it does:
        For domains whose `data_type` is counter, set or register, stored in a multi-leader or
        leaderless store (where two replicas accept writes to the same item concurrently), flags a
        conflict resolution that loses updates: last-writer-wins on a counter or a set, no
        resolution at all, or a CRDT of the wrong shape. A missing `conflict_resolution` is
        reported as unknown.

    Why it matters:
        Two concurrent increments resolved by last-writer-wins leave one increment; two concurrent
        adds to a set leave one element. The loss is silent (no error, no conflict log) and grows
        with write concurrency and replication lag: like counts drift, inventory or seat counts
        go wrong, members vanish from a group.

    Example:
        services: [{id: social}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: leaderless, quorum: {n: 3, r: 1, w: 1}, conflict_resolution: {strategy: lww}}
        domains:
          - {id: likes, owner: social, store: db, consistency: eventual, data_type: counter}

    Fix:
        services: [{id: social}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication:
              topology: leaderless
              quorum: {n: 3, r: 1, w: 1}
              conflict_resolution: {strategy: crdt, crdt_type: pn_counter}
        domains:
          - {id: likes, owner: social, store: db, consistency: eventual, data_type: counter}

    How it is computed:
        Domain `data_type` against the store's `replication.conflict_resolution`, for multi-leader
        and leaderless topologies only (a single leader or consensus group orders writes itself).
        Accepted: a CRDT whose `crdt_type` fits the shape (contains "counter" for counters, "set"
        for sets; any type for registers, or no type given), a merge function, siblings resolved
        by the application, manual resolution. Last-writer-wins is accepted for registers (it is
        register semantics; the clocks behind it are judged in step 4).

    False positives:
        A counter only ever written by one writer per key (partitioned ownership): say so with a
        merge function description, e.g. `merge_function: single writer per key`.
        This rule owns the merge of counters, sets and registers on multi-writer stores: FLR052
        (split brain loses acknowledged writes) does not report them, and SYN002 (LWW on unbounded
        wall clocks) leaves counters and sets out (a CRDT, not a better clock, is the fix).

    References:
        Shapiro et al., "Conflict-free Replicated Data Types" (SSS 2011). DeCandia et al., "Dynamo"
        (SOSP 2007), section 4.4. Kleppmann, "Designing Data-Intensive Applications", chapter 5.
    """
    for domain in sorted(model.domains, key=lambda d: d.id):
        shape = domain.data_type
        if shape not in ("counter", "set", "register"):
            continue
        store = facts.graph.stores.get(domain.store)
        rep = store.replication if store else None
        if store is None or rep is None or rep.topology not in ("multi_leader", "leaderless"):
            continue
        cr = rep.conflict_resolution
        where = ("stores", store.id, "replication", "conflict_resolution")
        topo = rep.topology.replace("_", "-")
        fix = f"resolve '{domain.id}' with a {_crdt_for(shape)} CRDT or a merge function"
        if cr is None:
            yield Finding(
                rule="CNS005",
                elements=(domain.id, store.id),
                message=(
                    f"unknown: the model does not say how {topo} store '{store.id}' resolves concurrent writes "
                    f"to {shape} domain '{domain.id}'"
                ),
                fix=fix,
                where=where,
                severity=lower("high"),
                unknown=True,
            )
            continue
        problem: str | None = None
        if cr.strategy == "none":
            problem = "no conflict resolution: replicas diverge or keep an arbitrary version"
        elif cr.strategy == "lww" and shape != "register":
            lost = "increments" if shape == "counter" else "adds and removes"
            problem = f"last-writer-wins keeps one of two concurrent writes: concurrent {lost} are lost"
        elif cr.strategy == "crdt" and cr.crdt_type and shape in SHAPES and SHAPES[shape] not in cr.crdt_type.lower():
            problem = f"CRDT type '{cr.crdt_type}' does not merge a {shape}"
        if problem is None:
            continue
        yield Finding(
            rule="CNS005",
            elements=(domain.id, store.id),
            message=f"{shape} domain '{domain.id}' is written concurrently in {topo} store '{store.id}': {problem}",
            fix=fix,
            where=where,
            evidence={
                "data_type": shape,
                "topology": rep.topology,
                "strategy": cr.strategy,
                "crdt_type": cr.crdt_type,
                "clock": cr.clock,
            },
        )


def _crdt_for(shape: str) -> str:
    return {"counter": "PN-counter (or G-counter)", "set": "OR-set (add-wins)", "register": "MV- or LWW-register"}[
        shape
    ]
