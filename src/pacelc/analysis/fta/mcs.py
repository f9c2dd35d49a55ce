"""Minimal cut sets as a ZBDD, computed from the BDD with Rauzy's algorithm.

Definition (coherent and non-coherent trees alike): a cut set is a set S of basic events such that
the top event occurs when exactly the events of S fail; the minimal cut sets are the minimal such
sets. For a coherent tree these are the usual minimal cut sets. For a non-coherent tree (NOT, XOR)
they are the positive parts of the prime implicants, minimised, i.e. negative literals are dropped:
the minimal cut sets of the smallest monotone function above the tree's function. This is what
scram 0.16 (BDD and ZBDD algorithms without --prime-implicants) and XFTA report, and what the
data set's counts use.

The recursion (Rauzy 1993), for f = ite(x, f1, f0):

    minsol(f) = { {x} u S : S in minsol(f1) without minsol(f0) }  u  minsol(f0)

where `F without G` keeps the sets of F that contain no set of G. It is exact for non-coherent f
too, since every minimal true set either lacks x (a minimal true set of f0) or is x plus a
minimal true set of f1 not already covered by f0.

Why our own ZBDD rather than dd.cudd_zdd: CUDD has no `without` (subsumption) operator, so the
recursion would have to call back into Python for every node pair anyway, paying a CUDD
reference-count round trip and a wrapper object per call; a ZBDD of three Python lists with a
unique-table dict and int-keyed memo dicts measured several times faster, and its nodes are ints
that the counting, probability and enumeration passes use directly.
"""

from __future__ import annotations

import heapq
import math
import operator
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from . import bulk, native
from .bdd import BddGraph, Compiled
from .budget import Budget

EMPTY = 0  # the empty family
BASE = 1  # the family {{}}


class Zbdd:
    """A hash-consed ZBDD over the variables 0..n-1 (the BDD's levels); nodes are ints."""

    __slots__ = ("budget", "hi", "lo", "unique", "var")

    def __init__(self, nvars: int, budget: Budget) -> None:
        self.var = [nvars, nvars]  # terminals sit below every variable
        self.hi = [0, 0]
        self.lo = [0, 0]
        self.unique: dict[tuple[int, int, int], int] = {}
        self.budget = budget

    def __len__(self) -> int:
        return len(self.var)

    def mk(self, v: int, hi: int, lo: int) -> int:
        if hi == EMPTY:  # zero-suppression rule
            return lo
        key = (v, hi, lo)
        r = self.unique.get(key)
        if r is None:
            r = len(self.var)
            self.unique[key] = r
            self.var.append(v)
            self.hi.append(hi)
            self.lo.append(lo)
            if r & 0x3FFF == 0:  # every 16k nodes: node and time budget
                self.budget.check(r)
        return r

    # -- Rauzy's operators --------------------------------------------------------------------------
    def without(self, f: int, g: int, memo: dict[int, int]) -> int:
        """Sets of f that are not supersets of a set of g. Both are antichains, so {} is in g iff
        g is BASE."""
        if f == EMPTY or g == EMPTY:
            return f
        if g == BASE or f == g:
            return EMPTY
        if f == BASE:
            return BASE
        key = (f << 32) | g
        r = memo.get(key)
        if r is not None:
            return r
        var = self.var
        vf, vg = var[f], var[g]
        if vf < vg:
            r = self.mk(vf, self.without(self.hi[f], g, memo), self.without(self.lo[f], g, memo))
        elif vf > vg:
            r = self.without(f, self.lo[g], memo)
        else:
            h = self.without(self.hi[f], self.hi[g], memo)
            h = self.without(h, self.lo[g], memo)
            r = self.mk(vf, h, self.without(self.lo[f], self.lo[g], memo))
        memo[key] = r
        return r

    def minsol(self, g: BddGraph, limit: int | None = None) -> int:
        """Minimal true sets of the BDD `g` (of at most `limit` elements if given).

        In C where the extension is built (`native.py`): the same nodes, made in the same order
        (edf9202's top module, order <= 3: 4.3 -> 0.4 ms; the unique table stays a Python dict)."""
        if limit is not None and not 0 <= limit <= 63:
            raise ValueError("order limit must be in 0..63")
        c = native.compiled
        if c is None or len(g.order) > native.MAX_LEVELS:
            return self.minsol_python(g, limit)
        self.budget.stage = "ZBDD"
        with self.budget.alarm():
            return c.minsol(
                g.level, g.high, g.low, g.root, -1 if limit is None else limit,
                self.var, self.hi, self.lo, self.unique, self.budget.check,
            )  # fmt: skip

    def minsol_python(self, g: BddGraph, limit: int | None = None) -> int:
        """`minsol` in Python: the reference, and the path without the C extension."""
        lv, hi, lo = g.level, g.high, g.low
        memo: dict[int, int] = {}
        wmemo: dict[int, int] = {}

        def rec(e: int) -> int:
            r = memo.get(e)
            if r is not None:
                return r
            i, c = e >> 1, e & 1
            if i == 0:
                return BASE if c == 0 else EMPTY
            z0 = rec(lo[i] ^ c)
            z1 = rec(hi[i] ^ c)
            r = self.mk(lv[i], self.without(z1, z0, wmemo), z0)
            memo[e] = r
            return r

        def rec_limited(e: int, k: int) -> int:
            if k == 0:  # is {} a solution: the function with every variable false
                i = e >> 1
                value = false_everywhere[i]
                if value == UNKNOWN:
                    value = false_value(i)
                return BASE if value ^ (e & 1) else EMPTY
            key = e * 64 + k
            r = memo.get(key)
            if r is not None:
                return r
            i, c = e >> 1, e & 1
            if i == 0:
                return BASE if c == 0 else EMPTY
            z0 = rec_limited(lo[i] ^ c, k)
            z1 = rec_limited(hi[i] ^ c, k - 1)
            r = self.mk(lv[i], self.without(z1, z0, wmemo), z0)
            memo[key] = r
            return r

        if limit is not None and not 0 <= limit <= 63:
            raise ValueError("order limit must be in 0..63")
        # The value of a node with every variable false: the end of its low chain, through the
        # complement bits on the way. About 60% of the bounded recursion's states asked it; each
        # node's is worked out once, and only for the nodes asked (a pass over every node took
        # 75% of the bounded recursion on edfpa14q's 133,466 nodes).
        UNKNOWN = 2
        false_everywhere = bytearray([UNKNOWN]) * len(lv)
        false_everywhere[0] = 1

        def false_value(i: int) -> int:
            chain = []
            while false_everywhere[i] == UNKNOWN:
                chain.append(i)
                i = lo[i] >> 1
            value = false_everywhere[i]
            for j in reversed(chain):
                value ^= lo[j] & 1
                false_everywhere[j] = value
            return value

        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 6 * len(g.order) + 2000))
        self.budget.stage = "ZBDD"
        try:
            # `without` can run long on memo hits alone without creating nodes, so the node-count
            # checks in `mk` are not enough: arm the interval timer too.
            with self.budget.alarm():
                return rec(g.root) if limit is None else rec_limited(g.root, limit)
        finally:
            sys.setrecursionlimit(old)
            # A recursive closure refers to itself: only the cyclic garbage collector, which
            # `analyze` turns off, would free it and the memo it holds. Break the cycle now.
            rec = rec_limited = false_value = None  # type: ignore[assignment]

    def substitute(self, f: int, families: dict[int, int], limit: int | None = None) -> int:
        """Replace each proxy variable `v` of f by the family `families[v]` (of at most `limit`
        elements in all when given).

        Requirements, which `modules.decompose` and `bdd.nested_order` guarantee: each family's
        variables lie between its proxy and the next variable f can test (a block right after the
        proxy), the families share no variable with f or with each other, and no family contains
        the empty set (a module is false when nothing failed). Then `f[v := F]` is
        `lo  u  {C u S : C in F, S in hi}` and every set it produces is minimal, so no
        subsumption is needed: the family is copied with its ONE leaves pointing at `hi` and the
        EMPTY leaf at the end of its low chain pointing at `lo`.
        """
        if not families:
            return f
        var, hi_of, lo_of, mk = self.var, self.hi, self.lo, self.mk
        bounded = limit is not None
        memo: dict[int, int] = {}

        # `budget`: how many more events a set may take (always 0 when unbounded).
        def sub(u: int, budget: int) -> int:
            if u <= BASE:
                return u
            key = u * 64 + budget
            r = memo.get(key)
            if r is not None:
                return r
            v = var[u]
            lo = sub(lo_of[u], budget)
            family = families.get(v)
            if family is not None:
                r = graft(family, hi_of[u], lo, budget)
            elif bounded and budget == 0:
                r = lo
            else:
                r = mk(v, sub(hi_of[u], budget - 1 if bounded else 0), lo)
            memo[key] = r
            return r

        def graft(family: int, hi: int, lo: int, budget: int) -> int:
            copies: dict[int, int] = {}

            def copy(n: int, used: int, on_low_chain: bool) -> int:
                if n == BASE:
                    return sub(hi, budget - used if bounded else 0)
                if n == EMPTY:
                    return lo if on_low_chain else EMPTY
                key = (n * 64 + used) * 2 + on_low_chain
                r = copies.get(key)
                if r is None:
                    full = bounded and used >= budget  # no room for one more event of the module
                    h = EMPTY if full else copy(hi_of[n], used + 1 if bounded else 0, False)
                    r = mk(var[n], h, copy(lo_of[n], used, on_low_chain))
                    copies[key] = r
                return r

            try:
                return copy(family, 0, True)
            finally:
                copy = None  # type: ignore[assignment]  # break the closure's cycle (see `minsol`)

        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 8 * len(self.var) + 2000))
        self.budget.stage = "ZBDD"
        try:
            with self.budget.alarm():
                return sub(f, limit if limit is not None else 0)
        finally:
            sys.setrecursionlimit(old)
            sub = graft = None  # type: ignore[assignment]  # break the closures' cycles (see `minsol`)

    # -- queries without enumeration ----------------------------------------------------------------
    def _bottom_up(self, f: int) -> list[int]:
        """Nodes reachable from f, children first (iterative: ZBDDs can be deep)."""
        seen = {EMPTY, BASE}
        out: list[int] = []
        stack = [f]
        hi, lo = self.hi, self.lo
        while stack:
            u = stack[-1]
            if u in seen:
                stack.pop()
                continue
            h, e = hi[u], lo[u]
            if h not in seen:
                stack.append(h)
            elif e not in seen:
                stack.append(e)
            else:
                seen.add(u)
                out.append(u)
                stack.pop()
        return out

    def count(self, f: int) -> int:
        """Number of sets in f (exact, arbitrary precision)."""
        c = {EMPTY: 0, BASE: 1}
        for u in self._bottom_up(f):
            c[u] = c[self.hi[u]] + c[self.lo[u]]
        return c[f]

    def size(self, f: int) -> int:
        """Number of internal nodes reachable from f."""
        return len(self._bottom_up(f))

    def distribution(self, f: int, max_order: int) -> list[int]:
        """Number of sets of each order 0..max_order."""
        d: dict[int, list[int]] = {EMPTY: [0] * (max_order + 1), BASE: [1] + [0] * max_order}
        for u in self._bottom_up(f):
            h, e = d[self.hi[u]], d[self.lo[u]]
            d[u] = [e[0]] + [e[j] + h[j - 1] for j in range(1, max_order + 1)]
        return d[f]

    def sum_products(self, f: int, probs: Sequence[float], power: int = 1) -> float:
        """Sum over the sets S of f of prod_{x in S} p(x)**power (power 1: the rare-event sum)."""
        s = {EMPTY: 0.0, BASE: 1.0}
        var, hi, lo = self.var, self.hi, self.lo
        for u in self._bottom_up(f):
            s[u] = probs[var[u]] ** power * s[hi[u]] + s[lo[u]]
        return s[f]

    def max_product(self, f: int, probs: Sequence[float]) -> dict[int, float]:
        """For each node below f, the largest probability of one of its sets."""
        m = {EMPTY: -1.0, BASE: 1.0}
        var, hi, lo = self.var, self.hi, self.lo
        for u in self._bottom_up(f):
            m[u] = max(probs[var[u]] * m[hi[u]], m[lo[u]])
        return m

    def sets(self, f: int) -> Iterator[list[int]]:
        """Enumerate the sets of f (variables in level order). Use only on small families."""
        # One shared path, cut back to each entry's depth: copying the prefix at every node was
        # quadratic in a set's size (an AND of 200,000 events: tens of GB).
        path: list[int] = []
        stack: list[tuple[int, int, int]] = [(f, 0, -1)]  # node, depth of its prefix, variable to add
        lo, hi, var = self.lo, self.hi, self.var
        while stack:
            u, depth, v = stack.pop()
            del path[depth:]
            if v >= 0:
                path.append(v)
            if u == EMPTY:
                continue
            if u == BASE:
                yield list(path)
                continue
            depth = len(path)
            stack.append((lo[u], depth, -1))
            stack.append((hi[u], depth, var[u]))

    def most_probable(self, f: int, probs: Sequence[float], n: int) -> list[tuple[float, list[int]]]:
        """The n sets of f of highest probability, best first (best-first search on the ZBDD, with
        each node's best completion as an exact bound: no enumeration of the family)."""
        best = self.max_product(f, probs)
        out: list[tuple[float, list[int]]] = []
        tie = 0
        heap: list[tuple[float, int, float, int, tuple[int, ...]]] = []
        if f != EMPTY:
            heap.append((-best[f], tie, 1.0, f, ()))
        while heap and len(out) < n:
            _, _, pre, u, acc = heapq.heappop(heap)
            if u == BASE:
                out.append((pre, list(acc)))
                continue
            for child, p2, acc2 in (
                (self.hi[u], pre * probs[self.var[u]], (*acc, self.var[u])),
                (self.lo[u], pre, acc),
            ):
                if child != EMPTY:
                    tie += 1
                    heapq.heappush(heap, (-p2 * best[child], tie, p2, child, acc2))
        return out


def minimal_cut_sets(z: Zbdd, compiled: Compiled, limit: int | None = None) -> int:
    """The minimal cut sets of a compiled tree (of at most `limit` events when given): those of
    each module, children first, substituted for its proxy in its parent's (`Zbdd.substitute`)."""
    families: dict[int, int] = {}
    for graph, level in zip(compiled.modules, compiled.module_levels, strict=True):
        families[level] = z.substitute(z.minsol(graph, limit), families, limit)
    return z.substitute(z.minsol(compiled.graph, limit), families, limit)


def mcub_of(probabilities: Iterable[float]) -> float:
    """Min-cut upper bound 1 - prod (1 - p) of cut sets with these probabilities (e.g. the ones
    already listed: no second enumeration), correctly rounded whatever their order."""
    ps = probabilities if isinstance(probabilities, list) else list(probabilities)
    if not ps:
        return 0.0
    if max(ps) >= 1.0:
        return 1.0
    return -math.expm1(math.fsum(map(math.log1p, map(operator.neg, ps))))


def mcub(z: Zbdd, f: int, probs: Sequence[float], count: int) -> float:
    """Min-cut upper bound 1 - prod_C (1 - P(C)) over the sets of f.

    Small families are enumerated. Large ones use log(1 - P) = -sum_j P^j / j, each power sum
    computed on the ZBDD, until the remainder bound pmax^J / (J (1 - pmax)) is negligible.
    """
    if f == EMPTY:
        return 0.0
    if count <= 100_000:
        return mcub_of(math.prod(probs[v] for v in s) for s in z.sets(f))
    pmax = z.max_product(f, probs)[f]
    if pmax >= 1.0:
        return 1.0
    total = 0.0
    j = 0
    while True:
        j += 1
        term = z.sum_products(f, probs, j) / j
        total += term
        if pmax**j / (j * (1.0 - pmax)) < 1e-15 or term <= total * 1e-16 or j >= 400:
            break
    return -math.expm1(-total)


class CutSet(NamedTuple):
    """One minimal cut set (a named tuple: built by the hundred thousand when listing)."""

    events: tuple[str, ...]  # sorted by name
    probability: float

    @property
    def order(self) -> int:
        return len(self.events)


def _sort(sets: list[CutSet]) -> None:
    """Sort by order, probability (descending), names: three stable sorts on one-type keys, several
    times faster than one sort on tuple keys (many probabilities tie, and a tuple comparison of
    names is slow). Names never contain NUL, so joining on it keeps the lexicographic order."""
    sets.sort(key=lambda c: "\0".join(c.events))
    sets.sort(key=lambda c: -c.probability)
    sets.sort(key=lambda c: len(c.events))


def named(order: Sequence[str], probs: Sequence[float], sets: Sequence[list[int]]) -> list[CutSet]:
    """Cut sets with names, sorted by order, then probability (descending), then names.

    A set's probability is the product of its events' in name order, not in the BDD's variable
    order: that order depends on which heuristic won the race, and the last bits of a product
    depend on the order of its factors, which would let equally probable sets swap places between
    runs."""
    p_of = dict(zip(order, probs, strict=True))
    out = []
    for s in sets:
        events = tuple(sorted(order[v] for v in s))
        out.append(CutSet(events, math.prod(map(p_of.__getitem__, events), start=1.0)))
    _sort(out)
    return out


def named_family(
    z: Zbdd, f: int, order: Sequence[str], probs: Sequence[float], size: int | None = None
) -> list[CutSet]:
    """All the sets of `f` as `named` lists them (same probabilities, same order), enumerated in
    one pass over the ZBDD. `size`, the number of sets when known, lets long lists go through
    numpy (`bulk.named_family`, the same list twice as fast)."""
    new = tuple.__new__
    c = native.compiled
    if c is not None:  # the same list in C (edfpa14q's 112,102 sets: numpy's 35 -> 22 ms)
        names = sorted(order)
        rank = {name: i for i, name in enumerate(names)}
        p_of_name = dict(zip(order, probs, strict=True))
        return c.named_family(
            z.var, z.hi, z.lo, f, [rank[n] for n in order], names, [p_of_name[n] for n in names], CutSet
        )
    if size is not None and bulk.worth_it(size, bulk.BULK_MIN_SETS):
        listed = bulk.named_family(z.var, z.hi, z.lo, f, order, probs, row=CutSet)
        if listed is not None:
            return listed
    out: list[CutSet] = []
    append = out.append
    p_of = dict(zip(order, probs, strict=True)).__getitem__
    prod = math.prod
    var, hi, lo = z.var, z.hi, z.lo
    stack: list[tuple[int, tuple[str, ...]]] = [(f, ())]
    pop, push = stack.pop, stack.append
    while stack:
        u, acc = pop()
        while u > BASE:  # follow the low edges here, push the high ones
            h = hi[u]
            if h != EMPTY:
                push((h, (*acc, order[var[u]])))
            u = lo[u]
        if u == BASE:
            events = tuple(sorted(acc)) if len(acc) > 1 else acc
            append(new(CutSet, (events, prod(map(p_of, events), start=1.0))))
    _sort(out)
    return out
