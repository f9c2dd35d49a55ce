"""SYN002 lww-on-unbounded-wall-clock."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.patterns import causality_tracking
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule

SAFE_CLOCKS = frozenset({"hybrid_logical", "truetime", "logical", "vector"})


@rule("SYN002", "lww-on-unbounded-wall-clock", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """Last-writer-wins orders concurrent writes by wall clocks whose skew nothing bounds.

    What it does:
        Flags every multi-leader or leaderless store that resolves conflicts by last-writer-wins on
        wall-clock timestamps while neither the resolution (`max_clock_skew_ms`) nor the model's
        defaults (`defaults.max_clock_skew_ms`) bound the skew between the clocks that stamp writes.
        A resolution that does not say which clock it uses is reported as unknown.

    Why it matters:
        With LWW the write with the larger timestamp survives. A node whose clock runs ahead stamps
        its writes "in the future": a later write from a node with a correct clock loses to an earlier
        one, silently. A revoke undone by an older grant, a price reverted to last week's: the data
        goes back in time and nobody is told.

    Example:
        services: [{id: acl}]
        stores:
          - id: acl-db
            kind: database
            replicas: 3
            replication:
              topology: leaderless
              quorum: {n: 3, r: 2, w: 2}
              conflict_resolution: {strategy: lww, clock: wall}

    Fix:
        services: [{id: acl}]
        defaults: {max_clock_skew_ms: 5}
        stores:
          - id: acl-db
            kind: database
            replicas: 3
            replication:
              topology: leaderless
              quorum: {n: 3, r: 2, w: 2}
              conflict_resolution: {strategy: lww, clock: wall}

    How it is computed:
        For each store with more than one replica, multi-leader or leaderless topology and
        `conflict_resolution.strategy: lww`: passes with a hybrid-logical, TrueTime, logical or vector
        clock, or with a skew bound on the resolution or in `defaults.max_clock_skew_ms`. Otherwise it
        fires (unknown, one level lower, when `clock` is not given), naming the domains no more
        specific rule reports.

    False positives:
        Data written by one writer only (no concurrent writers per key) never conflicts; a skew bound
        that is enforced (chrony with max offset, Amazon Time Sync) but not in the model: add it to
        `defaults.max_clock_skew_ms`. A bound shrinks the window, it does not remove lost updates
        between truly concurrent writes (see the CRDT rules). Domains with a more specific finding
        are left out of this one, and a store whose every domain is left out is not reported:
        counters and sets under LWW belong to CNS005 (mergeable data without CRDT: a CRDT is the fix,
        not a better clock), causal domains on a store that tracks no causality belong to CNS008
        (causal without causality tracking, whose message names the wall clock).

    References:
        Kingsbury, "The trouble with timestamps" (aphyr.com, 2013). Kulkarni et al., "Logical Physical
        Clocks" (OPODIS 2014). Kleppmann, "Designing Data-Intensive Applications", ch. 8 (Unreliable clocks).
    """
    default_skew = model.defaults.max_clock_skew_ms
    for store in model.stores:
        rep = store.replication
        if store.replicas < 2 or rep is None or rep.topology not in ("multi_leader", "leaderless"):
            continue
        cr = rep.conflict_resolution
        if cr is None or cr.strategy != "lww" or cr.clock in SAFE_CLOCKS:
            continue
        if cr.max_clock_skew_ms is not None or default_skew is not None:
            continue
        unknown = cr.clock is None
        held = facts.flows.domains_on_store.get(store.id, [])
        domains = sorted(d.id for d in held if not _owned_elsewhere(d, store, facts))
        if held and not domains:
            continue  # every domain's loss is reported by a more specific rule
        yield Finding(
            rule="SYN002",
            elements=(store.id,),
            message=(
                f"unknown: '{store.id}' resolves conflicts by last-writer-wins and the model does not say which "
                "clock stamps the writes, nor any bound on clock skew"
                if unknown
                else f"'{store.id}' resolves conflicts by last-writer-wins on wall clocks with no bound on clock "
                f"skew: a write stamped by a fast clock beats later writes ({len(domains)} domain(s): "
                f"{', '.join(domains) or 'none declared'})"
            ),
            fix=(
                "use a hybrid logical clock, or enforce and state a skew bound (`max_clock_skew_ms` on the "
                "resolution or in `defaults`), or replace LWW by a CRDT or merge function"
            ),
            where=("stores", store.id, "replication", "conflict_resolution", "clock"),
            evidence={
                "topology": rep.topology,
                "clock": cr.clock,
                "max_clock_skew_ms": cr.max_clock_skew_ms,
                "defaults_max_clock_skew_ms": default_skew,
                "domains": domains,
            },
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )


def _owned_elsewhere(domain, store, facts: Facts) -> bool:
    """CNS005 owns counters and sets under LWW (a CRDT, not a better clock, is the fix); CNS008 owns
    causal domains on a store that tracks no causality (it names the wall clock too)."""
    if domain.data_type in ("counter", "set"):
        return True
    if domain.consistency == "causal":
        g = facts.guarantees.get(store.id)
        return not (g is not None and "causal" in g.models) and causality_tracking(store) is None
    return False
