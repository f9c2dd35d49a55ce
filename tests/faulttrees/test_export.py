"""Exported operation fault trees read back (by our MEF reader, and by scram when installed) to the same figures."""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from pacelc.analysis.faulttrees import analyse_operations
from pacelc.analysis.fta.engine import analyze
from pacelc.analysis.fta.mef import read_mef
from pacelc.analysis.graph import SystemGraph
from pacelc.cli import cli
from pacelc.model import load
from tests.helpers import EXAMPLES


@pytest.mark.parametrize("example", ["checkout", "platform"])
def test_exported_trees_give_the_same_probability(example: str, tmp_path) -> None:
    path = EXAMPLES / example / "system.yaml"
    expected = analyse_operations(SystemGraph(load([path]).model))
    result = CliRunner().invoke(cli, ["export-fta", str(path), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    files = sorted(tmp_path.glob("*.xml"))
    assert [f.stem for f in files] == sorted(expected)
    for file in files:
        tree = read_mef(file).tree
        got = analyze(tree, order=1, count=False).probability
        assert math.isclose(got, expected[file.stem].result.probability, rel_tol=1e-12)


@pytest.mark.skipif(shutil.which("scram") is None, reason="scram (Debian package) is not installed")
def test_scram_agrees_on_an_exported_tree(tmp_path) -> None:
    path = EXAMPLES / "checkout" / "system.yaml"
    out = tmp_path / "place-order.xml"
    assert (
        CliRunner().invoke(cli, ["export-fta", str(path), "--operation", "place-order", "-o", str(out)]).exit_code == 0
    )
    report = tmp_path / "report.xml"
    subprocess.run(["scram", "--bdd", "--probability", "1", "-o", str(report), str(out)], check=True, timeout=60)
    import xml.etree.ElementTree as ET

    value = float(ET.parse(report).find(".//sum-of-products").get("probability"))
    expected = analyse_operations(SystemGraph(load([path]).model))["place-order"].result.probability
    assert math.isclose(value, expected, rel_tol=1e-6)


def test_unknown_operation_is_an_input_error() -> None:
    result = CliRunner().invoke(cli, ["export-fta", str(EXAMPLES / "checkout" / "system.yaml"), "--operation", "nope"])
    assert result.exit_code == 2 and "no operation nope" in result.stderr
