"""The Raft reductions are sound: the reduced search finds every violation the plain one finds.

Three reductions are checked, each against the plain search (whole histories in the state
key, every commit index and lease flag kept, no client symmetry):

* the checker's linearizability summary (:class:`LinMonitor`) instead of the history,
  against the history checker on random histories;
* client symmetry and the Raft abstraction (unobservable commit indexes and lease flags),
  by comparing verdicts and shortest counterexample lengths on small bounds.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacelc.analysis.consistency import HOLDS, VIOLATED, Bounds, Budget, CheckResult, RaftSettings, explore
from pacelc.analysis.consistency.checker import LinMonitor
from pacelc.analysis.consistency.checkers import LINEARIZABLE, check
from pacelc.analysis.consistency.history import history_from_events
from pacelc.analysis.consistency.protocols.raft import Raft

BUDGET = Budget(max_states=3_000_000, max_seconds=600)
PAUSE = ("crash", "partition", "pause")


@functools.cache
def _run(s: RaftSettings, bounds: Bounds, model_reduce: bool = True, engine_reduce: bool = True) -> CheckResult:
    return explore(Raft(s, bounds.replicas, bounds.clients, reduce=model_reduce), LINEARIZABLE, bounds, BUDGET,
                   reduce=engine_reduce)


def _id(s: RaftSettings) -> str:
    skew = "" if s.bounded_clock_skew else "-unbounded"
    recheck = "-recheck" if s.lease_rechecked_after_pause else ""
    return f"{s.read_mode}{skew}-{'+'.join(s.faults)}{recheck}"


def _steps(r: CheckResult) -> int | None:
    return len(r.counterexample.steps) if r.counterexample else None


# ---------------------------------------------------------------------------
# the linearizability summary agrees with the history checker


@st.composite
def event_sequences(draw: st.DrawFn, clients: int = 3, max_ops: int = 6) -> list[tuple[Any, ...]]:
    """Client events with unique written values; results drawn from small sets so that
    both verdicts occur; some returns fail, some operations stay pending."""
    events: list[tuple[Any, ...]] = []
    open_: dict[int, tuple[str, str]] = {}
    invoked = 0
    value = 0
    n = draw(st.integers(1, max_ops))
    while invoked < n or open_:
        choices = [("i", c) for c in range(clients) if c not in open_] if invoked < n else []
        choices += [("r", c) for c in sorted(open_)]
        if invoked >= n and draw(st.booleans()):
            break  # leave the rest pending
        tag, c = draw(st.sampled_from(choices))
        if tag == "i":
            # x is a register (read, write, cas), y a list (read, append)
            key = draw(st.sampled_from(["x", "y"]))
            kind = draw(st.sampled_from(["read", "read", "write", "write", "cas"] if key == "x" else
                                        ["read", "append"]))
            value += 1
            arg: Any = None
            if kind in ("write", "append"):
                arg = value
            elif kind == "cas":
                arg = (draw(st.sampled_from([None, *range(1, value)])), value)
            events.append(("i", c, kind, key, arg))
            open_[c] = (kind, key)
            invoked += 1
        else:
            kind, key = open_.pop(c)
            ok = draw(st.integers(0, 5)) > 0
            result: Any = None
            if kind == "read" and key == "x":
                result = draw(st.sampled_from([None, *range(1, value + 1)]))
            elif kind == "read":
                vals = range(1, value + 1)
                result = draw(st.sampled_from([None, *((v,) for v in vals),
                                               *((v, w) for v in vals for w in vals if v < w)]))
            elif kind == "cas":
                result = draw(st.booleans())
            events.append(("r", c, result, ok))
    return events


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_sequences(), st.sampled_from([None, 1, 2, 3]))
def test_summary_matches_history_checker_on_every_prefix(events: list[tuple[Any, ...]], final: int | None) -> None:
    mon = LinMonitor(3)
    sid = 0
    for i, ev in enumerate(events):
        sid = mon.step(sid, ev)
        prefix = events[: i + 1]
        assert bool(mon.summaries[sid][1]) == check(history_from_events(prefix), LINEARIZABLE).ok
        fin = (("x", final),)
        assert mon.final_ok(sid, fin) == check(history_from_events([*prefix, ("q", "x", final)]), LINEARIZABLE).ok


@settings(max_examples=200, deadline=None)
@given(event_sequences(clients=2))
def test_summary_of_client_renamed_history_is_the_renamed_summary(events: list[tuple[Any, ...]]) -> None:
    mon = LinMonitor(2)
    a = b = 0
    for ev in events:
        a = mon.step(a, ev)
        b = mon.step(b, (ev[0], 1 - ev[1], *ev[2:]))
    assert mon.permute(a, (1, 0)) == b


# ---------------------------------------------------------------------------
# reduced search against the plain one


VIOLATED_CASES = [
    (RaftSettings(read_mode="follower"), 5),
    (RaftSettings(read_mode="leader_local"), 7),
    (RaftSettings(read_mode="lease", bounded_clock_skew=False), 7),
    (RaftSettings(read_mode="lease", faults=PAUSE), 8),
]


@pytest.mark.parametrize(("s", "steps"), VIOLATED_CASES)
def test_reduced_search_finds_the_same_shortest_counterexample_at_default_bounds(s: RaftSettings, steps: int) -> None:
    plain = _run(s, Bounds(), model_reduce=False, engine_reduce=False)
    reduced = _run(s, Bounds())
    assert plain.status == reduced.status == VIOLATED
    assert _steps(plain) == _steps(reduced) == steps
    assert reduced.anomaly == plain.anomaly == "stale read"
    assert reduced.states < plain.states


SETTINGS = [
    RaftSettings(read_mode="follower"),
    RaftSettings(read_mode="leader_local"),
    RaftSettings(read_mode="read_index"),
    RaftSettings(read_mode="lease"),
    RaftSettings(read_mode="lease", bounded_clock_skew=False),
    RaftSettings(read_mode="lease", faults=PAUSE),
    RaftSettings(read_mode="lease", faults=PAUSE, lease_rechecked_after_pause=True),
    RaftSettings(read_mode="read_index", faults=PAUSE),
    RaftSettings(read_mode="leader_local", faults=("pause",)),
    RaftSettings(read_mode="lease", faults=("partition",)),
]


@pytest.mark.parametrize("bounds", [Bounds(ops=2, faults=1), Bounds(ops=3, faults=1), Bounds(ops=2, faults=2)],
                         ids=lambda b: f"{b.ops}ops-{b.faults}faults")
@pytest.mark.parametrize("s", SETTINGS, ids=_id)
def test_reduced_and_plain_search_agree(s: RaftSettings, bounds: Bounds) -> None:
    plain = _run(s, bounds, model_reduce=False, engine_reduce=False)
    reduced = _run(s, bounds)
    assert plain.status in (HOLDS, VIOLATED)
    assert (reduced.status, _steps(reduced)) == (plain.status, _steps(plain))
    assert reduced.states <= plain.states


@pytest.mark.parametrize(("model_reduce", "engine_reduce"), [(True, False), (False, True)])
@pytest.mark.parametrize("s", SETTINGS, ids=_id)
def test_each_reduction_alone_agrees_with_the_plain_search(s: RaftSettings, model_reduce: bool,
                                                           engine_reduce: bool) -> None:
    bounds = Bounds(ops=3, faults=1)
    plain = _run(s, bounds, model_reduce=False, engine_reduce=False)
    one = _run(s, bounds, model_reduce, engine_reduce)
    assert (one.status, _steps(one)) == (plain.status, _steps(plain))


def test_client_symmetry_merges_states_without_changing_the_verdict() -> None:
    class NoClientSymmetry(Raft):
        permute_clients = None  # type: ignore[assignment]

    s = RaftSettings(read_mode="read_index")
    bounds = Bounds(ops=3, faults=1)
    without = explore(NoClientSymmetry(s), LINEARIZABLE, bounds, BUDGET)
    with_ = _run(s, bounds)
    assert without.status == with_.status == HOLDS
    assert with_.states < without.states


def test_plain_model_is_the_model_before_the_reductions() -> None:
    # state counts of the plain search, measured before the reductions existed
    bounds = Bounds(ops=3, faults=1)
    assert _run(RaftSettings(read_mode="read_index"), bounds, False, False).states == 185_784
    assert _run(RaftSettings(read_mode="follower"), bounds, False, False).states == 901
    assert _run(RaftSettings(read_mode="leader_local"), bounds, False, False).states == 13_336
