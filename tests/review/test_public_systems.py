"""The public systems described by hand in docs/public-systems/ (issue 17): each model validates
and a review of it completes. Nothing more: the rules are changing, so no golden and no count of
findings; docs/examples-review.md judges the findings one by one."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from pacelc.cli import cli
from pacelc.model import load
from pacelc.review.engine import ReviewOptions, review
from tests.helpers import REPO

PUBLIC_SYSTEMS = REPO / "docs" / "public-systems"
MODELS = ("online-boutique", "aks-store-demo", "sock-shop")


@pytest.mark.parametrize("name", MODELS)
def test_public_system_validates(name: str) -> None:
    path = PUBLIC_SYSTEMS / f"{name}.yaml"
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"ok: {name}:"), result.output


@pytest.mark.parametrize("name", MODELS)
def test_public_system_review_completes(name: str) -> None:
    loaded = load([PUBLIC_SYSTEMS / f"{name}.yaml"])
    assert loaded.model.system.name == name
    result = review(loaded, ReviewOptions(today=dt.date(2026, 12, 8)))
    assert result is not None
