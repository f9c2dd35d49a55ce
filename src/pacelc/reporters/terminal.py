"""Terminal report: a condensed summary with rich (severity colours, the worst first)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pacelc.review.report import ReviewOut

_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}
# Condensed: the terminal shows these tables, the Markdown and JSON reports all of them.
_TERMINAL_TABLES = {
    "consistency_decisions": ("Subject", "Required", "CAP", "PACELC", "Guaranteed (derived)", "Verdict"),
    "failure_scenarios": ("Scenario", "Impact", "Recovery time"),
    "availability": ("Operation", "Availability (exact)", "SLA", "Single points of failure"),
    "budgets": ("Operation", "Hop", "Worst case", "Caller's budget", "Slack"),
}
# Long tables: the terminal shows their first rows (worst first), the other formats all of them.
_TERMINAL_ROWS = {"failure_scenarios": 12, "budgets": 10}


def render_terminal(review: ReviewOut, console: Console | None = None, color: bool = False, width: int = 120) -> str:
    """Render to a string (fixed width, so output is deterministic); colour only when asked."""
    console = console or Console(
        file=io.StringIO(), width=width, record=True, force_terminal=color, no_color=not color, soft_wrap=False
    )
    r = review
    s = r.summary
    console.print(Text(f"pacelc review: {r.system.name}", style="bold"))
    for note in r.system.sources:  # only when an overlay was merged over imported sources
        console.print(Text(f"Sources: {note}"))
    console.print(
        f"{s.active} active findings ("
        + ", ".join(f"{n} {sev}" for sev, n in s.by_severity.items() if n)
        + f"), {s.suppressed} suppressed; quality checks {s.checks_passed}/{s.checks_total} passed"
    )
    active = [f for f in r.findings if f.suppressed is None]
    if active:
        console.print()
        console.print(Text("Findings, worst first", style="bold"))
    for f in active:
        # A linter-style list reads better than a table: the location is clickable in most terminals.
        where = f"{f.location.file}:{f.location.line}:{f.location.col}" if f.location else "-"
        head = Text()
        head.append(f"{f.severity.upper():<8}", style=_STYLE[f.severity])
        head.append(f" {f.rule} {f.name}  ", style="bold")
        head.append(where, style="dim")
        console.print(head)
        console.print(Padding(Text(f.message), (0, 0, 0, 9)))
    if active:
        console.print()
    checks = Table(title="Quality checks")
    checks.add_column("#")
    checks.add_column("Check", overflow="fold")
    checks.add_column("Result")
    checks.add_column("Reason", overflow="fold")
    for c in r.quality_checks:
        checks.add_row(
            str(c.id), c.title, Text("passed", "green") if c.passed else Text("FAILED", "bold red"), c.reason
        )
    console.print(checks)
    for t in r.tables:
        if t.id not in _TERMINAL_TABLES or not t.rows:
            continue
        keep = [i for i, col in enumerate(t.columns) if col in _TERMINAL_TABLES[t.id]]
        table = Table(title=t.title)
        for i in keep:
            table.add_column(t.columns[i], overflow="fold")
        limit = _TERMINAL_ROWS.get(t.id, len(t.rows))
        for row in t.rows[:limit]:
            table.add_row(*(row[i] for i in keep))
        if len(t.rows) > limit:
            table.caption = f"{len(t.rows) - limit} more rows in the Markdown and JSON reports"
        console.print(table)
    console.print("Full tables: --format markdown or --format json.", style="dim")
    text = console.export_text(styles=color)
    # rich pads every line to the console width; trailing blanks only make diffs and copies noisy.
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
