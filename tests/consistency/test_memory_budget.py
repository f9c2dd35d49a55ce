"""Issue 15: the model checker has a memory budget; reaching it gives an unknown verdict, not a crash."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pacelc.commands.verify import verify

CHECKOUT = Path(__file__).resolve().parents[2] / "examples" / "checkout" / "system.yaml"


def test_the_memory_budget_makes_the_verdict_unknown() -> None:
    # Without a memory budget the search's memory grew with its time budget (~56 MB a second).
    result = CliRunner().invoke(
        verify,
        [str(CHECKOUT), "--domain", "carts", "--max-states", "100000000", "--budget-s", "600",
         "--max-memory-mb", "16"],
    )
    assert result.exit_code == 0, result.output
    assert "unknown: memory budget (16 MiB) exhausted after" in result.output
