"""Fixtures for the fault-tree engine tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# The shared data folder sits beside the repository clone: <root>/../shared/data/fta.
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "fta"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: heavier fault-tree cases (still run in CI, bounded)")


def readme_table() -> dict[str, dict[str, str]]:
    """The README's expected results: model -> {mcs, p, note}."""
    readme = DATA / "README.md"
    rows: dict[str, dict[str, str]] = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not re.fullmatch(r"[a-z0-9]+", cells[0]) or cells[0] == "model":
            continue
        rows[cells[0]] = {"mcs": cells[3], "p": cells[4], "note": cells[5]}
    return rows


def needs_data() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not DATA.is_dir(), reason=f"Aralia data set not found at {DATA}")
