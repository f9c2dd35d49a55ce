"""Crash and restart losing what was not fsynced (issue 6: faults), single leader and replicated log."""

from __future__ import annotations

from pacelc.analysis.consistency import (
    HOLDS,
    VIOLATED,
    Bounds,
    Budget,
    KafkaSettings,
    SingleLeaderSettings,
    check_protocol,
)

BUDGET = Budget(max_states=3_000_000, max_seconds=120)
SL = SingleLeaderSettings


def _run(settings, bounds=None):  # type: ignore[no-untyped-def]
    return check_protocol(settings, "no_lost_writes", bounds, BUDGET)


def _texts(r) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.text for s in r.counterexample.steps]


# --------------------------------------------------------------------------- single leader


def test_fsync_always_is_the_default_and_keeps_the_known_verdicts() -> None:
    assert SL().fsync == "always"
    r = _run(SL(replication="sync", fencing=True))
    assert r.status == HOLDS and r.states == 196_889  # the state space is unchanged by the new fields
    r = _run(SL(replication="async"))
    assert r.status == VIOLATED and len(r.counterexample.steps) == 4  # type: ignore[union-attr]


def test_periodic_fsync_leader_restarting_before_failover_loses_a_write_replicated_everywhere() -> None:
    # one machine crash is enough: the leader comes back (still leader) without the write it
    # acknowledged from memory, and its followers are overwritten with its shorter history
    r = _run(SL(replication="sync", fencing=True, fsync="periodic"), Bounds(faults=1))
    assert r.status == VIOLATED and r.anomaly == "lost acknowledged write"
    texts = _texts(r)
    assert len(texts) == 6
    assert sum("FAULT" in t for t in texts) == 1 and "restarts" in texts[-1]
    assert "what was not fsynced is lost" in texts[4]


def test_periodic_fsync_correlated_crash_of_leader_and_sync_follower_loses_the_write() -> None:
    # sync replication to one follower; failover happens before the old leader is back: it
    # takes both machines holding the write in memory (same power domain) -> 2 faults
    settings = SL(replication="semi_sync", fencing=True, fsync="periodic", restart_before_failover=False)
    r = _run(settings)
    assert r.status == VIOLATED and r.anomaly == "lost acknowledged write"
    texts = _texts(r)
    assert len(texts) == 5 and sum("FAULT: crash" in t for t in texts) == 2
    # the same set-up survives any single crash
    r1 = _run(settings, Bounds(faults=1, ops=3))
    assert r1.status == HOLDS


def test_periodic_fsync_sync_to_every_follower_survives_two_crashes_when_failover_comes_first() -> None:
    settings = SL(replication="sync", fencing=True, fsync="periodic", restart_before_failover=False)
    bounds = Bounds(ops=2, faults=2)
    r = _run(settings, bounds)
    assert r.status == HOLDS and r.bounds == bounds


def test_in_memory_single_copy_loses_everything_on_restart() -> None:
    r = _run(SL(replication="sync", failover="none", fsync="never", faults=("crash",)), Bounds(replicas=1))
    assert r.status == VIOLATED and r.anomaly == "lost acknowledged write"
    assert len(_texts(r)) == 3  # write, ack, crash


def test_in_memory_replicas_lose_the_write_when_the_leader_restarts_empty() -> None:
    # Redis without persistence: the restarted master is empty and its replicas resync from it
    r = _run(SL(replication="sync", fencing=True, fsync="never"))
    assert r.status == VIOLATED and len(_texts(r)) == 6


# --------------------------------------------------------------------------- replicated log


def test_log_fsync_always_is_the_default_and_keeps_the_known_verdicts() -> None:
    # (the acks=all, min ISR 2 proof, 702,694 states, is in test_done_when.py)
    assert KafkaSettings().fsync == "always"
    r = _run(KafkaSettings(acks="all", min_insync_replicas=2, unclean_leader_election=True))
    assert r.status == VIOLATED and r.states == 1_642 and len(_texts(r)) == 7


def test_log_acks_all_min_isr_2_from_page_cache_loses_records_when_both_isr_members_lose_power() -> None:
    # ISR {leader, one follower} (the third lags and is dropped; min ISR 2 still accepts), the
    # record is acknowledged from both page caches, both machines lose power before a flush
    r = _run(KafkaSettings(acks="all", min_insync_replicas=2, fsync="periodic"))
    assert r.status == VIOLATED and r.anomaly == "lost acknowledged write"
    texts = _texts(r)
    assert len(texts) == 6 and sum("power loss" in t for t in texts) == 2
    assert any("drops lagging" in t for t in texts)


def test_log_last_isr_member_losing_power_loses_records_with_one_fault() -> None:
    # after the acknowledgement the ISR may shrink to the leader alone (min ISR only blocks new
    # produces); its power loss then loses the record with unclean election off: the partition
    # waits for it and it comes back with less (the "last replica standing" case of KIP-966)
    r = _run(KafkaSettings(acks="all", min_insync_replicas=2, fsync="periodic"), Bounds(faults=1))
    assert r.status == VIOLATED
    texts = _texts(r)
    assert len(texts) == 7 and sum("power loss" in t for t in texts) == 1
    assert sum("drops lagging" in t for t in texts) == 2


def test_log_acks_1_from_page_cache_loses_records_on_one_power_loss() -> None:
    r = _run(KafkaSettings(acks=1, fsync="periodic"))
    assert r.status == VIOLATED and len(_texts(r)) == 3
