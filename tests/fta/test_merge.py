"""Merging common arguments keeps the function of every gate, and does merge where it should."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings

from pacelc.analysis.fta.merge import merge_common_args
from pacelc.analysis.fta.tree import FaultTree, Gate, GateKind

from .test_properties import KINDS, trees

# Mostly AND/OR, with many shared arguments, so that there is something to merge in most trees.
MOSTLY_AND_OR = [GateKind.AND] * 4 + [GateKind.OR] * 4 + KINDS


def _truth_tables(tree: FaultTree, names: list[str]) -> dict[str, list[bool]]:
    events = list(tree.basic_events)
    tables: dict[str, list[bool]] = {n: [] for n in names}
    for bits in itertools.product([False, True], repeat=len(events)):
        values = tree.gate_values({e for e, b in zip(events, bits, strict=True) if b})
        for n in names:
            tables[n].append(values[n])
    return tables


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(kinds=MOSTLY_AND_OR, max_gates=12, max_args=6))
def test_every_gate_keeps_its_function(tree: FaultTree) -> None:
    merged = merge_common_args(tree)
    reachable = tree.postorder()
    still = set(merged.postorder())
    names = [n for n in reachable if n in still]
    assert tree.top in names
    assert _truth_tables(tree, names) == _truth_tables(merged, names)
    for n in reachable:  # only AND/OR gates are rewritten
        if tree.gates[n].kind not in (GateKind.AND, GateKind.OR):
            assert merged.gates[n] == tree.gates[n]


def test_shared_arguments_become_one_gate() -> None:
    events = {f"e{i}": 0.5 for i in range(5)}
    tree = FaultTree.build(
        "t",
        "top",
        events,
        [
            Gate("top", GateKind.OR, ("g1", "g2", "g3")),
            Gate("g1", GateKind.AND, ("e0", "e1", "e2")),
            Gate("g2", GateKind.AND, ("e0", "e1", "e3")),
            Gate("g3", GateKind.AND, ("e0", "e1")),
            Gate("g4", GateKind.OR, ("e4", "g1")),
        ],
    )
    merged = merge_common_args(tree)
    new = [g for g in merged.gates if "#m" in g]
    assert len(new) == 1 and merged.gates[new[0]].args == ("e0", "e1")
    assert merged.gates["g1"].args == ("e2", new[0]) and merged.gates["g2"].args == ("e3", new[0])
    assert merged.gates["top"].args == ("g1", "g2", new[0])  # g3 was e0 AND e1 only: bypassed
    assert merge_common_args(merged) is merged  # nothing left to merge


def test_a_tree_without_common_arguments_is_returned_as_is() -> None:
    tree = FaultTree.build(
        "t",
        "top",
        {"a": 0.1, "b": 0.2, "c": 0.3},
        [Gate("top", GateKind.OR, ("a", "g")), Gate("g", GateKind.AND, ("b", "c"))],
    )
    assert merge_common_args(tree) is tree
