"""Helm charts rendered by Helm's own SDK (the `helm` extra), then imported as manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pacelc.importers import helm, import_paths
from pacelc.model.loader import load_data
from tests.helpers import run

CHART = Path(__file__).parent / "fixtures" / "helm" / "shop"

needs_sdk = pytest.mark.skipif(not helm.available(), reason="Helm's SDK (pacelc[helm]) is not installed")


@needs_sdk
def test_a_chart_is_rendered_with_its_default_values_and_imported(monkeypatch) -> None:
    monkeypatch.chdir(CHART.parent)
    result = import_paths(["shop"])
    assert result.errors == []
    loaded = load_data(result.data, result.sources, result.files)
    assert loaded.model.system.name == "shop"
    services = {s.id: s for s in loaded.model.services}
    stores = {s.id: s for s in loaded.model.stores}
    # values.yaml's replicas and image reach the rendered Deployment; the env names the database
    assert services["release-api"].replicas == 3
    assert [c.to for c in services["release-api"].calls] == ["release-db"]
    assert stores["release-db"].engine == "postgres"
    # located in the template file the document was rendered from, at the line of the rendered text
    # (Helm maps no output line back to its template line: said in the draft's notes)
    import helm_python

    rendered = helm_python.Chart.load(str(CHART)).render(name=helm.RELEASE)["shop/templates/api.yaml"]
    loc = loaded.sources.locate(("services", "release-api", "calls", "release-db"))
    assert loc is not None and loc.file == "shop/templates/api.yaml"
    assert "postgres://release-db:5432" in rendered.splitlines()[loc.line - 1]
    assert any("rendered by Helm's SDK" in u for u in result.unknowns["(system)"])


@needs_sdk
def test_a_template_that_fails_is_a_located_error(tmp_path, monkeypatch) -> None:
    chart = tmp_path / "broken"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (chart / "templates" / "x.yaml").write_text("kind: ConfigMap\nmetadata:\n  name: {{ .Values.missing.key }}\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run("review", "broken")
    assert code == 2 and "Traceback" not in err
    assert err.startswith("broken/Chart.yaml:1:1: Helm could not render the chart")


def test_without_the_sdk_the_import_stops_with_the_commands(monkeypatch) -> None:
    monkeypatch.setattr(helm, "available", lambda: False)
    monkeypatch.chdir(CHART.parent)
    code, _, err = run("import", "shop")
    assert code == 2
    assert "pip install 'pacelc[helm]'" in err and "`helm template NAME shop > rendered.yaml`" in err


@needs_sdk
def test_values_files_and_set_strings_go_over_the_defaults(tmp_path, monkeypatch) -> None:
    (tmp_path / "prod.yaml").write_text("api:\n  replicas: 4\ndb:\n  image: postgres:17\n")
    monkeypatch.chdir(CHART.parent)
    result = import_paths(["shop"], helm_values=(str(tmp_path / "prod.yaml"),), helm_set=("api.replicas=6",))
    assert result.errors == []
    by_id = {el.id: el for el in result.elements}
    assert by_id["release-api"].data["replicas"] == 6  # --set wins over the values file
    assert by_id["release-db"].data["engine"] == "postgres"
    assert any("17" in n for n in by_id["release-db"].notes)  # the values file's image
    code, out, err = run("review", "shop", "--helm-set", "api.replicas=2", "--format", "json")
    assert code in (0, 1), err
    report = json.loads(out)
    assert report["system"]["name"] == "shop"
    assert "release-api" in out  # the chart's workload, reviewed


@needs_sdk
def test_a_values_file_that_is_not_a_mapping_is_a_located_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "bad.yaml").write_text("- just\n- a list\n")
    monkeypatch.chdir(CHART.parent)
    result = import_paths(["shop"], helm_values=(str(tmp_path / "bad.yaml"),))
    assert [e.message for e in result.errors] == ["a Helm values file is a mapping"]
