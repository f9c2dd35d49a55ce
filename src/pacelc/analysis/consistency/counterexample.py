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
    check_no_stale_reads,
    check_session,
    lost_writes,
)
from .history import History


@dataclass(frozen=True)
class Step:
    n: int
    kind: str  # invoke, return, fault, step (protocol-internal), final (read after quiescence)
    text: str
    client: int | None = None
    replica: str | None = None


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
    if not check_no_stale_reads(h):
        return "stale read"
    if not check_session(h, READ_YOUR_WRITES):
        return "read-your-writes violation"
    if not check_session(h, (MONOTONIC_READS, MONOTONIC_WRITES)):
        return "non-monotonic read"
    if not check_session(h, WRITES_FOLLOW_READS):
        return "writes-follow-reads violation"
    if model == LINEARIZABLE:
        return "non-linearizable read (new value seen, then old)"
    return f"{model.replace('_', ' ')} violation"
