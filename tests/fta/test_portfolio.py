"""The two-process race: forked workers, first success wins, budgets and failures reported."""

from __future__ import annotations

import math
import os
import time

import pytest

from pacelc.analysis.fta import analyze, compile_tree, probability
from pacelc.analysis.fta import bdd as bdd_module
from pacelc.analysis.fta import portfolio as portfolio_module
from pacelc.analysis.fta.bdd import variable_order
from pacelc.analysis.fta.budget import Budget, BudgetExceeded, Status
from pacelc.analysis.fta.portfolio import available_workers, first_result

from .test_properties import _heavy_tree

pytestmark = pytest.mark.skipif(available_workers() < 2, reason="needs fork and two CPUs")


def _sleep_then(seconds: float, value: object) -> object:
    time.sleep(seconds)
    return value


def test_the_first_success_wins_and_the_other_worker_is_stopped() -> None:
    assert first_result([lambda: _sleep_then(30, "slow"), lambda: "fast"], Budget(60).start()) == "fast"


def test_killed_workers_are_reaped_without_waiting_for_them() -> None:
    assert first_result([lambda: _sleep_then(30, "slow"), lambda: "fast"], Budget(60).start()) == "fast"
    deadline = time.monotonic() + 5
    while portfolio_module._unreaped and time.monotonic() < deadline:
        time.sleep(0.01)
        portfolio_module._reap()
    assert portfolio_module._unreaped == []  # no zombie left behind


def test_after_fork_runs_once_in_the_parent_while_the_workers_work() -> None:
    parent = os.getpid()
    seen: list[int] = []
    result = first_result(
        [lambda: _sleep_then(0.2, "done")], Budget(60).start(), after_fork=lambda: seen.append(os.getpid())
    )
    assert (result, seen) == ("done", [parent])


def test_the_workers_left_behind_yield_the_cpu() -> None:
    # The losing worker, once another one has finished, and a finished worker's exit run at the
    # lowest priority (nice 19), so that they do not slow the parent down.
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    try:
        before = os.getpriority(os.PRIO_PROCESS, pid)
        portfolio_module._lower_priority([pid])
        assert (before, os.getpriority(os.PRIO_PROCESS, pid)) == (os.getpriority(os.PRIO_PROCESS, 0), 19)
        portfolio_module._lower_priority([2**22 + 12345])  # no such process: nothing to do, no error
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


def test_a_failed_worker_does_not_slow_the_other_one_down() -> None:
    # Only a success lowers the other workers' priority: after a failure, the one left is the
    # answer (das9701 at a 5M-node budget: only dfs-small fits).
    def boom() -> None:
        raise ValueError("broken order")

    def own_priority_later() -> int:
        time.sleep(0.3)
        return os.getpriority(os.PRIO_PROCESS, 0)

    assert first_result([boom, own_priority_later], Budget(60).start()) == os.getpriority(os.PRIO_PROCESS, 0)


def test_a_failed_worker_leaves_the_other_one_to_finish() -> None:
    def boom() -> None:
        raise ValueError("broken order")

    assert first_result([boom, lambda: _sleep_then(0.05, 42)], Budget(60).start()) == 42


def test_when_every_worker_fails_the_budget_stop_is_raised() -> None:
    budget = Budget(60, max_nodes=1000).start()

    def too_many() -> None:
        raise budget.too_many(1000)

    def boom() -> None:
        raise ValueError("broken order")

    with pytest.raises(BudgetExceeded) as e:
        first_result([boom, too_many], budget)
    assert e.value.status is Status.NODE_BUDGET and "1,000 nodes" in str(e.value)


def test_an_internal_error_in_every_worker_is_not_hidden() -> None:
    def boom() -> None:
        raise ValueError("broken order")

    with pytest.raises(RuntimeError, match="ValueError: broken order"):
        first_result([boom, boom], Budget(60).start())


def test_workers_that_outlive_the_budget_are_killed_and_the_time_budget_reported() -> None:
    budget = Budget(0.2).start()
    with pytest.raises(BudgetExceeded) as e:
        first_result([lambda: _sleep_then(30, 1), lambda: _sleep_then(30, 2)], budget)
    assert e.value.status is Status.TIME_BUDGET


def test_parallel_compilation_gives_the_same_function(monkeypatch: pytest.MonkeyPatch) -> None:
    # Six 10-of-60 gates take ~0.5 s in the first order, far past the head start: the race goes
    # to the workers.
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)
    calls = []
    real = portfolio_module.first_result

    def counting(jobs, budget, after_fork=None):  # type: ignore[no-untyped-def]
        calls.append(len(jobs))
        return real(jobs, budget, after_fork)

    monkeypatch.setattr(portfolio_module, "first_result", counting)
    parallel = compile_tree(tree, Budget(60).start(), workers=2)
    sequential = compile_tree(tree, Budget(60).start(), workers=1)
    assert calls == [2]
    assert math.isclose(
        probability(parallel.graph, parallel.probs), probability(sequential.graph, sequential.probs), rel_tol=1e-12
    )


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("stalls", [False, True])
def test_a_stalled_first_candidate_lets_the_second_try_in_this_process(
    monkeypatch: pytest.MonkeyPatch, workers: int, stalls: bool
) -> None:
    # Whether or not the first candidate counts as stalled (so that the second one gets its try
    # in this process, and both are carried on by the workers), the function is the same.
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)
    ref = compile_tree(tree, Budget(60).start(), order=variable_order(tree, "dfs"), modules=False)
    monkeypatch.setattr(bdd_module, "STALL_GATES", 10**9 if stalls else 0)
    started: list[str] = []
    real = bdd_module._new_trial

    def recording(dec, budget, backend, heuristic):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            started.append(heuristic)
        return real(dec, budget, backend, heuristic)

    parent = os.getpid()
    monkeypatch.setattr(bdd_module, "_new_trial", recording)
    c = compile_tree(tree, Budget(60).start(), workers=workers)
    if workers == 2:  # one process: the second candidate joins the race later anyway
        assert started == (["dfs-small", "force-dfs-small"] if stalls else ["dfs-small"])
    assert math.isclose(probability(c.graph, c.probs), probability(ref.graph, ref.probs), rel_tol=1e-12)


def test_analysis_results_do_not_depend_on_the_workers() -> None:
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)
    one, two = analyze(tree, order=2, count=False, workers=1), analyze(tree, order=2, count=False, workers=2)
    assert one.status is Status.OK and two.status is Status.OK
    assert one.distribution == two.distribution
    assert [c.events for c in one.cut_sets] == [c.events for c in two.cut_sets]
    assert one.probability is not None and two.probability is not None
    assert math.isclose(one.probability, two.probability, rel_tol=1e-12)


def test_without_fork_the_race_runs_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise OSError("fork: resource temporarily unavailable")

    monkeypatch.setattr(portfolio_module.os, "fork", no_fork)
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)
    c = compile_tree(tree, Budget(60).start(), workers=2)
    ref = compile_tree(tree, Budget(60).start(), workers=1)
    assert math.isclose(probability(c.graph, c.probs), probability(ref.graph, ref.probs), rel_tol=1e-12)


def test_when_every_worker_fails_the_last_one_to_stop_is_reported() -> None:
    # The analysis stopped when the last worker gave up: its elapsed time is the one to report.
    budget = Budget(60, max_nodes=1000).start()

    def too_many_after(seconds: float) -> None:
        time.sleep(seconds)
        raise budget.too_many(1000)

    with pytest.raises(BudgetExceeded) as e:
        first_result([lambda: too_many_after(0.0), lambda: too_many_after(0.3)], budget)
    assert e.value.elapsed >= 0.3


def _record_trials(monkeypatch, fail=()):  # type: ignore[no-untyped-def]
    """Make `_new_trial` record the heuristics it starts (the list returned); those in `fail`
    exceed the node budget at their first gates."""
    started: list[str] = []
    real = bdd_module._new_trial

    def recording(dec, budget, backend, heuristic):  # type: ignore[no-untyped-def]
        started.append(heuristic)
        trial = real(dec, budget, backend, heuristic)
        if heuristic in fail:
            trial.max_nodes = 10
        return trial

    monkeypatch.setattr(bdd_module, "_new_trial", recording)
    return started


def _run_job(tree, candidates, monkeypatch, fail=()):  # type: ignore[no-untyped-def]
    """Run a worker's job in this process; the heuristics started, and the winner's."""
    dec = bdd_module.decompose(tree, force=True)
    started = _record_trials(monkeypatch, fail)
    job = bdd_module._one_after_another(dec, Budget(60).start(), "cudd", candidates, {})
    try:
        job()
        winner = bdd_module._kept_until_exit[-1].heuristic  # the finished trial, kept by `_payload`
    finally:
        while bdd_module._kept_until_exit:  # a worker keeps them until it exits; this is no worker
            bdd_module._kept_until_exit.pop().release()
    return started, winner


def test_a_force_order_out_of_patience_yields_to_the_next_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    # das9701: force-dfs-small grows for 30 s towards the node budget, dfs-large finishes in 9 s.
    monkeypatch.setattr(bdd_module, "FORCE_PATIENCE_S", 1e-4)
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)  # ~0.5 s: never done in one slice
    assert _run_job(tree, ("force-dfs-small", "dfs-large"), monkeypatch) == (
        ["force-dfs-small", "dfs-large"],
        "dfs-large",
    )


def test_a_suspended_force_order_resumes_when_the_next_candidates_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bdd_module, "FORCE_PATIENCE_S", 1e-4)
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)  # ~0.5 s: never done in one slice
    started, winner = _run_job(tree, ("force-dfs-small", "dfs-large"), monkeypatch, fail={"dfs-large"})
    assert (started, winner) == (["force-dfs-small", "dfs-large"], "force-dfs-small")


def test_patience_does_not_apply_to_the_last_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bdd_module, "FORCE_PATIENCE_S", 1e-4)
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)  # ~0.5 s: never done in one slice
    assert _run_job(tree, ("dfs-small", "force-dfs"), monkeypatch, fail={"dfs-small"}) == (
        ["dfs-small", "force-dfs"],
        "force-dfs",
    )


def _run_race(tree, monkeypatch, fail=(), lanes=None, second_first=False):  # type: ignore[no-untyped-def]
    """Run the one-process race from scratch; the heuristics started, in order, and the winner's."""
    dec = bdd_module.decompose(tree, force=True)
    started = _record_trials(monkeypatch, fail)
    if lanes is not None:
        monkeypatch.setattr(bdd_module, "PARALLEL_CANDIDATES", lanes)
    winner = bdd_module._race(dec, Budget(60).start(), "cudd", {}, set(), second_first=second_first)
    winner.release()
    return started, winner.heuristic


def test_the_one_process_race_runs_the_workers_lanes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each lane is a worker's sequence: the second order of a lane starts only once the first is
    # out (here on the node budget), while the other lane goes on.
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)
    started, winner = _run_race(
        tree,
        monkeypatch,
        fail={"dfs-small", "force-dfs-small"},
        lanes=(("dfs-small", "dfs"), ("force-dfs-small", "dfs-large")),
    )
    assert started[:2] == ["dfs-small", "force-dfs-small"]
    assert set(started[2:]) <= {"dfs", "dfs-large"} and started[2:]
    assert winner in {"dfs", "dfs-large"}


def test_in_the_one_process_race_a_force_order_out_of_patience_yields_in_its_lane(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bdd_module, "FORCE_PATIENCE_S", 1e-4)
    tree = _heavy_tree(copies=6, n=60, k=10, events=80)  # ~0.5 s: never done in one slice
    started, winner = _run_race(
        tree, monkeypatch, fail={"dfs-small"}, lanes=(("dfs-small",), ("force-dfs-small", "dfs-large"))
    )
    assert started == ["dfs-small", "force-dfs-small", "dfs-large"]
    assert winner == "dfs-large"


def test_the_lane_that_did_not_stall_goes_first_on_a_tie(monkeypatch: pytest.MonkeyPatch) -> None:
    # The tree finishes within the first slice, so the other lane's order is never even started.
    tree = _heavy_tree(copies=2, n=20, k=4, events=30)
    lanes = (("dfs-small",), ("dfs-large",))
    assert _run_race(tree, monkeypatch, lanes=lanes) == (["dfs-small"], "dfs-small")
    assert _run_race(tree, monkeypatch, lanes=lanes, second_first=True) == (["dfs-large"], "dfs-large")
