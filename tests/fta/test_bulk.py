"""The numpy paths (CUDD's DDDMP dump, probability by level, cut-set listing) against the wrapper
export, the scalar probability and the Python listing, on small random trees where both can run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacelc.analysis.fta import bdd as bdd_module
from pacelc.analysis.fta import bulk
from pacelc.analysis.fta.bdd import BddGraph, _Trial, compile_tree, variable_order
from pacelc.analysis.fta.budget import Budget
from pacelc.analysis.fta.mcs import BASE, EMPTY, CutSet, Zbdd, minimal_cut_sets, named, named_family
from pacelc.analysis.fta.tree import FaultTree, Gate, GateKind

from .test_properties import trees

pytestmark = pytest.mark.skipif(not bulk.available(), reason="numpy is not installed")


def _scalar_probability(g: BddGraph, probs: list[float]) -> float:
    # bdd.probability with the numpy path switched off.
    saved = bulk.BULK_MIN_NODES
    bulk.BULK_MIN_NODES = 1 << 62
    try:
        return bdd_module.probability(g, probs)
    finally:
        bulk.BULK_MIN_NODES = saved


def _wrapper_export(trial: _Trial) -> BddGraph:
    # The export with the dump switched off, whatever the diagram's size and numpy's state.
    saved = bulk.BULK_MIN_NODES, bulk.EXPORT_MIN_NODES
    bulk.BULK_MIN_NODES = bulk.EXPORT_MIN_NODES = 1 << 62
    try:
        return trial.b.export(trial.root)
    finally:
        bulk.BULK_MIN_NODES, bulk.EXPORT_MIN_NODES = saved


def _read_nodes(trial: _Trial, nvars: int, edit: Callable[[bytes], bytes] = lambda t: t) -> bulk.Tables | None:
    table = trial.b.native.node_table(trial.root)
    assert table is not None
    return bulk.node_arrays(edit(table), int(trial.b.bdd.true) - 2, int(trial.root) - 2, nvars)


@settings(max_examples=120, deadline=None)
@given(trees())
def test_the_dump_gives_the_same_diagram_and_probability(tree: FaultTree) -> None:
    names = variable_order(tree, "dfs")
    trial = _Trial(tree, Budget(30).start(), "cudd", names)
    trial.run_for(None)
    try:
        wrappers = _wrapper_export(trial)
        arrays = bulk.dump_arrays(trial.b.bdd, trial.root, len(names))
        read = _read_nodes(trial, len(names))
    finally:
        trial.release()
    assert arrays is not None
    dumped = BddGraph(tuple(names), *arrays)
    assert len(dumped) == len(wrappers)
    # Read from CUDD's nodes: the same table as the dump's, node for node (both number children
    # first in the same depth-first order).
    assert read is not None
    assert (list(read[0]), list(read[1]), list(read[2]), read[3]) == (
        list(arrays[0]),
        list(arrays[1]),
        list(arrays[2]),
        arrays[3],
    )
    probs = [tree.basic_events[n] for n in names]
    p = _scalar_probability(wrappers, probs)
    # The same function, so the same probability, computed by either routine, to the last bit.
    assert _scalar_probability(dumped, probs) == p
    assert bulk.probability(dumped.level, dumped.high, dumped.low, dumped.root, probs) == p
    assert bulk.probability(wrappers.level, wrappers.high, wrappers.low, wrappers.root, probs) == p
    z = Zbdd(len(names), Budget(30).start())
    assert set(map(frozenset, z.sets(z.minsol(dumped)))) == set(map(frozenset, z.sets(z.minsol(wrappers))))


def test_an_unexpected_dump_is_refused() -> None:
    good = b".ver DDDMP-2.0\n.nnodes 2\n.rootids -2\n.nodes\n1 T 1 0 0\n2 0 0 1 -1\n.end\n"
    level, high, low, root = bulk.read_dump(good, 1)  # type: ignore[misc]
    assert (list(level), list(high), list(low), root) == ([1, 0], [0, 0], [0, 1], 3)
    assert bulk.read_dump(good.replace(b"2 0 0 1 -1", b"3 0 0 1 -1"), 1) is None  # ids out of order
    assert bulk.read_dump(good.replace(b"2 0 0 1 -1", b"2 0 0 -1 1"), 1) is None  # complemented then
    assert bulk.read_dump(good.replace(b"2 0 0 1 -1", b"2 5 0 1 -1"), 1) is None  # no such variable
    assert bulk.read_dump(b"not a dump", 1) is None


def test_complemented_roots_are_read_from_their_regular_node() -> None:
    # cuddNodeArray must be given the regular node (a complemented pointer fails CUDD's assertion
    # and aborts); the complement goes back on the root edge. Both kinds of roots occur here.
    bits = set()
    for kind in (GateKind.OR, GateKind.NOR, GateKind.AND, GateKind.NAND):
        tree = FaultTree.build("t", "top", {"a": 0.1, "b": 0.2}, [Gate("top", kind, ("a", "b"))])
        trial = _Trial(tree, Budget(30).start(), "cudd", ["a", "b"])
        trial.run_for(None)
        try:
            bits.add((int(trial.root) - 2) & 1)
            dumped = bulk.dump_arrays(trial.b.bdd, trial.root, 2)
            read = _read_nodes(trial, 2)
        finally:
            trial.release()
        assert dumped is not None and read is not None
        assert [list(c) for c in read[:3]] + [read[3]] == [list(c) for c in dumped[:3]] + [dumped[3]]
    assert bits == {0, 1}


def test_nodes_read_wrongly_are_refused() -> None:
    tree = FaultTree.build(
        "t",
        "top",
        {"a": 0.1, "b": 0.2, "c": 0.3},
        [Gate("top", GateKind.OR, ("g", "c")), Gate("g", GateKind.AND, ("a", "b"))],
    )
    trial = _Trial(tree, Budget(30).start(), "cudd", ["a", "b", "c"])
    trial.run_for(None)
    try:
        assert _read_nodes(trial, 3) is not None
        assert _read_nodes(trial, 2) is None  # a level beyond the variables
        words = 8
        # Parents before children (the table reversed), a child missing from the table.
        assert (
            _read_nodes(trial, 3, lambda t: b"".join(t[i : i + words] for i in range(len(t) - words, -1, -words)))
            is None
        )
        assert _read_nodes(trial, 3, lambda t: t[:words] + t[2 * words :]) is None
    finally:
        trial.release()


def test_without_a_place_for_the_dump_the_wrappers_export(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_room(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bulk.tempfile, "mkstemp", no_room)
    monkeypatch.setattr(bulk, "node_arrays", lambda *args: None)  # nor can the nodes be read
    tree = FaultTree.build("t", "top", {"a": 0.1, "b": 0.2}, [Gate("top", GateKind.OR, ("a", "b"))])
    trial = _Trial(tree, Budget(30).start(), "cudd", ["a", "b"])
    trial.run_for(None)
    try:
        assert bulk.dump_arrays(trial.b.bdd, trial.root, 2) is None
        monkeypatch.setattr(bulk, "BULK_MIN_NODES", 1)  # the export takes the bulk path, then falls back
        monkeypatch.setattr(bulk, "EXPORT_MIN_NODES", 1)
        g = trial.b.export(trial.root)
    finally:
        trial.release()
    assert bdd_module.probability(g, [0.1, 0.2]) == pytest.approx(1 - 0.9 * 0.8)


def _exact(listing: list[CutSet]) -> list[tuple[tuple[str, ...], str]]:
    # Equal as lists is not enough: the probabilities must be the same floats, bit for bit.
    return [(c.events, repr(float(c.probability))) for c in listing]


@settings(max_examples=120, deadline=None)
@given(trees(), st.sampled_from([None, 1, 2, 3, 5]))
def test_the_numpy_listing_is_the_python_listing(tree: FaultTree, limit: int | None) -> None:
    comp = compile_tree(tree, Budget(30).start(), order="dfs", workers=1)
    z = Zbdd(len(comp.graph.order), Budget(30).start())
    f = minimal_cut_sets(z, comp, limit)
    names, probs = comp.graph.order, comp.probs
    python = named_family(z, f, names, probs)  # no size: never numpy
    pairs = bulk.named_family(z.var, z.hi, z.lo, f, names, probs)
    assert pairs is not None
    assert _exact([CutSet(*p) for p in pairs]) == _exact(python)
    assert _exact(named_family(z, f, names, probs, size=1 << 40)) == _exact(python)
    assert _exact(named(names, probs, list(z.sets(f)))) == _exact(python)


def test_ties_in_probability_are_listed_by_name() -> None:
    # Twelve pairs, all of probability 0.01: only the names decide their places.
    events = {f"e{i:02d}": 0.1 for i in range(12)}
    pairs = [Gate(f"p{i}", GateKind.AND, (f"e{i:02d}", f"e{(i * 5 + 3) % 12:02d}")) for i in range(12)]
    tree = FaultTree.build("t", "top", events, [Gate("top", GateKind.OR, tuple(g.name for g in pairs)), *pairs])
    comp = compile_tree(tree, Budget(30).start(), order="dfs-large", workers=1)
    z = Zbdd(len(comp.graph.order), Budget(30).start())
    f = minimal_cut_sets(z, comp, 3)
    listing = named_family(z, f, comp.graph.order, comp.probs, size=1 << 40)
    assert [c.events for c in listing] == sorted(c.events for c in listing)
    assert len(listing) == 12 and len({c.probability for c in listing}) == 1


def test_sets_too_large_to_pack_fall_back_to_python() -> None:
    # 300 variables and a set of 8: (300 + 1) ** 8 does not fit in 63 bits.
    z = Zbdd(300, Budget(30).start())
    f = BASE
    for v in range(299, 299 - 8 * 30, -30):
        f = z.mk(v, f, EMPTY)
    f = z.mk(0, BASE, f)  # and the set {0}
    names = [f"v{i:03d}" for i in range(300)]
    probs = [0.5] * 300
    assert bulk.named_family(z.var, z.hi, z.lo, f, names, probs) is None
    listing = named_family(z, f, names, probs, size=1 << 40)
    assert [c.order for c in listing] == [1, 8]
    assert listing[1].events == tuple(f"v{i:03d}" for i in range(89, 300, 30))


def test_sets_whose_names_do_not_pack_into_one_key_are_still_sorted_by_name() -> None:
    # 20 variables (5 bits a rank) and sets of 13: the sets pack (21 ** 13 < 2 ** 63) but their
    # 13 ranks do not fit one 63-bit sort key, so the names are sorted column by column.
    z = Zbdd(20, Budget(30).start())
    family = EMPTY
    for skip in ((0, 1, 2, 3, 4, 5, 6), (13, 14, 15, 16, 17, 18, 19), (0, 2, 4, 6, 8, 10, 12)):
        members = [v for v in range(20) if v not in skip]
        s = BASE
        for v in reversed(members):
            s = z.mk(v, s, EMPTY)
        family = _union(z, family, s)
    names = [f"e{19 - i:02d}" for i in range(20)]  # level order is not name order
    probs = [0.5] * 20
    listing = named_family(z, family, names, probs, size=1 << 40)
    assert [c.order for c in listing] == [13, 13, 13]
    assert [c.events for c in listing] == sorted(c.events for c in listing)
    assert _exact(listing) == _exact(named_family(z, family, names, probs))


def _union(z: Zbdd, f: int, g: int) -> int:
    # Family union, enough for this test's hand-built families.
    if f == EMPTY:
        return g
    if g == EMPTY or f == g:
        return f
    if f == BASE or g == BASE:
        other = g if f == BASE else f
        if other == BASE:
            return BASE
        return z.mk(z.var[other], z.hi[other], _union(z, z.lo[other], BASE))
    vf, vg = z.var[f], z.var[g]
    if vf < vg:
        return z.mk(vf, z.hi[f], _union(z, z.lo[f], g))
    if vf > vg:
        return z.mk(vg, z.hi[g], _union(z, f, z.lo[g]))
    return z.mk(vf, _union(z, z.hi[f], z.hi[g]), _union(z, z.lo[f], z.lo[g]))
