"""The eight quality checks of a distributed design review, each passed or failed with the findings behind it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pacelc.model.schema import SystemModel
from pacelc.review.report import CheckOut, FindingOut

# Each check is judged by the rules that test it: it fails exactly when one of them has an active
# finding, and lists those findings, so a check can never contradict the findings (issue 17 §4).
CHECK_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("CAP trade-offs explicit per data domain", ("CAP001", "CAP003", "CAP004", "CAP006")),
    (
        "Consensus protocol choice justified by requirements",
        ("CAP002", "CAP005", "CNS001", "CNS002", "CNS003", "CNS004", "CNS050"),
    ),
    ("Failure detectors and timeout budgets specified", ("FLR001", "FLR007", "FLR011", "FLR015", "FLR016")),
    ("Compensating transactions defined for every saga step", ("TXN002", "TXN004", "TXN014")),
    ("Idempotency and deduplication for message-driven flows", ("TXN003", "TXN006", "TXN007", "TXN011", "FLR004")),
    ("Replication strategy and conflict resolution documented", ("CAP006", "SYN003", "SYN004", "SYN005", "SYN008")),
    ("Distributed tracing across service boundaries", ("OPS001", "OPS002", "OPS003")),
    ("Chaos engineering scenarios identified (partition, node failure, clock skew)", ("OPS005", "OPS006", "OPS007")),
]


def _saga_count(model: SystemModel) -> int:
    return sum(1 for op in model.operations if op.transaction and op.transaction.pattern.startswith("saga"))


def evaluate(model: SystemModel, active: Sequence[FindingOut], ran: Iterable[str]) -> list[CheckOut]:
    """The eight checks from the active findings of the rules that `ran` (codes)."""
    ran = set(ran)
    out = []
    for number, (title, codes) in enumerate(CHECK_RULES, 1):
        behind = [f.fingerprint for f in active if f.rule in codes]
        judged = [code for code in codes if code in ran]
        if behind:
            shown = "; ".join(behind[:6]) + (f"; and {len(behind) - 6} more" if len(behind) > 6 else "")
            out.append(CheckOut(id=number, title=title, passed=False, reason=f"findings: {shown}", findings=behind))
        elif not judged:
            out.append(
                CheckOut(id=number, title=title, passed=False, reason=f"not judged: none of {', '.join(codes)} ran")
            )
        else:
            reason = _PASS_REASON[number]
            if number == 4 and _saga_count(model) == 0:
                reason = "no sagas in the design: nothing to compensate"
            if len(judged) < len(codes):
                reason += f" (judged by {', '.join(judged)} only: the others did not run)"
            out.append(CheckOut(id=number, title=title, passed=True, reason=reason))
    return out


# What a pass establishes: that its rules found nothing, said so that it stays true when the model
# has nothing for them to judge (no replicas, no sagas, no consensus store).
_PASS_REASON = {
    1: "no finding from CAP001, CAP003, CAP004, CAP006: no domain lacks a consistency requirement, and none "
    "is on a store whose guarantee is unknown or on the other side of CAP from its priority",
    2: "no finding from CAP002, CAP005, CNS001-CNS004, CNS050: no coordination need without consensus, no "
    "consensus quorum tied to one zone, and no store weaker than its domain's requirement or with a "
    "counterexample against it",
    3: "no finding from FLR001, FLR007, FLR011, FLR015, FLR016: no sync call without a timeout, no timeout "
    "shorter than its callee's worst case, no failover slower than its RTO, no breaker that cannot trip",
    4: "no finding from TXN002, TXN004, TXN014: no saga step before a pivot without an idempotent "
    "compensation, and none after it that cannot be retried",
    5: "no finding from TXN003, TXN006, TXN007, TXN011, FLR004: no re-run step, redelivered message or retried "
    "call left without deduplication or idempotency",
    6: "no finding from CAP006, SYN003-SYN005, SYN008: no store whose replication is too little described to "
    "judge, and no quorum, anti-entropy or conflict-resolution gap",
    7: "no finding from OPS001-OPS003: no boundary where the model shows trace context lost or tracing "
    "undeclared",
    8: "no finding from OPS005-OPS007: no partition, node failure or clock dependency the model shows is left "
    "without its chaos experiment",
}
