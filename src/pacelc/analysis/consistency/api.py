"""Public entry points: check a protocol configuration, derive its guarantee."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .checker import Bounds, Budget, CheckResult, explore
from .checkers import (
    CAUSAL,
    EVENTUAL,
    LINEARIZABLE,
    NO_LOST_WRITES,
    READ_YOUR_WRITES,
    SESSION_MODELS,
)
from .protocols.base import ProtocolModel
from .protocols.kafka import Kafka, KafkaSettings
from .protocols.leaderless import Leaderless, LeaderlessSettings
from .protocols.multi_leader import MultiLeader, MultiLeaderSettings
from .protocols.raft import Raft, RaftSettings
from .protocols.single_leader import SingleLeader, SingleLeaderSettings

Settings = SingleLeaderSettings | LeaderlessSettings | MultiLeaderSettings | RaftSettings | KafkaSettings


def build_model(settings: Settings, bounds: Bounds) -> tuple[ProtocolModel, Bounds]:
    """The protocol model for ``settings`` and the bounds it actually runs with (some
    protocols fix their replica count: N for leaderless, the leader count for
    multi-leader, the replication factor for the log)."""
    if isinstance(settings, SingleLeaderSettings):
        return SingleLeader(settings, bounds.replicas, bounds.clients), bounds
    if isinstance(settings, LeaderlessSettings):
        return Leaderless(settings, clients=bounds.clients), replace(bounds, replicas=settings.n)
    if isinstance(settings, MultiLeaderSettings):
        return MultiLeader(settings, clients=bounds.clients), replace(bounds, replicas=settings.leaders)
    if isinstance(settings, RaftSettings):
        return Raft(settings, bounds.replicas, bounds.clients), bounds
    if isinstance(settings, KafkaSettings):
        return Kafka(settings, clients=bounds.clients), replace(bounds, replicas=settings.replication_factor)
    raise TypeError(f"no protocol model for {type(settings).__name__}")


def check_protocol(settings: Settings, required_model: str, bounds: Bounds | None = None,
                   budget: Budget | None = None) -> CheckResult:
    """Model-check a replication configuration against a consistency requirement.

    Returns a :class:`CheckResult` whose ``status`` is ``violated`` (with the shortest
    counterexample), ``holds_within_bounds`` (bounds stated) or ``unknown`` (budget
    exhausted). ``assumptions`` lists what the model takes for granted.
    """
    if "cas" in getattr(settings, "ops", ()) and required_model in (CAUSAL, *SESSION_MODELS):
        # the causal and session checkers judge read/write registers only
        raise ValueError(f"{required_model} is not checked on histories with compare-and-set")
    model, b = build_model(settings, bounds or Bounds())
    result = explore(model, required_model, b, budget or Budget())
    result.assumptions = derive_guarantee(settings)[1]
    return result


def derive_guarantee(settings: Settings) -> tuple[str, tuple[str, ...]]:
    """The strongest consistency model the configuration guarantees, and what that rests on.

    This is the reviewer's rule of thumb, written down; the test-suite holds a sample of
    these claims against the model checker within bounds.
    """
    s: Any = settings
    if isinstance(s, SingleLeaderSettings):
        base = ("writes fsynced before acknowledgement", "failover promotes the most up-to-date replica")
        if s.fsync != "always":
            return EVENTUAL, (base[1], "a machine crash loses writes acknowledged before they reached disk")
        if s.read_from == "any":
            return EVENTUAL, (*base, "follower reads may lag arbitrarily (no session stickiness)")
        if s.replication == "async" and s.failover != "none":
            return EVENTUAL, (*base, "failover may lose acknowledged writes (asynchronous replication)")
        if s.failover == "automatic" and not s.fencing:
            return EVENTUAL, (*base, "a deposed leader can keep serving after a partition (no fencing)")
        # the primary exposes a write before replicas confirm it, so a reader can see a
        # write that a failover then discards: durable, but not linearizable
        return NO_LOST_WRITES, (*base, "fencing stops the old leader before a new one is promoted",
                                "reads served by the leader only")
    if isinstance(s, LeaderlessSettings):
        strict = s.r + s.w > s.n and not s.sloppy_quorum
        if strict and s.read_repair:
            return LINEARIZABLE, ("R + W > N with strict quorums", "read repair completes before the read returns",
                                  "timestamps from a single coordinator clock (no skew)")
        if strict:
            return "no_stale_reads", ("R + W > N with strict quorums", "no clock skew between coordinators")
        return EVENTUAL, ("anti-entropy and hinted handoff eventually deliver every write",)
    if isinstance(s, MultiLeaderSettings):
        if s.conflict == "crdt_set":
            return NO_LOST_WRITES, ("merge is a CRDT join (commutative, associative, idempotent)",
                                    "every update eventually reaches every leader")
        if any(s.clock_skew):
            return EVENTUAL, ("last-writer-wins on skewed clocks can drop a later acknowledged write",)
        return NO_LOST_WRITES, ("perfectly synchronised clocks (concurrent writes still lose silently)",)
    if isinstance(s, RaftSettings):
        base = ("term, vote and log persisted before replying", "majority of nodes available for progress")
        if s.read_mode == "read_index":
            return LINEARIZABLE, (*base, "leader confirms leadership with a majority per read")
        if s.read_mode == "lease" and s.bounded_clock_skew and "pause" in s.faults \
                and not s.lease_rechecked_after_pause:
            return NO_LOST_WRITES, (*base, "a leader resuming from a pause serves lease reads it checked before "
                                    "the pause, after a newer leader took over")
        if s.read_mode == "lease" and s.bounded_clock_skew:
            return LINEARIZABLE, (*base, "clock drift below the lease safety margin",
                                  "no process pause outlives the lease, or the lease is re-checked after one")
        if s.read_mode == "follower":
            return EVENTUAL, (*base, "followers apply committed entries with lag")
        return NO_LOST_WRITES, (*base, "a deposed or newly elected leader may serve stale reads")
    if isinstance(s, KafkaSettings):
        base = ("broker crash keeps the page cache (no simultaneous power loss without fsync)",)
        if s.fsync != "always":
            return EVENTUAL, ("a power loss of the last in-sync replicas loses records acknowledged from the page "
                              "cache",)
        if s.acks == "all" and s.min_insync_replicas >= 2 and not s.unclean_leader_election:
            return NO_LOST_WRITES, (*base, f"at most {s.min_insync_replicas - 1} in-sync replicas fail at once")
        return EVENTUAL, (*base, "acknowledged records can be lost on leader failure")
    raise TypeError(f"no protocol model for {type(settings).__name__}")


__all__ = ["CAUSAL", "READ_YOUR_WRITES", "Settings", "build_model", "check_protocol", "derive_guarantee"]
