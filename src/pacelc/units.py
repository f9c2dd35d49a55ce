"""Human-readable figures shared by tables, messages and reporters."""

from __future__ import annotations

from typing import Any


def fmt_seconds(seconds: float | None) -> str:
    """'250 ms', '4.5 s', '12.0 min', or 'unknown'."""
    if seconds is None:
        return "unknown"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def fmt_duration(d: Any) -> str:
    """A budgets Duration: '1.2 s', '≥ 300 ms' (a lower bound), 'unbounded' or 'unknown'."""
    if d.status == "unbounded":
        return "unbounded"
    if d.ms is None:
        return "unknown"
    text = fmt_seconds(d.ms / 1000)
    return f"≥ {text}" if d.status == "at_least" else text
