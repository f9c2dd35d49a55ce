"""The numpy path for large diagrams (CUDD's DDDMP dump, probability by level) against the
wrapper export and the scalar probability, on small random trees where both can run."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from pacelc.analysis.fta import bdd as bdd_module
from pacelc.analysis.fta import bulk
from pacelc.analysis.fta.bdd import BddGraph, _Trial, variable_order
from pacelc.analysis.fta.budget import Budget
from pacelc.analysis.fta.mcs import Zbdd
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


@settings(max_examples=120, deadline=None)
@given(trees())
def test_the_dump_gives_the_same_diagram_and_probability(tree: FaultTree) -> None:
    names = variable_order(tree, "dfs")
    trial = _Trial(tree, Budget(30).start(), "cudd", names)
    trial.run_for(None)
    try:
        saved = bulk.BULK_MIN_NODES
        bulk.BULK_MIN_NODES = 1 << 62
        try:
            wrappers = trial.b.export(trial.root)
        finally:
            bulk.BULK_MIN_NODES = saved
        arrays = bulk.dump_arrays(trial.b.bdd, trial.root, len(names))
    finally:
        trial.release()
    assert arrays is not None
    dumped = BddGraph(tuple(names), *arrays)
    assert len(dumped) == len(wrappers)
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
    assert bulk.read_dump(good, 1) == ([1, 0], [0, 0], [0, 1], 3)
    assert bulk.read_dump(good.replace(b"2 0 0 1 -1", b"3 0 0 1 -1"), 1) is None  # ids out of order
    assert bulk.read_dump(good.replace(b"2 0 0 1 -1", b"2 0 0 -1 1"), 1) is None  # complemented then
    assert bulk.read_dump(good.replace(b"2 0 0 1 -1", b"2 5 0 1 -1"), 1) is None  # no such variable
    assert bulk.read_dump(b"not a dump", 1) is None


def test_without_a_place_for_the_dump_the_wrappers_export(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_room(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bulk.tempfile, "mkstemp", no_room)
    tree = FaultTree.build("t", "top", {"a": 0.1, "b": 0.2}, [Gate("top", GateKind.OR, ("a", "b"))])
    trial = _Trial(tree, Budget(30).start(), "cudd", ["a", "b"])
    trial.run_for(None)
    try:
        assert bulk.dump_arrays(trial.b.bdd, trial.root, 2) is None
        monkeypatch.setattr(bulk, "BULK_MIN_NODES", 1)  # the export takes the bulk path, then falls back
        g = trial.b.export(trial.root)
    finally:
        trial.release()
    assert bdd_module.probability(g, [0.1, 0.2]) == pytest.approx(1 - 0.9 * 0.8)
