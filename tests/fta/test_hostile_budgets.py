"""Issue 15: wide gates and large k-of-n gates stop on their budgets (or finish) without the memory
running away. No timing is asserted: the outcome (status, message, exit code) is."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from pacelc.analysis.fta.budget import Status
from pacelc.analysis.fta.engine import analyze
from pacelc.analysis.fta.mef import read_mef
from pacelc.analysis.fta.tree import FaultTree, Gate, GateKind
from pacelc.commands.fta import fta


def _mef(path: Path, n: int, formula: str) -> Path:
    """An Open-PSA MEF file with one gate `formula` over n basic events of probability 0.001."""
    close = formula.split()[0]
    lines = ['<?xml version="1.0"?>', '<opsa-mef><define-fault-tree name="wide">']
    lines += [f'<define-gate name="top"><{formula}>']
    lines += [f'<basic-event name="e{i}"/>' for i in range(n)]
    lines += [f"</{close}></define-gate></define-fault-tree><model-data>"]
    lines += [f'<define-basic-event name="e{i}"><float value="0.001"/></define-basic-event>' for i in range(n)]
    lines += ["</model-data></opsa-mef>"]
    path.write_text("\n".join(lines))
    return path


def _gate_tree(n: int, kind: GateKind, k: int | None = None) -> FaultTree:
    events = {f"e{i}": 0.001 for i in range(n)}
    return FaultTree.build("wide", "top", events, [Gate("top", kind, tuple(events), k)])


def test_a_gate_over_more_events_than_the_memory_budget_is_refused_before_cudd_allocates(tmp_path: Path) -> None:
    # 30,000 variables need ~90 MB of CUDD tables before any node: over a 64 MiB budget. Today's
    # code had no memory budget (a 200,000-event gate took 1.8 GB in CUDD before its first node).
    path = _mef(tmp_path / "or.xml", 30_000, "or")
    result = CliRunner().invoke(fta, [str(path), "--max-memory-mb", "64", "--workers", "1"])
    assert result.exit_code == 3
    assert "memory budget of 64 MiB" in result.output
    assert "30,000 variables" in result.output
    assert "Traceback" not in result.output


def test_the_memory_budget_stops_a_compilation_inside_cudd() -> None:
    # A majority of 2,000 events has ~1,000,000 nodes: it cannot fit in 16 MiB.
    r = analyze(_gate_tree(2_000, GateKind.ATLEAST, 1_000), budget_s=30, max_bytes=16 * 2**20, workers=1)
    assert r.status is Status.MEMORY_BUDGET
    assert r.probability is None
    assert "memory budget of 16 MiB" in (r.message or "")


def test_a_wide_or_gate_compiles_in_linear_time_and_is_exact() -> None:
    # Folded in level order each OR rebuilt the whole chain (quadratic: 20,000 events ran past a 20 s
    # budget); folded bottom-up it is linear.
    n = 20_000
    r = analyze(_gate_tree(n, GateKind.OR), budget_s=20, workers=1)
    assert r.status is Status.OK
    assert r.probability is not None
    assert math.isclose(r.probability, -math.expm1(n * math.log1p(-0.001)), rel_tol=1e-9)
    assert r.distribution == [0, n, 0, 0]


def test_a_wide_and_gate_lists_its_one_cut_set_without_copying_its_prefixes() -> None:
    # Enumerating the one cut set of 20,000 events copied the prefix at every node (1.6 GB).
    n = 20_000
    r = analyze(_gate_tree(n, GateKind.AND), budget_s=20, workers=1, count=True)
    assert r.status is Status.OK
    assert r.cut_set_count == 1
    assert (r.mcub is not None and r.mcub < 1e-300) or r.mcub == 0.0


def test_a_time_budget_stops_a_large_k_of_n_gate_cleanly(tmp_path: Path) -> None:
    path = _mef(tmp_path / "kofn.xml", 4_000, 'atleast min="2000"')
    result = CliRunner().invoke(fta, [str(path), "--budget-s", "0.2", "--workers", "1"])
    assert result.exit_code == 3
    assert "exceeded the time budget of 0.2 s" in result.output
    assert "Traceback" not in result.output
    assert read_mef(str(path)).tree.gates["top"].k == 2000


def test_forked_workers_share_the_memory_budget() -> None:
    # The budget is the command's: each of two workers compiles under half of it, and a manager the
    # head start began (carried into the worker) is held to that half too. The job runs here
    # unforked, so what it sets is visible.
    from pacelc.analysis.fta import bdd
    from pacelc.analysis.fta.budget import Budget
    from pacelc.analysis.fta.modules import decompose

    tree = _gate_tree(40, GateKind.ATLEAST, 20)
    dec = decompose(tree)
    budget = Budget(seconds=30, max_bytes=512 * 2**20).start()
    carried = {"dfs-small": bdd._new_trial(dec, budget, "cudd", "dfs-small")}
    job = bdd._one_after_another(dec, budget, "cudd", ["dfs-small"], carried, workers=2)
    job()
    assert budget.max_bytes == 256 * 2**20
    native = carried["dfs-small"].native
    if native is not None:  # the CUDD backend: its limit and the termination callback's both moved
        assert native._max_memory[0] == 256 * 2**20


def test_at_least_k_of_n_is_exact_counted_from_either_side() -> None:
    # k-of-n is built by counting the true arguments, or, when fewer need to be false (k > (n+1)/2,
    # a service of 700 replicas that needs 3 up fails when 698 are down), by counting the false ones
    # and negating: 3n ITEs instead of 698n. Both against a brute-force sum over every state.
    for n in range(1, 7):
        probabilities = [0.1 + 0.13 * i for i in range(n)]
        for k in range(1, n + 1):
            events = {f"e{i}": p for i, p in enumerate(probabilities)}
            tree = FaultTree.build("k", "top", events, [Gate("top", GateKind.ATLEAST, tuple(events), k)])
            exact = 0.0
            for state in itertools.product((0, 1), repeat=n):
                if sum(state) >= k:
                    exact += math.prod(p if s else 1 - p for p, s in zip(probabilities, state, strict=True))
            for backend in ("cudd", "python"):
                got = analyze(tree, backend=backend, workers=1).probability
                assert got == pytest.approx(exact, rel=1e-12), (n, k, backend)


def test_a_wide_k_of_n_over_replicas_sharing_zone_events_is_exact() -> None:
    # Wide k-of-n gates fold their arguments deepest first (10,000 replicas in three zones took
    # over 20 s, each ITE walking the whole counter). The function must not change: 300 replicas
    # in 3 zones, the service down when fewer than `need` are up, against the sum over zone states.
    n, need, p_zone, p_replica = 300, 100, 0.01, 0.05
    zones = [f"zone{z}" for z in range(3)]
    events = {z: p_zone for z in zones} | {f"r{i}": p_replica for i in range(n)}
    gates = [Gate(f"g{i}", GateKind.OR, (f"r{i}", zones[i % 3])) for i in range(n)]
    gates.append(Gate("top", GateKind.ATLEAST, tuple(f"g{i}" for i in range(n)), n - need + 1))
    tree = FaultTree.build("replicas", "top", events, gates)
    exact = 0.0
    for state in itertools.product((0, 1), repeat=3):  # 1: the zone is down
        weight = math.prod(p_zone if s else 1 - p_zone for s in state)
        up_candidates = sum(n // 3 for s in state if not s)
        below = sum(math.comb(up_candidates, u) * (1 - p_replica) ** u * p_replica ** (up_candidates - u)
                    for u in range(min(need, up_candidates + 1)))
        exact += weight * below
    result = analyze(tree, workers=1, budget_s=60)
    assert result.probability == pytest.approx(exact, rel=1e-9)
