"""The configurations the consistency engine must get right (issue: done-when list)."""

from __future__ import annotations

import json

import pytest

from pacelc.analysis.consistency import (
    HOLDS,
    VIOLATED,
    Bounds,
    Budget,
    KafkaSettings,
    LeaderlessSettings,
    MultiLeaderSettings,
    RaftSettings,
    SingleLeaderSettings,
    check_protocol,
    derive_guarantee,
)

BUDGET = Budget(max_states=3_000_000, max_seconds=120)


def _violated(settings, model, anomaly_part, bounds=None):  # type: ignore[no-untyped-def]
    r = check_protocol(settings, model, bounds, BUDGET)
    assert r.status == VIOLATED, r.summary()
    assert anomaly_part in r.anomaly
    assert r.counterexample is not None
    text = r.counterexample.render()
    assert "1." in text and "bounds:" in text
    json.dumps(r.to_dict())  # the counterexample is plain data
    return r


def _holds(settings, model, bounds=None):  # type: ignore[no-untyped-def]
    r = check_protocol(settings, model, bounds, BUDGET)
    assert r.status == HOLDS, r.summary()
    assert "no violation within bounds" in r.summary()
    return r


def test_async_primary_backup_with_automatic_failover_loses_acknowledged_writes() -> None:
    r = _violated(SingleLeaderSettings(replication="async", failover="automatic"), "no_lost_writes",
                  "lost acknowledged write")
    texts = [s.text for s in r.counterexample.steps]  # type: ignore[union-attr]
    assert any("crash" in t for t in texts) and any("failover" in t for t in texts)
    assert len(texts) == 4  # write, ack, crash, failover: nothing shorter exists


def test_sync_primary_backup_with_fencing_keeps_acknowledged_writes() -> None:
    _holds(SingleLeaderSettings(replication="sync", failover="automatic", fencing=True), "no_lost_writes")


def test_partitioned_leader_without_fencing_is_split_brain() -> None:
    _violated(SingleLeaderSettings(replication="async", failover="automatic", fencing=False), "no_lost_writes",
              "lost", Bounds(faults=1))


def test_leaderless_w1_r1_serves_stale_reads() -> None:
    _violated(LeaderlessSettings(n=3, r=1, w=1), "no_stale_reads", "stale read")


def test_leaderless_w2_r2_no_stale_read_under_crash_faults() -> None:
    _holds(LeaderlessSettings(n=3, r=2, w=2, faults=("crash",)), "no_stale_reads")


def test_leaderless_w2_r2_with_sloppy_quorum_serves_stale_reads() -> None:
    _violated(LeaderlessSettings(n=3, r=2, w=2, sloppy_quorum=True, faults=("crash",)), "no_stale_reads",
              "stale read")


def test_leaderless_strict_quorum_is_still_not_linearizable() -> None:
    _violated(LeaderlessSettings(n=3, r=2, w=2), "linearizable", "")


def test_lww_with_skewed_clocks_loses_an_update() -> None:
    _violated(MultiLeaderSettings(conflict="lww", clock_skew=(0, -2)), "no_lost_writes", "lost update")


def test_lww_without_skew_loses_no_sequential_update() -> None:
    _holds(MultiLeaderSettings(conflict="lww", clock_skew=(0, 0)), "no_lost_writes")


def test_crdt_set_loses_nothing() -> None:
    _holds(MultiLeaderSettings(conflict="crdt_set"), "no_lost_writes")


def test_raft_follower_reads_are_stale() -> None:
    _violated(RaftSettings(read_mode="follower"), "linearizable", "stale read")


def test_raft_leader_local_reads_are_stale_after_election() -> None:
    _violated(RaftSettings(read_mode="leader_local"), "linearizable", "stale read")


def test_raft_lease_reads_with_unbounded_skew_are_stale() -> None:
    _violated(RaftSettings(read_mode="lease", bounded_clock_skew=False), "linearizable", "stale read")


@pytest.mark.parametrize("settings", [RaftSettings(read_mode="read_index"),
                                      RaftSettings(read_mode="lease", bounded_clock_skew=True)])
def test_raft_read_index_and_bounded_lease_reads_are_linearizable(settings: RaftSettings) -> None:
    r = _holds(settings, "linearizable")  # the full default bounds: 3 replicas, 2 clients, 4 ops, 2 faults
    assert r.bounds == Bounds()


def test_kafka_acks_1_loses_acknowledged_records() -> None:
    _violated(KafkaSettings(acks=1, min_insync_replicas=2), "no_lost_writes", "lost acknowledged write")


def test_kafka_unclean_election_loses_acknowledged_records() -> None:
    r = _violated(KafkaSettings(acks="all", min_insync_replicas=2, unclean_leader_election=True),
                  "no_lost_writes", "lost acknowledged write")
    assert any("UNCLEAN" in s.text for s in r.counterexample.steps)  # type: ignore[union-attr]


def test_kafka_acks_all_min_isr_2_keeps_acknowledged_records() -> None:
    _holds(KafkaSettings(acks="all", min_insync_replicas=2), "no_lost_writes")


def test_results_state_their_bounds() -> None:
    r = check_protocol(MultiLeaderSettings(), "no_lost_writes")
    assert r.bounds.replicas == 2 and r.to_dict()["bounds"]["ops"] == 4
    assert r.assumptions


def test_unknown_when_budget_is_exhausted() -> None:
    r = check_protocol(RaftSettings(read_mode="read_index"), "linearizable", Bounds(),
                       Budget(max_states=2000, max_seconds=10))
    assert r.status == "unknown" and "budget" in r.note


@pytest.mark.parametrize("settings", [
    SingleLeaderSettings(replication="sync", fencing=True),
    LeaderlessSettings(n=3, r=2, w=2),
    MultiLeaderSettings(conflict="crdt_set"),
    KafkaSettings(acks="all", min_insync_replicas=2),
])
def test_derived_guarantee_holds_within_bounds(settings) -> None:  # type: ignore[no-untyped-def]
    model, assumptions = derive_guarantee(settings)
    assert assumptions
    bounds = Bounds(ops=3, faults=2)
    r = check_protocol(settings, model, bounds, BUDGET)
    assert r.status == HOLDS, r.summary()
