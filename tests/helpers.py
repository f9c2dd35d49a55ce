"""Paths and small helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED_DATA = REPO.parent / "shared" / "data"


def run(*args: str) -> tuple[int, str, str]:
    """`pacelc ARGS` in this process: exit code, standard output, standard error."""
    from pacelc.cli import cli

    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def line_of(path: Path, needle: str, after: str | None = None) -> int:
    """The 1-based line of the first line of `path` holding `needle` (after the first holding `after`)."""
    lines = path.read_text().splitlines()
    start = next(n for n, text in enumerate(lines) if after in text) if after else 0
    return next(n for n, text in enumerate(lines[start:], start + 1) if needle in text)
