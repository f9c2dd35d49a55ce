"""FLR011 timeout-inversion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("FLR011", "timeout-inversion", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A caller gives up before its callee can finish: the callee's worst case outlives the caller's timeout.

    What it does:
        For every sync call on an operation's path, compares the caller's per-attempt timeout with
        the callee's own worst case (its sync calls, their timeouts, retries and backoffs composed)
        and flags the calls where the callee may still be working after the caller gave up,
        unless the caller passes its deadline down.

    Why it matters:
        The caller times out and, usually, retries, while the callee still works on the first
        attempt and its own retries: the work is wasted, the load multiplies exactly when the
        system is slow, and a write the caller believes failed may still happen. Timeouts must
        shrink going down the call chain, or the deadline must travel with the request.

    Example:
        services:
          - id: orders
            calls: [{to: payments, timeout: {read_ms: 2500}, retry: {attempts: 1}}]
          - id: payments
            calls: [{to: psp, timeout: {read_ms: 5000}, retry: {attempts: 2}}]
          - {id: psp}
        operations:
          - {id: pay, entry: orders}

    Fix:
        services:
          - id: orders
            calls: [{to: payments, timeout: {read_ms: 2500}, retry: {attempts: 1}}]
          - id: payments
            calls: [{to: psp, timeout: {read_ms: 1000, total_ms: 2000}, retry: {attempts: 2}}]
          - {id: psp}
        operations:
          - {id: pay, entry: orders}

    How it is computed:
        `facts.budgets` (`analysis/budgets.py`): per operation, the inversions it finds (per-attempt
        timeout of the call below the callee's composed worst case). A call with
        `deadline_propagation: true` (own or inherited) is accepted: the callee learns the
        deadline and stops. A callee whose worst case is unbounded (a call without timeout) is
        FLR001's. One finding per call, listing every operation it appears in.

    False positives:
        A callee whose own processing stops at the caller's deadline by other means (a server-side
        request timeout): model it as `deadline_propagation: true` on the call.

    References:
        Google SRE Book, chapter 22 ("Addressing Cascading Failures": deadline propagation). gRPC
        documentation, "Deadlines". AWS Builders' Library, "Timeouts, retries, and backoff with jitter".
    """
    hits: dict[tuple[str, str], dict[str, Any]] = {}
    for op_id, budget in sorted(facts.budgets.operations.items()):
        for inv in budget.inversions:
            if inv.deadline_propagation is True or inv.callee_worst.ms is None:
                continue
            name = inv.hop.split(".", 1)[1] if inv.hop.startswith(inv.caller + ".") else inv.hop
            hit = hits.setdefault(
                (inv.caller, name),
                {"callee": inv.callee, "timeout": inv.caller_timeout_ms, "worst": 0.0, "ops": [], "status": "exact"},
            )
            hit["ops"].append(op_id)
            if inv.callee_worst.ms > hit["worst"]:
                hit["worst"] = inv.callee_worst.ms
                hit["status"] = inv.callee_worst.status
                hit["propagation"] = inv.deadline_propagation
    for (caller, name), hit in sorted(hits.items()):
        at_least = "at least " if hit["status"] == "at_least" else ""
        yield Finding(
            rule="FLR011",
            elements=(caller, name),
            message=(
                f"{caller} gives up on {hit['callee']} after {hit['timeout']:g} ms per attempt, but {hit['callee']} "
                f"may take {at_least}{hit['worst']:g} ms (its own calls, timeouts and retries composed), and the "
                f"deadline is {'not' if hit.get('propagation') is False else 'not said to be'} propagated; "
                f"operations: {', '.join(hit['ops'])}"
            ),
            fix=(
                f"make {hit['callee']}'s calls fit inside {hit['timeout']:g} ms (shorter timeouts, fewer retries, a "
                "`total_ms`), or propagate the deadline (`deadline_propagation: true`)"
            ),
            where=("services", caller, "calls", name, "timeout"),
            evidence={
                "callee": hit["callee"],
                "caller_timeout_ms": hit["timeout"],
                "callee_worst_ms": hit["worst"],
                "callee_worst_status": hit["status"],
                "excess_ms": hit["worst"] - hit["timeout"],
                "deadline_propagation": hit.get("propagation"),
                "operations": hit["ops"],
            },
        )
