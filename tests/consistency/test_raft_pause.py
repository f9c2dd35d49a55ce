"""Process pause as a Raft fault: a paused leader serves a lease read after a new election."""

from __future__ import annotations

from pacelc.analysis.consistency import HOLDS, VIOLATED, Bounds, Budget, RaftSettings, check_protocol

BUDGET = Budget(max_states=3_000_000, max_seconds=600)
PAUSE = ("crash", "partition", "pause")


def test_lease_reads_with_bounded_skew_are_stale_after_a_process_pause() -> None:
    r = check_protocol(RaftSettings(read_mode="lease", bounded_clock_skew=True, faults=PAUSE), "linearizable",
                       Bounds(), BUDGET)
    assert r.status == VIOLATED and r.anomaly == "stale read"
    assert r.counterexample is not None
    texts = [s.text for s in r.counterexample.steps]
    # pause, election, write + replication + ack at the new leader, read, resume, stale answer
    assert len(texts) == 8
    assert texts[0].startswith("FAULT: process pause of")
    paused = texts[0].split()[-1]
    assert any(t.startswith(f"{paused} resumes after the pause") for t in texts)
    assert texts[-1].endswith(f"(served by {paused})")
    assert "process pauses" in r.protocol


def test_pause_alone_is_enough() -> None:
    r = check_protocol(RaftSettings(read_mode="lease", faults=("pause",)), "linearizable", Bounds(faults=1), BUDGET)
    assert r.status == VIOLATED and len(r.counterexample.steps) == 8  # type: ignore[union-attr]


def test_lease_rechecked_on_a_monotonic_clock_after_resuming_stays_linearizable() -> None:
    r = check_protocol(RaftSettings(read_mode="lease", faults=PAUSE, lease_rechecked_after_pause=True),
                       "linearizable", Bounds(), BUDGET)
    assert r.status == HOLDS, r.summary()


def test_read_index_reads_are_unaffected_by_pauses() -> None:
    r = check_protocol(RaftSettings(read_mode="read_index", faults=PAUSE), "linearizable", Bounds(), BUDGET)
    assert r.status == HOLDS, r.summary()

