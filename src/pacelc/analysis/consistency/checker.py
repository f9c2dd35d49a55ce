"""Bounded explicit-state model checker over replication protocol models.

Breadth-first search over (history, fault count, protocol state). States are plain
tuples; the client history is interned to an int so that hashing a state does not
rehash the whole history. Replica symmetry is reduced by the model's ``canon``.
BFS means the first violation found has the fewest steps. The search always ends:
with a violation, with "holds within bounds" once the bounded space is exhausted, or
with "unknown" when the state or time budget runs out.

For linearizability the history in the state key can be replaced by an exact summary
(:class:`LinMonitor`, opted into by the model, see :func:`explore`): histories with the
same summary have the same verdict under every extension, so merging them keeps every
violation and its shortest length. The summary names clients only by position, so a
model whose clients are interchangeable may also merge client permutations.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from pacelc.gcpause import gc_paused

from .checkers import LINEARIZABLE, MODELS, NO_LOST_WRITES, SEQUENTIAL, Verdict, check
from .counterexample import Counterexample, Step, classify
from .history import APPEND, CAS, READ, History, history_from_events
from .protocols.base import FAULT, INVOKE, RETURN, ProtocolModel

VIOLATED = "violated"
HOLDS = "holds_within_bounds"
UNKNOWN = "unknown"

# Requirements that also bind a read made after quiescence (so acknowledged writes
# must survive); the session and causal models say nothing about a new observer.
_NEEDS_FINAL = frozenset({LINEARIZABLE, SEQUENTIAL, NO_LOST_WRITES})


@dataclass(frozen=True)
class Bounds:
    """How much of the behaviour space is explored."""

    replicas: int = 3
    clients: int = 2
    ops: int = 4
    faults: int = 2

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def describe(self) -> str:
        return (
            f"{_count(self.replicas, 'replica')}, {_count(self.clients, 'client')}, "
            f"up to {_count(self.ops, 'client operation')}, up to {_count(self.faults, 'fault')}"
        )


def _count(n: int, noun: str) -> str:
    """`1 replica`, `3 replicas`: a bound said as English."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


#: Default memory budget of one search: what the process grows by while it runs (its visited
#: states and histories; ~800 B a state on checkout's carts, so the default state budgets stay
#: well inside it, and a whole command under 2 GiB).
DEFAULT_MAX_BYTES = 1024 * 2**20
#: States expanded between two looks at the clock and the memory (~10-50 ms of search).
CHECK_EVERY = 512


@dataclass(frozen=True)
class Budget:
    max_states: int = 2_000_000
    max_seconds: float = 60.0
    max_bytes: int = DEFAULT_MAX_BYTES


def _rss_bytes() -> int:
    """This process's resident memory now (Linux: /proc, ~5 us); elsewhere its peak so far."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


try:
    import os as _os

    _PAGE = _os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):
    _PAGE = 4096


@dataclass
class CheckResult:
    status: str
    requirement: str
    protocol: str
    bounds: Bounds
    states: int
    seconds: float
    anomaly: str | None = None
    counterexample: Counterexample | None = None
    history: History | None = None
    depth: int = 0
    note: str = ""
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "requirement": self.requirement,
            "protocol": self.protocol,
            "bounds": self.bounds.as_dict(),
            "states": self.states,
            "seconds": round(self.seconds, 3),
            "depth": self.depth,
            "anomaly": self.anomaly,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
            "note": self.note,
        }

    def summary(self) -> str:
        if self.status == VIOLATED:
            return f"{self.requirement}: VIOLATED ({self.anomaly}) — {self.bounds.describe()}"
        if self.status == HOLDS:
            return (
                f"{self.requirement}: no violation within bounds ({self.bounds.describe()}; "
                f"{self.states} states, depth {self.depth})"
            )
        return f"{self.requirement}: unknown — {self.note}"


class LinMonitor:
    """Exact online summary of a history for linearizability (Wing & Gong, one event at a time).

    A summary is ``(pending, configs)``: ``pending[c]`` is client c's outstanding operation
    ``(kind, key, arg)`` or None; ``configs`` is the set of every ``(state, marks)`` that some
    linearization of the operations so far reaches, ``state`` the key values (sorted
    ``(key, value)`` pairs, absent = None) and ``marks[c]`` None while c's pending operation
    is not linearized, else ``(result,)``, what it returns at its linearization point.
    An invocation adds the operation and closes the set under linearizing pending
    operations; a return keeps the configurations where the operation took effect with the
    observed result (a failed operation: where it did not) and forgets it. This is the
    Wing & Gong search with pending operations optional and failed operations and pending
    reads left out, as in :func:`checkers.check_linearizable`: the history is linearizable
    iff ``configs`` is not empty, and a read after quiescence may return v iff some
    configuration holds v for that key (linearizability is compositional, and the set of
    configurations is the product of the per-key sets). Two histories with equal summaries
    therefore have the same verdict under every extension. Summaries are interned to ints.
    """

    def __init__(self, clients: int) -> None:
        init = ((None,) * clients, frozenset({((), (None,) * clients)}))
        self.summaries: list[tuple[Any, ...]] = [init]
        self._ids: dict[tuple[Any, ...], int] = {init: 0}
        self._step: dict[tuple[int, Any], int] = {}
        self._perm: dict[tuple[int, tuple[int, ...]], int] = {}
        self._final: dict[tuple[int, Any], bool] = {}

    def _intern(self, summ: tuple[Any, ...]) -> int:
        sid = self._ids.get(summ)
        if sid is None:
            sid = self._ids[summ] = len(self.summaries)
            self.summaries.append(summ)
        return sid

    def step(self, sid: int, ev: tuple[Any, ...]) -> int:
        """The summary after history event ``ev`` (``("i", ...)`` or ``("r", ...)``)."""
        k = (sid, ev)
        out = self._step.get(k)
        if out is None:
            out = self._step[k] = self._intern(_monitor_event(self.summaries[sid], ev))
        return out

    def final_ok(self, sid: int, fin: tuple[tuple[str, Any], ...]) -> bool:
        """Whether a read of each key after quiescence may return the value ``fin`` states."""
        k = (sid, fin)
        ok = self._final.get(k)
        if ok is None:
            configs = self.summaries[sid][1]
            ok = bool(configs) and all(any(dict(st).get(key) == val for st, _ in configs) for key, val in fin)
            self._final[k] = ok
        return ok

    def permute(self, sid: int, perm: tuple[int, ...]) -> int:
        """The summary with client c renamed ``perm[c]``."""
        k = (sid, perm)
        out = self._perm.get(k)
        if out is None:
            pending, configs = self.summaries[sid]
            out = self._perm[k] = self._intern((_permuted(pending, perm),
                                                frozenset((st, _permuted(m, perm)) for st, m in configs)))
        return out


def _permuted(t: tuple[Any, ...], perm: tuple[int, ...]) -> tuple[Any, ...]:
    out = list(t)
    for c, x in enumerate(t):
        out[perm[c]] = x
    return tuple(out)


def _apply(kind: str, arg: Any, cur: Any) -> tuple[Any, Any]:
    """(result, new value) of one operation on a key holding ``cur``."""
    if kind == READ:
        return cur, cur
    if kind == APPEND:
        return None, (arg,) if cur is None else (*cur, arg)
    if kind == CAS:
        hit = cur == arg[0]
        return hit, arg[1] if hit else cur
    return None, arg


def _monitor_event(summ: tuple[Any, ...], ev: tuple[Any, ...]) -> tuple[Any, ...]:
    pending, configs = summ
    c = ev[1]
    if ev[0] == "i":
        pending = (*pending[:c], (ev[2], ev[3], ev[4]), *pending[c + 1:])
        out = set(configs)
        todo = list(configs)
        while todo:  # close under linearizing any pending operation not yet linearized
            state, marks = todo.pop()
            for d, op in enumerate(pending):
                if op is None or marks[d] is not None:
                    continue
                kind, key, arg = op
                vals = dict(state)
                res, vals[key] = _apply(kind, arg, vals.get(key))
                cfg = (tuple(sorted(vals.items())), (*marks[:d], (res,), *marks[d + 1:]))
                if cfg not in out:
                    out.add(cfg)
                    todo.append(cfg)
        return pending, frozenset(out)
    kind = pending[c][0]
    result, ok = ev[2], ev[3]
    if kind == CAS:
        result = bool(result)
    kept = set()
    for state, marks in configs:
        m = marks[c]
        if not ok:
            if m is not None:
                continue  # a failed operation had no effect
        elif m is None or (kind in (READ, CAS) and m[0] != result):
            continue
        kept.add((state, (*marks[:c], None, *marks[c + 1:])))
    return (*pending[:c], None, *pending[c + 1:]), frozenset(kept)


def explore(
    model: ProtocolModel,
    requirement: str,
    bounds: Bounds = Bounds(),
    budget: Budget = Budget(),
    reduce: bool = True,
) -> CheckResult:
    """Search ``model`` breadth-first for a history violating ``requirement``.

    With ``reduce`` (the default) and a linearizability requirement, a model whose class
    sets ``linearizability_summary = True`` is searched over :class:`LinMonitor` summaries
    instead of whole histories, and one that also defines ``permute_clients(ps, perm)``
    (client c renamed ``perm[c]``; it must commute with ``successors``, ``canon`` and
    ``final``, i.e. clients are interchangeable) has client permutations merged.
    ``reduce=False`` keeps the plain search (tests compare both).
    """
    # The search allocates millions of small tuples that never form cycles; the cyclic
    # garbage collector would rescan them over and over (measured: ~30% of run time).
    with gc_paused():
        return _explore(model, requirement, bounds, budget, reduce)


def _explore(model: ProtocolModel, requirement: str, bounds: Bounds, budget: Budget, reduce: bool) -> CheckResult:
    if requirement not in MODELS:
        raise ValueError(f"unknown consistency model {requirement!r}; expected one of {', '.join(MODELS)}")
    t0 = time.perf_counter()
    needs_final = requirement in _NEEDS_FINAL
    hists: list[tuple[Any, ...]] = [()]
    hist_ids: dict[tuple[int, Any], int] = {}
    verdicts: dict[Any, Verdict] = {}
    max_ops, max_faults = bounds.ops, bounds.faults
    model.allow_reads = requirement != NO_LOST_WRITES or model.reads_mutate
    succ = model.successors
    canon = model.canon
    final = model.final

    def verdict(hid: int, fin: Any) -> Verdict:
        key = (hid, fin)
        v = verdicts.get(key)
        if v is None:
            events = hists[hid] + tuple(("q", k, val) for k, val in fin) if fin else hists[hid]
            v = check(history_from_events(events), requirement)
            verdicts[key] = v
        return v

    mon = None
    if reduce and requirement == LINEARIZABLE and getattr(model, "linearizability_summary", False):
        mon = LinMonitor(bounds.clients)
    mon_step = mon.step if mon is not None else None
    permute = getattr(model, "permute_clients", None) if mon is not None else None
    perms = [p for p in itertools.permutations(range(bounds.clients)) if list(p) != sorted(p)] if permute else []

    def sym_key(sid: int, nops: int, nf: int, ps: Any) -> tuple[Any, ...]:
        # smallest of the client-renamed keys; a permutation whose summary id is larger
        # cannot win, so its protocol state is not even built
        best = (sid, nops, nf, canon(ps))
        for perm in perms:
            sid_p = mon.permute(sid, perm)  # type: ignore[union-attr]
            if sid_p <= best[0]:
                k = (sid_p, nops, nf, canon(permute(ps, perm)))  # type: ignore[misc]
                if k < best:
                    best = k
        return best

    init_ps = model.initial()
    init = (0, 0, 0, init_ps, 0)
    init_key = sym_key(0, 0, 0, init_ps) if mon is not None else (0, 0, canon(init_ps))
    # canonical key -> (parent key, label, the concrete state first reached); labels
    # name replicas as numbered in the parent's concrete state, so the path stays coherent
    seen: dict[Any, tuple[Any, Any, Any]] = {init_key: (None, None, init)}
    frontier = [init_key]
    depth = 0
    deadline = t0 + budget.max_seconds
    max_states = budget.max_states
    # Memory is measured, not estimated: a state's size depends on the protocol and the history.
    memory_limit = _rss_bytes() + budget.max_bytes
    next_check = CHECK_EVERY
    why = ""
    count = 1
    if needs_final:
        fin0 = final(init_ps)
        if not verdict(0, fin0):
            raise ValueError("the initial state already violates the requirement")
    while frontier:
        depth += 1
        nxt = []
        for key in frontier:
            hid, nops, nf, ps, sid = seen[key][2]
            can_inv = nops < max_ops
            can_fault = nf < max_faults
            for label, ps2, ev, kind in succ(ps, can_inv, can_fault, nops + 1):
                hid2, nops2, nf2, sid2 = hid, nops, nf, sid
                if ev is not None:
                    hk = (hid, ev)
                    hid2 = hist_ids.get(hk)  # type: ignore[assignment]
                    if hid2 is None:
                        hid2 = len(hists)
                        hists.append((*hists[hid], ev))
                        hist_ids[hk] = hid2
                    if mon_step is not None:
                        sid2 = mon_step(sid, ev)
                    if kind == INVOKE:
                        nops2 += 1
                elif kind == FAULT:
                    nf2 += 1
                k2 = sym_key(sid2, nops2, nf2, ps2) if mon is not None else (hid2, nf2, canon(ps2))
                if k2 in seen:
                    continue
                seen[k2] = (key, label, (hid2, nops2, nf2, ps2, sid2))
                count += 1
                bad = None
                if mon is not None:
                    fin = final(ps2)
                    if not mon.final_ok(sid2, fin):
                        v = verdict(hid2, fin)
                        if v:
                            raise RuntimeError("linearizability summary disagrees with the history checker")
                        bad = (v, fin)
                elif needs_final:
                    fin = final(ps2)
                    v = verdict(hid2, fin)
                    if not v:
                        bad = (v, fin)
                elif kind == RETURN:
                    v = verdict(hid2, ())
                    if not v:
                        bad = (v, ())
                if bad is not None:
                    return _violation(
                        model,
                        requirement,
                        bounds,
                        seen,
                        k2,
                        hists[hid2],
                        bad[0],
                        bad[1],
                        count,
                        time.perf_counter() - t0,
                        depth,
                    )
                nxt.append(k2)
            if count >= max_states:
                why = "state budget"
                break
            if count >= next_check:
                # `count` grows by several states per expanded key: a test for exact multiples
                # (as before) could skip the clock for a whole level.
                next_check = count + CHECK_EVERY
                if time.perf_counter() > deadline:
                    why = "time budget"
                    break
                if _rss_bytes() > memory_limit:
                    why = f"memory budget ({budget.max_bytes / 2**20:,.0f} MiB)"
                    break
        else:
            frontier = nxt
            continue
        el = time.perf_counter() - t0
        return CheckResult(
            UNKNOWN,
            requirement,
            model.name,
            bounds,
            count,
            el,
            depth=depth,
            note=f"{why} exhausted after {count} states at depth {depth} "
            f"({bounds.describe()}); no violation found up to depth {depth - 1}",
        )
    return CheckResult(HOLDS, requirement, model.name, bounds, count, time.perf_counter() - t0, depth=depth - 1)


def _violation(
    model: ProtocolModel,
    requirement: str,
    bounds: Bounds,
    seen: dict[Any, Any],
    key: Any,
    events: tuple[Any, ...],
    v: Verdict,
    fin: Any,
    count: int,
    seconds: float,
    depth: int,
) -> CheckResult:
    labels = []
    while key is not None:
        parent, label, _ = seen[key]
        if label is not None:
            labels.append(label)
        key = parent
    labels.reverse()
    full_events = events + tuple(("q", k, val) for k, val in fin)
    h = history_from_events(full_events)
    anomaly = classify(h, requirement, model.anomaly_hint(labels))
    steps = []
    for i, lab in enumerate(labels, 1):
        text = model.render(lab)
        kind = {"inv": "invoke", "ret": "return", "fault": "fault"}.get(lab[0], "step")
        client = lab[1] if lab[0] in ("inv", "ret") else None
        steps.append(Step(i, kind, text, client, action=lab[1] if kind == "fault" else lab[0]))
    cx = Counterexample(anomaly, requirement, v.reason, tuple(steps), tuple(fin), bounds.as_dict(), model.name)
    return CheckResult(
        VIOLATED,
        requirement,
        model.name,
        bounds,
        count,
        seconds,
        anomaly=anomaly,
        counterexample=cx,
        history=h,
        depth=depth,
    )
