"""Brute-force reference checkers: enumerate every total order. Only for tiny histories."""

from __future__ import annotations

import itertools
from typing import Any

from pacelc.analysis.consistency.checkers import (
    MONOTONIC_READS,
    MONOTONIC_WRITES,
    READ_YOUR_WRITES,
    WRITES_FOLLOW_READS,
    step,
)
from pacelc.analysis.consistency.history import READ, WRITE, History, Op


def _legal(order: list[Op]) -> bool:
    state: dict[str, Any] = {}
    for o in order:
        ok, state[o.key] = step(state.get(o.key), o)
        if not ok:
            return False
    return True


def _candidates(h: History) -> tuple[list[Op], list[Op]]:
    ops = h.effective()
    return [o for o in ops if not o.pending], [o for o in ops if o.pending]


def linearizable(h: History) -> bool:
    done, pending = _candidates(h)
    for k in range(len(pending) + 1):
        for extra in itertools.combinations(pending, k):
            ops = done + list(extra)
            for order in itertools.permutations(ops):
                pos = {o.index: i for i, o in enumerate(order)}
                if all(not (a.ret is not None and a.ret < b.invoke) or pos[a.index] < pos[b.index]
                       for a in ops for b in ops) and _legal(list(order)):
                    return True
    return False


def sequential(h: History) -> bool:
    done, pending = _candidates(h)
    for k in range(len(pending) + 1):
        for extra in itertools.combinations(pending, k):
            ops = done + list(extra)
            for order in itertools.permutations(ops):
                pos = {o.index: i for i, o in enumerate(order)}
                ok = all(pos[a.index] < pos[b.index] for a in ops for b in ops
                         if a.client == b.client and a.invoke < b.invoke)
                ok = ok and all(pos[a.index] < pos[b.index] for a in ops for b in ops
                                if b.final and not a.final)
                if ok and _legal(list(order)):
                    return True
    return False


def _rf(ops: list[Op]) -> dict[int, Op | None] | None:
    w = {(o.key, o.arg): o for o in ops if o.kind == WRITE}
    rf: dict[int, Op | None] = {}
    for o in ops:
        if o.kind == READ:
            if o.result is None:
                rf[o.index] = None
            elif (o.key, o.result) in w:
                rf[o.index] = w[(o.key, o.result)]
            else:
                return None
    return rf


def causal(h: History) -> bool:
    ops = h.effective()
    rf = _rf(ops)
    if rf is None:
        return False
    ids = [o.index for o in ops]
    co = {(a, b): False for a in ids for b in ids}
    for a in ops:
        for b in ops:
            if a.client == b.client and a.invoke < b.invoke:
                co[(a.index, b.index)] = True
    for r, w in rf.items():
        if w is not None:
            co[(w.index, r)] = True
    for k in ids:  # Floyd–Warshall closure
        for i in ids:
            for j in ids:
                if co[(i, k)] and co[(k, j)]:
                    co[(i, j)] = True
    if any(co[(i, i)] for i in ids):
        return False
    # convergence: every client's serialization orders each key's writes the same way
    keys = sorted({o.key for o in ops})
    per_key = [[o for o in ops if o.kind == WRITE and o.key == k] for k in keys]
    for arb in itertools.product(*(itertools.permutations(ws) for ws in per_key)):
        agreed = [[w.index for w in ws] for ws in arb]

        def fits(order: tuple[Op, ...], agreed: list[list[int]] = agreed) -> bool:
            return all([o.index for o in order if o.index in set(ws)] == ws for ws in agreed)

        if all(
            any(
                all(co[(a.index, b.index)] is False or i < j
                    for i, a in enumerate(order) for j, b in enumerate(order))
                and fits(order)
                and _legal(list(order))
                for order in itertools.permutations([o for o in ops if o.kind == WRITE or o.client == c])
            )
            for c in {o.client for o in ops}
        ):
            return True
    return False


def session(h: History, model: str | tuple[str, ...]) -> bool:
    want = {model} if isinstance(model, str) else set(model)
    ops = h.effective()
    rf = _rf(ops)
    if rf is None:
        return False
    keys = sorted({o.key for o in ops})
    per_key = [[o for o in ops if o.kind == WRITE and o.key == k] for k in keys]
    for orders in itertools.product(*(itertools.permutations(ws) for ws in per_key)):
        rank: dict[int | None, int] = {None: -1}
        for order in orders:
            for i, w in enumerate(order):
                rank[w.index] = i

        def r(o: Op | None, rank: dict[int | None, int] = rank) -> int:
            return rank[None if o is None else o.index]

        ok = True
        for a in ops:
            for b in ops:
                if a.client != b.client or not a.invoke < b.invoke or a.key != b.key:
                    continue
                if READ_YOUR_WRITES in want and a.kind == WRITE and b.kind == READ:
                    ok &= r(a) <= r(rf[b.index])
                elif MONOTONIC_READS in want and a.kind == READ and b.kind == READ:
                    ok &= r(rf[a.index]) <= r(rf[b.index])
                elif MONOTONIC_WRITES in want and a.kind == WRITE and b.kind == WRITE:
                    ok &= r(a) < r(b)
                elif WRITES_FOLLOW_READS in want and a.kind == READ and b.kind == WRITE:
                    ok &= r(rf[a.index]) < r(b)
        if ok:
            return True
    return False
