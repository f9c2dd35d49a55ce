"""Property tests: random call trees against an independent, deliberately naive recursion."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from pacelc.analysis.budgets import Duration, OperationBudget
from pacelc.model.schema import Call, SystemModel

from .builders import call, model, op


@dataclass(frozen=True)
class Spec:
    """One call of a random tree; the target is a fresh service (or a store for some leaves)."""

    read: int | None
    connect: int | None
    total: int | None
    attempts: int | None
    backoff: tuple[str, int, int, int | None] | None  # kind, base, multiplier, max
    jitter: str
    group: str | None
    budget: int | None
    breaker: bool
    store: bool
    children: tuple[Spec, ...]


def specs(depth: int) -> st.SearchStrategy[Spec]:
    children = st.lists(specs(depth - 1), max_size=3).map(tuple) if depth > 0 else st.just(())
    return st.builds(
        Spec,
        read=st.none() | st.integers(1, 2000),
        connect=st.none() | st.integers(1, 200),
        total=st.none() | st.integers(1, 5000),
        attempts=st.none() | st.integers(1, 4),
        # Integer bases and multipliers keep every sum exact, so "<" means the same on both sides.
        backoff=st.none()
        | st.tuples(
            st.sampled_from(["none", "fixed", "exponential"]),
            st.integers(0, 300),
            st.integers(1, 3),
            st.none() | st.integers(0, 500),
        ),
        jitter=st.sampled_from(["none", "full", "equal", "decorrelated"]),
        group=st.none() | st.sampled_from(["g1", "g2"]),
        budget=st.none() | st.sampled_from([10, 50]),
        breaker=st.booleans(),
        store=st.booleans(),
        children=children,
    )


trees = st.lists(specs(3), min_size=1, max_size=3).map(tuple)


def build(top: tuple[Spec, ...]) -> tuple[SystemModel, list[Spec]]:
    """The model (entry gw) and the call specs in pre-order, the order of `OperationBudget.hops`."""
    services: dict[str, list[Call]] = {"gw": []}
    stores: list[str] = []
    order: list[Spec] = []

    def add(caller: str, s: Spec) -> None:
        target = f"n{len(order)}"
        order.append(s)
        kw: dict = {"read": s.read, "connect": s.connect, "total": s.total, "group": s.group}
        if s.attempts is not None:
            kw["attempts"] = s.attempts
            kw["jitter"] = s.jitter
            kw["budget"] = s.budget
            if s.backoff is not None:
                kind, base, mult, cap = s.backoff
                kw["backoff"] = {"kind": kind, "base_ms": base, "multiplier": mult}
                if cap is not None:
                    kw["backoff"]["max_ms"] = cap
        services[caller].append(call(target, breaker=s.breaker, **kw))
        if s.store and not s.children:
            stores.append(target)
            return
        services[target] = []
        for c in s.children:
            add(target, c)

    for s in top:
        add("gw", s)
    return model(services, stores=tuple(stores)), order


# --------------------------------------------------------------------------- the reference


def ref_waits(s: Spec) -> float:
    n = s.attempts or 1
    if s.backoff is None or s.backoff[0] == "none":
        return 0.0
    kind, base, mult, cap = s.backoff
    top = math.inf if cap is None else cap
    if s.jitter == "decorrelated":
        return float(sum(min(top, base * 3 ** (i + 1)) for i in range(n - 1)))
    if kind == "fixed":
        return float(base * (n - 1))
    return float(sum(min(top, base * mult**i) for i in range(n - 1)))


def ref_timeout(s: Spec) -> float | None:
    first = s.read if s.read is not None else s.total
    return None if first is None else first + (s.connect or 0)


def ref_compose(children: tuple[Spec, ...], out: dict[int, tuple[float, bool]]) -> float:
    steps: dict[object, float] = {}
    for i, c in enumerate(children):
        key = c.group if c.group is not None else ("alone", i)
        steps[key] = max(steps.get(key, 0.0), ref_worst(c, out))
    return sum(steps.values())


def ref_worst(s: Spec, out: dict[int, tuple[float, bool]]) -> float:
    """Worst case of one hop (inf for unbounded), recording (worst, inverted) per spec."""
    callee = ref_compose(s.children, out) if s.children else math.inf
    timeout = ref_timeout(s)
    attempt = callee if timeout is None else min(timeout, callee)
    worst = (s.attempts or 1) * attempt + ref_waits(s)
    if s.total is not None:
        worst = min(worst, s.total)
    inverted = bool(s.children) and timeout is not None and timeout < callee
    out[id(s)] = (worst, inverted)
    return worst


def ms(d: Duration) -> float:
    return math.inf if d.status == "unbounded" else float(d.ms or 0.0)


# --------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(trees)
def test_worst_cases_and_inversions_match_the_reference(top: tuple[Spec, ...]) -> None:
    m, order = build(top)
    ob = op(m)
    out: dict[int, tuple[float, bool]] = {}
    expected_total = ref_compose(top, out)
    assert len(ob.hops) == len(order)
    for h, s in zip(ob.hops, order, strict=True):
        worst, inverted = out[id(s)]
        assert ms(h.worst_case) == worst, h.name
        assert h.inverted == inverted, h.name
    assert ms(ob.worst_case) == expected_total
    # An inversion is reported exactly where a caller's timeout is below its callee's worst case.
    assert [i.hop for i in ob.inversions] == [h.name for h, s in zip(ob.hops, order, strict=True) if out[id(s)][1]]


def ref_loads(top: tuple[Spec, ...]) -> dict[str, int]:
    loads: dict[str, int] = {}
    counter = iter(range(10**6))

    def visit(s: Spec, above: int) -> None:
        target = f"n{next(counter)}"
        here = above * (s.attempts or 1)
        loads[target] = loads.get(target, 0) + here
        for c in s.children:
            visit(c, here)

    for s in top:
        visit(s, 1)
    return loads


def worst_loads(ob: OperationBudget) -> dict[str, int]:
    return {x.element: x.worst for x in ob.loads}


@settings(max_examples=100, deadline=None)
@given(trees)
def test_load_multipliers_match_the_reference(top: tuple[Spec, ...]) -> None:
    m, _ = build(top)
    ob = op(m)
    assert worst_loads(ob) == ref_loads(top)
    # Worst first, ties by name: the ordering is total and deterministic.
    keys = [(-x.worst, -x.capped, -x.calls, x.element) for x in ob.loads]
    assert keys == sorted(keys)
    # A capped figure never exceeds the uncapped one.
    assert all(x.capped <= x.worst + 1e-9 for x in ob.loads)


def bump(top: tuple[Spec, ...], target: int) -> tuple[Spec, ...]:
    """The same trees with one more attempt on the target-th call (pre-order)."""
    counter = iter(range(10**6))

    def go(s: Spec) -> Spec:
        kids = tuple(go(c) for c in s.children) if next(counter) != target else None
        if kids is None:
            return replace(s, attempts=(s.attempts or 1) + 1, children=tuple(go(c) for c in s.children))
        return replace(s, children=kids)

    return tuple(go(s) for s in top)


@settings(max_examples=100, deadline=None)
@given(trees, st.integers(0, 200))
def test_adding_a_retry_never_lowers_amplification(top: tuple[Spec, ...], pick: int) -> None:
    m, order = build(top)
    before = op(m)
    m2, _ = build(bump(top, pick % len(order)))
    after = op(m2)
    b, a = worst_loads(before), worst_loads(after)
    assert a.keys() == b.keys()
    assert all(a[k] >= b[k] for k in b)
    assert sum(a.values()) > sum(b.values())  # the bumped call's target gets strictly more
    capped_b = {x.element: x.capped for x in before.loads}
    assert all(x.capped >= capped_b[x.element] - 1e-9 for x in after.loads)
    assert [p.product >= q.product for p, q in zip(after.paths, before.paths, strict=True)] == [True] * len(after.paths)
    assert after.max_amplification >= before.max_amplification
