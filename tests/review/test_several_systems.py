"""Several independent systems in one command: each reviewed on its own, reports one after the other."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema

from pacelc.schemas import report_schema
from tests.helpers import REPO, run

CHECKOUT = "examples/checkout/system.yaml"  # a model split over five files with include:
PLATFORM = "examples/platform/system.yaml"


def test_each_system_is_reviewed_on_its_own(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, err = run("review", CHECKOUT, PLATFORM, "--format", "markdown", "--today", "2026-11-24")
    assert code == 0, err
    assert "# Distributed design review: checkout" in out and "# Distributed design review: platform" in out
    _, alone, _ = run("review", PLATFORM, "--format", "markdown", "--today", "2026-11-24")
    assert out.endswith(alone)  # the second system's report, exactly as reviewed alone
    code, _, _ = run("review", CHECKOUT, PLATFORM, "--fail-on", "high")
    assert code == 1


def test_machine_formats_hold_every_system(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    _, out, _ = run("review", CHECKOUT, PLATFORM, "--format", "json")
    reports = json.loads(out)
    assert [r["system"]["name"] for r in reports] == ["checkout", "platform"]
    jsonschema.Draft202012Validator(report_schema()).validate(reports)
    _, out, _ = run("review", CHECKOUT, PLATFORM, "--format", "sarif")
    assert len(json.loads(out)["runs"]) == 2
    _, out, _ = run("review", CHECKOUT, PLATFORM, "--format", "junit")
    root = ET.fromstring(out.split("\n", 1)[1])
    suites = list(root)
    assert {s.get("name").split(":")[0] for s in suites} == {"checkout", "platform"}
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites)


def test_validate_checks_each_system_and_a_fragment_beside_them_is_refused(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run("validate", CHECKOUT, PLATFORM)
    assert code == 0 and out.count("ok: ") == 2
    code, _, err = run("review", CHECKOUT, PLATFORM, "examples/checkout/data.yaml")
    assert code == 2 and "examples/checkout/data.yaml declares no system" in err and "Traceback" not in err
