"""`pacelc verify FILE...`: model-check each data domain's consistency requirement.

Prints, per domain with a declared `consistency`, the verdict (violated / holds within the stated
bounds / unknown with the reason / not checked) and, for a violation, the shortest history of client
operations and faults that breaks the requirement.

Exit codes: 0 nothing violated, 1 a requirement is violated, 2 input or usage error
(`file:line:col: message` on stderr).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace

import click

from pacelc.analysis.consistency.checker import Budget
from pacelc.analysis.consistency.from_model import VERIFY_BOUNDS, VERIFY_BUDGET, DomainVerification, verify_model
from pacelc.cli import _load_or_exit, input_options

EXIT_OK, EXIT_VIOLATED, EXIT_USAGE = 0, 1, 2


def _text(results: list[DomainVerification], files: tuple[str, ...]) -> str:
    violated = sum(r.violated for r in results)
    lines = [f"consistency verification of {', '.join(files)}: {len(results)} domain(s), {violated} violated", ""]
    for r in results:
        lines.append(r.render())
        lines.append("")
    return "\n".join(lines)


@click.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@input_options
@click.option("--domain", "domains", multiple=True, help="Check only this domain (repeatable).")
@click.option("--max-ops", type=click.IntRange(1, 8), default=VERIFY_BOUNDS.ops, show_default=True,
              help="Client operations per history.")
@click.option("--max-faults", type=click.IntRange(0, 4), default=VERIFY_BOUNDS.faults, show_default=True,
              help="Faults per history (crash, partition; process pause on Raft lease reads); recoveries are "
              "free. 2 finds a leader that restarts, serves an unreplicated write and loses it to "
              "failover.")
@click.option("--max-states", type=click.IntRange(1), default=VERIFY_BUDGET.max_states, show_default=True,
              help="States explored per domain before the verdict is unknown.")
@click.option("--budget-s", type=click.FloatRange(min=0, min_open=True), default=VERIFY_BUDGET.max_seconds,
              show_default=True, help="Seconds per domain before the verdict is unknown (a safety net: the "
              "state budget keeps the output reproducible).")
@click.option("--max-memory-mb", type=click.IntRange(16), default=VERIFY_BUDGET.max_bytes // 2**20, show_default=True,
              help="Memory the search may grow by per domain, in MiB, before the verdict is unknown.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--timings", is_flag=True, help="Also print the seconds spent per domain (not reproducible).")
def verify(files: tuple[str, ...], domains: tuple[str, ...], max_ops: int, max_faults: int, max_states: int,
           budget_s: float, max_memory_mb: int, fmt: str, timings: bool) -> None:
    """Model-check each domain's consistency requirement; print the shortest counterexample."""
    loaded = _load_or_exit(files, "nothing verified")
    bounds = replace(VERIFY_BOUNDS, ops=max_ops, faults=max_faults)
    budget = Budget(max_states=max_states, max_seconds=budget_s, max_bytes=max_memory_mb * 2**20)
    t0 = time.perf_counter()
    try:
        results = verify_model(loaded.model, domains or None, bounds, budget)
    except KeyError as exc:
        click.echo(f"pacelc: no domain {exc.args[0]} in the model", err=True)
        sys.exit(EXIT_USAGE)
    elapsed = time.perf_counter() - t0
    if fmt == "json":
        doc = {
            "files": list(files),
            "violated": sum(r.violated for r in results),
            "domains": [r.to_dict(timing=timings) for r in results],
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False))
    else:
        click.echo(_text(results, files), nl=False)
        if timings:
            for r in results:
                click.echo(f"time {r.domain}: {r.seconds:.3f} s ({r.states} states)")
            click.echo(f"time total: {elapsed:.3f} s")
    sys.exit(EXIT_VIOLATED if any(r.violated for r in results) else EXIT_OK)
