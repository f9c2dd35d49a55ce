"""Counterexamples: the shortest failing history, as data (for JSON) and as plain text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .checkers import (
    LINEARIZABLE,
    MONOTONIC_READS,
    MONOTONIC_WRITES,
    NO_LOST_WRITES,
    READ_YOUR_WRITES,
    SEQUENTIAL,
    WRITES_FOLLOW_READS,
    NotApplicable,
    check_no_stale_reads,
    check_session,
    lost_writes,
)
from .history import CAS, History


@dataclass(frozen=True)
class Step:
    n: int
    kind: str  # invoke, return, fault, step (protocol-internal), final (read after quiescence)
    text: str
    client: int | None = None
    replica: str | None = None
    # what happened, as the protocol model names it: the fault ("crash", "isolate", "pause", ...)
    # or the step ("restart", "failover", "fsync", "repl", ...); rules read this, not the text
    action: str = ""


@dataclass(frozen=True)
class Counterexample:
    anomaly: str
    requirement: str
    reason: str
    steps: tuple[Step, ...]
    final: tuple[tuple[str, Any], ...] = ()
    bounds: dict[str, Any] = field(default_factory=dict)
    protocol: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["final"] = [{"key": k, "value": _jsonable(v)} for k, v in self.final]
        return d

    def render(self) -> str:
        return render_text(self)


def _jsonable(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def _fmt(v: Any) -> str:
    if v is None:
        return "⊥ (initial)"
    if isinstance(v, tuple):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v)


def render_text(cx: Counterexample) -> str:
    lines = [
        f"{cx.anomaly} — violates {cx.requirement} ({cx.protocol})",
        f"shortest history found: {len(cx.steps)} steps",
    ]
    width = len(str(len(cx.steps)))
    for s in cx.steps:
        lines.append(f"  {s.n:>{width}}. {s.text}")
    for k, v in cx.final:
        lines.append(f"  {'':>{width}}  after quiescence (faults healed, replication drained): read({k}) -> {_fmt(v)}")
    lines.append(f"why: {cx.reason}")
    if cx.bounds:
        lines.append("bounds: " + ", ".join(f"{k}={v}" for k, v in cx.bounds.items()))
    return "\n".join(lines)


def classify(h: History, model: str, hint: str | None = None) -> str:
    """Name the anomaly a failing history shows, most specific first."""
    lost = lost_writes(h)
    if lost and model in (LINEARIZABLE, SEQUENTIAL, NO_LOST_WRITES):
        if hint:
            return hint
        finals = [o for o in h.ops if o.final]
        older = any(f.result is not None and not isinstance(f.result, tuple) for f in finals)
        return "lost update (acknowledged write overwritten by an older one)" if older else "lost acknowledged write"
    if hint:
        return hint
    if _double_cas(h):
        return "lost update (two compare-and-set operations succeeded from the same value)"
    if not check_no_stale_reads(h):
        return "stale read"
    try:
        if not check_session(h, READ_YOUR_WRITES):
            return "read-your-writes violation"
        if not check_session(h, (MONOTONIC_READS, MONOTONIC_WRITES)):
            return "non-monotonic read"
        if not check_session(h, WRITES_FOLLOW_READS):
            return "writes-follow-reads violation"
    except NotApplicable:
        pass  # compare-and-set or appends: the session checkers judge plain registers only
    if model == LINEARIZABLE and any(o.kind == CAS for o in h.ops):
        return "non-linearizable compare-and-set"
    if model == LINEARIZABLE:
        return "non-linearizable read (new value seen, then old)"
    return f"{model.replace('_', ' ')} violation"


def _double_cas(h: History) -> bool:
    """Two compare-and-set operations on one key that both took effect from the same expected
    value (acknowledged as successful, or pending with their value read after quiescence):
    with unique written values, only one of them can have seen it."""
    final_values = {(o.key, o.result) for o in h.ops if o.final}
    seen: set[tuple[str, object]] = set()
    for o in h.ops:
        if o.kind != CAS:
            continue
        if (o.acked and o.result is True) or (o.pending and (o.key, o.arg[1]) in final_values):
            k = (o.key, o.arg[0])
            if k in seen:
                return True
            seen.add(k)
    return False
