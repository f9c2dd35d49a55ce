"""Merging common arguments keeps the function of every gate, and does merge where it should."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacelc.analysis.fta.merge import _group_options, merge_common_args
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
    merged.validate()  # built without validation: a valid tree by construction
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


def _group_options_by_scanning(options: dict[frozenset[str], set[str]]) -> list[list[tuple[set[str], set[str]]]]:
    """scram's grouping as it reads: each round, from every option, scan every later one for the
    chain (the former implementation, quadratic per round: 15 s on das9701)."""
    pending = sorted(([set(k), set(v)] for k, v in options.items()), key=lambda o: len(o[0]))
    groups = []
    while pending:
        best: list[int] = []
        for i in range(len(pending)):
            chain = [i]
            for j in range(i + 1, len(pending)):
                last = pending[chain[-1]]
                if last[0] <= pending[j][0] and pending[j][1] <= last[1]:
                    chain.append(j)
            fewer_gates = best and len(pending[chain[0]][1]) < len(pending[best[0]][1])
            if len(chain) > len(best) or (len(chain) == len(best) and fewer_gates):
                best = chain
        group = [(set(pending[i][0]), set(pending[i][1])) for i in best]
        for i in best:
            pending[i][1] = set()
        groups.append(group)
        for option in pending:
            if option[0] & group[-1][0]:
                option[1] -= group[0][1]
        pending = [o for o in pending if len(o[1]) >= 2]
    return groups


_ARGS = [f"a{i}" for i in range(8)]
_GATES = [f"g{i}" for i in range(8)]


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.frozensets(st.sampled_from(_ARGS), min_size=2, max_size=6),
        st.sets(st.sampled_from(_GATES), min_size=2, max_size=6),
        max_size=25,
    )
)
def test_grouping_equals_the_plain_scan(options: dict[frozenset[str], set[str]]) -> None:
    # The grouping decides the merged tree, hence FORCE's nets and the orders: the fast search
    # must pick the very same chains as the plain one.
    assert _group_options({k: set(v) for k, v in options.items()}) == _group_options_by_scanning(options)
