"""Crash and restart losing what was not fsynced (issue 6: faults), single leader and replicated log."""

from __future__ import annotations

from pacelc.analysis.consistency import (
    HOLDS,
    VIOLATED,
    Bounds,
    Budget,
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
