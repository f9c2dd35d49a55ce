"""Small builders for budget test models: only the fields a test names are set.

Fields are passed to the pydantic classes only when given, because `inherit()` treats every field
a call sets (even to None) as the call's own and does not fill it from `defaults.call`.
"""

from __future__ import annotations

from typing import Any

from pacelc.analysis.budgets import BudgetFacts, Hop, OperationBudget, compute_budgets
from pacelc.analysis.graph import SystemGraph
from pacelc.model.schema import (
    Backoff,
    Call,
    CallPolicy,
    CircuitBreaker,
    Defaults,
    Latency,
    Operation,
    RetryPolicy,
    Service,
    Sla,
    Store,
    SystemInfo,
    SystemModel,
    Timeouts,
)


def call(
    to: str,
    *,
    read: float | None = None,
    connect: float | None = None,
    total: float | None = None,
    attempts: int | None = None,
    backoff: dict[str, Any] | Backoff | None = None,
    jitter: str | None = None,
    budget: float | None = None,
    breaker: bool = False,
    group: str | None = None,
    latency: tuple[float | None, float | None] | None = None,
    deadline: bool | None = None,
) -> Call:
    kw: dict[str, Any] = {"to": to}
    t = {k: v for k, v in (("read_ms", read), ("connect_ms", connect), ("total_ms", total)) if v is not None}
    if t:
        kw["timeout"] = Timeouts(**t)
    if attempts is not None:
        # Shorthand of these hand-worked tests: what a call here does not give is stated as no backoff,
        # no jitter and a doubling exponential, so every figure is exact (the schema assumes none of it;
        # `unstated_retry` builds a policy that leaves them out).
        r: dict[str, Any] = {"attempts": attempts, "backoff": Backoff(kind="none"), "jitter": jitter or "none"}
        if backoff is not None:
            spec = backoff if isinstance(backoff, Backoff) else Backoff(**backoff)
            if spec.kind == "exponential" and spec.multiplier is None:
                spec = spec.model_copy(update={"multiplier": 2.0})
            r["backoff"] = spec
        if budget is not None:
            r["budget_percent"] = budget
        kw["retry"] = RetryPolicy(**r)
    if breaker:
        kw["circuit_breaker"] = CircuitBreaker(failure_threshold=5)
    if group is not None:
        kw["group"] = group
    if latency is not None:
        lat = {k: v for k, v in (("p50_ms", latency[0]), ("p99_ms", latency[1])) if v is not None}
        kw["latency"] = Latency(**lat)
    if deadline is not None:
        kw["deadline_propagation"] = deadline
    return Call(**kw)


def model(
    services: dict[str, list[Call]],
    stores: tuple[str, ...] = (),
    entry: str = "gw",
    sla_p99: float | None = None,
    defaults: CallPolicy | None = None,
) -> SystemModel:
    return SystemModel(
        system=SystemInfo(name="t"),
        defaults=Defaults(call=defaults) if defaults is not None else Defaults(),
        services=[Service(id=sid, calls=calls) for sid, calls in services.items()],
        stores=[Store(id=s, kind="database") for s in stores],
        operations=[Operation(id="op", entry=entry, **({"sla": Sla(p99_ms=sla_p99)} if sla_p99 else {}))],
    )


def facts(m: SystemModel) -> BudgetFacts:
    return compute_budgets(SystemGraph(m))


def op(m: SystemModel) -> OperationBudget:
    return facts(m).operations["op"]


def hop(ob: OperationBudget, name: str) -> Hop:
    (h,) = [h for h in ob.hops if h.name == name]
    return h
