"""Compile a fault tree to a BDD and compute the exact top-event probability.

Two interchangeable backends build the BDD: CUDD (`dd.cudd`, C, the default) and `dd.autoref`
(pure Python, a fallback where the CUDD extension is missing). Both use complemented edges. The
compiled BDD is then *exported* into a plain, backend-independent table (`BddGraph`) on which the
probability and the minimal cut sets (`mcs.py`) are computed, so those algorithms exist once and
the backend's manager can be freed before the ZBDD stage.

Variable order is static (dynamic reordering is off: it makes run times unpredictable and the
budgets meaningless); see `variable_order` for the heuristics and docs/fta.md for measurements.
"""

from __future__ import annotations

import array
import ctypes
import functools
import math
import operator
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from . import bulk, native, portfolio
from .budget import Budget, BudgetExceeded, Status
from .merge import merge_common_args
from .modules import Decomposition, decompose
from .tree import FaultTree, GateKind

TRUE = 0  # edge to the terminal node 0
FALSE = 1  # complemented edge to the terminal node 0


@dataclass(frozen=True, slots=True)
class BddGraph:
    """A reduced ordered BDD with complemented edges, as flat integer sequences (lists from the
    wrapper export, `array('i')` from CUDD's nodes or a worker's pipe: both index as fast, and the
    arrays are never unpacked into Python ints, ~40 ns an element).

    Node 0 is the terminal ONE. An edge is `2 * node + complemented`, so `TRUE == 0` and
    `FALSE == 1`. Node `i > 0` tests variable `order[level[i]]`; `high[i]`/`low[i]` are the edges
    taken when it is true/false. Children always have smaller indices than their parents, so a
    forward loop is a bottom-up traversal (no recursion). Complement bits apply to the whole
    sub-function: the cofactors of `not f` are `not f1` and `not f0`.
    """

    order: tuple[str, ...]
    level: Sequence[int]
    high: Sequence[int]
    low: Sequence[int]
    root: int

    def __len__(self) -> int:
        return len(self.level)


def probability(g: BddGraph, probs: Sequence[float]) -> float:
    """Exact probability of the function, by Shannon decomposition memoised over nodes.

    `probs[v]` is the probability of variable `v` (level order). For each node we keep both
    P(f) and P(not f), each a sum of non-negative terms: computing P(not f) as 1 - P(f) would lose
    all precision for functions close to 1, whose complements are the rare top events
    (e.g. das9209, P = 1.06e-13).
    """
    if native.compiled is not None:  # the same sums in C (edfpa14q's 133,466 nodes: 9.9 -> 1.0 ms)
        return native.compiled.probability(g.level, g.high, g.low, g.root, probs)
    n = len(g.level)
    # numpy pays per level (~10 us) what Python pays per node (~0.3 us): with numpy loaded, it
    # takes diagrams with enough nodes per variable (edfpa14o's 27,245 nodes: 8.4 -> 1.8 ms).
    if (n >= bulk.BULK_MIN_NODES or n >= bulk.NODES_PER_VARIABLE * len(g.order)) and bulk.worth_it(
        n, bulk.BULK_MIN_NODES
    ):
        return bulk.probability(g.level, g.high, g.low, g.root, probs)  # the same sums, by level
    pt = [1.0] * n  # P(node)
    pf = [0.0] * n  # P(not node)
    lv, hi, lo = g.level, g.high, g.low
    for i in range(1, n):
        p = probs[lv[i]]
        q = 1.0 - p
        h, e = hi[i], lo[i]
        if h & 1:
            ht, hf = pf[h >> 1], pt[h >> 1]
        else:
            ht, hf = pt[h >> 1], pf[h >> 1]
        if e & 1:
            et, ef = pf[e >> 1], pt[e >> 1]
        else:
            et, ef = pt[e >> 1], pf[e >> 1]
        pt[i] = p * ht + q * et
        pf[i] = p * hf + q * ef
    r = g.root
    return pf[r >> 1] if r & 1 else pt[r >> 1]


# -- variable order ---------------------------------------------------------------------------------


def variable_order(tree: FaultTree, heuristic: str = "dfs") -> list[str]:
    """Static variable order of the basic events reachable from the top.

    * `dfs`: depth-first order of first appearance from the top, arguments in file order. Events
      that meet in a gate get close levels, which keeps the BDD of each gate narrow.
    * `dfs-small`: the same, visiting the arguments with the fewest distinct basic events first.
    * `dfs-large`: the same, the largest first.
    * `bfs`: breadth-first order of first appearance (a baseline: usually worse).
    * `force-dfs`, `force-dfs-small`, `force-dfs-large`: the FORCE heuristic seeded with that order,
      its nets read from the tree with its common arguments merged (`merge.py`); trees of fewer
      than `FORCE_MIN_GATES` gates keep the seed.
    """
    if heuristic.startswith("force-"):
        seed = variable_order(tree, heuristic[len("force-") :])
        if len(tree.postorder()) < FORCE_MIN_GATES:
            return seed
        return force_order(merge_common_args(tree), seed)
    if heuristic == "dfs":
        return tree.events_in_dfs_order()
    gates, bes = tree.gates, tree.basic_events
    if heuristic == "bfs":
        seen_g = {tree.top}
        seen: dict[str, None] = {}
        queue = [tree.top]
        for g in queue:
            for a in gates[g].args:
                if a in gates:
                    if a not in seen_g:
                        seen_g.add(a)
                        queue.append(a)
                elif a in bes:
                    seen.setdefault(a)
        return list(seen)
    if heuristic not in ("dfs-small", "dfs-large"):
        raise ValueError(f"unknown variable-order heuristic {heuristic!r}")
    # Size = number of basic-event occurrences below a gate, counted on the DAG without sharing
    # (capped): cheap, and a good proxy for how much of the order a sub-tree will claim.
    size: dict[str, int] = {}
    for g in tree.postorder():
        size[g] = min(sum(size.get(a, 1) for a in gates[g].args), 1 << 40)
    sign = 1 if heuristic == "dfs-small" else -1
    out: dict[str, None] = {}
    seen_g = {tree.top}

    def sorted_args(g: str) -> list[str]:
        return sorted(gates[g].args, key=lambda a: sign * size.get(a, 1))

    stack = [iter(sorted_args(tree.top))]
    while stack:
        for a in stack[-1]:
            if a in gates:
                if a not in seen_g:
                    seen_g.add(a)
                    stack.append(iter(sorted_args(a)))
                    break
            elif a in bes:
                out.setdefault(a)
        else:
            stack.pop()
    return list(out)


FORCE_ITERATIONS = 100
# Smaller trees (most modules) keep their seed order: FORCE found the same BDD sizes on every
# module of the EDF models, and cost 0.2-0.3 ms each (edfpa14o's 72 small modules: 17 ms).
FORCE_MIN_GATES = 11
FORCE_PATIENCE = 20  # stop after this many iterations without a shorter total span


def force_order(tree: FaultTree, seed: Sequence[str], iterations: int = FORCE_ITERATIONS) -> list[str]:
    """FORCE (Aloul, Markov and Sakallah, GLSVLSI 2003): move connected nodes closer, from `seed`.

    Every gate is a net over itself and its arguments. Each iteration places each net at the mean
    position of its nodes, moves each node to the mean of its nets' centres, and re-ranks; the
    ranking with the smallest total net span is kept. The events' order is read off the positions.
    On the EDF models it shrinks the best BDD 2-10x (edfpa14o 337,607 -> 28,784 nodes, edf9202
    7,265 -> 1,941), but it can also be much worse (cea9601, baobab1), which is why it only enters
    the `auto` race as extra candidates; docs/fta.md has the measurements.
    """
    gates, bes = tree.gates, tree.basic_events
    post = tree.postorder()
    index: dict[str, int] = {}
    for name in seed:
        index[name] = len(index)
    for g in post:
        index[g] = len(index)
    # Gates start at the mean of their arguments (post-order: arguments are placed first).
    pos = [float(i) for i in range(len(index))]
    nets: list[list[int]] = []
    for g in post:
        members = [index[a] for a in gates[g].args if a in index]
        if members:  # a gate over house events only has no net
            pos[index[g]] = sum(pos[m] for m in members) / len(members)
            nets.append([index[g], *members])
    node_nets: list[list[int]] = [[] for _ in index]
    for j, net in enumerate(nets):
        for m in net:
            node_nets[m].append(j)
    rank = sorted(range(len(pos)), key=pos.__getitem__)
    for r, m in enumerate(rank):
        pos[m] = float(r)

    # The iterations run on numpy arrays (3-6x faster than the former Python loop, e.g. 33 -> 12 ms
    # on edfpa14b, 319 -> 50 ms on das9701); FORCE only runs on trees that outlived the head start.
    best = bulk.force_iterations(pos, rank, nets, node_nets, iterations, FORCE_PATIENCE)
    events = [name for name in index if name in bes]
    return sorted(events, key=lambda name: best[index[name]])


def nested_order(dec: Decomposition, heuristic: str) -> list[str]:
    """Variable order of a decomposed tree: each module ordered by `heuristic` on its own, its
    variables placed right after its proxy in its parent's order.

    Within each module's BDD only the module's own variables (and its children's proxies) occur,
    so each sees its own order. The nesting keeps every module's events in one block just after
    its proxy, which is what the cut-set substitution needs (`mcs.Zbdd.substitute`).
    """
    if len(dec.roots) == 1:
        return variable_order(dec.tree, heuristic)
    own = {r: variable_order(dec.module_tree(r), heuristic) for r in dec.roots}
    out: list[str] = []
    stack = [iter(own[dec.roots[-1]])]
    while stack:
        for v in stack[-1]:
            out.append(v)
            module = dec.proxies.get(v)
            if module is not None:
                stack.append(iter(own[module]))
                break
        else:
            stack.pop()
    return out


# -- backends ---------------------------------------------------------------------------------------


class Backend(Protocol):
    """What the compiler needs from a BDD package."""

    name: str

    def true(self) -> Any: ...
    def false(self) -> Any: ...
    def var(self, level: int) -> Any: ...
    def and_(self, u: Any, v: Any) -> Any: ...
    def or_(self, u: Any, v: Any) -> Any: ...
    def not_(self, u: Any) -> Any: ...
    def xor(self, u: Any, v: Any) -> Any: ...
    def ite(self, c: Any, u: Any, v: Any) -> Any: ...
    def node_count(self) -> int: ...
    def export(self, root: Any) -> BddGraph: ...
    def close(self) -> None: ...


class _CuddNative:
    """What CUDD offers and dd.cudd does not expose: its time and live-node limits, and the array
    of a diagram's nodes (`node_table`, for the export).

    The functions are called through ctypes in the dd.cudd extension itself (CUDD is linked into it
    statically and its symbols are exported). The `DdManager *` is read from the `dd.cudd.BDD`
    object: in dd 0.6 the Cython struct is PyObject_HEAD, a vtable pointer, then `manager`. That
    layout is checked against the version; on any other version we fall back to the cooperative
    checks between operations only (a single huge operation could then overrun the time budget)
    and to the DDDMP dump.
    """

    OFFSET = 2 * ctypes.sizeof(ctypes.c_void_p) + ctypes.sizeof(ctypes.c_void_p)

    def __init__(self, bdd: Any) -> None:
        self.lib = _cudd_library()
        if self.lib is None:
            return
        self.mgr = ctypes.c_void_p.from_address(id(bdd) + self.OFFSET).value
        # Sanity check before trusting the pointer: a fresh manager has no variable.
        if not self.mgr or self.lib.Cudd_ReadSize(self.mgr) != len(bdd.vars):
            self.lib = None
            return
        # The callback sees the end of the current slice through a cell, not through `self`
        # (no reference cycle: the analysis runs with the cyclic collector off).
        slice_end = self._slice_end = [math.inf]
        # The wall-clock deadline and the memory limit, checked by the same callback: CUDD's own
        # time limit counts CPU time (a loaded host stretched a 1 s budget to 10 s of wall time),
        # and its hard memory limit is not checked when its tables or cache grow (1.5 GB against
        # a limit of 1 GB). `why` tells `_Trial.step` which one stopped CUDD (None: the slice).
        deadline, max_memory = self._deadline, self._max_memory = [math.inf], [2**62]
        why: list[Status | None] = [None]
        self.why = why
        clock, wall, mgr, in_use = time.process_time, time.monotonic, self.mgr, self.lib.Cudd_ReadMemoryInUse

        def stop(_arg: Any) -> int:
            if clock() >= slice_end[0]:
                return 1
            if wall() >= deadline[0]:
                why[0] = Status.TIME_BUDGET
                return 1
            if in_use(mgr) > max_memory[0]:
                why[0] = Status.MEMORY_BUDGET
                return 1
            return 0

        self._past_slice_end = _TERMINATION_CALLBACK(stop)

    def set(
        self, seconds: float, max_nodes: int, slice_end: float | None = None, deadline: float = math.inf
    ) -> None:
        """Arm the limits: `seconds` of CUDD's clock (the budget), `max_nodes` live nodes and,
        with `slice_end`, a time slice ending at that `time.process_time()`.

        CUDD's own clock is the user time the kernel samples: it runs ahead of the CPU time used
        by up to ~10 ms, and CUDD looks at it only now and then (slices of 10 ms ended after 0.5
        to 16 ms). Slices are therefore cut by CUDD's termination callback, which its recursive
        operations call about every 0.3 ms of work, checking our clock (~1 us a call), the
        `deadline` (a `time.monotonic()`) and CUDD's memory in use."""
        if self.lib is None:
            return
        self.lib.Cudd_ResetStartTime(self.mgr)
        self.lib.Cudd_SetTimeLimit(self.mgr, max(1, int(seconds * 1000)))
        self.lib.Cudd_SetMaxLive(self.mgr, min(max_nodes, 2**32 - 1))
        self._slice_end[0] = math.inf if slice_end is None else slice_end
        self._deadline[0] = deadline
        self.why[0] = None
        self.lib.Cudd_RegisterTerminationCallback(self.mgr, self._past_slice_end, None)

    def limit_memory(self, max_bytes: int) -> None:
        """CUDD's hard memory limit (past it, an operation that needs a new page of nodes collects
        garbage, then returns NULL with CUDD_MAX_MEM_EXCEEDED) and the termination callback's."""
        if self.lib is not None:
            self.lib.Cudd_SetMaxMemory(self.mgr, max_bytes)
            self._max_memory[0] = max_bytes

    def create_variables(self, n: int) -> None:
        """Create CUDD's variables 0..n-1 in one step. Declared one by one, CUDD grows its per-level
        arrays ten at a time: quadratic time, and ~7.8 KB a variable left behind (200,000 events:
        7 s and 1.8 GB before the first node); at once, ~2.6 KB a variable and linear time (~0.35 s
        for 200,000). Not in steps: CUDD counts every step's copy of those arrays against its
        memory limit (steps of 16,384 reach 1.3 GB at 131,072 variables)."""
        if self.lib is not None and n > 0 and not self.lib.Cudd_bddIthVar(self.mgr, n - 1):
            raise MemoryError(f"CUDD could not create {n:,} variables within its memory limit")

    def unset(self) -> None:
        if self.lib is not None:
            self.lib.Cudd_UnsetTimeLimit(self.mgr)
            self.lib.Cudd_SetMaxLive(self.mgr, 2**32 - 1)
            self.lib.Cudd_UnregisterTerminationCallback(self.mgr)

    def clear_error(self) -> None:
        if self.lib is not None:
            self.lib.Cudd_ClearErrorCode(self.mgr)

    NO_ERROR = 0
    # Cudd_ErrorType in CUDD 3.0: 1 is malloc failing, 2 too many nodes, 3 the hard memory limit,
    # 4 CUDD's time-out, 5 the termination callback's answer (the end of a slice).
    MEMORY_OUT = 1
    MAX_MEM_EXCEEDED = 3
    TIMEOUT_EXPIRED = 4
    TERMINATION = 5

    def error(self) -> int:
        """CUDD's error code (Cudd_ErrorType)."""
        return 0 if self.lib is None else int(self.lib.Cudd_ReadErrorCode(self.mgr))

    def node_count(self) -> int | None:
        return None if self.lib is None else int(self.lib.Cudd_ReadNodeCount(self.mgr))

    def node_table(self, f: Any) -> bytes | None:
        """The `DdNode *` of every node of `f` (the constant included), children before parents,
        as native 8-byte addresses: CUDD's `cuddNodeArray`, one walk in C. None without ctypes
        access or on a 32-bit build (the export reads the nodes as CUDD 3.0's 64-bit layout)."""
        if self.lib is None or ctypes.sizeof(ctypes.c_void_p) != 8:
            return None
        count = ctypes.c_int()
        # int(f) is the DdNode pointer + 2 (dd's _ddref_to_int), the complement in bit 0. The walk
        # must start from the regular node: cuddNodeArray reads the node's fields through the
        # pointer it is given, and a complemented one would fail its assertion (an abort).
        table = self.lib.cuddNodeArray((int(f) - 2) & ~1, ctypes.byref(count))
        if not table:
            return None
        try:
            return ctypes.string_at(table, 8 * count.value)
        finally:
            self.lib.free(table)  # allocated by CUDD with malloc; free is the same libc's


@functools.cache
def _cudd_library() -> Any:
    """dd.cudd's extension as a ctypes library with the prototypes `_CuddNative` uses, or None
    where its layout is not the one checked (another dd version, a debug build of Python)."""
    import dd
    import dd.cudd as cudd

    if getattr(dd, "__version__", "") != "0.6.0" or hasattr(sys, "gettotalrefcount"):
        return None
    try:
        lib = ctypes.CDLL(cudd.__file__)
        _declare(lib)
    except (OSError, AttributeError):  # not loadable, or a symbol missing
        return None
    return lib


_TERMINATION_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)  # CUDD's DD_THFP


def _declare(lib: Any) -> None:
    lib.Cudd_RegisterTerminationCallback.restype = None
    lib.Cudd_RegisterTerminationCallback.argtypes = [ctypes.c_void_p, _TERMINATION_CALLBACK, ctypes.c_void_p]
    lib.Cudd_UnregisterTerminationCallback.restype = None
    lib.Cudd_UnregisterTerminationCallback.argtypes = [ctypes.c_void_p]
    lib.Cudd_ReadMemoryInUse.restype = ctypes.c_size_t
    lib.Cudd_ReadMemoryInUse.argtypes = [ctypes.c_void_p]
    lib.Cudd_SetMaxMemory.restype = ctypes.c_size_t
    lib.Cudd_SetMaxMemory.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.Cudd_bddIthVar.restype = ctypes.c_void_p
    lib.Cudd_bddIthVar.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.Cudd_ReadSize.restype = ctypes.c_int
    lib.Cudd_ReadSize.argtypes = [ctypes.c_void_p]
    lib.Cudd_ReadNodeCount.restype = ctypes.c_long
    lib.Cudd_ReadNodeCount.argtypes = [ctypes.c_void_p]
    lib.Cudd_SetTimeLimit.restype = ctypes.c_ulong
    lib.Cudd_SetTimeLimit.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    lib.Cudd_ResetStartTime.argtypes = [ctypes.c_void_p]
    lib.Cudd_UnsetTimeLimit.argtypes = [ctypes.c_void_p]
    lib.Cudd_SetMaxLive.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    lib.Cudd_ReadErrorCode.restype = ctypes.c_int
    lib.Cudd_ReadErrorCode.argtypes = [ctypes.c_void_p]
    lib.Cudd_ClearErrorCode.argtypes = [ctypes.c_void_p]
    lib.cuddNodeArray.restype = ctypes.c_void_p
    lib.cuddNodeArray.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    lib.free.restype = None
    lib.free.argtypes = [ctypes.c_void_p]


class _DdOperations:
    """The Boolean operations both dd backends share (dd.cudd and dd.autoref have one API)."""

    bdd: Any
    vars: list[Any]

    def true(self) -> Any:
        return self.bdd.true

    def false(self) -> Any:
        return self.bdd.false

    def var(self, level: int) -> Any:
        return self.vars[level]

    def and_(self, u: Any, v: Any) -> Any:
        return u & v

    def or_(self, u: Any, v: Any) -> Any:
        return u | v

    def not_(self, u: Any) -> Any:
        return ~u

    def xor(self, u: Any, v: Any) -> Any:
        return self.bdd.apply("xor", u, v)

    def ite(self, c: Any, u: Any, v: Any) -> Any:
        return self.bdd.ite(c, u, v)


class CuddBackend(_DdOperations):
    """BDDs in CUDD through dd.cudd."""

    name = "cudd"

    def __init__(
        self,
        order: Sequence[str],
        memory_bytes: int | None = None,
        cache_slots: int | None = None,
        max_bytes: int | None = None,
        check: Callable[[], None] | None = None,
    ) -> None:
        from dd import cudd

        # CUDD bounds its cache by the memory estimate (default: a large share of RAM) and fills
        # the initial one (262,144 slots, ~8 MB: 2,000 page faults, ~4 ms) at once; small trees
        # (one per operation of a system model) need far less, and CUDD grows the cache as its hit
        # rate asks (das9701's 9 s compilation takes the same time from 16,384 slots).
        self.bdd = cudd.BDD(memory_estimate=memory_bytes, initial_cache_size=cache_slots)
        self.bdd.configure(reordering=False)
        self.native = _CuddNative(self.bdd)
        self.order = tuple(order)
        if max_bytes is not None:
            self.native.limit_memory(max_bytes)
        n = len(self.order)
        if n > MANY_VARIABLES:
            if check is not None:
                check()
            self.native.create_variables(n)
        # CUDD knows the variables by their level's number: names are ours (`order`), and numeric
        # ones make CUDD's DDDMP dump all numbers (`bulk.py`). In chunks, with `check` between
        # them: 200,000 variables take ~0.2 s here.
        self.vars = []
        for start in range(0, n, VARIABLE_CHUNK):
            if check is not None and start:
                check()
            numbers = [str(i) for i in range(start, min(n, start + VARIABLE_CHUNK))]
            self.bdd.declare(*numbers)
            self.vars.extend(self.bdd.var(v) for v in numbers)

    def node_count(self) -> int:
        n = self.native.node_count()
        return n if n is not None else len(self.bdd)

    def export(self, root: Any) -> BddGraph:
        compiled = native.compiled
        if len(self.order) > C_WALK_MAX_LEVELS:
            big = False  # CUDD's node walks recurse once a level: deeper, they overflow the C stack
        elif compiled is not None:
            # CUDD's live nodes bound the diagram's (an O(1) read, where `dag_size` walks it).
            big = (self.native.node_count() or root.dag_size) >= bulk.EXPORT_MIN_NODES
        else:
            n = root.dag_size
            big = n >= bulk.EXPORT_MIN_NODES and bulk.worth_it(n, bulk.BULK_MIN_NODES)
        if big:
            table = self.native.node_table(root)
            arrays = None
            if table is not None:
                one, top, nvars = int(self.bdd.true) - 2, int(root) - 2, len(self.order)
                if compiled is not None:  # the same tables, read in C (edfpa14q: 16.3 -> 1.4 ms)
                    got = compiled.node_arrays(table, one, top, nvars)
                    if got is not None:
                        typecode, *columns, edge = got
                        arrays = (*(array.array(typecode, c) for c in columns), edge)
                else:
                    arrays = bulk.node_arrays(table, one, top, nvars)
            if arrays is None:
                arrays = bulk.dump_arrays(self.bdd, root, len(self.order))
            if arrays is not None:
                return BddGraph(self.order, *arrays)
        # int(f) is the node pointer + 2 with the complement in bit 0 (dd's _ddref_to_int), so
        # `int(f) & ~1` names the regular node without allocating its negation.
        ids: dict[int, int] = {}
        level: list[int] = [len(self.order)]
        high: list[int] = [0]
        low: list[int] = [0]
        # One call for (level, low, high) instead of three attribute reads (15% faster); the level
        # is CUDD's, equal to ours since the variables are declared in level order and never moved.
        # Never on the constant: its level would read CUDD's permutation out of bounds.
        succ = self.bdd.succ
        ids[int(self.bdd.true) & ~1] = 0  # the constant: CUDD has the single terminal ONE

        def edge(f: Any) -> int:
            key = int(f)
            neg = key & 1
            node = ids.get(key & ~1)
            if node is not None:
                return 2 * node + neg
            lv, f_low, f_high = succ(f)
            # CUDD's Cudd_T/Cudd_E read the regular node, so the cofactors are the regular
            # function's whatever f's own complement bit is.
            h = edge(f_high)
            e = edge(f_low)
            n = len(level)
            ids[key & ~1] = n
            level.append(lv)
            high.append(h)
            low.append(e)
            return 2 * n + neg

        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 4 * len(self.order) + 1000))
        try:
            r = edge(root)
        finally:
            sys.setrecursionlimit(limit)
            # `edge` refers to itself, and through `succ` to the manager: without this, the cycle
            # would keep the manager (and `ids`) alive until the cyclic garbage collector runs,
            # which `analyze` turns off (+33 MB of peak memory in a 100-service review).
            edge = None  # type: ignore[assignment]
        return BddGraph(self.order, level, high, low, r)

    def close(self) -> None:
        # Drop the manager too, so that CUDD frees it now (milliseconds on a large one) rather
        # than whenever the trial holding this backend goes: after the fork, while the workers
        # compile. No CUDD call may follow: the limits are switched off first.
        self.vars = []
        self.native.lib = None
        self.bdd = None


class PythonBackend(_DdOperations):
    """BDDs in pure Python through dd.autoref (slower; a fallback)."""

    name = "python"

    def __init__(self, order: Sequence[str]) -> None:
        from dd import autoref

        self.bdd = autoref.BDD()
        self.bdd.configure(reordering=False)
        self.order = tuple(order)
        self.bdd.declare(*self.order)
        self.vars = [self.bdd.var(v) for v in self.order]

    def node_count(self) -> int:
        return len(self.bdd)

    def export(self, root: Any) -> BddGraph:
        # dd.bdd keeps succ[abs(u)] = (level, low, high) with negative ints for complemented
        # edges; the terminal is node 1. Read that table directly rather than through wrappers.
        mgr = self.bdd._bdd
        succ = mgr._succ
        nvars = len(self.order)
        ids: dict[int, int] = {1: 0}
        level: list[int] = [nvars]
        high: list[int] = [0]
        low: list[int] = [0]
        # Iterative post-order: dd.autoref BDDs may be deep.
        start = abs(root.node)
        stack = [start]
        while stack:
            u = stack[-1]
            if u in ids:
                stack.pop()
                continue
            lv, v, w = succ[u]
            pending = [c for c in (abs(w), abs(v)) if c not in ids]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            ids[u] = len(level)
            level.append(lv)
            high.append(2 * ids[abs(w)] + (w < 0))
            low.append(2 * ids[abs(v)] + (v < 0))
        r = 2 * ids[start] + (root.node < 0)
        return BddGraph(self.order, level, high, low, r)

    def close(self) -> None:
        self.vars = []


BACKENDS: dict[str, Callable[[Sequence[str]], Backend]] = {"cudd": CuddBackend, "python": PythonBackend}


# Above this many variables CUDD creates them in one step (`_CuddNative.create_variables`); below,
# one by one costs nothing measurable and the per-operation trees keep their path unchanged.
MANY_VARIABLES = 1_000
VARIABLE_CHUNK = 16_384  # variables created between two checks of the time budget (~20-40 ms)
SMALL_TREE = 5_000  # gates + events below which a CUDD manager gets a small memory estimate
SMALL_MEMORY = 2**23
SMALL_CACHE_SLOTS = 2**14  # and a small initial cache


def make_backend(
    name: str,
    order: Sequence[str],
    size_hint: int | None = None,
    max_bytes: int | None = None,
    check: Callable[[], None] | None = None,
) -> Backend:
    """A backend by name ('cudd' or 'python'); 'cudd' falls back to 'python' if dd.cudd is missing.
    `max_bytes` is CUDD's hard memory limit (the pure-Python backend is bounded by its nodes)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown BDD backend {name!r} (choose from {', '.join(BACKENDS)})")
    if name == "cudd":
        try:
            import dd.cudd  # noqa: F401
        except ImportError:
            name = "python"
    if name == "cudd" and size_hint is not None and size_hint < SMALL_TREE:
        return CuddBackend(order, memory_bytes=SMALL_MEMORY, cache_slots=SMALL_CACHE_SLOTS, max_bytes=max_bytes)
    if name == "cudd":
        return CuddBackend(order, max_bytes=max_bytes, check=check)
    return BACKENDS[name](order)


# -- compilation ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compiled:
    """A fault tree compiled to BDDs: the top module's, and one per other module (empty when the
    tree was not decomposed). All share one variable order (`graph.order`), in which each module's
    proxy variable is followed by the module's own variables."""

    graph: BddGraph  # the top module's BDD (the whole tree's when it was not decomposed)
    probs: tuple[float, ...]  # probability of each variable in level order, proxies included
    backend: str
    seconds: float
    peak_nodes: int
    modules: tuple[BddGraph, ...] = ()  # the other modules, each after the modules it uses
    module_levels: tuple[int, ...] = ()  # the level of each module's proxy variable

    @property
    def nodes(self) -> int:
        """BDD nodes over all modules."""
        return len(self.graph) + sum(len(g) for g in self.modules)


# The head start's orders: the first alone, the second when the first stalls (the first is cheap
# to compute: FORCE costs ~3 ms on a per-operation tree of a system model, more than compiling it).
AUTO_CANDIDATES = ("dfs-small", "force-dfs-small")
# Then each of two workers (or each of two lanes of the race in one process) compiles its
# candidates one after another (the next one when the previous one exceeded the node budget, or
# was a FORCE order out of patience), carrying on where the head start left them.
PARALLEL_CANDIDATES = (("dfs-small", "force-dfs"), ("force-dfs-small", "dfs-large"))
# A FORCE order either wins early or blows up: force-dfs-small finishes every Aralia model it wins
# within 0.2 s of compilation and takes 0.7 s to over 30 s where it loses (das9601, cea9601,
# das9701). After this much CPU time its worker suspends it and tries the next candidate (on
# das9701, dfs-large: 9 s against dfs-small's 45 s); it resumes only if every later one fails.
FORCE_PATIENCE_S = 1.0
assert tuple(group[0] for group in PARALLEL_CANDIDATES) == AUTO_CANDIDATES[:2]  # the head start serves both
# CPU time of the first candidate alone in this process before any fork. das9601's dfs-small takes
# 38-68 ms (the machine's state varies): past the head start, the fork costs it ~40 ms (0.05 ->
# 0.09 s, scram's time); 70 ms costs the trees whose first order loses to a later one the 20 ms
# more before the workers start (edf9204 0.34-0.36 s against scram's 1.0 s).
HEAD_START_S = 0.07
# Unless it stalls: when it compiles fewer than STALL_GATES gates in the STALL_WINDOW_S after
# STALL_CHECK_S, it is stuck in a blow-up, and the second candidate (FORCE) gets SECOND_TRY_S of
# CPU time alone in this process before any fork. On the trees where FORCE wins, it often wins
# there. (A 5 ms window measured as good as 10 ms or better on every model, median of 5.)
STALL_CHECK_S = 0.01
STALL_WINDOW_S = 0.005
STALL_GATES = 10
SECOND_TRY_S = 0.08


def compile_tree(
    tree: FaultTree,
    budget: Budget,
    *,
    backend: str = "cudd",
    order: str | Sequence[str] = "auto",
    workers: int | None = None,
    modules: bool | None = None,
) -> Compiled:
    """Compile the top gate bottom-up and export it. Raise `BudgetExceeded` on a budget.

    `modules`: cut the tree into independent modules first (`modules.py`), compiled one after
    another in the same manager, each behind a proxy variable in its parent. None (the default)
    does so for trees of at least `modules.MIN_GATES` gates, True always, False never. An
    explicit order (a list of names) compiles the tree whole.

    `order="auto"` races several heuristics: no single static heuristic wins on the Aralia set
    (BDD sizes differ by up to 100x between them, each one winning somewhere). Each candidate
    compiles in its own CUDD manager, and the first one to finish wins; the others are dropped.
    The first of `AUTO_CANDIDATES` gets a head start alone, so that small trees (the per-operation
    trees of system models) finish before any other manager is created; if it stalls in its head
    start, the second gets a short try alone (`STALL_GATES`, `SECOND_TRY_S`). Then the candidates
    of `PARALLEL_CANDIDATES` run in two sequences, carrying the head start's trials on: in two
    forked workers (`portfolio.py`) with two or more `workers` (default: the CPUs this process may
    use, on Linux), else as two lanes in this process, the lane that has used less time going on
    (`_race`: about twice the winning sequence's time). The pure-Python backend compiles the
    first candidate only (too slow to race).
    """
    t0 = time.monotonic()
    if not isinstance(order, str):
        trial = _Trial(tree, budget, backend, list(order))
        trial.run_for(None)
        return _export(Decomposition.trivial(tree), trial, t0)
    dec = Decomposition.trivial(tree) if modules is False else decompose(tree, force=modules is True)
    if order != "auto":
        trial = _new_trial(dec, budget, backend, order)
        trial.run_for(None)
        return _export(dec, trial, t0)
    candidates = AUTO_CANDIDATES if backend == "cudd" else AUTO_CANDIDATES[:1]
    first = _new_trial(dec, budget, backend, candidates[0])
    rest = candidates[1:]
    try:
        finished = first.run_for(STALL_CHECK_S if rest else None)
        done_before = first.next
        if not finished:
            finished = first.run_for(STALL_CHECK_S + STALL_WINDOW_S)
    except BudgetExceeded as e:
        if e.status is Status.TIME_BUDGET or not rest:
            raise
        return _export(dec, _race(dec, budget, backend, {}, {first.heuristic}, e.with_traceback(None)), t0)
    if finished:
        return _export(dec, first, t0)
    trials: list[_Trial] = [first]
    started = {first.heuristic}
    last_error: BudgetExceeded | None = None
    stalled = first.next - done_before < STALL_GATES
    if stalled:
        # The first candidate stalls: the second one gets its try, alone (a race would give the
        # first's stuck gate half of the time, in long slices).
        second = _new_trial(dec, budget, backend, rest[0])
        started.add(second.heuristic)
        try:
            if second.run_for(SECOND_TRY_S):
                first.release()
                return _export(dec, second, t0)
            trials.append(second)
        except BudgetExceeded as e:  # the trial has released its manager
            if e.status is Status.TIME_BUDGET:
                first.release()
                raise
            last_error = e.with_traceback(None)
    else:
        try:
            if first.run_for(HEAD_START_S):
                return _export(dec, first, t0)
        except BudgetExceeded as e:
            if e.status is Status.TIME_BUDGET:
                raise
            trials, last_error = [], e.with_traceback(None)
    failed = started - {t.heuristic for t in trials}  # on the node budget
    if (workers if workers is not None else portfolio.available_workers()) >= 2:
        try:
            return _compile_in_parallel(dec, budget, backend, {t.heuristic: t for t in trials}, failed, last_error, t0)
        except OSError:  # no fork or pipe (process or memory limits): race in this process
            return _export(dec, _race(dec, budget, backend, {}, set()), t0)
    carried = {t.heuristic: t for t in trials}
    return _export(dec, _race(dec, budget, backend, carried, failed, last_error, second_first=stalled), t0)


def _new_trial(dec: Decomposition, budget: Budget, backend: str, heuristic: str) -> _Trial:
    names = nested_order(dec, heuristic)
    budget.check(0)  # an order of 200,000 events takes ~0.3 s
    trial = _Trial(dec.tree, budget, backend, names, roots=dec.roots)
    trial.heuristic = heuristic
    return trial


class _Lane:
    """One sequence of candidates (a group of `PARALLEL_CANDIDATES`), as a worker runs it
    (`_one_after_another`) and as a lane of the one-process race (`_race`): one after another, the
    next one when the current one exceeded the node budget or was a FORCE order, not the last, out
    of patience (suspended, resumed once the others are done)."""

    def __init__(self, candidates: Sequence[str]) -> None:
        self.pending = list(candidates)
        self.trial: _Trial | None = None
        self.patience: float | None = None
        self.suspended: list[_Trial] = []
        self.spent = 0.0  # CPU time of all this lane's trials

    def current(self, new_trial: Callable[[str], _Trial]) -> _Trial | None:
        if self.trial is None:
            if self.pending:
                candidate = self.pending.pop(0)
                self.trial = new_trial(candidate)
                self.patience = FORCE_PATIENCE_S if candidate.startswith("force-") and self.pending else None
            elif self.suspended:
                self.trial, self.patience = self.suspended.pop(0), None
        return self.trial

    def has_more(self) -> bool:
        return bool(self.pending or self.suspended)

    def suspend(self) -> None:
        assert self.trial is not None
        self.suspended.append(self.trial)
        self.trial = None

    def release(self) -> None:
        for trial in [self.trial, *self.suspended]:
            if trial is not None:
                trial.release()
        self.trial, self.suspended = None, []


def _race(
    dec: Decomposition,
    budget: Budget,
    backend: str,
    carried: dict[str, _Trial],
    failed: set[str],
    last_error: BudgetExceeded | None = None,
    second_first: bool = False,
) -> _Trial:
    """The two workers' candidate sequences (`PARALLEL_CANDIDATES`) in this process, one lane
    each, carrying on the head start's trials (`carried`, by heuristic) and skipping those that
    `failed` on the node budget; return the first trial to finish.

    The lane that has used less CPU time since the race began advances (the first lane on a tie,
    the second with `second_first`, when the first stalled in the head start), so a race costs
    about twice the winning lane's time, where the former race of three orders one against the
    other cost three times the winner's (cea9601: dfs-small's 0.85 s, against two FORCE orders
    that blow up). A step may take at most as long as its lane's whole run so far
    (and the head start), unless nothing else is left to run: one gate can blow up (edf9202's
    worst order spends 4 s in a single OR). A step cut off suspends the candidate, which compiles
    the gate again, with a longer slice, when its turn comes (dropping it lost cea9601's best
    order to one slow gate)."""

    def new_trial(candidate: str) -> _Trial:
        return carried.pop(candidate, None) or _new_trial(dec, budget, backend, candidate)

    lanes = [_Lane([c for c in group if c not in failed]) for group in PARALLEL_CANDIDATES]
    preference = [1, 0] if second_first else [0, 1]
    try:
        while True:
            # A lane's next order is started (FORCE's computed) only when the lane's turn comes:
            # the first lane often finishes in its first turn (das9601, just past the head start).
            live = [i for i, lane in enumerate(lanes) if lane.trial is not None or lane.has_more()]
            if not live:
                assert last_error is not None
                raise last_error
            lane = lanes[min(live, key=lambda i: (lanes[i].spent, preference[i]))]
            trial = lane.current(new_trial)
            assert trial is not None
            alone = len(live) == 1 and not lane.has_more()
            slice_s = None if alone else max(HEAD_START_S, lane.spent, trial.elapsed)
            if lane.patience is not None:
                left = lane.patience - trial.elapsed
                if left <= 0:
                    lane.suspend()
                    continue
                slice_s = left if slice_s is None else min(slice_s, left)
            before = trial.elapsed
            try:
                finished = trial.step(64, slice_s=slice_s)
            except _TooSlow:
                if lane.patience is not None and trial.elapsed >= lane.patience:
                    lane.suspend()
                continue  # otherwise suspended within its lane: it goes on when its turn comes
            except BudgetExceeded as e:
                if e.status is Status.TIME_BUDGET:
                    raise
                last_error = e.with_traceback(None)  # a node budget: this order is too large
                lane.trial = None  # the step released its manager
                continue
            finally:
                lane.spent += trial.elapsed - before
            if finished:
                lane.trial = None
                return trial
    finally:
        for lane in lanes:
            lane.release()
        for trial in carried.values():
            trial.release()
        carried.clear()


def _compile_in_parallel(
    dec: Decomposition,
    budget: Budget,
    backend: str,
    carried: dict[str, _Trial],
    failed: set[str],
    last_error: BudgetExceeded | None,
    t0: float,
) -> Compiled:
    """Two workers, each with its candidates of `PARALLEL_CANDIDATES` one after another, carrying
    on the head start's trials (`carried`, by heuristic) from where they are; `failed` ones (node
    budget) are skipped.

    Neither worker races its candidates: a race pays for every candidate it runs, and on the
    measured traces of the Aralia models one order per core had the smaller total (docs/fta.md)."""
    groups = [[c for c in group if c not in failed] for group in PARALLEL_CANDIDATES]
    jobs = [_one_after_another(dec, budget, backend, group, carried, len(groups)) for group in groups if group]
    trials = list(carried.values())

    def release_here() -> None:
        # This process's copies are released while the workers run: dropping a trial's functions
        # dereferences their nodes one by one (edfpa14o: ~7 ms).
        for trial in trials:
            trial.release()

    try:
        if not jobs:
            assert last_error is not None
            raise last_error
        names, tables, peak = portfolio.first_result(jobs, budget, after_fork=release_here)
    finally:
        release_here()
    order = tuple(names)
    graphs = [BddGraph(order, level, high, low, root) for level, high, low, root in tables]
    return _compiled(dec, graphs, backend, peak, t0)


def _one_after_another(
    dec: Decomposition,
    budget: Budget,
    backend: str,
    candidates: Sequence[str],
    carried: dict[str, _Trial],
    workers: int = 1,
) -> Callable[[], tuple[Any, ...]]:
    """A worker's job: compile `candidates` one after another (those in `carried` from where they
    are), the next one when the previous one exceeded the node budget (a time budget stops
    everything) or, for a FORCE order that is not the last, after `FORCE_PATIENCE_S` of CPU time:
    such a candidate is suspended and carried on, to the end, only if every later one fails. The
    first finished one's BDDs, as `_payload`."""

    def job() -> tuple[Any, ...]:
        # In a forked worker: the memory budget is the command's, so each of `workers` processes
        # gets its share, and the head start's managers it carries on are held to it too.
        budget.max_bytes //= workers
        for trial in carried.values():
            if trial.native is not None:
                trial.native.limit_memory(budget.max_bytes)
        last_error: BudgetExceeded | None = None
        lane = _Lane(candidates)

        def new_trial(candidate: str) -> _Trial:
            return carried.get(candidate) or _new_trial(dec, budget, backend, candidate)

        while (trial := lane.current(new_trial)) is not None:
            try:
                if trial.run_for(lane.patience):
                    return _payload(trial)
                lane.suspend()
            except BudgetExceeded as e:  # the trial has released its manager
                if e.status is Status.TIME_BUDGET:
                    raise
                last_error = e.with_traceback(None)
                lane.trial = None
        assert last_error is not None
        raise last_error

    return job


# A worker's finished trial, kept until the worker exits: freeing a manager's diagrams dereferences
# them node by node, and the manager itself takes milliseconds more (edfpa14q: ~6 ms), all wasted
# in a process that `os._exit`s once its result is sent.
_kept_until_exit: list[_Trial] = []


def _payload(trial: _Trial) -> tuple[Any, ...]:
    """A finished trial's BDDs (one per module root) in a compact picklable form (int32 arrays
    pickle as raw bytes). For a forked worker only: the trial is never released (see above)."""
    graphs = trial.export()
    _kept_until_exit.append(trial)

    def as_array(xs: Sequence[int]) -> array.array[int]:
        if isinstance(xs, array.array):
            return xs
        return array.array("i" if len(xs) < bulk.INT32_NODES else "q", xs)

    tables = [(as_array(g.level), as_array(g.high), as_array(g.low), g.root) for g in graphs]
    return list(graphs[0].order), tables, trial.peak


def _export(dec: Decomposition, trial: _Trial, t0: float) -> Compiled:
    graphs = trial.export()
    trial.release()
    return _compiled(dec, graphs, trial.b.name, trial.peak, t0)


def _compiled(dec: Decomposition, graphs: list[BddGraph], backend: str, peak: int, t0: float) -> Compiled:
    """`graphs` holds one BDD per root of `dec`, the top last. Each module's probability is
    computed, children first, and becomes its proxy variable's."""
    order = graphs[-1].order
    events = dec.tree.basic_events
    probs = [events[n] for n in order]
    proxy_of = {m: p for p, m in dec.proxies.items()}
    levels: list[int] = []
    if proxy_of:
        level_of = {n: i for i, n in enumerate(order)}
        for root, g in zip(dec.roots[:-1], graphs[:-1], strict=True):
            level = level_of[proxy_of[root]]
            probs[level] = probability(g, probs)
            levels.append(level)
    nodes = sum(len(g) for g in graphs)
    return Compiled(
        graphs[-1], tuple(probs), backend, time.monotonic() - t0, max(peak, nodes), tuple(graphs[:-1]), tuple(levels)
    )


class _TooSlow(Exception):
    """A trial's gate ran past its time slice (the global budget is not exhausted): the trial is
    suspended before that gate and can resume."""


class _Trial:
    """One compilation in its own manager, advanced one gate at a time by `step()`.

    CUDD's own limits are armed for the remaining time and `max_nodes` live nodes. `step()` raises
    `BudgetExceeded` on either budget, after releasing every function of its manager.
    """

    def __init__(
        self,
        tree: FaultTree,
        budget: Budget,
        backend: str,
        names: list[str],
        max_nodes: int = 0,
        roots: Sequence[str] | None = None,
    ) -> None:
        self.tree, self.budget, self.backend, self.names = tree, budget, backend, names
        self.max_nodes = max_nodes or budget.max_nodes
        # Refused before CUDD allocates the variables' tables (200,000 events: ~0.5 GB at once).
        budget.stage = "BDD"
        budget.check_variables(len(names))
        self.b: Any = make_backend(
            backend,
            names,
            size_hint=len(tree.gates) + len(tree.basic_events),
            max_bytes=budget.max_bytes,
            check=functools.partial(budget.check, 0),
        )
        self.level_of = {n: i for i, n in enumerate(names)}
        # Module roots, children first (a decomposed tree, `modules.py`); their gates are disjoint.
        self.roots = tuple(roots) if roots else (tree.top,)
        self.post = [g for r in self.roots for g in tree.postorder(r)]
        self.is_root = set(self.roots)
        self.results: dict[str, Any] = {}
        # Number of parents still to use each gate's BDD: drop it after its last use so that CUDD's
        # garbage collector can reclaim intermediate nodes (and the node budget measures live nodes).
        gates = tree.gates
        uses: dict[str, int] = {}
        for g in self.post:
            for a in gates[g].args:
                if a in gates:
                    uses[a] = uses.get(a, 0) + 1
        self.uses = uses
        self.done: dict[str, Any] = {}
        self.next = 0
        # CPU seconds this trial has compiled for: the head start, the race's turns and the
        # slices given to CUDD (whose time limits count CPU time) all use it, so a loaded host
        # does not cut the head start short and send small trees to the workers.
        self.elapsed = 0.0
        self.heuristic = ""  # the name of the order, when it came from one
        self.peak = 0
        self.root: Any = None
        self.native = getattr(self.b, "native", None)

    def step(self, n: int = 1, slice_s: float | None = None) -> bool:
        """Compile the next `n` gates; True once the top gate is done. With `slice_s`, raise
        `_TooSlow` if one gate runs longer than that (the trial is then suspended before it)."""
        budget, b, tree = self.budget, self.b, self.tree
        gates, done, uses, level_of, post = tree.gates, self.done, self.uses, self.level_of, self.post
        budget.stage = "BDD"
        t0 = time.process_time()
        remaining = budget.remaining()
        if self.native is not None:
            slice_end = t0 + slice_s if slice_s is not None and slice_s < remaining else None
            self.native.set(remaining, self.max_nodes, slice_end, budget.started + budget.seconds)
        err: BudgetExceeded | None = None
        suspended = False
        args: list[Any] = []
        try:
            with budget.alarm() if self.backend == "python" else nullcontext():
                for _ in range(n):
                    g = post[self.next]
                    self.next += 1
                    gate = gates[g]
                    args = []
                    for a in gate.args:
                        if a in gates:
                            args.append(done[a])
                        elif a in level_of:
                            args.append(b.var(level_of[a]))
                        else:  # house event
                            args.append(b.true() if tree.house_events.get(a, False) else b.false())
                    done[g] = _gate(b, gate.kind, gate.k, args)
                    args = []
                    # Only now are the arguments used up: a gate cut off by its time slice is
                    # compiled again later from the same arguments.
                    for a in gate.args:
                        if a in gates:
                            uses[a] -= 1
                            if uses[a] == 0:
                                del done[a]
                    count = b.node_count()
                    if count > self.peak:
                        self.peak = count
                    if count > self.max_nodes:
                        raise budget.too_many(self.max_nodes)
                    budget.check(count)
                    if g in self.is_root:
                        self.results[g] = done.pop(g)
                        if g == self.roots[-1]:
                            self.root = self.results[g]
                            break
        except BudgetExceeded as e:
            err = e.with_traceback(None)
        except (ValueError, RuntimeError):
            # When CUDD returns NULL (a limit was hit, or the slice ended), dd.cudd raises
            # ValueError from its operators and RuntimeError ("out of memory") from `apply`,
            # which XOR uses: CUDD's own error code tells them from a real error.
            code = _CuddNative.NO_ERROR if self.native is None else self.native.error()
            if code == _CuddNative.NO_ERROR:
                raise
            self.peak = max(self.peak, b.node_count())  # the stop names how far the gate got
            why = self.native.why[0] if self.native is not None else None
            if code == _CuddNative.TERMINATION and why is Status.TIME_BUDGET:
                err = budget.time_out(self.peak)
            elif code == _CuddNative.TERMINATION and why is Status.MEMORY_BUDGET:
                err = budget.out_of_memory(self.peak)
            elif code == _CuddNative.TERMINATION:
                suspended = True
            elif code == _CuddNative.TIMEOUT_EXPIRED:
                err = budget.time_out(self.peak)
            elif code in (_CuddNative.MAX_MEM_EXCEEDED, _CuddNative.MEMORY_OUT):
                err = budget.out_of_memory(max(self.peak, b.node_count()))
            else:
                err = budget.too_many(self.max_nodes)
        finally:
            self.elapsed += time.process_time() - t0
        if suspended:
            # Suspended, not dropped: the gate is compiled again, with a longer slice since the
            # slice grows with the time used, on this candidate's next turn. The functions built
            # so far stay valid in CUDD; only the aborted operation's work is lost.
            args.clear()
            self.next -= 1
            self.native.clear_error()
            self.native.unset()
            raise _TooSlow()
        if err is not None:
            # Release every CUDD function before the manager, and raise outside the `except` blocks so
            # that no traceback keeps them alive: a reference cycle through a traceback would let the
            # garbage collector clear a dd.cudd Function's manager first ("Still referenced upon
            # shutdown").
            args.clear()
            self.release()
            raise err
        if self.native is not None:
            self.native.unset()
        if self.root is None:
            return False
        done.clear()
        return True

    def run_for(self, seconds: float | None) -> bool:
        """Compile until done (True) or until `seconds` of compile time are used (False; a gate
        cut off at that point is compiled again on the next step)."""
        if seconds is None:
            while not self.step(64):
                pass
            return True
        while self.elapsed < seconds:
            try:
                # One slice for a batch of gates: the limit cuts whichever gate runs when it expires
                # (arming CUDD's limits per gate cost ~12 us a gate, half a small tree's compile).
                if self.step(64, slice_s=seconds - self.elapsed):
                    return True
            except _TooSlow:
                # Our own count decides: a slice cut before it is over (as CUDD's own limit did,
                # on its sampled clock) goes on; the gate cut off is compiled again.
                continue
        return False

    def export(self) -> list[BddGraph]:
        """The finished BDD of each root, in the order of `roots`."""
        return [self.b.export(self.results[r]) for r in self.roots]

    def release(self) -> None:
        """Free the manager's functions (the finished roots too)."""
        self.done.clear()
        self.results.clear()
        self.root = None
        if self.native is not None:
            self.native.unset()
        self.b.close()


# CUDD's recursive walks (cuddNodeArray, Cudd_DagSize, the DDDMP dump) go one C frame down per
# level: a 200,000-level chain overflowed the 8 MB stack. Deeper diagrams are exported in Python.
C_WALK_MAX_LEVELS = 20_000
WIDE_GATE = 256  # AND/OR/k-of-n gates with more arguments fold them bottom-up (see `_gate`)
_LEVEL = operator.attrgetter("level")


def _gate(b: Backend, kind: GateKind, k: int | None, args: list[Any]) -> Any:
    if kind is GateKind.NULL:
        return args[0]
    if kind is GateKind.NOT:
        return b.not_(args[0])
    if len(args) > WIDE_GATE and kind in (GateKind.AND, GateKind.NAND, GateKind.OR, GateKind.NOR, GateKind.ATLEAST):
        # Lowest top variable first: each next argument then sits above the result so far, and
        # the fold is linear (an OR of 200,000 events in level order rebuilt the whole chain at
        # every step: quadratic; so did the counters of a k-of-n over 10,000 replicas, 1.6 ms an
        # ITE). Narrow gates keep their order, which the tuned runs measured.
        # Ties (replicas whose zone's event is on top) go last argument first: the orders place
        # each argument's own events in argument order, so that is the deepest first too (10,000
        # replicas in three zones: a k-of-n over 20 s, an AND over 60 s; now 0.8 s for the BDD).
        args = sorted(args[::-1], key=_LEVEL, reverse=True)
    if kind in (GateKind.AND, GateKind.NAND):
        r = args[0]
        for a in args[1:]:
            r = b.and_(r, a)
        return b.not_(r) if kind is GateKind.NAND else r
    if kind in (GateKind.OR, GateKind.NOR):
        r = args[0]
        for a in args[1:]:
            r = b.or_(r, a)
        return b.not_(r) if kind is GateKind.NOR else r
    if kind is GateKind.XOR:
        r = args[0]
        for a in args[1:]:
            r = b.xor(r, a)
        return r
    if kind is GateKind.ATLEAST:
        assert k is not None
        # at[j] = "at least j of the arguments seen so far are true", j = 0..k; process the
        # arguments one by one with at'[j] = ite(a, at[j-1], at[j]): n*k ITEs, no blow-up.
        # At least k of n true = not (at least n-k+1 of n false): count whichever is smaller, so
        # a service of 700 replicas needing 3 (698-of-700) costs 3n ITEs, not 698n.
        m = len(args) - k + 1
        if m < k:
            at = [b.true()] + [b.false()] * m
            for a in args:
                for j in range(m, 0, -1):
                    at[j] = b.ite(a, at[j], at[j - 1])  # a false moves the count of false ones up
            return b.not_(at[m])
        at = [b.true()] + [b.false()] * k
        for a in args:
            for j in range(k, 0, -1):
                at[j] = b.ite(a, at[j - 1], at[j])
        return at[k]
    raise AssertionError(kind)


__all__ = [
    "FALSE",
    "TRUE",
    "Backend",
    "BddGraph",
    "BudgetExceeded",
    "Compiled",
    "compile_tree",
    "make_backend",
    "nested_order",
    "probability",
    "variable_order",
]
