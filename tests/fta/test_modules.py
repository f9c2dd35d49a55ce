"""Modules: detection, modular-argument grouping, and the decomposed analysis against brute force."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacelc.analysis.fta import FaultTree, Gate, GateKind, analyze
from pacelc.analysis.fta.budget import Status
from pacelc.analysis.fta.modules import MIN_GATES, decompose

from .test_properties import KINDS, brute, evaluate


@st.composite
def wide_trees(draw: st.DrawFn) -> FaultTree:
    """Up to 12 gates of up to 5 arguments over up to 9 events: enough sharing and independence
    for modules and groups to appear, few enough events for brute force."""
    n_events = draw(st.integers(2, 9))
    events = {f"e{i}": draw(st.sampled_from([0.0, 0.01, 0.1, 0.3, 0.5, 0.9, 1.0])) for i in range(n_events)}
    n_gates = draw(st.integers(1, 12))
    gates: list[Gate] = []
    for gi in range(n_gates - 1, -1, -1):
        pool = list(events) + [f"g{j}" for j in range(gi + 1, n_gates)]
        kind = draw(st.sampled_from(KINDS))
        if kind is GateKind.NOT:
            args: tuple[str, ...] = (draw(st.sampled_from(pool)),)
        else:
            args = tuple(draw(st.lists(st.sampled_from(pool), min_size=2, max_size=5, unique=True)))
        k = draw(st.integers(1, len(args))) if kind is GateKind.ATLEAST else None
        gates.append(Gate(f"g{gi}", kind, args, k))
    return FaultTree.build("wide", "g0", events, gates)


@st.composite
def modular_trees(draw: st.DrawFn) -> FaultTree:
    """Trees built top-down with mostly fresh events, some shared events and some shared gates:
    most have modules and groups of modular arguments (at most 10 events, for brute force)."""
    probs = st.sampled_from([0.0, 0.01, 0.1, 0.3, 0.5, 0.9, 1.0])
    events: dict[str, float] = {"s0": draw(probs), "s1": draw(probs)}
    gates: list[Gate] = []

    def node(depth: int) -> str:
        if depth > 0 and (depth >= 3 or draw(st.integers(0, 2)) == 0):
            if len(events) >= 10 or draw(st.integers(0, 4)) == 0:
                return draw(st.sampled_from(sorted(events)))
            name = f"e{len(events)}"
            events[name] = draw(probs)
            return name
        if gates and draw(st.integers(0, 5)) == 0:
            return draw(st.sampled_from([g.name for g in gates]))
        kind = draw(st.sampled_from(KINDS))
        n = 1 if kind is GateKind.NOT else draw(st.integers(2, 5))
        args = list(dict.fromkeys(node(depth + 1) for _ in range(n)))
        if len(args) < 2 and kind is not GateKind.NOT:
            kind = GateKind.NULL
            args = args[:1]
        k = draw(st.integers(1, len(args))) if kind is GateKind.ATLEAST else None
        name = f"g{len(gates)}"
        gates.append(Gate(name, kind, tuple(args), k))
        return name

    top = node(0)
    return FaultTree.build("modular", top, events, gates)


def _tree(gates: list[Gate], events: str = "abcdefgh") -> FaultTree:
    return FaultTree.build("t", gates[0].name, {e: 0.1 for e in events}, gates)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(wide_trees(), modular_trees()))
def test_decomposed_analysis_matches_brute_force(tree: FaultTree) -> None:
    p, minimal = brute(tree)
    for backend in ("cudd", "python"):
        r = analyze(tree, order=63, backend=backend, modules=True, budget_s=30)
        assert r.status is Status.OK and r.probability is not None
        assert math.isclose(r.probability, p, rel_tol=1e-9, abs_tol=1e-15)
        assert r.cut_set_count == len(minimal)
        assert {frozenset(c.events) for c in r.cut_sets} == minimal


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(wide_trees(), modular_trees()), st.integers(0, 3))
def test_decomposed_order_limited_cut_sets_equal_the_whole_trees(tree: FaultTree, k: int) -> None:
    whole = analyze(tree, order=k, modules=False, count=False)
    parts = analyze(tree, order=k, modules=True, count=False)
    assert parts.distribution == whole.distribution
    assert parts.cut_sets == whole.cut_sets


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(wide_trees(), modular_trees()))
def test_decomposition_keeps_the_function(tree: FaultTree) -> None:
    # The rewritten tree with each proxy evaluated as its module gives the original function.
    dec = decompose(tree, force=True)
    dec.tree.validate()  # built without validation: a valid tree by construction
    gates = dec.tree.gates
    for bits in range(1 << len(tree.basic_events)):
        true = {e for i, e in enumerate(tree.basic_events) if bits >> i & 1}
        values: dict[str, bool] = {}
        for root in dec.roots:
            module = FaultTree.build(
                "m",
                root,
                {**dec.tree.basic_events},
                [gates[g] for g in dec.module_tree(root).postorder()],
            )
            values[root] = evaluate(module, true | {p for p, m in dec.proxies.items() if values.get(m)})
        assert values[tree.top] == evaluate(tree, true)


def test_independent_subtrees_become_modules() -> None:
    tree = _tree(
        [
            Gate("top", GateKind.AND, ("left", "right")),
            Gate("left", GateKind.OR, ("a", "b")),
            Gate("right", GateKind.OR, ("c", "shared")),
            Gate("shared", GateKind.AND, ("d", "e")),
        ]
    )
    dec = decompose(tree, force=True)
    assert set(dec.proxies.values()) == {"left", "right", "shared"}
    # Children before parents, the top last.
    assert dec.roots.index("shared") < dec.roots.index("right") and dec.roots[-1] == "top"
    assert dec.tree.gates["top"].args == ("left#module", "right#module")


def test_a_gate_sharing_an_event_with_the_rest_is_not_a_module() -> None:
    tree = _tree(
        [
            Gate("top", GateKind.AND, ("left", "right")),
            Gate("left", GateKind.OR, ("a", "b")),
            Gate("right", GateKind.OR, ("b", "c")),
        ]
    )
    assert decompose(tree, force=True).roots == ("top",)


def test_independent_arguments_are_grouped_under_a_new_module() -> None:
    # or(a, b, x, y) where x and y share c: a and b are grouped, x and y are grouped.
    tree = _tree(
        [
            Gate("top", GateKind.AND, ("g", "h")),
            Gate("g", GateKind.OR, ("a", "b", "x", "y", "d")),
            Gate("h", GateKind.OR, ("d", "e")),
            Gate("x", GateKind.AND, ("c", "f")),
            Gate("y", GateKind.AND, ("c", "e2")),
        ],
        events=["a", "b", "c", "d", "e", "f", "e2"],  # type: ignore[arg-type]
    )
    dec = decompose(tree, force=True)
    groups = {g.name: g for g in dec.tree.gates.values() if "#group" in g.name}
    assert sorted(sorted(g.args) for g in groups.values()) == [["a", "b"], ["x", "y"]]
    # The groups are modules; x and y are not (they share c), but together they are.
    assert all(name in dec.proxies.values() for name in groups)
    assert not {"x", "y"} & set(dec.proxies.values())
    # d is shared with h: it stays an argument of g itself.
    assert "d" in dec.tree.gates["g"].args


def test_a_module_that_is_true_when_nothing_failed_stays_in_its_parent() -> None:
    tree = _tree(
        [
            Gate("top", GateKind.AND, ("neg", "other")),
            Gate("neg", GateKind.NOT, ("inner",)),
            Gate("inner", GateKind.OR, ("a", "b")),
            Gate("other", GateKind.OR, ("c", "d")),
        ]
    )
    dec = decompose(tree, force=True)
    assert "neg" not in dec.proxies.values()
    assert {"inner", "other"} <= set(dec.proxies.values())
    r = analyze(tree, modules=True)
    assert {c.events for c in r.cut_sets} == {("c",), ("d",)}


def test_a_coherent_module_made_true_by_a_house_event_stays_in_its_parent() -> None:
    # No NOT anywhere, but a house event set to true makes `lit` true when nothing failed.
    gates = [
        Gate("top", GateKind.AND, ("lit", "other")),
        Gate("lit", GateKind.OR, ("on", "a")),
        Gate("other", GateKind.OR, ("c", "d")),
    ]
    tree = FaultTree.build("t", "top", {e: 0.1 for e in "acd"}, gates, {"on": True})
    assert tree.is_coherent()
    dec = decompose(tree, force=True)
    assert "lit" not in dec.proxies.values()
    assert "other" in dec.proxies.values()
    r = analyze(tree, modules=True)
    assert {c.events for c in r.cut_sets} == {("c",), ("d",)}


def test_small_trees_are_not_decomposed_unless_asked() -> None:
    tree = _tree([Gate("top", GateKind.AND, ("left", "c")), Gate("left", GateKind.OR, ("a", "b"))])
    assert len(tree.gates) < MIN_GATES
    assert decompose(tree).roots == ("top",)
    assert decompose(tree, force=True).roots == ("left", "top")


def test_cut_sets_longer_than_the_listing_limit_survive_substitution() -> None:
    # One cut set of 81 events: x, then two modules of 40 events each. Only counted, never listed
    # (order limits stop at 63), and it must not be cut off by an order limit.
    events = {f"a{i}": 0.5 for i in range(40)} | {f"b{i}": 0.5 for i in range(40)} | {"x": 0.5}
    gates = [
        Gate("top", GateKind.AND, ("x", "left", "right")),
        Gate("left", GateKind.AND, tuple(f"a{i}" for i in range(40))),
        Gate("right", GateKind.AND, tuple(f"b{i}" for i in range(40))),
    ]
    tree = FaultTree.build("long", "top", events, gates)
    for modules in (True, False):
        r = analyze(tree, order=3, modules=modules)
        assert r.cut_set_count == 1 and r.distribution == [0, 0, 0, 0]
        assert r.probability is not None and math.isclose(r.probability, 0.5**81)
    assert analyze(tree, modules=True).modules == 3
