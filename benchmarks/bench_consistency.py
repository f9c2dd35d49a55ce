"""Consistency engine benchmark: explored states per second and time per configuration.

Run: PYTHONPATH=src python benchmarks/bench_consistency.py
Prints figures only; nothing here asserts on time.
"""

from __future__ import annotations

import time

from pacelc.analysis.consistency import (
    Budget,
    KafkaSettings,
    LeaderlessSettings,
    MultiLeaderSettings,
    RaftSettings,
    SingleLeaderSettings,
    check_protocol,
)

CASES = [
    ("async primary-backup, auto failover", SingleLeaderSettings(replication="async"), "no_lost_writes", None),
    ("sync primary-backup + fencing", SingleLeaderSettings(replication="sync", fencing=True), "no_lost_writes",
     None),
    ("leaderless N3 W1 R1", LeaderlessSettings(r=1, w=1), "no_stale_reads", None),
    ("leaderless N3 W2 R2, crash", LeaderlessSettings(r=2, w=2), "no_stale_reads", None),
    ("leaderless N3 W2 R2, sloppy", LeaderlessSettings(r=2, w=2, sloppy_quorum=True), "no_stale_reads", None),
    ("multi-leader LWW, skew 2", MultiLeaderSettings(clock_skew=(0, -2)), "no_lost_writes", None),
    ("multi-leader CRDT set", MultiLeaderSettings(conflict="crdt_set"), "no_lost_writes", None),
    ("raft follower reads", RaftSettings(read_mode="follower"), "linearizable", None),
    ("raft leader-local reads", RaftSettings(read_mode="leader_local"), "linearizable", None),
    ("raft lease, unbounded skew", RaftSettings(read_mode="lease", bounded_clock_skew=False), "linearizable",
     None),
    ("raft read-index", RaftSettings(read_mode="read_index"), "linearizable", None),
    ("raft lease, bounded skew", RaftSettings(read_mode="lease"), "linearizable", None),
    ("raft lease, bounded skew, pauses", RaftSettings(read_mode="lease", faults=("crash", "partition", "pause")),
     "linearizable", None),
    ("raft lease, pauses, monotonic re-check",
     RaftSettings(read_mode="lease", faults=("crash", "partition", "pause"), lease_rechecked_after_pause=True),
     "linearizable", None),
    ("kafka acks=1", KafkaSettings(acks=1), "no_lost_writes", None),
    ("kafka acks=all, unclean election", KafkaSettings(unclean_leader_election=True), "no_lost_writes", None),
    ("kafka acks=all, min ISR 2", KafkaSettings(), "no_lost_writes", None),
    ("sync + fencing, fsync periodic", SingleLeaderSettings(replication="sync", fencing=True, fsync="periodic"),
     "no_lost_writes", None),
    ("semi-sync + fencing, fsync periodic, failover 1st",
     SingleLeaderSettings(replication="semi_sync", fencing=True, fsync="periodic", restart_before_failover=False),
     "no_lost_writes", None),
    ("kafka acks=all, min ISR 2, fsync periodic", KafkaSettings(fsync="periodic"), "no_lost_writes", None),
    ("leaderless N3 W2 R2, read repair, CAS", LeaderlessSettings(r=2, w=2, read_repair=True, ops=("cas",)),
     "linearizable", None),
]


def main() -> None:
    total_states = 0
    total_seconds = 0.0
    print(f"{'configuration':44} {'requirement':16} {'result':22} {'steps':>5} {'states':>9} {'seconds':>8} "
          f"{'states/s':>9}")
    for name, settings, model, bounds in CASES:
        t0 = time.perf_counter()
        r = check_protocol(settings, model, bounds, Budget(max_states=5_000_000, max_seconds=120))
        wall = time.perf_counter() - t0
        steps = len(r.counterexample.steps) if r.counterexample else "-"
        total_states += r.states
        total_seconds += r.seconds
        print(f"{name:44} {model:16} {r.status:22} {steps!s:>5} {r.states:>9} {wall:>8.3f} "
              f"{r.states / r.seconds if r.seconds else 0:>9.0f}")
    print(f"\noverall: {total_states} states in {total_seconds:.2f} s = {total_states / total_seconds:,.0f} states/s")


if __name__ == "__main__":
    main()
