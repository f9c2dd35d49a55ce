"""CI outputs (SARIF, JUnit), the configuration file and baselines."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from pacelc.cli import cli
from pacelc.model import loads
from pacelc.reporters import render_junit, render_sarif
from pacelc.review.engine import ReviewOptions, review
from tests.helpers import EXAMPLES, SHARED_DATA
from tests.review.test_review import MODEL_WITH_RISKS, TODAY

SARIF_SCHEMA = SHARED_DATA / "sarif" / "sarif-schema-2.1.0.json"


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.skipif(not SARIF_SCHEMA.exists(), reason="../shared/data/sarif is not beside the clone")
@pytest.mark.parametrize("example", ["checkout", "collab", "platform"])
def test_sarif_is_accepted_by_the_official_schema(example: str) -> None:
    from pacelc.model import load

    result = review(load([EXAMPLES / example / "system.yaml"]), ReviewOptions(today=TODAY))
    log = json.loads(render_sarif(result))
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    run_ = log["runs"][0]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    for res in run_["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["partialFingerprints"]["pacelcFingerprint/v1"].startswith(res["ruleId"] + "@")
    assert all(
        r["helpUri"].endswith(f"{r['id']}.md") and r["help"]["markdown"] for r in run_["tool"]["driver"]["rules"]
    )


def test_sarif_points_at_model_lines_and_carries_suppressions() -> None:
    result = review(loads(MODEL_WITH_RISKS, "m.yaml"), ReviewOptions(today=TODAY, select=("CAP001",)))
    results = {
        r["partialFingerprints"]["pacelcFingerprint/v1"]: r
        for r in json.loads(render_sarif(result))["runs"][0]["results"]
    }
    orders = results["CAP001@orders"]
    assert orders["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 5}
    assert orders["suppressions"][0]["justification"].startswith("accepted: orders are append-only")
    assert "suppressions" not in results["CAP001@carts"]


def test_junit_counts_failures_and_skips() -> None:
    result = review(loads(MODEL_WITH_RISKS, "m.yaml"), ReviewOptions(today=TODAY, select=("CAP001",)))
    root = ET.fromstring(render_junit(result))
    step1 = root.find("testsuite[@name='step 1: CAP/PACELC trade-offs']")
    cases = {c.get("name"): c for c in step1.iter("testcase") if c.get("classname") == "CAP.CAP001"}
    assert cases["CAP001@carts"].find("failure") is not None
    assert cases["CAP001@orders"].find("skipped") is not None
    assert int(root.get("failures")) >= 1


def test_config_file_selects_and_overrides_severity(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    write("m.yaml", MODEL_WITH_RISKS.split("risks:")[0])
    write("pacelc.toml", 'select = ["CAP001"]\nfail_on = "high"\n[severity]\nCAP001 = "critical"\n')
    code, out, _ = run("review", "m.yaml", "--format", "json", "--today", "2026-11-24")
    report = json.loads(out)
    assert code == 1  # CAP001 raised to critical, fail_on high
    assert {f["rule"] for f in report["findings"]} == {"CAP001"}
    assert {f["severity"] for f in report["findings"]} == {"critical"}


def test_config_in_pyproject_and_bad_keys(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    write("m.yaml", "system: {name: x}\n")
    write("pyproject.toml", '[project]\nname = "x"\n\n[tool.pacelc]\nselectt = ["CAP"]\n')
    code, _, err = run("review", "m.yaml")
    assert code == 2 and "pyproject.toml:5:1: selectt: unknown key" in err


def test_unknown_rule_code_in_select_is_a_usage_error(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    write("m.yaml", "system: {name: x}\n")
    code, _, err = run("review", "m.yaml", "--select", "XYZ")
    assert code == 2 and "'XYZ' matches no rule code" in err


def test_baseline_reports_only_new_findings(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    # one domain declares its consistency, so CAP001 names each silent domain (not the system once)
    model = (
        "system: {name: x}\nservices: [{id: api}]\nstores: [{id: db, kind: database}]\n"
        "domains:\n  - {id: z, owner: api, store: db, consistency: eventual}\n"
    )
    write("m.yaml", model + "  - {id: a, owner: api, store: db}\n")
    assert run("baseline", "m.yaml", "--select", "CAP001")[0] == 0
    assert json.loads(Path("pacelc-baseline.json").read_text())["fingerprints"] == ["CAP001@a"]
    write("m.yaml", model + "  - {id: a, owner: api, store: db}\n  - {id: b, owner: api, store: db}\n")
    code, out, _ = run(
        "review",
        "m.yaml",
        "--select",
        "CAP001",
        "--baseline",
        "pacelc-baseline.json",
        "--format",
        "json",
        "--fail-on",
        "low",
    )
    report = json.loads(out)
    active = [f["fingerprint"] for f in report["findings"] if f["suppressed"] is None]
    baselined = [
        f["fingerprint"] for f in report["findings"] if f["suppressed"] and f["suppressed"]["by"] == "baseline"
    ]
    assert (code, active, baselined) == (1, ["CAP001@b"], ["CAP001@a"])


def test_bad_baseline_file_is_an_input_error(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    write("m.yaml", "system: {name: x}\n")
    write("b.json", "{not json")
    code, _, err = run("review", "m.yaml", "--baseline", "b.json")
    assert code == 2 and "b.json:1:2: not valid JSON" in err


def test_rules_listing_shows_what_the_config_disables(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    write("pacelc.toml", 'ignore = ["OPS"]\n[severity]\nFLR001 = "critical"\n')
    code, out, _ = run("rules")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert code == 0
    assert lines["OPS001"].endswith("disabled") and lines["FLR001"].endswith("enabled")
    assert " critical " in lines["FLR001"]


def _flr_review():
    from pacelc.model import load

    return review(load([EXAMPLES / "checkout" / "system.yaml"]), ReviewOptions(today=TODAY, select=("FLR",)))


def test_junit_and_sarif_list_only_the_rules_that_ran() -> None:
    from pacelc.rules.base import all_rules

    flr = {r.code for r in all_rules() if r.code.startswith("FLR")}
    result = _flr_review()
    assert {r.code for r in result.rules} == flr
    root = ET.fromstring(render_junit(result))
    classnames = {c.get("classname") for c in root.iter("testcase") if c.get("classname") != "quality"}
    assert classnames == {f"FLR.{code}" for code in flr}  # every FLR rule, and nothing else
    assert [s.get("name") for s in root.iter("testsuite")] == ["step 3: Failure handling", "quality checks"]
    driver = json.loads(render_sarif(result))["runs"][0]["tool"]["driver"]
    assert {r["id"] for r in driver["rules"]} == flr


def test_junit_and_sarif_read_the_review_not_the_rule_registry(monkeypatch) -> None:
    import ast
    import inspect

    import pacelc.rules.base as base
    from pacelc.reporters import junit, sarif

    for module in (junit, sarif):
        tree = ast.parse(inspect.getsource(module))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in imported if m and m.startswith("pacelc.rules")}, module.__name__
    result = _flr_review()
    before = render_junit(result), render_sarif(result)
    monkeypatch.setattr(base, "REGISTRY", {})
    monkeypatch.setattr(base, "all_rules", lambda: [])
    assert (render_junit(result), render_sarif(result)) == before


PYPROJECT_WITH_RUFF_FIRST = """\
[project]
name = "x"

[tool.ruff]
select = ["E"]
line-length = 120

[tool.ruff.lint.per-file-ignores]
"tests/*" = ["S101"]

[tool.pacelc]
format = "markdown"
select = "CAP"   # a string, not a list
doc = '''
select = ["a line of a multi-line string"]
'''

[tool.pacelc.severity]
FLR001 = "urgent"
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ruff's `select` comes first, and the multi-line string holds a `select =` line too
        (
            PYPROJECT_WITH_RUFF_FIRST,
            ["pyproject.toml:13:1: select:", "pyproject.toml:19:1: FLR001:", "pyproject.toml:14:1: doc: unknown key"],
        ),
        # an inline table: the error is on the line of the key that holds it
        (
            '[tool.ruff.severity]\nFLR001 = 1\n[tool.pacelc]\n  severity = { FLR001 = "urgent" }\n',
            ["pyproject.toml:4:3: FLR001:"],
        ),
        # a dotted key outside any header
        ('tool.ruff.select = ["E"]\ntool.pacelc.select = "CAP"\n', ["pyproject.toml:2:1: select:"]),
    ],
)
def test_config_errors_point_into_the_pacelc_table(write, monkeypatch, tmp_path, text, expected) -> None:
    monkeypatch.chdir(tmp_path)
    write("m.yaml", "system: {name: x}\n")
    write("pyproject.toml", text)
    code, _, err = run("review", "m.yaml")
    # the file is named by its full path: compare from its name on
    lines = [
        "pyproject.toml" + line.split("/pyproject.toml", 1)[1] for line in err.splitlines() if "/pyproject" in line
    ]
    assert code == 2
    assert [line[: len(e)] for line, e in zip(lines, expected, strict=False)] == expected, err
    assert len(lines) == len(expected), err


@pytest.mark.parametrize("render", [render_junit, render_sarif])
def test_a_finding_whose_rule_the_review_does_not_list_is_an_error_not_a_silent_drop(render) -> None:
    result = _flr_review()
    assert result.findings
    with pytest.raises(ValueError, match="findings of rules the review does not list as run: FLR"):
        render(result.model_copy(update={"rules": []}))
