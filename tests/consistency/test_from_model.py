"""From the pydantic model to protocol settings and per-domain verdicts (issue: consistency evidence)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from pacelc.analysis.consistency import (
    HOLDS,
    UNKNOWN,
    VIOLATED,
    KafkaSettings,
    LeaderlessSettings,
    MultiLeaderSettings,
    RaftSettings,
    SingleLeaderSettings,
)
from pacelc.analysis.consistency.checker import Budget
from pacelc.analysis.consistency.from_model import (
    NOT_CHECKED,
    REVIEW_BOUNDS,
    REVIEW_BUDGET,
    VERIFY_BOUNDS,
    VERIFY_BUDGET,
    _scale_quorum,
    map_store,
    verify_model,
)
from pacelc.model import load, loads

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def model(stores: str, domains: str = "", extra: str = ""):  # type: ignore[no-untyped-def]
    text = f"system: {{name: t}}\n{extra}\nservices: [{{id: app}}]\nstores:\n{stores}\n"
    if domains:
        text += f"domains:\n{domains}\n"
    return loads(text, "t.yaml").model


def one(stores: str, required: str = "linearizable", extra: str = ""):  # type: ignore[no-untyped-def]
    return map_store(model(stores, extra=extra), "s", required)


# --------------------------------------------------------------------------- single leader


def test_single_leader_async_unfenced_automatic_failover() -> None:
    m = one("  - {id: s, kind: database, replicas: 2, replication: {topology: single_leader, mode: async, "
            "read_from: leader, failover: {mode: automatic, fencing: none}}, durability: {fsync: always}}")
    assert m.settings == SingleLeaderSettings(replication="async", failover="automatic", fencing=False,
                                              read_from="leader", visible_before_ack=False)
    assert m.replicas == 2 and not m.missing


def test_single_leader_sync_fenced_follower_reads_without_sessions() -> None:
    m = one("  - {id: s, kind: database, replicas: 5, replication: {topology: single_leader, mode: semi_sync, "
            "read_from: nearest, session_guarantees: none, failover: {mode: automatic, fencing: stonith}}}",
            "read_your_writes")
    assert m.settings == SingleLeaderSettings(replication="semi_sync", failover="automatic", fencing=True,
                                              read_from="any", visible_before_ack=False)
    assert m.replicas == 3  # scaled down, said so
    assert any("3 of the 5" in a for a in m.assumptions)


def test_single_leader_missing_settings_take_the_safest_value_and_are_named() -> None:
    m = one("  - {id: s, kind: database, replicas: 3, replication: {topology: single_leader, "
            "failover: {mode: automatic}}}")
    assert m.settings == SingleLeaderSettings(replication="sync", failover="automatic", fencing=True,
                                              read_from="leader", visible_before_ack=False)
    assert m.missing == ("stores.s.replication.mode", "stores.s.replication.failover.fencing",
                         "stores.s.replication.read_from",
                         "stores.s.durability (searched as fsync before every acknowledgement, data kept on restart)")


def test_follower_reads_with_session_tokens_are_not_modelled() -> None:
    stores = ("  - {id: s, kind: database, replicas: 3, replication: {topology: single_leader, mode: async, "
              "read_from: followers, session_guarantees: version_token, failover: {mode: manual}}}")
    m = one(stores, "read_your_writes")
    assert m.settings is None and "version_token" in m.reason
    # linearizability binds other clients too: sessions do not matter, the check runs
    assert one(stores, "linearizable").settings is not None


def test_follower_reads_with_unstated_sessions_are_unknown() -> None:
    m = one("  - {id: s, kind: database, replicas: 3, replication: {topology: single_leader, mode: sync, "
            "read_from: any, failover: {mode: manual}}}", "monotonic_reads")
    assert m.settings is None and "stores.s.replication.session_guarantees" in m.missing


def test_single_copy_and_in_memory_store() -> None:
    m = one("  - {id: s, kind: cache, replicas: 1, replication: {topology: none}, durability: {persistent: false}}")
    assert isinstance(m.settings, SingleLeaderSettings) and m.settings.failover == "none" and m.replicas == 1
    assert m.settings.fsync == "never" and not m.unmodelled  # modelled now: a restart loses everything
    assert any("persistent is false" in a for a in m.assumptions)


@pytest.mark.parametrize(("durability", "fsync"), [
    ("", "always"), (", durability: {fsync: always}", "always"), (", durability: {fsync: periodic}", "periodic"),
    (", durability: {fsync: never}", "periodic"), (", durability: {persistent: false}", "never"),
])
def test_single_leader_fsync_is_modelled(durability: str, fsync: str) -> None:
    m = one("  - {id: s, kind: database, replicas: 3, replication: {topology: single_leader, mode: sync, "
            f"read_from: leader, failover: {{mode: automatic, fencing: stonith}}}}{durability}}}")
    assert isinstance(m.settings, SingleLeaderSettings) and m.settings.fsync == fsync
    assert not m.unmodelled
    # an unstated durability is searched as fsync always but named as missing: it cannot give "holds"
    assert m.missing == (("stores.s.durability (searched as fsync before every acknowledgement, data kept on "
                          "restart)",) if not durability else ())


def test_fsync_stays_unmodelled_where_the_protocol_model_lacks_it() -> None:
    m = one("  - {id: s, kind: database, replicas: 3, replication: {topology: leaderless, quorum: {r: 2, w: 2, "
            "sloppy: false}, anti_entropy: {read_repair: false, hinted_handoff: true}}, durability: {fsync: periodic}}",
            "no_stale_reads")
    assert isinstance(m.settings, LeaderlessSettings) and any("fsync is periodic" in u for u in m.unmodelled)


def test_periodic_fsync_sync_fenced_leader_loses_writes_in_verify() -> None:
    m = model("  - {id: s, kind: database, replicas: 3, replication: {topology: single_leader, mode: sync, "
              "read_from: leader, failover: {mode: automatic, fencing: stonith}}, durability: {fsync: periodic}}",
              "  - {id: d, owner: app, store: s, consistency: linearizable}")
    [v] = verify_model(m, bounds=REVIEW_BOUNDS, budget=REVIEW_BUDGET)
    assert v.status == VIOLATED and v.anomaly == "lost acknowledged write"
    assert len(v.counterexample.steps) == 6  # type: ignore[union-attr]  # write, 2 replications, ack, crash, restart


def test_replicas_without_replication_settings_are_unknown() -> None:
    m = one("  - {id: s, kind: database, replicas: 3}")
    assert m.settings is None and m.missing == ("stores.s.replication",)


# --------------------------------------------------------------------------- consensus


@pytest.mark.parametrize(
    ("routing", "mode"),
    [
        ("read_from: followers", "follower"),
        ("read_from: leader, linearizable_reads: none", "leader_local"),
        ("read_from: leader, linearizable_reads: read_index", "read_index"),
        ("read_from: leader, linearizable_reads: quorum_read", "read_index"),
        ("read_from: quorum", "read_index"),
        ("read_from: leader, linearizable_reads: lease", "lease"),
    ],
)
def test_consensus_read_paths(routing: str, mode: str) -> None:
    m = one(f"  - {{id: s, kind: coordination, replicas: 3, replication: {{topology: consensus, protocol: raft, "
            f"{routing}}}, durability: {{fsync: always}}}}",
            extra="defaults: {max_clock_skew_ms: 10}")
    if mode == "lease":
        # pauses cannot be ruled out by the schema; the safe answer to "re-checked after one?" is searched
        assert m.settings == RaftSettings(read_mode="lease", bounded_clock_skew=True,
                                          faults=("crash", "partition", "pause"), lease_rechecked_after_pause=True)
        assert len(m.unmodelled) == 1 and "re-checks its lease on a monotonic clock" in m.unmodelled[0]
    else:
        assert m.settings == RaftSettings(read_mode=mode, bounded_clock_skew=True)  # type: ignore[arg-type]
        assert not m.unmodelled
    assert not m.missing


def test_lease_reads_never_hold_but_name_the_pause_assumption() -> None:
    m = model("  - {id: s, kind: coordination, replicas: 3, replication: {topology: consensus, protocol: raft, "
              "read_from: leader, linearizable_reads: lease}, durability: {fsync: always}}",
              "  - {id: d, owner: app, store: s, consistency: linearizable}",
              extra="defaults: {max_clock_skew_ms: 10}")
    [v] = verify_model(m, bounds=REVIEW_BOUNDS, budget=Budget(max_states=400_000, max_seconds=120))
    # the bounded space is exhausted without a violation (pauses included, lease re-checked after them) ...
    assert v.states < 400_000 and "no violation within bounds" in v.reason
    # ... but the verdict rests on something the model cannot state, so it is not "holds"
    assert v.status == UNKNOWN and "re-checks its lease on a monotonic clock" in v.reason


def test_lease_reads_without_a_skew_bound_are_missing_it() -> None:
    m = one("  - {id: s, kind: database, replicas: 5, replication: {topology: consensus, protocol: multi_paxos, "
            "read_from: leader, linearizable_reads: lease}}")
    assert isinstance(m.settings, RaftSettings) and m.settings.read_mode == "lease"
    assert any("max_clock_skew_ms" in x for x in m.missing)
    assert any("multi_paxos modelled as Raft-like" in a for a in m.assumptions)


def test_consensus_leader_reads_without_saying_how_are_missing() -> None:
    m = one("  - {id: s, kind: coordination, replicas: 3, replication: {topology: consensus, read_from: leader}}")
    assert m.missing == ("stores.s.replication.protocol (searched as Raft)", "stores.s.replication.linearizable_reads",
                         "stores.s.durability (searched as fsync before every acknowledgement, data kept on restart)")


# --------------------------------------------------------------------------- leaderless


def test_leaderless_large_n_is_scaled_keeping_the_quorum_shape() -> None:
    m = one("  - {id: s, kind: database, replicas: 9, replication: {topology: leaderless, quorum: {n: 9, r: 2, w: 2, "
            "sloppy: false}, anti_entropy: {read_repair: true, hinted_handoff: true}, "
            "conflict_resolution: {strategy: lww, clock: wall}}}", "causal")
    assert m.settings == LeaderlessSettings(n=3, r=1, w=1, sloppy_quorum=False, hinted_handoff=True,
                                            read_repair=True)
    assert any("clock skew between coordinators" in u for u in m.unmodelled)


@pytest.mark.parametrize(
    ("nrw", "scaled"),
    [((3, 1, 1), (3, 1, 1)), ((9, 2, 2), (3, 1, 1)), ((6, 3, 4), (3, 2, 2)), ((5, 3, 3), (3, 2, 2)),
     ((5, 1, 5), (3, 1, 3)), ((5, 5, 1), (3, 3, 1)), ((7, 1, 6), (3, 1, 2))],
)
def test_scale_quorum_keeps_overlap_and_all_replica_quorums(nrw: tuple[int, int, int],
                                                            scaled: tuple[int, int, int]) -> None:
    n, r, w = nrw
    assert _scale_quorum(n, r, w) == scaled
    n2, r2, w2 = scaled
    assert (r + w > n) == (r2 + w2 > n2)


def test_leaderless_unknowns() -> None:
    m = one("  - {id: s, kind: database, replicas: 3, replication: {topology: leaderless}}")
    assert m.settings is None and m.missing == ("stores.s.replication.quorum.r/w",)
    m = one("  - {id: s, kind: database, replicas: 3, replication: {topology: leaderless, quorum: {r: 2, w: 2}}}")
    assert isinstance(m.settings, LeaderlessSettings) and m.settings.sloppy_quorum is False
    assert "stores.s.replication.quorum.sloppy" in m.missing and "stores.s.replication.anti_entropy" in m.missing


# --------------------------------------------------------------------------- multi-leader


def test_multi_leader_lww_and_clocks() -> None:
    lww = "  - {{id: s, kind: database, replicas: 2, replication: {{topology: multi_leader, " \
          "conflict_resolution: {{strategy: lww{}}}}}}}"
    assert one(lww.format(", clock: wall"), "linearizable").settings == MultiLeaderSettings(clock_skew=(0, -2))
    bounded = one(lww.format(", clock: hybrid_logical, max_clock_skew_ms: 5"), "linearizable")
    assert bounded.settings == MultiLeaderSettings(clock_skew=(0, -2))  # writes < 5 ms apart still reorder
    assert any("less than 5 ms apart" in a for a in bounded.assumptions)
    assert one(lww.format(", clock: truetime"), "linearizable").settings == MultiLeaderSettings(clock_skew=(0, 0))
    zero = one(lww.format(", clock: wall"), "linearizable", extra="defaults: {max_clock_skew_ms: 0}")
    assert zero.settings == MultiLeaderSettings(clock_skew=(0, 0))


def test_multi_leader_crdt_and_unmodelled_resolutions() -> None:
    crdt = ("  - {id: s, kind: database, replicas: 3, replication: {topology: multi_leader, "
            "conflict_resolution: {strategy: crdt, crdt_type: or_set}}}")
    assert one(crdt, "no_lost_writes").settings == MultiLeaderSettings(conflict="crdt_set")
    # the session and causal checkers need registers
    assert one(crdt.replace("{topology: multi_leader,", "{topology: multi_leader, session_guarantees: none,"),
               "causal").settings is None
    merge = one("  - {id: s, kind: database, replicas: 3, replication: {topology: multi_leader, "
                "conflict_resolution: {strategy: merge_function}}}", "no_lost_writes")
    assert merge.settings is None and "merge function" in merge.reason
    bare = one("  - {id: s, kind: database, replicas: 3, replication: {topology: multi_leader}}", "no_lost_writes")
    assert bare.settings is None and bare.missing == ("stores.s.replication.conflict_resolution",)


# --------------------------------------------------------------------------- replicated log


LOG = ("  - {{id: s, kind: log, replicas: 3, replication: {{topology: single_leader{rep}}}}}\n"
       "topics:\n  - {{id: t, broker: s, producers: [{producers}]}}")


def test_log_takes_the_weakest_producer_acks() -> None:
    stores = LOG.format(rep=", quorum: {min_in_sync_replicas: 2}, unclean_leader_election: false",
                        producers="{service: app, acks: all}, {service: app, acks: '1'}")
    m = map_store(model(stores), "t", "sequential")
    assert m.settings == KafkaSettings(replication_factor=3, acks=1, min_insync_replicas=2,
                                       unclean_leader_election=False)
    assert m.topic == "t" and m.store == "s"
    assert m.missing == ("stores.s.durability (searched as fsync before every acknowledgement, data kept on restart)",)


def test_log_missing_acks_isr_and_unclean_election() -> None:
    stores = LOG.format(rep="", producers="{service: app}")
    m = map_store(model(stores), "t", "sequential")
    assert m.settings == KafkaSettings(replication_factor=3, acks="all", min_insync_replicas=3,
                                       unclean_leader_election=False)
    assert m.missing == ("topics.t.producers[0].acks (app)", "stores.s.replication.quorum.min_in_sync_replicas",
                         "stores.s.replication.unclean_leader_election",
                         "stores.s.durability (searched as fsync before every acknowledgement, data kept on restart)")


def test_log_fsync_never_means_page_cache_acknowledgements() -> None:
    stores = LOG.format(rep=", quorum: {min_in_sync_replicas: 2}, unclean_leader_election: false}, "
                        "durability: {fsync: never, persistent: true", producers="{service: app, acks: all}")
    m = map_store(model(stores), "t", "no_lost_writes")
    assert m.settings == KafkaSettings(replication_factor=3, acks="all", min_insync_replicas=2,
                                       unclean_leader_election=False, fsync="periodic")
    assert not m.unmodelled and any("page cache" in a for a in m.assumptions)


# --------------------------------------------------------------------------- verdicts


def test_missing_setting_with_a_violation_anyway_is_violated() -> None:
    # async replication loses the write whatever the (unstated) fencing is
    m = model("  - {id: s, kind: database, replicas: 2, replication: {topology: single_leader, mode: async, "
              "read_from: leader, failover: {mode: automatic}}}",
              "  - {id: d, owner: app, store: s, consistency: linearizable}")
    [v] = verify_model(m, bounds=REVIEW_BOUNDS, budget=REVIEW_BUDGET)
    assert v.status == VIOLATED and v.missing == (
        "stores.s.replication.failover.fencing",
        "stores.s.durability (searched as fsync before every acknowledgement, data kept on restart)")
    assert "safest value" in v.reason


def test_missing_setting_without_a_violation_is_unknown_and_names_it() -> None:
    # (a sync leader with fencing unstated no longer serves: at 2 faults it breaks even when fenced)
    m = model("  - {id: s, kind: database, replicas: 3, replication: {topology: leaderless, quorum: {n: 3, r: 2, "
              "w: 2}, anti_entropy: {read_repair: false, hinted_handoff: true}}, durability: {fsync: always}}",
              "  - {id: d, owner: app, store: s, consistency: read_your_writes}")
    [v] = verify_model(m)
    assert "no violation within bounds" in v.reason  # the search space was exhausted ...
    assert v.status == UNKNOWN and v.missing == ("stores.s.replication.quorum.sloppy",)  # ... but sloppy is unsaid


def test_eventual_is_not_checked_and_domains_without_requirement_are_skipped() -> None:
    m = model("  - {id: s, kind: database, replicas: 1}",
              "  - {id: d, owner: app, store: s, consistency: eventual}\n  - {id: e, owner: app, store: s}")
    [v] = verify_model(m)
    assert v.domain == "d" and v.status == NOT_CHECKED and v.checked is None


def test_unknown_domain_raises() -> None:
    m = model("  - {id: s, kind: database, replicas: 1}", "  - {id: d, owner: app, store: s, consistency: eventual}")
    with pytest.raises(KeyError):
        verify_model(m, domain="nope")


def _verdicts(name: str, budget: Budget | None = None) -> dict[str, tuple[str, str | None, int | None]]:
    """(status, anomaly, steps) at the `pacelc verify` bounds and budget, which settle every example domain."""
    m = load([str(EXAMPLES / name / "system.yaml")]).model
    found = verify_model(m, bounds=VERIFY_BOUNDS, budget=budget or VERIFY_BUDGET)
    return {v.domain: (v.status, v.anomaly, len(v.counterexample.steps) if v.counterexample else None)
            for v in found}


@pytest.mark.parametrize("name", ["checkout", "collab", "platform"])
def test_review_budget_finds_every_violation_the_verify_budget_finds(name: str) -> None:
    """The review stops early (it only needs counterexamples); it must not miss one, nor find a longer one."""
    full = {d: v for d, v in _verdicts(name).items() if v[0] == VIOLATED}
    quick = {d: v for d, v in _verdicts(name, REVIEW_BUDGET).items() if v[0] == VIOLATED}
    assert quick == full


LOST = "lost acknowledged write"
#: a sync, fenced leader crashes holding an unreplicated write, restarts, serves it, crashes, fails over
RESTARTED = "non-linearizable read (new value seen, then old)"


def test_checkout_verdicts() -> None:
    v = _verdicts("checkout")
    # deliberate flaws: async + unfenced automatic failover under linearizable, rpo 0; in-memory Redis restarts empty
    assert v["stock"] == (VIOLATED, LOST, 4)
    assert v["payment-idempotency"] == (VIOLATED, LOST, 3)
    # sync + lease fencing + leader reads: broken by the 2-fault restart before failover (7 steps)
    assert v["orders"] == (VIOLATED, RESTARTED, 7)
    assert v["ledger"] == (VIOLATED, "sequential violation", 7)  # the same history under sequential
    assert v["shipments"] == (HOLDS, None, None)  # a single copy
    # Raft with lease reads: no violation within bounds, but a lease rests on its re-check after a process pause,
    # which the model cannot state
    assert v["payments"][0] == UNKNOWN and v["carts"][0] == UNKNOWN
    # async replica promoted by hand; a cache of bounded-staleness data (both real, both left to CNS050's policy)
    assert v["coupons"] == (VIOLATED, LOST, 4) and v["stock-availability"] == (VIOLATED, LOST, 3)


def test_collab_verdicts() -> None:
    v = _verdicts("collab")
    assert v["doc-permissions"] == (VIOLATED, "stale read", 5)  # R + W <= N under a causal requirement
    assert v["comments"] == (VIOLATED, "stale read", 5)  # R=1 W=1 under read-your-writes
    assert v["entitlements"] == (VIOLATED, "stale read", 6)  # async replica, manual failover
    assert v["accounts"][0] == UNKNOWN  # lease reads, no clock-skew bound stated
    assert v["docs"][0] == UNKNOWN and v["workspace-members"][0] == UNKNOWN  # CRDTs with session routing
    assert {v[d][0] for d in ("presence", "reactions", "attachment-blobs", "search-docs")} == {NOT_CHECKED}


def test_platform_verdicts() -> None:
    v = _verdicts("platform")
    assert v["desired-state"] == (VIOLATED, "stale read", 5)  # etcd follower reads, linearizable domain
    assert v["audit-log"] == (VIOLATED, LOST, 3)  # acks=1 from the page cache, fsync never: a power loss
    assert v["charges"] == (VIOLATED, LOST, 4) and v["runtime-config"] == (VIOLATED, LOST, 3)
    assert v["jobs"] == (VIOLATED, RESTARTED, 7)  # sync Patroni with lease fencing, restarted before failover
    assert v["job-locks"] == (VIOLATED, LOST, 3)  # in-memory single Redis: a restart empties it
    assert v["artifacts"][0] == UNKNOWN  # sloppy quorums not stated
    assert v["secrets"] == (HOLDS, None, None)  # Raft read-index
    assert {v[d][0] for d in ("quotas", "usage")} == {NOT_CHECKED}


def test_two_faults_break_a_sync_fenced_leader_that_restarts_before_failover() -> None:
    """The reason the bounds have 2 faults: the restarted leader serves a write no follower has."""
    m = load([str(EXAMPLES / "checkout" / "system.yaml")]).model
    [v] = verify_model(m, domain="orders")
    assert v.status == VIOLATED and v.anomaly == RESTARTED
    steps = v.steps
    assert len(v.counterexample.steps) == 7  # type: ignore[union-attr]
    assert sum("FAULT" in s for s in steps) == 2 and any("restarts" in s for s in steps)
    assert "failover" in steps[6]
    # one fault is not enough to break the same store
    [d] = verify_model(m, domain="orders", bounds=replace(VERIFY_BOUNDS, faults=1))
    assert d.status == HOLDS


def test_output_is_deterministic_and_json_ready() -> None:
    m = load([str(EXAMPLES / "platform" / "system.yaml")]).model
    a = [v.to_dict() for v in verify_model(m, bounds=REVIEW_BOUNDS, budget=REVIEW_BUDGET)]
    b = [v.to_dict() for v in verify_model(m, bounds=REVIEW_BOUNDS, budget=REVIEW_BUDGET)]
    assert json.dumps(a) == json.dumps(b)
    assert all("seconds" not in d for d in a)
    desired = next(d for d in a if d["domain"] == "desired-state")
    assert desired["counterexample"][0].startswith("1. client 0 invokes write")
