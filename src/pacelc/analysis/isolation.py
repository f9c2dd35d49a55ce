"""Which operations share a service's capacity with a call they do not need.

A service serves several operations with one pool of workers (threads, connections, event-loop
concurrency). A synchronous call holds a worker while it waits; when its target hangs, every request
that makes the call holds a worker for the call's worst-case wait (timeouts, attempts and backoffs
composed), and the operations served by the same service that never make that call are starved with
the rest. A bulkhead (a separate, bounded pool for the call) or a circuit breaker (failing fast once
the target is seen failing) is what keeps them apart. These facts say, per call, which operations use
it and which would be starved, from the budget facts' hops.
"""

from __future__ import annotations

from dataclasses import dataclass

from pacelc.analysis.budgets import BudgetFacts, Duration


@dataclass(frozen=True)
class SharedCapacity:
    """One synchronous call of a service, seen from the service's other operations."""

    hop: str  # caller.call
    caller: str
    target: str
    used_by: tuple[str, ...]  # operations that make the call (sorted)
    starved: tuple[str, ...]  # operations the caller serves that do not make it (sorted)
    worst_case: Duration  # the longest wait of the call over the operations that make it


def shared_capacity(budgets: BudgetFacts) -> dict[str, SharedCapacity]:
    """Per sync hop name (caller.call) reached by at least one operation."""
    served: dict[str, set[str]] = {}  # service -> operations whose requests it serves
    uses: dict[str, set[str]] = {}  # hop -> operations that make it
    worst: dict[str, Duration] = {}
    ends: dict[str, tuple[str, str]] = {}
    for op_id, budget in budgets.operations.items():
        served.setdefault(budget.entry, set()).add(op_id)
        for hop in budget.hops:
            served.setdefault(hop.caller, set()).add(op_id)
            if hop.target_kind == "service":
                served.setdefault(hop.target, set()).add(op_id)
            uses.setdefault(hop.name, set()).add(op_id)
            ends[hop.name] = (hop.caller, hop.target)
            known = worst.get(hop.name)
            if known is None or hop.worst_case.sort_key() > known.sort_key():
                worst[hop.name] = hop.worst_case
    out = {}
    for name in sorted(uses):
        caller, target = ends[name]
        out[name] = SharedCapacity(
            hop=name,
            caller=caller,
            target=target,
            used_by=tuple(sorted(uses[name])),
            starved=tuple(sorted(served.get(caller, set()) - uses[name])),
            worst_case=worst[name],
        )
    return out
