"""The review as a whole: determinism, split = flat, JSON schema, goldens, suppression."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import jsonschema
import pytest

from pacelc.model import load, loads
from pacelc.reporters import render_json, render_markdown, render_terminal
from pacelc.review.engine import ReviewOptions, review
from pacelc.schemas import report_schema
from tests.helpers import EXAMPLES, REPO

TODAY = dt.date(2026, 11, 24)
EXAMPLE_FILES = {
    "checkout": EXAMPLES / "checkout" / "system.yaml",
    "collab": EXAMPLES / "collab" / "system.yaml",
    "platform": EXAMPLES / "platform" / "system.yaml",
}
# Bundled examples given as imported sources with an overlay beside them: (sources, overlay).
IMPORTED_EXAMPLES = {
    "compose-shop": (["examples/compose-shop/docker-compose.yml"], "examples/compose-shop/overlay.yaml"),
    "k8s-istio": (["examples/k8s-istio/manifests"], "examples/k8s-istio/overlay.yaml"),
    "structurizr-bank": (["examples/structurizr-bank"], "examples/structurizr-bank/overlay.yaml"),
}
GOLDEN = REPO / "tests" / "golden"
SHIPPED_SCHEMA = REPO / "src" / "pacelc" / "schemas" / "report.schema.json"


def _review(path: Path):
    return review(load([path]), ReviewOptions(today=TODAY))


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_markdown_report_matches_golden(name: str, monkeypatch) -> None:
    """The committed report of each example. Regenerate with PACELC_UPDATE_GOLDEN=1 after a deliberate change."""
    monkeypatch.chdir(REPO)
    text = render_markdown(_review(EXAMPLE_FILES[name].relative_to(REPO)))
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("PACELC_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == text


def _review_imported(name: str):
    from pacelc.importers import import_paths
    from pacelc.model.overlay import load_overlay

    sources, overlay = IMPORTED_EXAMPLES[name]
    result = import_paths(sources)
    assert not result.errors
    return review(load_overlay(result.data, result.sources, result.files, overlay), ReviewOptions(today=TODAY))


@pytest.mark.parametrize("name", sorted(IMPORTED_EXAMPLES))
def test_imported_example_markdown_report_matches_golden(name: str, monkeypatch) -> None:
    """The committed report of each example given as compose or manifests with an overlay, as
    `pacelc review SOURCES OVERLAY` gives it. Regenerate with PACELC_UPDATE_GOLDEN=1."""
    monkeypatch.chdir(REPO)
    text = render_markdown(_review_imported(name))
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("PACELC_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == text
    assert render_markdown(_review_imported(name)) == text  # deterministic


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_same_input_gives_byte_identical_reports(name: str, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    path = EXAMPLE_FILES[name].relative_to(REPO)
    first, second = _review(path), _review(path)
    assert render_markdown(first) == render_markdown(second)
    assert render_json(first) == render_json(second)
    assert render_terminal(first) == render_terminal(second)


def _strip_locations(report: dict) -> dict:
    for finding in report["findings"]:
        finding["location"] = None
    report["system"]["files"] = []
    return report


def test_split_and_flat_models_give_identical_reports(monkeypatch) -> None:
    """Identical except where they must differ: the file names and lines findings point at."""
    monkeypatch.chdir(REPO)
    split = json.loads(render_json(_review(EXAMPLE_FILES["checkout"].relative_to(REPO))))
    flat = json.loads(render_json(_review(Path("tests/fixtures/flat/checkout.yaml"))))
    assert _strip_locations(split) == _strip_locations(flat)


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_json_report_validates_against_the_shipped_schema(name: str) -> None:
    schema = json.loads(SHIPPED_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    report = json.loads(render_json(_review(EXAMPLE_FILES[name])))
    jsonschema.Draft202012Validator(schema).validate(report)


def test_shipped_schema_is_the_generated_one() -> None:
    """Regenerate with `pacelc schema --report -o src/pacelc/schemas/report.schema.json --force`."""
    generated = json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"
    assert SHIPPED_SCHEMA.read_text(encoding="utf-8") == generated


MODEL_WITH_RISKS = """\
system: {name: risks}
services: [{id: api}]
stores: [{id: db, kind: database}]
domains:
  - {id: orders, owner: api, store: db}
  - {id: carts, owner: api, store: db}
  - {id: users, owner: api, store: db, consistency: eventual}  # so CAP001 names each silent domain
risks:
  - {pattern: "CAP001@orders", status: accepted, justification: "orders are append-only, any model works", owner: data}
  - {pattern: "CAP001@carts", status: accepted, justification: "carts were reviewed in 2025 Q1", owner: data,
     expires: 2026-01-01}
  - {pattern: "FLR0*@nothing", status: accepted, justification: "stale entry from an older design", owner: sre}
"""


def test_risk_register_suppresses_expires_and_reports_unused() -> None:
    result = review(loads(MODEL_WITH_RISKS, "m.yaml"), ReviewOptions(today=TODAY, select=("CAP001", "OPS9")))
    by_fp = {f.fingerprint: f for f in result.findings}
    assert by_fp["CAP001@orders"].suppressed is not None
    assert by_fp["CAP001@orders"].suppressed.reason.startswith("accepted: orders are append-only")
    assert by_fp["CAP001@carts"].suppressed is None  # its acceptance expired
    assert "OPS901@CAP001@carts" in by_fp  # ... and the expiry is a finding itself
    assert "OPS902@FLR0*@nothing" in by_fp  # matches nothing
    assert "OPS902@CAP001@orders" not in by_fp  # used
    assert result.summary.suppressed == 1


def test_findings_point_at_the_line_to_change() -> None:
    result = review(loads(MODEL_WITH_RISKS, "m.yaml"), ReviewOptions(today=TODAY, select=("CAP001",)))
    locations = {f.fingerprint: (f.location.line, f.location.col) for f in result.findings}
    assert locations == {"CAP001@orders": (5, 5), "CAP001@carts": (6, 5)}


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_the_command_writes_the_golden_report(name: str, monkeypatch) -> None:
    """`pacelc review --format markdown` gives the committed report byte for byte: the command's
    defaults (the configuration's) are the engine's (FLR012's limit printed 10 against 10.0)."""
    from click.testing import CliRunner

    from pacelc.cli import cli

    monkeypatch.chdir(REPO)
    args = ["review", str(EXAMPLE_FILES[name].relative_to(REPO)), "--format", "markdown", "--today", TODAY.isoformat()]
    result = CliRunner().invoke(cli, args)  # the repository has no pacelc configuration: the defaults
    assert result.exit_code in (0, 1), result.output
    assert result.stdout == (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
