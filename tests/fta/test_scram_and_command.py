"""scram as an oracle (where installed) and the `fta` command."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pacelc.analysis.fta import analyze, read_mef
from pacelc.commands.fta import fta

from .conftest import DATA, needs_data

SCRAM = shutil.which("scram")


@needs_data()
@pytest.mark.skipif(SCRAM is None, reason="scram is not installed (apt-get install scram)")
@pytest.mark.parametrize("model", ["chinese", "baobab2", "das9601", "isp9601", "das9207"])
def test_against_scram(model: str, tmp_path: Path) -> None:
    out = tmp_path / "r.xml"
    subprocess.run(
        [SCRAM, "--bdd", "--probability", "1", "-l", "3", str(DATA / f"{model}.xml"), "-o", str(out)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    head = re.search(r"<sum-of-products [^>]*>", out.read_text())
    assert head
    attrs = dict(re.findall(r'(\S+)="([^"]*)"', head.group(0)))
    r = analyze(read_mef(DATA / f"{model}.xml").tree, order=3)
    assert r.probability is not None and r.distribution is not None
    assert math.isclose(r.probability, float(attrs["probability"]), rel_tol=1e-5)
    scram_dist = [int(x) for x in attrs["distribution"].split()]
    ours = r.distribution[1:]
    assert ours[: len(scram_dist)] == scram_dist and not any(ours[len(scram_dist) :])


@needs_data()
def test_command_text_and_json() -> None:
    runner = CliRunner()
    a = runner.invoke(fta, [str(DATA / "chinese.xml")])
    b = runner.invoke(fta, [str(DATA / "chinese.xml")])
    assert a.exit_code == 0 and a.output == b.output
    assert "1.170582e-03" in a.output and "392" in a.output and "e1 e4" in a.output
    # The listing: aligned plain columns, one line per cut set, in listing order.
    listing = a.output.split("minimal cut sets (order <= 3)\n", 1)[1].splitlines()
    assert listing[0].split() == ["#", "order", "probability", "basic", "events"]
    assert listing[1] == " 1      2  1.000000e-04  e1 e4"
    assert len(listing) == 1 + 12 and listing[-1].startswith("12      2")
    j = runner.invoke(fta, [str(DATA / "das9601.xml"), "--format", "json", "--top", "3", "--backend", "python"])
    assert j.exit_code == 0
    doc = json.loads(j.output)
    assert doc["minimal_cut_sets"]["count"] == 4259
    assert len(doc["minimal_cut_sets"]["listed"]) == 3
    assert doc["status"] == "ok"


@needs_data()
def test_modules_do_not_change_the_results() -> None:
    # das9601 has 288 gates: decomposed by default (28 modules), whole with --no-modules.
    runner = CliRunner()
    docs = [
        json.loads(runner.invoke(fta, [str(DATA / "das9601.xml"), "--format", "json", *flag]).output)
        for flag in ([], ["--no-modules"], ["--modules"])
    ]
    ref = docs[1]
    assert ref["minimal_cut_sets"]["count"] == 4259
    for doc in (docs[0], docs[2]):
        assert doc["minimal_cut_sets"]["count"] == ref["minimal_cut_sets"]["count"]
        assert doc["minimal_cut_sets"]["distribution"] == ref["minimal_cut_sets"]["distribution"]
        assert [c["events"] for c in doc["minimal_cut_sets"]["listed"]] == [
            c["events"] for c in ref["minimal_cut_sets"]["listed"]
        ]
        assert math.isclose(doc["probability"], ref["probability"], rel_tol=1e-12)
        assert math.isclose(doc["approximations"]["mcub"], ref["approximations"]["mcub"], rel_tol=1e-12)
        assert doc["bdd_modules"] == 28
    assert ref["bdd_modules"] == 1


def test_command_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<opsa-mef>\n<define-fault-tree name='t'>\n<define-gate name='g'><or>\n</opsa-mef>")
    r = CliRunner().invoke(fta, [str(bad)])
    assert r.exit_code == 2
    assert f"{bad}:4:3: mismatched tag" in r.output


@pytest.mark.parametrize(
    ("name", "text", "model"),
    [
        ("system.yaml", "system: {name: shop}\nservices: [{id: api}]\n", True),
        ("tree.json", '{"gates": []}\n', False),
    ],
)
def test_command_on_a_file_that_is_not_xml_says_what_it_reads(
    tmp_path: Path, name: str, text: str, model: bool
) -> None:
    path = tmp_path / name
    path.write_text(text)
    r = CliRunner().invoke(fta, [str(path)])
    assert r.exit_code == 2
    assert f"pacelc: {path} is not XML; pacelc fta reads a fault tree in Open-PSA MEF XML" in r.output
    assert (f"`pacelc export-fta {path} -o FOLDER`" in r.output) is model


def test_command_on_xml_of_another_kind_keeps_the_parser_message_alone(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    path.write_text('<?xml version="1.0"?>\n<testsuites/>\n')
    r = CliRunner().invoke(fta, [str(path)])
    assert r.exit_code == 2
    assert "root element is <testsuites>, expected <opsa-mef>" in r.output and "not XML" not in r.output


@needs_data()
def test_command_budget_stop() -> None:
    r = CliRunner().invoke(fta, [str(DATA / "nus9601.xml"), "--budget-s", "2", "--max-nodes", "200000"])
    assert r.exit_code == 3
    assert "stopped: BDD exceeded" in r.output
    assert "nus9601.xml:2585:1: warning: duplicate argument 'e555'" in r.output
