"""Timeout, retry and latency budgets of every operation: do the timeouts and retries compose?

Facts only (no severities, no advice). For each operation the engine walks its call tree
(`SystemGraph.trees`) once, bottom-up, and computes per hop (one sync call on the path):

* the per-attempt timeout, the attempts, the backoff waits between them (lower and worst-case
  bounds, with jitter), the total_ms cap, and the worst-case time the caller may spend on the hop;
* the callee's worst case (its own sync calls composed: sequential calls add up, calls sharing a
  `group` run in parallel and take the max) and whether the caller's per-attempt timeout is below
  it (a timeout inversion: the caller gives up while the callee still works);
* retry amplification: the product of attempts along the path from the entry, the load multiplier
  on every service and store when a dependency fails, and the figure capped by retry budgets and
  circuit breakers;
* latency: p50/p99 of the operation from the per-attempt latency of the entry's calls, against the
  SLA.

Definitions, formulas and what is approximated are in docs/budgets.md. The conventions that matter
to readers of these facts:

* `None` in the model means "the model does not say". An unknown timeout is treated as no timeout
  (nothing the model says bounds the wait) and the hop lists it in `unknown`; an unknown retry
  policy counts as one attempt, which makes every figure that depends on it a lower bound
  (`Duration.status == "at_least"`, `LoadMultiplier.at_least`).
* Infinity is never a float: a `Duration` is `ms=None` with `status="unbounded"` and a reason, so
  every fact serialises to JSON as is (`to_jsonable`).
* A service's own processing time is not modelled: its worst case is the time it waits on its
  dependencies. A leaf (store, topic, service without sync calls on the path, a cycle) has no
  modelled response time, so only the caller's timeout bounds it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pacelc.analysis.graph import CallNode, OperationTree, SystemGraph
from pacelc.gcpause import gc_paused
from pacelc.model.schema import Call

Status = Literal["exact", "at_least", "unbounded", "unknown"]

# The constant of the AWS "decorrelated jitter" recurrence: sleep = min(cap, uniform(base, 3 * sleep)).
DECORRELATED_GROWTH = 3.0
# Quantile the latency figures describe; the chance that one call is slower than its p99.
P99_TAIL = 0.01


# --------------------------------------------------------------------------- durations


@dataclass(frozen=True, slots=True)
class Duration:
    """A time in milliseconds that may be infinite, a lower bound, or unknown.

    status: exact (ms is the figure); at_least (ms is a lower bound because an input is unknown);
    unbounded (infinite: nothing in the model bounds it; ms is None); unknown (the model does not
    say; ms is None). `reason` says why the figure is not exact (empty when it is).
    """

    ms: float | None
    status: Status = "exact"
    reason: str = ""

    @property
    def finite(self) -> bool:
        return self.ms is not None

    def sort_key(self) -> tuple[int, float]:
        """Orders durations worst (longest) last: unbounded after every number, unknown first."""
        if self.status == "unbounded":
            return (2, 0.0)
        if self.ms is None:
            return (0, 0.0)
        return (1, self.ms)


ZERO = Duration(0.0)


def _unbounded(reason: str) -> Duration:
    return Duration(None, "unbounded", reason)


def _first(*reasons: str) -> str:
    # Composed figures keep the first cause only: the reason stays short however deep the tree.
    return next((r for r in reasons if r), "")


def _add(a: Duration, b: Duration) -> Duration:
    if a.status == "unbounded":
        return a
    if b.status == "unbounded":
        return b
    assert a.ms is not None and b.ms is not None
    if "at_least" in (a.status, b.status):
        return Duration(a.ms + b.ms, "at_least", _first(a.reason, b.reason))
    return Duration(a.ms + b.ms)


def _max(items: Iterable[Duration]) -> Duration:
    best = 0.0
    lower_reason = ""
    for d in items:
        if d.status == "unbounded":
            return d
        assert d.ms is not None
        if d.status == "at_least":
            lower_reason = lower_reason or d.reason
        best = max(best, d.ms)
    # A lower bound among the members may exceed the largest exact figure: the max is then a lower bound.
    return Duration(best, "at_least", lower_reason) if lower_reason else Duration(best)


def _scale(n: int, d: Duration) -> Duration:
    if d.ms is None:
        return d
    return Duration(d.ms * n, d.status, d.reason)


def _cap(d: Duration, cap: float) -> Duration:
    """min(d, cap): a deadline turns an unbounded or longer wait into exactly the deadline."""
    if d.status == "unbounded" or (d.ms is not None and d.ms >= cap):
        return Duration(cap)
    return d


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class Backoffs:
    """Sum of the waits between the attempts of one call (attempts − 1 waits)."""

    waits: int
    kind: str  # none, fixed, exponential, unknown (the model does not give the shape, base or growth)
    jitter: str  # none, full, equal, decorrelated, unknown
    lower_ms: float | None  # smallest possible total wait; None when it overflows a float (unbounded)
    upper_ms: float | None  # worst-case total wait; None when it overflows a float (unbounded)
    # False when an input is not stated: upper_ms is then what the stated inputs give, a lower bound
    # of the worst case (an unknown backoff waits at least 0; unknown jitter at least the nominal wait).
    stated: bool = True


@dataclass(frozen=True, slots=True)
class Hop:
    """One sync call on an operation's path, with its budget figures."""

    name: str  # caller.call
    path: tuple[str, ...]  # hop names from the entry's call down to this one: unique within the operation
    depth: int  # 1 = called by the entry
    caller: str
    target: str
    target_kind: str  # service, store, topic, unknown
    group: str | None
    connect_ms: float | None  # effective (inherited) figures as the model gives them
    read_ms: float | None
    total_ms: float | None
    per_attempt_timeout: Duration  # read_ms (or total_ms if only that) + connect_ms; unknown if none
    attempts: int | None  # None: no retry policy stated (1 assumed in every figure)
    backoff: Backoffs
    callee_leaf: bool  # the callee has no modelled sync calls on this path (store, topic, cycle, ...)
    callee_worst: Duration  # the callee's calls composed; unbounded for a leaf
    attempt_time: Duration  # min(per-attempt timeout, callee worst case)
    worst_case: Duration  # min(total_ms, attempts × attempt_time + worst-case backoffs)
    best_case_backoff_ms: float | None  # the lower bound of the waits, for completeness
    caller_budget: Duration  # the per-attempt timeout of the hop that called `caller`
    slack_ms: float | None  # caller_budget − worst_case; None when either is not a number
    inverted: bool  # per-attempt timeout < callee_worst (definite)
    deadline_propagation: bool | None
    retry_on: tuple[str, ...]
    retry_budget_percent: float | None
    circuit_breaker: bool
    capped_factor: float  # attempts capped by retry budget (1 + p/100) and breaker (1)
    path_attempts: int  # product of attempts from the entry down to this hop (unknown counted as 1)
    path_capped: float  # the same product with capped factors
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    unknown: tuple[str, ...]  # fields neither the call nor defaults.call give: timeout, retry, ...


@dataclass(frozen=True, slots=True)
class Inversion:
    """A caller gives up (per attempt) while its callee may still be working."""

    hop: str
    path: tuple[str, ...]
    caller: str
    callee: str
    caller_timeout_ms: float  # per-attempt timeout of the call
    callee_worst: Duration  # the callee's own calls composed
    excess_ms: float | None  # callee_worst − caller_timeout; None when the callee is unbounded
    deadline_propagation: bool | None  # does the callee learn the caller's deadline? None: not said


@dataclass(frozen=True, slots=True)
class AmplificationPath:
    """Retry amplification along one path from the entry down to a leaf call."""

    hops: tuple[str, ...]
    attempts: tuple[int | None, ...]  # per hop; None: not stated (counted as 1)
    product: int  # calls reaching the leaf per request when it fails and every layer retries
    capped: float  # with retry budgets and circuit breakers (steady state)
    retrying_layers: tuple[str, ...]  # hops with more than one attempt
    unknown_attempts: tuple[str, ...]  # hops whose attempts are not stated: product is a lower bound


@dataclass(frozen=True, slots=True)
class LoadMultiplier:
    """Calls one element receives per operation request."""

    element: str
    kind: str
    calls: int  # with no failure: one per call site on the path
    worst: int  # when it (or something below it) fails and every layer retries: sum over paths
    capped: float  # the same with retry budgets and breakers
    at_least: bool  # some attempts on the way are unknown: `worst` is a lower bound


@dataclass(frozen=True, slots=True)
class GroupLatency:
    """Latency of one sequential step of the entry: one call, or one parallel group."""

    group: str | None
    hops: tuple[str, ...]
    p50_ms: float | None  # max of the members' p50 (a lower bound for a group)
    p99_ms: float | None  # max of the members' p99 (a lower bound for a group)
    slow_probability: float  # 1 − 0.99^k: chance at least one of the k members exceeds its p99


@dataclass(frozen=True, slots=True)
class LatencyEstimate:
    """p50/p99 of an operation from the per-attempt latency of the entry's sync calls."""

    steps: tuple[GroupLatency, ...]
    p50_ms: float | None  # sum over steps; None when a figure is missing
    p99_ms: float | None  # sum over steps of the step p99: exact if slowness is shared, see docs
    p99_lower_ms: float | None  # max p99 of any step: a sound lower bound of the operation's p99
    missing: tuple[str, ...]  # "hop: field" the estimate needs but the model lacks
    hops_without_latency: tuple[str, ...]  # every sync hop lacking a figure (deeper ones too)
    sla_p99_ms: float | None
    sla_margin_ms: float | None  # sla − p99 estimate (negative: over the SLA)
    reason: str  # why p50/p99 are None, empty otherwise


@dataclass(frozen=True, slots=True)
class BudgetRow:
    """One row of an operation's budget table."""

    hop: str
    depth: int
    timeout: Duration
    attempts: int | None
    worst_case: Duration
    caller_budget: Duration
    slack_ms: float | None


@dataclass(frozen=True, slots=True)
class OperationBudget:
    """Budget facts of one operation."""

    operation: str
    entry: str
    hops: tuple[Hop, ...]  # depth-first, in model order
    worst_case: Duration  # the entry's sync calls composed
    inversions: tuple[Inversion, ...]  # in hop order
    paths: tuple[AmplificationPath, ...]  # one per leaf hop, in hop order
    loads: tuple[LoadMultiplier, ...]  # worst first, then by element
    latency: LatencyEstimate

    @property
    def rows(self) -> tuple[BudgetRow, ...]:
        return tuple(
            BudgetRow(h.name, h.depth, h.per_attempt_timeout, h.attempts, h.worst_case, h.caller_budget, h.slack_ms)
            for h in self.hops
        )

    @property
    def max_amplification(self) -> int:
        return max((p.product for p in self.paths), default=1)


@dataclass(frozen=True, slots=True)
class BudgetFacts:
    """Budget facts of every operation, plus the worst load per element over all operations."""

    operations: dict[str, OperationBudget]  # by operation id, sorted
    loads: tuple[LoadMultiplier, ...]  # per element, its worst operation's figure; worst first

    def to_jsonable(self) -> dict[str, Any]:
        return to_jsonable(self)


# Field names per dataclass, looked up once: dataclasses.fields() per object dominated serialisation.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def to_jsonable(obj: Any) -> Any:
    """Plain JSON-ready data (dicts, lists, numbers, strings, None) from any budget fact."""
    with gc_paused():  # builds one dict per fact: the same collector cost as building the facts
        return _jsonable(obj)


def _jsonable(obj: Any) -> Any:
    if obj is None or isinstance(obj, str | int | float):
        return obj
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None and dataclasses.is_dataclass(cls):
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    if names is not None:
        return {n: _jsonable(getattr(obj, n)) for n in names}
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- per-call figures


def backoffs(call: Call) -> Backoffs:
    """Total wait between the attempts of a call: lower bound and worst case (see docs/budgets.md).
    What the model does not state is not filled in: the figures are then lower bounds (`stated`)."""
    retry = call.retry
    attempts = retry.attempts if retry is not None else 1
    waits = attempts - 1
    bo = retry.backoff if retry is not None else None
    stated_jitter = retry.jitter if retry is not None else None
    jitter = stated_jitter or "unknown"
    if waits == 0:
        return Backoffs(waits, "none" if bo is None else bo.kind or "unknown", jitter, 0.0, 0.0)
    if bo is not None and bo.kind == "none":
        return Backoffs(waits, "none", jitter, 0.0, 0.0)
    if bo is None or bo.kind is None or bo.base_ms is None or (bo.kind == "exponential" and bo.multiplier is None):
        return Backoffs(waits, bo.kind or "unknown" if bo else "unknown", jitter, 0.0, 0.0, stated=False)
    lower = upper = 0.0
    # max_ms caps every exponential wait, the first one included (a cap below base_ms is legal).
    nominal = bo.base_ms if bo.kind != "exponential" or bo.max_ms is None else min(bo.base_ms, bo.max_ms)
    decorrelated = bo.base_ms
    for _ in range(waits):
        if stated_jitter == "decorrelated":
            # AWS recurrence: each wait in [base, 3 × previous], capped; the worst case always takes the top.
            decorrelated = DECORRELATED_GROWTH * decorrelated
            if bo.max_ms is not None:
                decorrelated = min(decorrelated, bo.max_ms)
            hi = decorrelated
            lo = bo.base_ms if bo.max_ms is None else min(bo.base_ms, bo.max_ms)
        else:
            # Unknown jitter: as low as full jitter (0), at least as high as none (the nominal wait).
            hi = nominal
            lo = {"none": hi, "full": 0.0, "equal": hi / 2, None: 0.0}[stated_jitter]
        lower += lo
        upper += hi
        if bo.kind == "exponential":
            assert bo.multiplier is not None
            nominal *= bo.multiplier
            if bo.max_ms is not None:
                nominal = min(nominal, bo.max_ms)
    # Python floats overflow to inf silently (huge multipliers); infinity is never a float in facts.
    return Backoffs(
        waits,
        bo.kind,
        jitter,
        lower if math.isfinite(lower) else None,
        upper if math.isfinite(upper) else None,
        stated=stated_jitter is not None,
    )


@dataclass(frozen=True, slots=True)
class _CallFigures:
    """What depends on the effective call only, computed once per call and shared by every tree."""

    call: Call
    per_attempt: Duration
    attempts: int | None
    backoff: Backoffs
    capped_factor: float
    unknown: tuple[str, ...]


def _figures(call: Call, name: str) -> _CallFigures:
    unknown: list[str] = []
    t = call.timeout
    if t is not None and t.disabled:
        # Stated: no response timeout by design. Unbounded, and not an unknown to ask about.
        per_attempt = Duration(None, "unbounded", f"{name}: no response timeout, on purpose (timeout.disabled)")
    elif t is None:
        unknown.append("timeout")
        per_attempt = Duration(None, "unknown", f"{name}: no timeout (neither the call nor defaults.call set one)")
    elif t.read_ms is None and t.total_ms is None:
        unknown.append("timeout.read_ms")
        per_attempt = Duration(None, "unknown", f"{name}: no read_ms or total_ms (connect_ms bounds only connecting)")
    else:
        base = t.read_ms if t.read_ms is not None else t.total_ms
        assert base is not None
        per_attempt = Duration(base + (t.connect_ms or 0.0))
    retry = call.retry
    if retry is None:
        unknown.append("retry")
    attempts = retry.attempts if retry is not None else None
    waits = backoffs(call)
    if retry is not None and retry.attempts > 1:
        if waits.kind == "unknown":
            unknown.append("retry.backoff")
        if waits.jitter == "unknown" and waits.kind != "none":
            unknown.append("retry.jitter")
    factor = float(attempts or 1)
    if retry is not None and retry.budget_percent is not None:
        # A retry budget lets retries be at most p% of the layer's own calls, whatever the attempts.
        factor = min(factor, 1.0 + retry.budget_percent / 100.0)
    if call.circuit_breaker is not None:
        # Once open, a breaker sends at most trial calls: never more than one call per call received.
        factor = min(factor, 1.0)
    return _CallFigures(call, per_attempt, attempts, waits, factor, tuple(unknown))


# --------------------------------------------------------------------------- composition


def _segments(nodes: Iterable[CallNode]) -> list[list[CallNode]]:
    """Sequential steps of one caller: a call alone, or all calls sharing a group (placed at its first call)."""
    steps: list[list[CallNode]] = []
    by_group: dict[str, list[CallNode]] = {}
    for node in nodes:
        g = node.call.group
        if g is None:
            steps.append([node])
        elif g in by_group:
            by_group[g].append(node)
        else:
            by_group[g] = [node]
            steps.append(by_group[g])
    return steps


def compose(nodes: list[CallNode], worst: dict[int, Duration]) -> Duration:
    """Worst case of one caller's sync calls: steps in sequence add up, a parallel group takes its max."""
    total = ZERO
    for step in _segments(nodes):
        total = _add(total, _max(worst[id(n)] for n in step))
    return total


class _OperationWalker:
    def __init__(self, graph: SystemGraph, cache: dict[int, _CallFigures]) -> None:
        self.graph = graph
        self.cache = cache
        self.hops: list[Hop | None] = []
        self.worst: dict[int, Duration] = {}
        self.top_index: dict[int, int] = {}  # id(top-level node) -> its hop index
        self.stack: list[int] = []  # hop indices from the entry's call down to the current one
        self.leaf_chains: list[tuple[int, ...]] = []  # per leaf hop, the indices of its path

    def figures(self, node: CallNode) -> _CallFigures:
        f = self.cache.get(id(node.call))
        if f is None:
            f = _figures(self.graph.effective_call(node.call), node.name)
            self.cache[id(node.call)] = f
        return f

    def visit(
        self,
        node: CallNode,
        depth: int,
        path: tuple[str, ...],
        caller_budget: Duration,
        path_attempts: int,
        path_capped: float,
    ) -> Duration:
        f = self.figures(node)
        call = f.call
        name = node.name
        path = (*path, name)
        attempts = f.attempts or 1
        p_attempts = path_attempts * attempts
        p_capped = path_capped * f.capped_factor
        index = len(self.hops)
        self.hops.append(None)  # reserved: keeps the hops in depth-first pre-order
        self.stack.append(index)

        children = [c for c in node.children if c.sync]
        for child in children:
            self.worst[id(child)] = self.visit(child, depth + 1, path, f.per_attempt, p_attempts, p_capped)

        leaf = not children
        if leaf:
            self.leaf_chains.append(tuple(self.stack))
        self.stack.pop()
        if node.cycle:
            callee = _unbounded(f"{node.target} is already on the path (cycle)")
        elif leaf:
            callee = _unbounded(f"{node.target}: response time not modelled")
        else:
            callee = compose(children, self.worst)

        timeout = f.per_attempt
        inverted = False
        if timeout.ms is None:
            # No per-attempt timeout: each attempt lasts as long as the callee does.
            attempt = callee
            if leaf:
                attempt = _unbounded(timeout.reason)
        else:
            attempt = _cap(callee, timeout.ms)
            # Definite inversions only: an unbounded callee, or one whose (lower-bound) worst case
            # already exceeds the timeout. A leaf has no modelled time, so only the timeout bounds it.
            inverted = not leaf and (callee.status == "unbounded" or (callee.ms is not None and callee.ms > timeout.ms))
        worst = _scale(attempts, attempt)
        bo = f.backoff
        if bo.upper_ms is None:
            worst = _unbounded(f"{name}: backoff waits overflow")
        else:
            worst = _add(worst, Duration(bo.upper_ms))
        if f.attempts is None and worst.status == "exact":
            worst = Duration(worst.ms, "at_least", f"{name}: retry not stated, 1 attempt assumed")
        elif not bo.stated and worst.status == "exact":
            worst = Duration(worst.ms, "at_least", f"{name}: backoff or jitter not stated (a lower bound)")
        total = call.timeout.total_ms if call.timeout is not None else None
        if total is not None:
            worst = _cap(worst, total)

        slack: float | None = None
        if caller_budget.ms is not None and worst.ms is not None:
            slack = caller_budget.ms - worst.ms
        latency = call.latency
        t = call.timeout
        self.hops[index] = Hop(
            name=name,
            path=path,
            depth=depth,
            caller=node.caller,
            target=node.target,
            target_kind=node.target_kind,
            group=call.group,
            connect_ms=t.connect_ms if t is not None else None,
            read_ms=t.read_ms if t is not None else None,
            total_ms=total,
            per_attempt_timeout=timeout,
            attempts=f.attempts,
            backoff=bo,
            callee_leaf=leaf,
            callee_worst=callee,
            attempt_time=attempt,
            worst_case=worst,
            best_case_backoff_ms=bo.lower_ms,
            caller_budget=caller_budget,
            slack_ms=slack,
            inverted=inverted,
            deadline_propagation=call.deadline_propagation,
            retry_on=tuple(call.retry.retry_on) if call.retry is not None else (),
            retry_budget_percent=call.retry.budget_percent if call.retry is not None else None,
            circuit_breaker=call.circuit_breaker is not None,
            capped_factor=f.capped_factor,
            path_attempts=p_attempts,
            path_capped=p_capped,
            latency_p50_ms=latency.p50_ms if latency is not None else None,
            latency_p99_ms=latency.p99_ms if latency is not None else None,
            unknown=f.unknown,
        )
        return worst


_ENTRY_BUDGET = Duration(None, "unknown", "the entry's caller is outside the model")


def operation_budget(
    graph: SystemGraph, tree: OperationTree, cache: dict[int, _CallFigures] | None = None
) -> OperationBudget:
    """Budget facts of one operation tree."""
    walker = _OperationWalker(graph, {} if cache is None else cache)
    top = [n for n in tree.calls if n.sync]
    for node in top:
        walker.top_index[id(node)] = len(walker.hops)
        walker.worst[id(node)] = walker.visit(node, 1, (), _ENTRY_BUDGET, 1, 1.0)
    hops = tuple(h for h in walker.hops if h is not None)
    assert len(hops) == len(walker.hops)  # every reserved slot was filled: indices stay valid
    worst = compose(top, walker.worst) if top else ZERO

    inversions = tuple(
        Inversion(
            hop=h.name,
            path=h.path,
            caller=h.caller,
            callee=h.target,
            caller_timeout_ms=h.per_attempt_timeout.ms or 0.0,
            callee_worst=h.callee_worst,
            excess_ms=(h.callee_worst.ms - (h.per_attempt_timeout.ms or 0.0))
            if h.callee_worst.ms is not None
            else None,
            deadline_propagation=h.deadline_propagation,
        )
        for h in hops
        if h.inverted
    )
    return OperationBudget(
        operation=tree.operation.id,
        entry=tree.entry,
        hops=hops,
        worst_case=worst,
        inversions=inversions,
        paths=_paths(hops, walker.leaf_chains),
        loads=_loads(hops),
        latency=_latency(tree, top, hops, walker.top_index),
    )


def _paths(hops: tuple[Hop, ...], chains: list[tuple[int, ...]]) -> tuple[AmplificationPath, ...]:
    out = []
    for chain_ids in chains:  # leaves are met in pre-order
        chain = [hops[i] for i in chain_ids]
        leaf = chain[-1]
        out.append(
            AmplificationPath(
                hops=leaf.path,
                attempts=tuple(h.attempts for h in chain),
                product=leaf.path_attempts,
                capped=leaf.path_capped,
                retrying_layers=tuple(h.name for h in chain if h.attempts is not None and h.attempts > 1),
                unknown_attempts=tuple(h.name for h in chain if h.attempts is None),
            )
        )
    return tuple(out)


def _load_key(x: LoadMultiplier) -> tuple[int, float, int, str]:
    return (-x.worst, -x.capped, -x.calls, x.element)


def _loads(hops: tuple[Hop, ...]) -> tuple[LoadMultiplier, ...]:
    acc: dict[str, list[Any]] = {}
    unknown_above: dict[tuple[str, ...], bool] = {}
    for h in hops:  # pre-order: a hop's parent comes before it
        unknown = unknown_above.get(h.path[:-1], False) or h.attempts is None
        unknown_above[h.path] = unknown
        row = acc.setdefault(h.target, [h.target_kind, 0, 0, 0.0, False])
        row[1] += 1
        row[2] += h.path_attempts
        row[3] += h.path_capped
        row[4] = row[4] or unknown
    loads = [LoadMultiplier(e, r[0], r[1], r[2], round(r[3], 9), r[4]) for e, r in acc.items()]
    return tuple(sorted(loads, key=_load_key))


def _latency(
    tree: OperationTree, top: list[CallNode], hops: tuple[Hop, ...], top_index: dict[int, int]
) -> LatencyEstimate:
    steps: list[GroupLatency] = []
    missing: list[str] = []
    for seg in _segments(top):
        members = [hops[top_index[id(n)]] for n in seg]
        p50s = [h.latency_p50_ms for h in members]
        p99s = [h.latency_p99_ms for h in members]
        missing += [f"{h.name}: latency.p50_ms" for h in members if h.latency_p50_ms is None]
        missing += [f"{h.name}: latency.p99_ms" for h in members if h.latency_p99_ms is None]
        steps.append(
            GroupLatency(
                group=seg[0].call.group,
                hops=tuple(h.name for h in members),
                p50_ms=None if None in p50s else max(x for x in p50s if x is not None),
                p99_ms=None if None in p99s else max(x for x in p99s if x is not None),
                slow_probability=round(1.0 - (1.0 - P99_TAIL) ** len(members), 12),
            )
        )
    reason = ""
    if not steps:
        reason = "the entry makes no sync calls; its own processing time is not modelled"
    elif missing:
        reason = "missing figures: " + ", ".join(missing)
    p50 = None if (not steps or any(s.p50_ms is None for s in steps)) else sum(s.p50_ms or 0.0 for s in steps)
    p99 = None if (not steps or any(s.p99_ms is None for s in steps)) else sum(s.p99_ms or 0.0 for s in steps)
    known99 = [s.p99_ms for s in steps if s.p99_ms is not None]
    # Latencies are non-negative, so the total is at least any single step: a sound lower bound
    # even when other steps lack figures.
    p99_lower = max(known99) if known99 else None
    sla = tree.operation.sla.p99_ms if tree.operation.sla is not None else None
    return LatencyEstimate(
        steps=tuple(steps),
        p50_ms=p50,
        p99_ms=p99,
        p99_lower_ms=p99_lower,
        missing=tuple(missing),
        hops_without_latency=tuple(
            dict.fromkeys(h.name for h in hops if h.latency_p50_ms is None or h.latency_p99_ms is None)
        ),
        sla_p99_ms=sla,
        sla_margin_ms=(sla - p99) if (sla is not None and p99 is not None) else None,
        reason=reason,
    )


def compute_budgets(graph: SystemGraph) -> BudgetFacts:
    """Budget facts of every operation of the model behind `graph`."""
    # The facts are acyclic (frozen dataclasses of tuples); full collections rescanned the whole
    # model each time (about 40% of the run at 10,000 services).
    with gc_paused():
        return _compute(graph)


def _compute(graph: SystemGraph) -> BudgetFacts:
    cache: dict[int, _CallFigures] = {}
    trees = graph.trees
    ops = {op_id: operation_budget(graph, trees[op_id], cache) for op_id in sorted(trees)}
    worst: dict[str, LoadMultiplier] = {}
    for ob in ops.values():
        for load in ob.loads:
            cur = worst.get(load.element)
            if cur is None or _load_key(load) < _load_key(cur):
                worst[load.element] = load
    return BudgetFacts(ops, tuple(sorted(worst.values(), key=_load_key)))
