"""Engine against brute-force enumeration on small random trees (both BDD backends)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacelc.analysis.fta import FaultTree, Gate, GateKind, analyze, compile_tree, probability, read_mef
from pacelc.analysis.fta.bdd import _CuddNative, _TooSlow, _Trial, force_order, variable_order
from pacelc.analysis.fta.budget import Budget, Status
from pacelc.analysis.fta.mcs import Zbdd

from .conftest import DATA, needs_data

KINDS = [GateKind.AND, GateKind.OR, GateKind.ATLEAST, GateKind.NOT, GateKind.XOR, GateKind.NAND, GateKind.NOR]


@st.composite
def trees(draw: st.DrawFn, kinds: list[GateKind] = KINDS, max_gates: int = 7, max_args: int = 4) -> FaultTree:
    n_events = draw(st.integers(1, 8))
    events = {f"e{i}": draw(st.sampled_from([0.0, 0.01, 0.1, 0.3, 0.5, 0.9, 1.0])) for i in range(n_events)}
    n_gates = draw(st.integers(1, max_gates))
    gates: list[Gate] = []
    for gi in range(n_gates - 1, -1, -1):  # gate i may use gates j > i: acyclic by construction
        pool = list(events) + [f"g{j}" for j in range(gi + 1, n_gates)]
        kind = draw(st.sampled_from(kinds))
        if kind is GateKind.NOT:
            args = (draw(st.sampled_from(pool)),)
        else:
            args = tuple(
                draw(st.lists(st.sampled_from(pool), min_size=2, max_size=max_args, unique=True))
                if len(pool) >= 2
                else [pool[0]]
            )
            if len(args) < 2:
                kind = GateKind.NULL
        k = draw(st.integers(1, len(args))) if kind is GateKind.ATLEAST else None
        gates.append(Gate(f"g{gi}", kind, args, k))
    return FaultTree.build("rand", "g0", events, gates)


def evaluate(tree: FaultTree, true: set[str]) -> bool:
    val: dict[str, bool] = {e: e in true for e in tree.basic_events}
    for g in tree.postorder():
        gate = tree.gates[g]
        xs = [val[a] for a in gate.args]
        n = sum(xs)
        val[g] = {
            GateKind.AND: n == len(xs),
            GateKind.OR: n > 0,
            GateKind.NAND: n < len(xs),
            GateKind.NOR: n == 0,
            GateKind.XOR: n % 2 == 1,
            GateKind.NOT: not xs[0],
            GateKind.NULL: xs[0],
            GateKind.ATLEAST: n >= (gate.k or 0),
        }[gate.kind]
    return val[tree.top]


def brute(tree: FaultTree) -> tuple[float, set[frozenset[str]]]:
    names = list(tree.basic_events)
    p = 0.0
    true_sets: list[frozenset[str]] = []
    for bits in itertools.product([False, True], repeat=len(names)):
        s = {n for n, b in zip(names, bits, strict=True) if b}
        if evaluate(tree, s):
            p += math.prod(tree.basic_events[n] if n in s else 1 - tree.basic_events[n] for n in names)
            true_sets.append(frozenset(s))
    minimal = {s for s in true_sets if not any(t < s for t in true_sets)}
    # Events not reachable from the top do not appear in the BDD: they cannot be in a minimal set.
    return p, minimal


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_probability_and_cut_sets_match_brute_force(tree: FaultTree) -> None:
    p, minimal = brute(tree)
    results = [analyze(tree, order=63, backend=b, budget_s=30) for b in ("cudd", "python")]
    for r in results:
        assert r.status is Status.OK
        assert r.probability is not None
        assert math.isclose(r.probability, p, rel_tol=1e-9, abs_tol=1e-15)
        assert r.cut_set_count == len(minimal)
        assert {frozenset(c.events) for c in r.cut_sets} == minimal
        keys = [(c.order, -c.probability, c.events) for c in r.cut_sets]
        assert keys == sorted(keys)
        assert r.rare_event is not None and r.mcub is not None
        if tree.is_coherent():
            assert r.mcub <= r.rare_event + 1e-12
            assert p <= r.mcub + 1e-12
    assert results[0].cut_sets == results[1].cut_sets


@settings(max_examples=60, deadline=None)
@given(trees(), st.integers(0, 3))
def test_order_limited_is_a_prefix(tree: FaultTree, k: int) -> None:
    budget = Budget(30).start()
    g = compile_tree(tree, budget).graph
    z = Zbdd(len(g.order), budget)
    full = {frozenset(s) for s in z.sets(z.minsol(g))}
    z2 = Zbdd(len(g.order), budget)
    lim = {frozenset(s) for s in z2.sets(z2.minsol(g, k))}
    assert lim == {s for s in full if len(s) <= k}


ORDERS = ["dfs", "dfs-small", "dfs-large", "bfs", "force-dfs", "force-dfs-small", "force-dfs-large"]


@settings(max_examples=40, deadline=None)
@given(trees(), st.sampled_from(ORDERS))
def test_orders_agree(tree: FaultTree, order: str) -> None:
    c = compile_tree(tree, Budget(30).start(), order=order)
    ref = compile_tree(tree, Budget(30).start(), order="dfs")
    assert math.isclose(probability(c.graph, c.probs), probability(ref.graph, ref.probs), rel_tol=1e-12, abs_tol=1e-15)


@settings(max_examples=60, deadline=None)
@given(trees())
def test_force_order_is_a_permutation_of_the_events(tree: FaultTree) -> None:
    seed = variable_order(tree, "dfs")
    assert sorted(force_order(tree, seed)) == sorted(seed)


def test_force_order_brings_a_gates_events_together() -> None:
    # Two OR gates whose events the seed interleaves: FORCE must put each gate's events side by side.
    events = {f"a{i}": 0.1 for i in range(4)} | {f"b{i}": 0.1 for i in range(4)}
    gates = [
        Gate("top", GateKind.AND, ("ga", "gb")),
        Gate("ga", GateKind.OR, ("a0", "a1", "a2", "a3")),
        Gate("gb", GateKind.OR, ("b0", "b1", "b2", "b3")),
    ]
    tree = FaultTree.build("interleaved", "top", events, gates)
    order = force_order(tree, ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"])
    groups = [name[0] for name in order]
    assert groups in (list("aaaabbbb"), list("bbbbaaaa"))


@settings(max_examples=40, deadline=None)
@given(trees(), st.integers(1, 5))
def test_top_n_are_the_most_probable(tree: FaultTree, n: int) -> None:
    all_sets = analyze(tree, order=63).cut_sets
    top = analyze(tree, order=63, top_n=n).cut_sets
    assert len(top) == min(n, len(all_sets))
    if top:
        worst = min(c.probability for c in top)
        assert sum(c.probability > worst for c in all_sets) <= len(top)


def _heavy_tree(copies: int = 4, n: int = 40, k: int = 8, events: int = 60, top: GateKind = GateKind.AND) -> FaultTree:
    """The AND (or `top`) of `copies` k-of-n gates over shifted event lists: heavy enough for tiny
    budgets."""
    probs = {f"e{i}": 0.1 for i in range(events)}
    gates = [Gate("top", top, tuple(f"k{j}" for j in range(copies)))]
    for j in range(copies):
        gates.append(Gate(f"k{j}", GateKind.ATLEAST, tuple(f"e{(i * (j + 1)) % events}" for i in range(n)), k))
    return FaultTree.build("heavy", "top", probs, gates)


def test_budget_stops_are_clean() -> None:
    r = analyze(_heavy_tree(), max_nodes=1000, budget_s=30)
    assert r.status is Status.NODE_BUDGET
    assert r.message is not None and r.message.startswith("stopped: ") and "1,000 nodes" in r.message


@pytest.mark.parametrize("top", [GateKind.AND, GateKind.XOR])
def test_a_suspended_trial_resumes_to_the_same_bdd(top: GateKind) -> None:
    # A race candidate whose gate overruns its time slice is suspended before that gate and
    # compiled on from there later; the result must equal an uninterrupted compilation.
    # Five 10-of-60 gates: the top gate alone takes ~0.1 s, far past a 1 ms slice. XOR goes
    # through dd's `apply`, which reports CUDD's time-out as a RuntimeError, not a ValueError
    # (das9601 crashed on it once the head start counted CPU time).
    tree = _heavy_tree(copies=5, n=60, k=10, events=80, top=top)
    names = variable_order(tree, "dfs")
    ref = compile_tree(tree, Budget(60).start(), order=names)
    trial = _Trial(tree, Budget(60).start(), "cudd", names)
    suspensions, slice_s = 0, 1e-3
    while True:
        try:
            if trial.step(1, slice_s=slice_s):
                break
        except _TooSlow:
            suspensions += 1
            slice_s *= 2
    graph = trial.b.export(trial.root)
    trial.release()
    assert suspensions > 0  # the test exercised the suspension path
    assert len(graph) == len(ref.graph)
    assert probability(graph, ref.probs) == probability(ref.graph, ref.probs)


def test_a_slice_cut_short_by_cudd_does_not_end_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # A step cut before its slice is over (as CUDD's own time limit did, on its sampled clock:
    # slices of 8-10 ms were cut after 0.5-3 ms) does not end `run_for`: it goes on until its own
    # count of CPU time says the time is up.
    tree = _heavy_tree(copies=2, n=20, k=4, events=30)
    trial = _Trial(tree, Budget(60).start(), "cudd", variable_order(tree, "dfs"))
    real, cuts = _Trial.step, []

    def cut_once_early(self: _Trial, n: int = 1, slice_s: float | None = None) -> bool:
        if not cuts:  # as CUDD's limit firing at once, before any CPU time was used
            cuts.append(slice_s)
            raise _TooSlow()
        return real(self, n, slice_s)

    monkeypatch.setattr(_Trial, "step", cut_once_early)
    try:
        assert trial.run_for(30.0) is True  # finished, not given up after the early cut
    finally:
        trial.release()
    assert cuts == [30.0]


def test_a_slice_is_cut_by_our_clock_through_cudds_termination_callback() -> None:
    # A slice already over when the gate starts: CUDD's next recursive step asks the callback,
    # which says stop (CUDD's own time limit, on its sampled clock, cut 10 ms slices anywhere
    # from 0.5 to 16 ms). Once the callback is unregistered, the trial compiles to the end.
    tree = _heavy_tree(copies=5, n=60, k=10, events=80)
    names = variable_order(tree, "dfs")
    trial = _Trial(tree, Budget(60).start(), "cudd", names)
    assert trial.native is not None and trial.native.lib is not None
    codes: list[int] = []
    real_error = trial.native.error
    trial.native.error = lambda: codes.append(real_error()) or codes[-1]  # type: ignore[method-assign]
    try:
        with pytest.raises(_TooSlow):
            trial.step(1, slice_s=1e-9)
        assert codes and set(codes) == {_CuddNative.TERMINATION}
        assert trial.run_for(None) is True
        graph = trial.b.export(trial.root)
    finally:
        trial.release()
    ref = compile_tree(tree, Budget(60).start(), order=names)
    assert probability(graph, ref.probs) == probability(ref.graph, ref.probs)


def test_a_time_out_is_reported_as_the_time_budget() -> None:
    r = analyze(_heavy_tree(), budget_s=0.01)
    assert r.status is Status.TIME_BUDGET
    assert r.message is not None and "time budget" in r.message


@settings(max_examples=60, deadline=None)
@given(trees(), st.sampled_from(["dfs-small", "dfs-large", "bfs", "force-dfs"]))
def test_listing_does_not_depend_on_the_variable_order(tree: FaultTree, order: str) -> None:
    # Same sets, same probabilities to the last bit, same listing order, same approximations: the
    # race may pick any order, and the report must not change with it.
    ref = analyze(tree, order=4, count=False, variable_order="dfs")
    other = analyze(tree, order=4, count=False, variable_order=order)
    assert other.cut_sets == ref.cut_sets
    assert other.rare_event == ref.rare_event and other.mcub == ref.mcub


@needs_data()
def test_listing_of_a_real_model_does_not_depend_on_the_variable_order() -> None:
    tree = read_mef(DATA / "das9601.xml").tree
    runs = [analyze(tree, order=3, count=False, variable_order=o) for o in ("dfs-small", "dfs-large", "force-dfs")]
    assert runs[0].cut_sets == runs[1].cut_sets == runs[2].cut_sets
    assert len({(r.rare_event, r.mcub) for r in runs}) == 1


@settings(max_examples=80, deadline=None)
@given(trees(), st.data())
def test_gate_values_evaluate_the_tree(tree: FaultTree, data: st.DataObject) -> None:
    failed = set(data.draw(st.lists(st.sampled_from(sorted(tree.basic_events)), unique=True)))
    assert tree.gate_values(failed)[tree.top] == evaluate(tree, failed)
