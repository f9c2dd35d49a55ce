"""Consistency-pattern facts about a store's read path and causality tracking.

These look at the mechanisms a store uses (where reads are served, how a leader proves it is
still leader, what orders concurrent writes) rather than at the consistency model derived from
them (`guarantees.py`), so a rule can name the mechanism that is missing and accept every
mechanism that removes the risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pacelc.model.schema import Store

FOLLOWER_READS = frozenset({"followers", "any", "nearest"})
LEADER_CHECKS = frozenset({"lease", "read_index", "quorum_read"})
# Clocks whose timestamps respect causality: if a happened before b, a's timestamp is smaller.
CAUSAL_CLOCKS = frozenset({"vector", "hybrid_logical", "truetime"})

Verdict = Literal["ok", "flaw", "unknown", "n/a"]


@dataclass(frozen=True)
class ReadPath:
    """Whether reads of a store can be linearizable, and why."""

    verdict: Verdict
    reason: str
    setting: tuple[str, ...] = ()  # name path of the setting to change, under stores.<id>


def linearizable_read_path(store: Store) -> ReadPath:
    """Does the read path of a store give linearizable reads?

    ok: one copy; leader reads confirmed by lease, read-index or quorum read; leader reads where at
    most one leader can exist (manual or no failover, or fenced automatic failover of a single
    leader). flaw: reads served by followers, or leader reads with no confirmation where a deposed
    leader may still answer. unknown: the model does not say where reads go or how the leader
    confirms it is leader. n/a: leaderless and multi-leader stores (their quorum and conflict
    settings decide, see the derived guarantee).
    """
    rep = store.replication
    if rep is None or rep.topology == "none" or store.replicas == 1:
        return ReadPath("ok", "one copy of the data")
    if rep.topology in ("leaderless", "multi_leader"):
        return ReadPath("n/a", f"{rep.topology.replace('_', '-')} store")
    if rep.read_from in FOLLOWER_READS:
        return ReadPath(
            "flaw",
            f"reads are served by {_readers(rep.read_from)}, which may lag the leader",
            ("replication", "read_from"),
        )
    if rep.read_from is None:
        return ReadPath("unknown", "the model does not say where reads are served", ("replication", "read_from"))
    if rep.read_from == "quorum":
        return ReadPath("ok", "quorum reads")
    lin = rep.linearizable_reads
    if lin in LEADER_CHECKS:
        return ReadPath("ok", f"leader reads confirmed by {lin.replace('_', ' ')}")
    fo = rep.failover
    if rep.topology == "single_leader":
        if fo is not None and fo.mode in ("manual", "none"):
            return ReadPath("ok", f"leader reads; {fo.mode} failover: one leader at a time")
        if fo is not None and fo.mode == "automatic" and fo.fencing not in (None, "none"):
            return ReadPath("ok", f"leader reads; automatic failover fenced by {fo.fencing}")
    if lin == "none":
        return ReadPath(
            "flaw",
            "reads are served by the leader without lease or read-index: a deposed leader that has not "
            "noticed the new election still answers with old data",
            ("replication", "linearizable_reads"),
        )
    return ReadPath(
        "unknown",
        "the model does not say how the leader confirms it is still leader before a read (linearizable_reads)",
        ("replication", "linearizable_reads"),
    )


def _readers(read_from: str) -> str:
    return {"followers": "followers", "any": "any replica", "nearest": "the nearest replica"}.get(read_from, read_from)


def causality_tracking(store: Store) -> str | None:
    """The mechanism that orders a store's writes causally, or None when there is none (or none said)."""
    rep = store.replication
    if rep is None:
        return None
    if rep.session_guarantees == "causal_token":
        return "causal session tokens"
    cr = rep.conflict_resolution
    if cr is not None and cr.clock in CAUSAL_CLOCKS:
        return f"{cr.clock.replace('_', ' ')} clocks"
    return None
