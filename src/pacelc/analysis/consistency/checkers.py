"""Consistency checkers over recorded histories.

All checkers take a :class:`History` and return a :class:`Verdict` (truthy when the
history satisfies the model). Conventions shared by all of them:

* failed operations (``ok=False``) had no effect and are ignored;
* pending reads tell nothing and are ignored; pending writes may or may not have
  taken effect (linearizable / sequential may leave them out; the causal and
  session checkers keep them as possible sources of reads);
* registers start at ``None``; an append to ``None`` gives a one-element tuple.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .history import APPEND, CAS, READ, WRITE, History, Op

LINEARIZABLE = "linearizable"
SEQUENTIAL = "sequential"
CAUSAL = "causal"
READ_YOUR_WRITES = "read_your_writes"
MONOTONIC_READS = "monotonic_reads"
MONOTONIC_WRITES = "monotonic_writes"
WRITES_FOLLOW_READS = "writes_follow_reads"
NO_STALE_READS = "no_stale_reads"
NO_LOST_WRITES = "no_lost_writes"
EVENTUAL = "eventual"

SESSION_MODELS = (READ_YOUR_WRITES, MONOTONIC_READS, MONOTONIC_WRITES, WRITES_FOLLOW_READS)

# What each model implies (directly). The lattice: linearizable ⊃ sequential ⊃ causal ⊃
# {session guarantees} ⊃ eventual. no_stale_reads (a regular-register style recency
# bound) and no_lost_writes (durability of acknowledged writes, judged at quiescence)
# sit beside it: linearizability implies both.
IMPLIES: dict[str, tuple[str, ...]] = {
    LINEARIZABLE: (SEQUENTIAL, NO_STALE_READS, NO_LOST_WRITES),
    SEQUENTIAL: (CAUSAL,),
    CAUSAL: SESSION_MODELS,
    READ_YOUR_WRITES: (EVENTUAL,),
    MONOTONIC_READS: (EVENTUAL,),
    MONOTONIC_WRITES: (EVENTUAL,),
    WRITES_FOLLOW_READS: (EVENTUAL,),
    NO_STALE_READS: (),
    NO_LOST_WRITES: (),
    EVENTUAL: (),
}
MODELS = tuple(IMPLIES)


def implied_models(model: str) -> set[str]:
    """All models implied by ``model`` (including itself)."""
    seen = {model}
    todo = [model]
    while todo:
        for m in IMPLIES[todo.pop()]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


@dataclass(frozen=True)
class Verdict:
    ok: bool
    model: str
    reason: str = ""
    ops: tuple[int, ...] = ()  # indices of operations that witness the violation

    def __bool__(self) -> bool:
        return self.ok


# ---------------------------------------------------------------------------
# sequential specification of a key


def step(state: Any, op: Op) -> tuple[bool, Any]:
    """Apply ``op`` to a key's state: (legal, new state). A pending cas may go either way."""
    k = op.kind
    if k == READ:
        return op.result == state, state
    if k == WRITE:
        return True, op.arg
    if k == APPEND:
        return True, (op.arg,) if state is None else (*state, op.arg)
    expected, new = op.arg
    if op.pending:
        return True, new if state == expected else state
    if op.result:
        return state == expected, new
    return state != expected, state


def _relevant(h: History) -> list[Op]:
    return h.effective()


# ---------------------------------------------------------------------------
# linearizability: Wing & Gong search with Lowe's memoisation, per key
# (linearizability is compositional, so keys are checked independently)


def _linearizable_key(ops: list[Op]) -> bool:
    n = len(ops)
    inv = [o.invoke for o in ops]
    inf = 1 << 60
    ret = [inf if o.ret is None else o.ret for o in ops]
    must = 0
    for i, o in enumerate(ops):
        if o.ret is not None:
            must |= 1 << i
    memo: set[tuple[int, Any]] = set()

    def search(done: int, state: Any) -> bool:
        if done & must == must:
            return True
        key = (done, state)
        if key in memo:
            return False
        memo.add(key)
        # an op can go next only if it was invoked before every unlinearized op returned
        horizon = min(ret[i] for i in range(n) if not done >> i & 1)
        for i in range(n):
            if done >> i & 1 or inv[i] > horizon:
                continue
            legal, s2 = step(state, ops[i])
            if legal and search(done | 1 << i, s2):
                return True
        return False

    return search(0, None)


def check_linearizable(h: History) -> Verdict:
    for key, ops in _group(_relevant(h)).items():
        if not _linearizable_key(ops):
            return Verdict(
                False, LINEARIZABLE, f"no linearization of the operations on {key!r}", tuple(o.index for o in ops)
            )
    return Verdict(True, LINEARIZABLE)


def _group(ops: list[Op]) -> dict[str, list[Op]]:
    out: dict[str, list[Op]] = {}
    for o in sorted(ops, key=lambda o: o.invoke):
        out.setdefault(o.key, []).append(o)
    return out


# ---------------------------------------------------------------------------
# sequential consistency: one total order respecting each client's program order
# (not compositional: all keys are searched together)


def check_sequential(h: History) -> Verdict:
    # reads made after quiescence (client -1) come after everything else
    by_client = _sessions(_relevant(h))
    finals = by_client.pop(-1, [])
    sessions = [ops for _, ops in sorted(by_client.items())]
    if finals:
        sessions.append(finals)
    nfinal = len(sessions) - 1 if finals else -1
    keys = sorted({o.key for s in sessions for o in s})
    kidx = {k: i for i, k in enumerate(keys)}
    lens = [len(s) for s in sessions]
    memo: set[tuple[tuple[int, ...], tuple[Any, ...]]] = set()

    def done(pos: tuple[int, ...]) -> bool:
        # a client's trailing pending write may be left out (it may never have applied)
        return all(p == n or (p == n - 1 and s[p].pending) for p, n, s in zip(pos, lens, sessions, strict=True))

    def search(pos: tuple[int, ...], state: tuple[Any, ...]) -> bool:
        if done(pos):
            return True
        if (pos, state) in memo:
            return False
        memo.add((pos, state))
        for c, s in enumerate(sessions):
            p = pos[c]
            if p == lens[c]:
                continue
            if c == nfinal and not done((*pos[:c], lens[c])):
                continue
            op = s[p]
            ki = kidx[op.key]
            legal, v = step(state[ki], op)
            if legal:
                st = (*state[:ki], v, *state[ki + 1 :])
                if search((*pos[:c], p + 1, *pos[c + 1 :]), st):
                    return True
        return False

    if search(tuple(0 for _ in sessions), tuple(None for _ in keys)):
        return Verdict(True, SEQUENTIAL)
    return Verdict(
        False,
        SEQUENTIAL,
        "no total order respects every client's program order",
        tuple(o.index for s in sessions for o in s),
    )


def _sessions(ops: list[Op]) -> dict[int, list[Op]]:
    out: dict[int, list[Op]] = {}
    for o in sorted(ops, key=lambda o: o.invoke):
        out.setdefault(o.client, []).append(o)
    return out


# ---------------------------------------------------------------------------
# read-from relation (registers with unique written values)


class NotApplicable(ValueError):
    """The checker's preconditions do not hold (e.g. duplicate written values)."""


def _reads_from(ops: list[Op]) -> tuple[dict[int, Op | None], Verdict | None]:
    """Map each read's index to the write it observed (None: initial value)."""
    writes: dict[tuple[str, Any], Op] = {}
    for o in ops:
        if o.kind in (CAS, APPEND):
            raise NotApplicable("causal and session checkers need read/write registers")
        if o.kind == WRITE:
            if (o.key, o.arg) in writes:
                raise NotApplicable(f"value {o.arg!r} written twice to {o.key!r}")
            if o.arg is None:
                raise NotApplicable("writing None is ambiguous with the initial value")
            writes[(o.key, o.arg)] = o
    rf: dict[int, Op | None] = {}
    for o in ops:
        if o.kind == READ:
            if o.result is None:
                rf[o.index] = None
            elif (o.key, o.result) in writes:
                rf[o.index] = writes[(o.key, o.result)]
            else:
                return rf, Verdict(False, "", f"read of {o.result!r} from {o.key!r}, which no one wrote", (o.index,))
    return rf, None


# ---------------------------------------------------------------------------
# causal consistency: causal memory (Ahamad et al.) with convergence. Causal order co =
# (program order ∪ reads-from)+; for every client there is a legal serialization of its own
# operations plus all writes that respects co, and all those serializations order the writes
# to each key the same way (one arbitration order, as in causal+ of COPS). Plain causal
# memory lets two clients see concurrent writes in opposite orders, which breaks the session
# guarantees below (they assume the single order replicas converge on, like Terry et al.'s
# "consistent ordering"), so without convergence causal would not imply them.


def check_causal(h: History) -> Verdict:
    ops = [o for o in _relevant(h) if not o.final]
    rf, bad = _reads_from(ops)
    if bad is not None:
        return Verdict(False, CAUSAL, bad.reason, bad.ops)
    pos = {o.index: i for i, o in enumerate(ops)}
    n = len(ops)
    pred = [0] * n  # bitmask of direct causal predecessors
    for s in _sessions(ops).values():
        for a, b in itertools.pairwise(s):
            pred[pos[b.index]] |= 1 << pos[a.index]
    for r, w in rf.items():
        if w is not None:
            pred[pos[r]] |= 1 << pos[w.index]
    # a cycle means a value was read before it was (causally) written
    closure = _transitive_closure(pred)
    for i in range(n):
        if closure[i] >> i & 1:
            return Verdict(False, CAUSAL, "causal order has a cycle", (ops[i].index,))
    keys = sorted({o.key for o in ops})
    kidx = {k: i for i, k in enumerate(keys)}
    writes_mask = sum(1 << i for i, o in enumerate(ops) if o.kind == WRITE)
    views = [
        (c, s, writes_mask | sum(1 << pos[o.index] for o in s)) for c, s in sorted(_sessions(ops).items())
    ]
    for c, s, mine in views:
        if not _serialize(ops, closure, mine, kidx):
            return Verdict(
                False,
                CAUSAL,
                f"client {c} cannot order the writes it saw consistently with causality",
                tuple(o.index for o in s),
            )
    # convergence: only keys with causally concurrent writes leave the arbitration open
    contested = []
    for k in keys:
        ws = [i for i, o in enumerate(ops) if o.kind == WRITE and o.key == k]
        if any(not (closure[a] >> b & 1 or closure[b] >> a & 1) for a, b in itertools.combinations(ws, 2)):
            contested.append(ws)
    if not contested:
        return Verdict(True, CAUSAL)
    for orders in itertools.product(*(list(_linear_extensions(ws, closure)) for ws in contested)):
        arb = pred[:]
        for order in orders:
            for a, b in itertools.pairwise(order):
                arb[b] |= 1 << a
        ordered = _transitive_closure(arb)
        if any(ordered[i] >> i & 1 for i in range(n)):
            continue
        if all(_serialize(ops, ordered, mine, kidx) for _, _, mine in views):
            return Verdict(True, CAUSAL)
    return Verdict(
        False,
        CAUSAL,
        "clients saw concurrent writes in different orders: no single order of the writes to "
        + ", ".join(repr(ops[ws[0]].key) for ws in contested)
        + " fits every client's view",
        tuple(ops[i].index for ws in contested for i in ws),
    )


def _transitive_closure(pred: list[int]) -> list[int]:
    """``pred[i]`` is a bitmask of i's direct predecessors; returns all its predecessors."""
    closure = pred[:]
    changed = True
    while changed:
        changed = False
        for i in range(len(closure)):
            m = closure[i]
            acc = m
            j = 0
            while m:
                if m & 1:
                    acc |= closure[j]
                m >>= 1
                j += 1
            if acc != closure[i]:
                closure[i] = acc
                changed = True
    return closure


def _linear_extensions(items: list[int], closure: list[int]) -> Iterator[list[int]]:
    """Every order of ``items`` that puts each after its predecessors in ``closure``."""
    if not items:
        yield []
        return
    for x in items:
        rest = [y for y in items if y != x]
        if any(closure[x] >> y & 1 for y in rest):
            continue
        for tail in _linear_extensions(rest, closure):
            yield [x, *tail]


def _serialize(ops: list[Op], closure: list[int], subset: int, kidx: dict[str, int]) -> bool:
    memo: set[tuple[int, tuple[Any, ...]]] = set()
    idx = [i for i in range(len(ops)) if subset >> i & 1]

    def search(done: int, state: tuple[Any, ...]) -> bool:
        if done == subset:
            return True
        if (done, state) in memo:
            return False
        memo.add((done, state))
        for i in idx:
            if done >> i & 1 or (closure[i] & subset) & ~done:
                continue
            op = ops[i]
            ki = kidx[op.key]
            legal, v = step(state[ki], op)
            if legal and search(done | 1 << i, (*state[:ki], v, *state[ki + 1 :])):
                return True
        return False

    return search(0, tuple(None for _ in kidx))


# ---------------------------------------------------------------------------
# session guarantees (Terry et al. 1994, in Burckhardt's arbitration formulation):
# there is one total arbitration order of the writes to each key (the order replicas
# converge on) such that, per session:
#   RYW  every earlier write of the session is ⪯ what a later read returns;
#   MR   what a read returns is ⪯ what a later read (same key) returns;
#   MW   the session's writes to a key are arbitrated in session order;
#   WFR  what a read returns is ≺ a later write of the same session (same key).
# The initial value ⊥ precedes every write. Each guarantee yields ⪯ constraints between
# writes, and an order exists iff the constraint graph has no cycle. Cross-key effects of
# MW and WFR (visibility through other keys) are not checked.


def session_constraints(
    h: History, model: str | tuple[str, ...]
) -> tuple[list[tuple[Op | None, Op, bool]], Verdict | None]:
    """Constraints ``(a, b, strict)`` meaning a ≺ b (strict) or a ⪯ b; a=None is ⊥.

    ``model`` may name several guarantees, which must then hold under one arbitration.
    """
    want = {model} if isinstance(model, str) else set(model)
    model = "+".join(sorted(want))
    ops = [o for o in _relevant(h) if not o.final]
    rf, bad = _reads_from(ops)
    if bad is not None:
        return [], Verdict(False, model, bad.reason, bad.ops)
    cons: list[tuple[Op | None, Op, bool]] = []
    for s in _sessions(ops).values():
        for j, b in enumerate(s):
            for a in s[:j]:
                if a.key != b.key:
                    continue
                if READ_YOUR_WRITES in want and a.kind == WRITE and b.kind == READ:
                    cons.append((a, rf[b.index], False))  # type: ignore[arg-type]
                elif MONOTONIC_READS in want and a.kind == READ and b.kind == READ:
                    cons.append((rf[a.index], rf[b.index], False))  # type: ignore[arg-type]
                elif MONOTONIC_WRITES in want and a.kind == WRITE and b.kind == WRITE:
                    cons.append((a, b, True))
                elif WRITES_FOLLOW_READS in want and a.kind == READ and b.kind == WRITE:
                    cons.append((rf[a.index], b, True))
    return cons, None


def check_session(h: History, model: str | tuple[str, ...]) -> Verdict:
    """Check one session guarantee, or several jointly (one arbitration order for all)."""
    cons, bad = session_constraints(h, model)
    model = model if isinstance(model, str) else "+".join(sorted(model))
    if bad is not None:
        return bad
    edges: dict[int, set[int]] = {}
    nodes: dict[int, Op] = {}
    for a, b, strict in cons:
        if b is None:  # something must be ⪯ ⊥
            if a is not None:
                return Verdict(
                    False,
                    model,
                    f"{a.describe()} by client {a.client} is not visible to a "
                    "later read that returned the initial value",
                    (a.index,),
                )
            continue
        if a is None or (a is b and not strict):
            continue
        if a is b:
            return Verdict(False, model, "a write must precede itself", (a.index,))
        nodes[a.index], nodes[b.index] = a, b
        edges.setdefault(a.index, set()).add(b.index)
    cycle = _find_cycle(edges)
    if cycle:
        return Verdict(
            False,
            model,
            "no arbitration order of the writes satisfies every session: "
            + " ≺ ".join(nodes[i].describe() for i in cycle),
            tuple(cycle),
        )
    return Verdict(True, model)


def _find_cycle(edges: dict[int, set[int]]) -> list[int] | None:
    colour: dict[int, int] = {}
    stack: list[int] = []

    def dfs(u: int) -> list[int] | None:
        colour[u] = 1
        stack.append(u)
        for v in sorted(edges.get(u, ())):
            c = colour.get(v, 0)
            if c == 1:
                return [*stack[stack.index(v) :], v]
            if c == 0:
                found = dfs(v)
                if found:
                    return found
        stack.pop()
        colour[u] = 2
        return None

    for u in sorted(edges):
        if colour.get(u, 0) == 0:
            found = dfs(u)
            if found:
                return found
    return None


# ---------------------------------------------------------------------------
# recency and durability


def check_no_stale_reads(h: History) -> Verdict:
    """A read never returns a value older than a write that completed before it began.

    Older means: the value's write completed before that newer write was invoked (or
    the value is the initial one). Reading a value never written, or one whose write
    began after the read returned, is also a violation. Works for registers; for
    appends, a read must contain every element acknowledged before it began.
    """
    ops = _relevant(h)
    writes = _register_sources(ops)
    append_keys = {o.key for o in ops if o.kind == APPEND}
    acked = [o for o in ops if o.kind in (WRITE, APPEND) and o.acked]
    for r in ops:
        if r.kind != READ or r.pending:
            continue
        for w in acked:
            if w.key != r.key or w.ret >= r.invoke:  # type: ignore[operator]
                continue
            if w.kind == APPEND:
                if r.result is None or w.arg not in r.result:
                    return Verdict(
                        False,
                        NO_STALE_READS,
                        f"{r.describe()} misses {w.describe()}, acknowledged before the read began",
                        (w.index, r.index),
                    )
                continue
            if r.result == w.arg:
                continue
            src = writes.get((r.key, r.result))
            if r.result is None or (src is not None and src.ret is not None and src.ret < w.invoke):
                return Verdict(
                    False,
                    NO_STALE_READS,
                    f"{r.describe()} returned {r.result!r} after {w.describe()} was acknowledged",
                    (w.index, r.index),
                )
        if r.result is not None and r.key not in append_keys:
            src = writes.get((r.key, r.result))
            if src is None or src.invoke > r.ret:  # type: ignore[operator]
                return Verdict(
                    False,
                    NO_STALE_READS,
                    f"{r.describe()} returned {r.result!r}, which was not written before the read",
                    (r.index,),
                )
    return Verdict(True, NO_STALE_READS)


def _register_sources(ops: list[Op]) -> dict[tuple[str, Any], Op]:
    """Which operation put each value into a register (writes, and cas that may have applied)."""
    out: dict[tuple[str, Any], Op] = {}
    for o in ops:
        if o.kind == WRITE:
            out[(o.key, o.arg)] = o
        elif o.kind == CAS and (o.pending or o.result):
            out[(o.key, o.arg[1])] = o
    return out


def lost_writes(h: History) -> list[Op]:
    """Acknowledged writes that the reads made after quiescence (``final=True``) cannot see.

    A register write is lost when a final read returns the initial value or a value
    whose write completed before the acknowledged write began (the acknowledged write
    can no longer be the latest). An acknowledged append is lost when a final read lacks
    its element. Keys without a final read are not judged.
    """
    ops = _relevant(h)
    finals = [o for o in ops if o.final and o.kind == READ and not o.pending]
    writes = _register_sources(ops)
    lost = []
    for w in ops:
        if not w.acked or w.final or w.kind not in (WRITE, APPEND, CAS):
            continue
        if w.kind == CAS and not w.result:
            continue
        for f in finals:
            if f.key != w.key:
                continue
            if w.kind == APPEND:
                gone = f.result is None or w.arg not in f.result
            else:
                v = w.arg[1] if w.kind == CAS else w.arg
                src = writes.get((f.key, f.result))
                gone = f.result != v and (
                    f.result is None or (src is not None and src.ret is not None and src.ret < w.invoke)
                )
            if gone:
                lost.append(w)
                break
    return lost


def check_no_lost_writes(h: History) -> Verdict:
    lost = lost_writes(h)
    if lost:
        w = lost[0]
        return Verdict(
            False,
            NO_LOST_WRITES,
            f"{w.describe()} by client {w.client} was acknowledged but is not visible after quiescence",
            tuple(o.index for o in lost),
        )
    return Verdict(True, NO_LOST_WRITES)


def check_eventual(h: History) -> Verdict:
    """Eventual consistency only constrains infinite executions; any finite history passes
    except one that reads values nobody wrote."""
    ops = _relevant(h)
    written = {(o.key, o.arg) for o in ops if o.kind == WRITE}
    for o in ops:
        if (
            o.kind == READ
            and not o.pending
            and o.result is not None
            and not isinstance(o.result, tuple)
            and (o.key, o.result) not in written
        ):
            return Verdict(False, EVENTUAL, f"{o.describe()} returned {o.result!r}, never written", (o.index,))
    return Verdict(True, EVENTUAL)


CHECKERS: dict[str, Callable[[History], Verdict]] = {
    LINEARIZABLE: check_linearizable,
    SEQUENTIAL: check_sequential,
    CAUSAL: check_causal,
    READ_YOUR_WRITES: lambda h: check_session(h, READ_YOUR_WRITES),
    MONOTONIC_READS: lambda h: check_session(h, MONOTONIC_READS),
    MONOTONIC_WRITES: lambda h: check_session(h, MONOTONIC_WRITES),
    WRITES_FOLLOW_READS: lambda h: check_session(h, WRITES_FOLLOW_READS),
    NO_STALE_READS: check_no_stale_reads,
    NO_LOST_WRITES: check_no_lost_writes,
    EVENTUAL: check_eventual,
}


def check(h: History, model: str) -> Verdict:
    """Check ``h`` against ``model`` (one of :data:`MODELS`)."""
    try:
        fn = CHECKERS[model]
    except KeyError:
        raise ValueError(f"unknown consistency model {model!r}; expected one of {', '.join(MODELS)}") from None
    return fn(h)
