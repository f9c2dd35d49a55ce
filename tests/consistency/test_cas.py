"""Compare-and-set as a client operation (issue 6: client operations)."""

from __future__ import annotations

import pytest

from pacelc.analysis.consistency import (
    HOLDS,
    VIOLATED,
    Bounds,
    Budget,
    LeaderlessSettings,
    SingleLeaderSettings,
    check_protocol,
)

BUDGET = Budget(max_states=3_000_000, max_seconds=120)
ALL = ("read", "write", "cas")


def test_cas_is_off_by_default() -> None:
    assert "cas" not in SingleLeaderSettings().ops and "cas" not in LeaderlessSettings().ops


def test_single_leader_sync_fenced_cas_at_the_leader_is_linearizable() -> None:
    settings = SingleLeaderSettings(replication="sync", fencing=True, visible_before_ack=False, ops=ALL)
    bounds = Bounds(ops=3, faults=1)
    r = check_protocol(settings, "linearizable", bounds, BUDGET)
    assert r.status == HOLDS and r.bounds == bounds
    assert r.states == 50_559  # reads, writes and compare-and-set all explored


def test_single_leader_cas_meets_the_crash_recovery_visibility_anomaly_with_two_faults() -> None:
    # not a CAS bug: a write the leader holds but has not acknowledged becomes visible when it
    # restarts (crash recovery replays its log), and a second crash plus failover discards it;
    # a CAS that failed because of it is then not linearizable
    settings = SingleLeaderSettings(replication="sync", fencing=True, visible_before_ack=False,
                                    ops=("write", "cas"))
    r = check_protocol(settings, "linearizable", Bounds(ops=3, faults=2), BUDGET)
    assert r.status == VIOLATED and r.anomaly == "non-linearizable compare-and-set"
    texts = [s.text for s in r.counterexample.steps]  # type: ignore[union-attr]
    assert len(texts) == 7 and "compare-and-set fails" in texts[4]


def test_leaderless_cas_by_read_then_write_loses_an_update() -> None:
    # two coordinators read the same old value from overlapping quorums and both write
    r = check_protocol(LeaderlessSettings(n=3, r=2, w=2, read_repair=True, ops=("cas",)), "linearizable",
                       budget=BUDGET)
    assert r.status == VIOLATED
    assert r.anomaly == "lost update (two compare-and-set operations succeeded from the same value)"
    texts = [s.text for s in r.counterexample.steps]  # type: ignore[union-attr]
    assert len(texts) == 8 and sum("the expected value" in t for t in texts) == 2
    assert r.counterexample.final == (("x", 2),)  # type: ignore[union-attr]


def test_leaderless_cas_without_read_repair_fails_against_a_partly_stored_value() -> None:
    # shorter still: a CAS that saw the new value on one quorum, then the old one on another
    r = check_protocol(LeaderlessSettings(n=3, r=2, w=2, ops=ALL), "linearizable", budget=BUDGET)
    assert r.status == VIOLATED and r.anomaly == "non-linearizable compare-and-set"
    assert len(r.counterexample.steps) == 6  # type: ignore[union-attr]


def test_session_checkers_refuse_cas_histories() -> None:
    with pytest.raises(ValueError, match="compare-and-set"):
        check_protocol(LeaderlessSettings(ops=ALL), "read_your_writes")
