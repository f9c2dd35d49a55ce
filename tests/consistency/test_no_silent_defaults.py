"""Issue 17 §2 (consistency side): what the model leaves out is never read as the safe answer.

Each test gives the input that used to come out "holds" (or was silently dropped) and checks the
setting is now named: as missing, as not modelled, or as the reason no model was run.
"""

from __future__ import annotations

from pacelc.analysis.consistency import HOLDS, UNKNOWN, KafkaSettings, RaftSettings, SingleLeaderSettings
from pacelc.analysis.consistency.from_model import RAFT_LIKE, REVIEW_BOUNDS, REVIEW_BUDGET, map_store, verify_model
from pacelc.model import loads

SYNC_FENCED = (
    "replication: {topology: single_leader, mode: sync, read_from: leader, "
    "failover: {mode: automatic, fencing: stonith}}"
)


def _model(stores: str, domains: str = "", topics: str = ""):  # type: ignore[no-untyped-def]
    text = f"system: {{name: t}}\nservices: [{{id: app}}]\nstores:\n{stores}\n"
    if topics:
        text += f"topics:\n{topics}\n"
    if domains:
        text += f"domains:\n{domains}\n"
    return loads(text, "t.yaml").model


def _verdict(store: str, required: str = "linearizable", topics: str = "", on: str = "s"):  # type: ignore[no-untyped-def]
    m = _model(store, f"  - {{id: d, owner: app, store: {on}, consistency: {required}}}", topics)
    [v] = verify_model(m, bounds=REVIEW_BOUNDS, budget=REVIEW_BUDGET)
    return v


def test_an_unstated_durability_is_missing_not_fsync_always() -> None:
    # A single copy with nothing said about durability was searched as fsync-before-ack and "held".
    v = _verdict("  - {id: s, kind: database, replicas: 1}")
    assert v.status == UNKNOWN and any(x.startswith("stores.s.durability ") for x in v.missing)
    # Stated, the same store holds: the test above fails only because of the missing setting.
    assert _verdict("  - {id: s, kind: database, replicas: 1, durability: {fsync: always}}").status == HOLDS


def test_durability_without_fsync_names_fsync() -> None:
    m = map_store(
        _model(f"  - {{id: s, kind: database, replicas: 3, {SYNC_FENCED}, durability: {{storage: network}}}}"),
        "s",
        "no_lost_writes",
    )
    assert "stores.s.durability.fsync (searched as fsync before every acknowledgement)" in m.missing
    # persistent: false says what is needed (nothing reaches disk): nothing is missing
    m = map_store(
        _model("  - {id: s, kind: cache, replicas: 1, durability: {persistent: false}}"), "s", "no_lost_writes"
    )
    assert not m.missing


def test_log_settings_on_a_queue_are_not_modelled() -> None:
    store = (
        f"  - {{id: s, kind: queue, replicas: 3, {SYNC_FENCED[:-1]}, quorum: {{min_in_sync_replicas: 2}}}}, "
        "durability: {fsync: always}}"
    )
    topics = "  - {id: q, broker: s, producers: [{service: app, acks: '0'}]}"
    m = map_store(_model(store, topics=topics), "q", "no_lost_writes")
    assert isinstance(m.settings, SingleLeaderSettings)
    assert any("min_in_sync_replicas (2) on a queue" in u for u in m.unmodelled)
    assert any("topics.q.producers[0].acks is 0" in u for u in m.unmodelled)
    # one broker holding the queue: held before, though the producer never waits for it
    single = "  - {id: s, kind: queue, replicas: 1, durability: {fsync: always}}"
    assert _verdict(single, topics=topics.replace("'0'", "all"), on="q").status == HOLDS
    v = _verdict(single, topics=topics, on="q")
    assert v.status == UNKNOWN and "acks is 0" in v.reason
    # a replicated log reads them: nothing is "not modelled" there
    log = store.replace("kind: queue", "kind: log")
    m = map_store(_model(log, topics=topics), "q", "no_lost_writes")
    assert isinstance(m.settings, KafkaSettings) and not m.unmodelled


def test_conflict_resolution_on_a_single_leader_is_not_modelled() -> None:
    store = (
        f"  - {{id: s, kind: database, replicas: 3, {SYNC_FENCED[:-1]}, conflict_resolution: "
        "{strategy: lww}}, durability: {fsync: always}}"
    )
    m = map_store(_model(store), "s", "no_lost_writes")
    assert any("conflict_resolution (lww) on a single-leader store" in u for u in m.unmodelled)


def test_linearizable_reads_with_follower_reads_are_not_modelled() -> None:
    for topology in ("consensus, protocol: raft", "single_leader, mode: sync"):
        store = (
            f"  - {{id: s, kind: database, replicas: 3, replication: {{topology: {topology}, "
            "read_from: followers, linearizable_reads: read_index, session_guarantees: none, "
            "failover: {mode: automatic, fencing: epoch}}, durability: {fsync: always}}"
        )
        m = map_store(_model(store), "s", "linearizable")
        # was: searched as plain follower reads (a stale read the real follower read may not allow)
        assert m.settings is None and "linearizable_reads is read_index with read_from followers" in m.reason
    # linearizable_reads: none with follower reads says the same thing twice: modelled as follower reads
    store = (
        "  - {id: s, kind: database, replicas: 3, replication: {topology: consensus, protocol: raft, "
        "read_from: followers, linearizable_reads: none}, durability: {fsync: always}}"
    )
    m = map_store(_model(store), "s", "linearizable")
    assert m.settings == RaftSettings(read_mode="follower", bounded_clock_skew=True)


def test_only_raft_like_consensus_protocols_map_onto_raft() -> None:
    def mapping(protocol: str):  # type: ignore[no-untyped-def]
        store = (
            "  - {id: s, kind: coordination, replicas: 3, replication: {topology: consensus, "
            f"{protocol}read_from: leader, linearizable_reads: read_index}}, durability: {{fsync: always}}}}"
        )
        return map_store(_model(store), "s", "linearizable")

    assert RAFT_LIKE == ("raft", "multi_paxos", "zab")
    for name in ("raft", "Multi-Paxos", "zab"):
        assert isinstance(mapping(f"protocol: {name}, ").settings, RaftSettings)
    bespoke = mapping("protocol: epaxos, ")
    assert bespoke.settings is None and "'epaxos' is not modelled" in bespoke.reason
    assert any("protocol epaxos" in u for u in bespoke.unmodelled)
    unstated = mapping("")
    assert isinstance(unstated.settings, RaftSettings)
    assert unstated.missing == ("stores.s.replication.protocol (searched as Raft)",)


def test_replication_without_a_replica_count_is_missing_it() -> None:
    # The schema's default of one replica made a replicated store a single copy, which "held"
    # (found by tests/model/test_schema_walk.py).
    store = f"  - {{id: s, kind: database, {SYNC_FENCED}, durability: {{fsync: always}}}}"
    m = map_store(_model(store), "s", "linearizable")
    assert m.settings is None and m.missing == ("stores.s.replicas",)
    assert _verdict(store).status == UNKNOWN
