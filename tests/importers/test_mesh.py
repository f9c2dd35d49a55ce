"""Mesh rules onto imported calls: Istio VirtualService/DestinationRule, Linkerd ServiceProfile."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pacelc.cli import cli
from pacelc.importers import SYSTEM, import_paths
from pacelc.importers import mesh_defaults as md
from pacelc.importers.draft import render_draft
from pacelc.importers.istio import duration_ms
from pacelc.model import load
from pacelc.model.loader import load_data
from pacelc.model.source import Loc
from pacelc.review.engine import review
from tests.helpers import line_of

MESH = Path(__file__).parent / "fixtures" / "k8s-mesh"
GOLDEN = Path(__file__).parent / "golden"


def calls_of(result, service: str) -> dict[str, dict]:
    svc = next(s for s in result.data["services"] if s["id"] == service)
    return {c["to"]: c for c in svc.get("calls", [])}


@pytest.mark.parametrize("mesh", ["istio", "linkerd"])
def test_draft_is_golden_and_round_trips(mesh, monkeypatch, tmp_path) -> None:
    """Regenerate after an intended change: PACELC_REGEN=1 python -m pytest tests/importers."""
    monkeypatch.chdir(MESH / mesh)
    golden = GOLDEN / f"k8s-mesh-{mesh}.yaml"
    result = import_paths(["."])
    assert result.errors == []
    draft = render_draft(result)
    if os.environ.get("PACELC_REGEN"):
        golden.write_text(draft, encoding="utf-8")
    assert draft == golden.read_text(encoding="utf-8")
    assert render_draft(import_paths(["."])) == draft  # deterministic
    written = tmp_path / "draft.yaml"
    written.write_text(draft, encoding="utf-8")
    assert load(written).model == load_data(result.data, result.sources, result.files).model


@pytest.fixture
def istio(monkeypatch):
    monkeypatch.chdir(MESH / "istio")
    return import_paths(["."])


NET = MESH / "istio" / "networking.yaml"


def test_virtual_service_timeout_and_retries_are_mapped_and_located(istio) -> None:
    payment = calls_of(istio, "checkout")["payment"]
    # timeout: the whole route, retries included; perTryTimeout: one attempt; attempts 3 retries = 4 tries
    assert payment["timeout"] == {"read_ms": 2000, "total_ms": 4000}
    assert payment["retry"]["attempts"] == 4
    assert payment["retry"]["retry_on"] == ["5xx", "reset", "connect-failure"]
    loaded = load_data(istio.data, istio.sources, istio.files)
    where = loaded.sources.locate(("services", "checkout", "calls", "payment", "retry", "attempts"))
    assert (where.file, where.line) == ("networking.yaml", line_of(NET, "attempts: 3"))
    where = loaded.sources.locate(("services", "checkout", "calls", "payment", "timeout", "total_ms"))
    assert where.line == line_of(NET, "timeout: 4s")


def test_route_without_retries_gets_the_documented_default(istio) -> None:
    checkout = calls_of(istio, "frontend")["checkout"]
    assert checkout["timeout"] == {"total_ms": 1000}
    assert checkout["retry"]["attempts"] == md.ISTIO_RETRY.value["attempts"] == 3
    assert checkout["retry"]["retry_on"] == md.ISTIO_RETRY.value["retry_on"]
    draft = render_draft(istio)
    assert f"Istio {md.ISTIO_VERSION} default retry policy" in draft
    assert md.ISTIO_RETRY.source.split(" ")[0] in draft
    # no route at all, but an HTTP port in a mesh: the default too; no timeout is said, not set
    recommend = calls_of(istio, "frontend")["recommend"]
    assert recommend["retry"]["attempts"] == 3 and "timeout" not in recommend
    assert any("call to recommend: timeout: Istio 1.22 default" in u for u in istio.unknowns["frontend"])


def test_what_istio_does_not_govern_stays_unknown(istio) -> None:
    frontend = calls_of(istio, "frontend")
    # unnamed port: Istio's protocol detection decides, so the HTTP default is not assumed
    assert frontend["ads"] == {"to": "ads"}
    assert any("call to ads: Istio retry and timeout defaults unknown" in u for u in istio.unknowns["frontend"])
    # a call to a database is TCP: no HTTP default
    assert calls_of(istio, "payment")["orders-db"] == {"to": "orders-db"}
    # the catch-all route is used; attempts 0 is no retry; the fault-injection route is named, not used
    catalog = frontend["catalog"]
    assert catalog["retry"] == {"attempts": 1} and catalog["timeout"] == {"total_ms": 800}
    frontend_el = next(el for el in istio.elements if el.id == "frontend")
    assert any("also routed by VirtualService catalog http[0]" in n for n in frontend_el.notes)


def test_destination_rule_maps_ejection_and_pool(istio) -> None:
    payment = calls_of(istio, "checkout")["payment"]
    assert payment["outlier_ejection"] == {"consecutive_errors": 5, "max_ejection_percent": 100, "base_ejection_s": 30}
    assert payment["bulkhead"] == {"max_concurrent": 100, "queue": 10}
    checkout = next(el for el in istio.elements if el.id == "checkout")
    assert any("outlierDetection interval 10s" in n for n in checkout.notes)
    assert any("maxRequestsPerConnection 1" in n for n in checkout.notes)


def test_review_reports_inversion_storm_and_ejection_at_the_mesh_lines(istio) -> None:
    # An operation is what no manifest says; an overlay would add it.
    istio.data["operations"] = [{"id": "buy", "entry": "frontend"}]
    istio.sources.keys[("operations",)] = istio.sources.values[("operations",)] = Loc("overlay.yaml", 1, 1)
    findings = {f.fingerprint: f for f in review(load_data(istio.data, istio.sources, istio.files)).findings}
    inversion = findings["FLR011@frontend@checkout"]
    assert (inversion.location.file, inversion.location.line) == ("networking.yaml", line_of(NET, "timeout: 1s"))
    assert inversion.evidence["callee_worst_ms"] == 4000
    storm = findings["FLR012@buy@orders-db"].evidence  # when orders-db fails: 3 tries x 4 tries
    assert storm["product"] == 12 and storm["retrying_layers"] == ["frontend.checkout", "checkout.payment"]
    eject = findings["FLR017@checkout@payment"]
    assert (eject.location.file, eject.location.line) == ("networking.yaml", line_of(NET, "maxEjectionPercent: 100"))


def test_linkerd_profile_timeout_and_retry_budget(monkeypatch) -> None:
    monkeypatch.chdir(MESH / "linkerd")
    result = import_paths(["."])
    web = calls_of(result, "web")
    profiles = MESH / "linkerd" / "profiles.yaml"
    assert web["authors"] == {"to": "authors", "timeout": {"total_ms": 300}}  # retryable: attempts not a count
    budget = next(u for u in result.unknowns["web"] if "call to authors: retry attempts unknown" in u)
    assert (
        f"retryRatio 0.2, minRetriesPerSecond 10, ttl 10s at profiles.yaml:{line_of(profiles, 'retryRatio: 0.2')}"
        in budget
    )
    # no timeout on the route: Linkerd's documented 10 s; not retryable: the proxy does not retry
    assert web["books"]["timeout"] == {"total_ms": md.LINKERD_TIMEOUT.value}
    assert web["books"]["retry"] == {"attempts": 1}
    assert md.LINKERD_TIMEOUT.cite() in result.defaults
    loaded = load_data(result.data, result.sources, result.files)
    where = loaded.sources.locate(("services", "web", "calls", "authors", "timeout"))
    assert (where.file, where.line) == ("profiles.yaml", line_of(profiles, "timeout: 300ms"))


def test_no_mesh_no_defaults(monkeypatch) -> None:
    monkeypatch.chdir(Path(__file__).parent / "fixtures" / "k8s-shop")
    result = import_paths(["."])
    assert not any("Istio" in d or "Linkerd" in d for d in result.defaults)
    assert all("retry" not in c for s in result.data["services"] for c in s.get("calls", []))


def test_bad_mesh_values_are_located_all_at_once(tmp_path, monkeypatch) -> None:
    (tmp_path / "app.yaml").write_text((MESH / "istio" / "workloads.yaml").read_text())
    (tmp_path / "vs.yaml").write_text(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: checkout\n  namespace: shop\n"
        "spec:\n  hosts: [checkout]\n  http:\n    - route:\n        - destination:\n            host: checkout\n"
        "      timeout: soon\n      retries:\n        attempts: -1\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["import", "."])
    assert result.exit_code == 2
    assert "vs.yaml:12:16: VirtualService checkout http[0]: timeout 'soon' is not a duration" in result.stderr
    assert "vs.yaml:14:19: VirtualService checkout http[0]: retries.attempts -1" in result.stderr


def test_durations() -> None:
    assert duration_ms("1.5s") == 1500 and duration_ms("300ms") == 300 and duration_ms("1m30s") == 90_000
    assert duration_ms("10") is None and duration_ms("s") is None and duration_ms(True) is None


def test_a_rule_that_governs_no_call_is_said_once_and_empty_documents_are_not_skipped(tmp_path, monkeypatch) -> None:
    (tmp_path / "app.yaml").write_text((MESH / "istio" / "workloads.yaml").read_text() + "---\n")
    (tmp_path / "dr.yaml").write_text(
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: frontend\n  namespace: shop\n"
        "spec:\n  host: frontend\n  trafficPolicy:\n    outlierDetection:\n      maxEjectionPercent: 50\n---\n"
    )
    monkeypatch.chdir(tmp_path)
    result = import_paths(["."])
    said = [u for u in result.unknowns[SYSTEM] if "governs no imported call" in u]
    assert said == [
        "DestinationRule frontend at dr.yaml:4 governs no imported call: no env, ConfigMap or argument in the "
        "manifests names its host, so its settings are not applied"
    ]
    assert result.skipped == [] or all("not a compose file" not in s.reason for s in result.skipped)


def test_review_with_an_overlay_points_at_the_mesh_lines(monkeypatch) -> None:
    monkeypatch.chdir(MESH / "istio")
    result = CliRunner().invoke(cli, ["review", ".", "../istio-overlay.yaml", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    located = {
        f["fingerprint"]: (f["location"]["file"], f["location"]["line"])
        for f in json.loads(result.stdout)["findings"]
        if f.get("location")
    }
    assert located["FLR011@frontend@checkout"] == ("networking.yaml", line_of(NET, "timeout: 1s"))
    assert located["FLR017@checkout@payment"] == ("networking.yaml", line_of(NET, "maxEjectionPercent: 100"))


def test_a_route_timeout_of_0s_is_no_timeout_on_purpose(tmp_path, monkeypatch) -> None:
    # Istio's `timeout: 0s` disables the route's deadline: stated, located, and no FLR001 asks for one.
    (tmp_path / "app.yaml").write_text((MESH / "istio" / "workloads.yaml").read_text())
    (tmp_path / "vs.yaml").write_text(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: checkout\n  namespace: shop\n"
        "spec:\n  hosts: [checkout]\n  http:\n    - route:\n        - destination:\n            host: checkout\n"
        "      timeout: 0s\n"
    )
    monkeypatch.chdir(tmp_path)
    result = import_paths(["."])
    governed = [c for el in result.elements for c in el.data.get("calls", []) if c["to"] == "checkout"]
    assert governed and all(c.get("timeout") == {"disabled": True} for c in governed)
    loaded = load_data(result.data, result.sources, result.files)
    caller = next(el.id for el in result.elements if any(c["to"] == "checkout" for c in el.data.get("calls", [])))
    loc = loaded.sources.locate(("services", caller, "calls", "checkout", "timeout", "disabled"))
    assert loc is not None and (loc.file, loc.line) == ("vs.yaml", 12)


def test_mesh_rules_govern_a_call_only_the_overlay_adds(tmp_path, monkeypatch) -> None:
    # catalog's manifests name no call to payment; the overlay adds one, and payment's route applies.
    from pacelc.cli import _import_sources
    from pacelc.model.yamlfile import DEFAULT_LIMITS

    (tmp_path / "overlay.yaml").write_text(
        "services:\n  - id: catalog\n    calls:\n      - to: payment\n        idempotency: key\n"
    )
    monkeypatch.chdir(MESH)
    loaded = _import_sources(("istio", str(tmp_path / "overlay.yaml")), DEFAULT_LIMITS)
    catalog = next(s for s in loaded.model.services if s.id == "catalog")
    (call,) = [c for c in catalog.calls if c.to == "payment"]
    with_mesh = next(c for s in loaded.model.services if s.id == "checkout" for c in s.calls if c.to == "payment")
    # the same route's settings as the imported checkout -> payment call, and the overlay's own value
    assert call.timeout == with_mesh.timeout and call.retry == with_mesh.retry and call.timeout is not None
    assert call.idempotency == "key"
    where = loaded.sources.locate(("services", "catalog", "calls", "payment", "timeout"))
    assert where is not None and where.file == "istio/networking.yaml"
