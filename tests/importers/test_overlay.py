"""An overlay model beside imported sources: what it adds, what it overrides, where each value is located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import line_of, run

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = FIXTURES / "shop"
OVERLAY = FIXTURES / "overlay"


@pytest.fixture
def in_shop(monkeypatch):
    monkeypatch.chdir(SHOP)


def review_json(*paths: str) -> dict:
    code, out, err = run("review", *paths, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def rows(report: dict, table: str) -> dict[str, dict[str, str]]:
    found = next(t for t in report["tables"] if t["id"] == table)
    return {row[0]: dict(zip(found["columns"], row, strict=True)) for row in found["rows"]}


def call_located(sources: list[str], overlay: str, caller: str, call: str) -> tuple[str, int]:
    """Where the merged model says a call is written (what a per-call finding would point at)."""
    from pacelc.importers import import_paths
    from pacelc.model.overlay import load_overlay

    result = import_paths(sources)
    loaded = load_overlay(result.data, result.sources, result.files, overlay)
    loc = loaded.sources.locate(("services", caller, "calls", call))
    assert loc is not None
    return loc.file, loc.line


def unstated_timeouts(report: dict) -> list[str]:
    """The calls of the one FLR001 that says the sources state no client timeouts."""
    (finding,) = [f for f in report["findings"] if f["rule"] == "FLR001"]
    return finding["evidence"]["calls"]


def located(report: dict) -> dict[str, tuple[str, int] | None]:
    return {
        f["fingerprint"]: (f["location"]["file"], f["location"]["line"]) if f["location"] else None
        for f in report["findings"]
    }


OVERLAY_FILE = "../overlay/shop-overlay.yaml"


def test_overlay_gives_the_full_review(in_shop) -> None:
    report = review_json("docker-compose.yml", OVERLAY_FILE)
    assert report["system"]["counts"]["domains"] == 2 and report["system"]["counts"]["operations"] == 2
    availability = rows(report, "availability")
    assert sorted(availability) == ["browse", "place-order"]
    assert availability["place-order"]["Availability (exact)"].startswith("0.998500")
    assert availability["place-order"]["SLA"].startswith("0.999 (MISSES")
    assert availability["browse"]["SLA"].startswith("0.99 (meets")
    consistency = rows(report, "consistency_decisions")
    # The overlay's replication (async, automatic failover, no fencing) is what the verdict is about.
    assert consistency["domain orders"]["Pattern / store"] == "postgres, single-leader, async, reads: leader"
    assert consistency["domain orders"]["Verdict"] == "NOT met"
    assert consistency["domain sessions"]["Verdict"] == "met"


def test_imported_values_stay_located_in_the_compose_file_and_overlay_values_in_the_overlay(in_shop) -> None:
    report = review_json("docker-compose.yml", OVERLAY_FILE)
    where = located(report)
    compose = SHOP / "docker-compose.yml"
    overlay = OVERLAY / "shop-overlay.yaml"
    # Imported: a call named in the compose environment, a store the compose file defines.
    assert call_located(["docker-compose.yml"], OVERLAY_FILE, "api", "cache") == (
        "docker-compose.yml",
        line_of(compose, "REDIS_HOST"),
    )
    assert where["FLR050@cache"] == ("docker-compose.yml", line_of(compose, "image: redis") - 1)
    # Set by the overlay on an imported store: its replication.
    assert where["CNS050@orders@orders-db"] == (OVERLAY_FILE, line_of(overlay, "replication:"))
    assert where["SYN006@orders@orders-db"] == (OVERLAY_FILE, line_of(overlay, "mode: async"))
    assert where["FLR008@orders-db"] == (OVERLAY_FILE, line_of(overlay, "fencing: none"))
    # A domain and an operation the overlay's include adds.
    assert where["TXN016@place-order"][0] == "../overlay/operations.yaml"
    # api → orders-db got its timeout from the overlay: no FLR001 there, the others remain (asked once,
    # the compose file states no client timeout).
    calls = unstated_timeouts(report)
    assert "api.orders-db" not in calls and "worker.orders-db" in calls


def test_the_report_says_where_values_came_from(in_shop) -> None:
    report = review_json("docker-compose.yml", OVERLAY_FILE)
    system = report["system"]
    assert system["files"] == ["docker-compose.yml", OVERLAY_FILE, "../overlay/operations.yaml"]
    overlay = OVERLAY / "shop-overlay.yaml"
    compose = SHOP / "docker-compose.yml"
    assert system["sources"][0] == "imported from docker-compose.yml"
    assert system["sources"][1] == f"overlay {OVERLAY_FILE}, ../overlay/operations.yaml adds 2 domains, 2 operations"
    said = system["sources"][2]
    timeout_line = line_of(overlay, "timeout:")
    assert f"services/api/calls/orders-db/timeout at {OVERLAY_FILE}:{timeout_line}:9" in said
    replicas = f"services/api/replicas at {OVERLAY_FILE}:{line_of(overlay, 'replicas: 4')}:5"
    assert f"{replicas} (replaces the value at docker-compose.yml:{line_of(compose, 'replicas: 3')}:" in said
    assert f"stores/orders-db/replication at {OVERLAY_FILE}:{line_of(overlay, 'replication:')}:5" in said
    code, out, _ = run("review", "docker-compose.yml", OVERLAY_FILE, "--format", "markdown")
    assert code == 0 and "\n\nSources:\n- imported from docker-compose.yml\n" in out


def test_overridden_values_win_and_the_rest_is_kept(in_shop) -> None:
    from pacelc.importers import import_paths
    from pacelc.model.overlay import load_overlay

    result = import_paths(["docker-compose.yml"])
    loaded = load_overlay(result.data, result.sources, result.files, OVERLAY / "shop-overlay.yaml")
    services = {s.id: s for s in loaded.model.services}
    stores = {s.id: s for s in loaded.model.stores}
    assert services["api"].replicas == 4
    assert services["api"].failure_detector is not None  # imported, not repeated in the overlay
    calls = {c.to: c for c in services["api"].calls}
    assert sorted(calls) == ["broker", "cache", "orders-db"]  # one call merged by name, none lost
    assert calls["orders-db"].timeout is not None and calls["orders-db"].timeout.total_ms == 2000
    assert stores["orders-db"].engine == "postgres" and stores["orders-db"].replicas == 2
    assert stores["orders-db"].durability.fsync == "always"  # imported value under a merged mapping
    assert loaded.model.system.name == "shop"
    # The imported call keeps its compose line; the overlay's field under it has the overlay's.
    assert loaded.sources.locate(("services", "api", "calls", "cache")).file == "docker-compose.yml"
    timeout = loaded.sources.locate(("services", "api", "calls", "orders-db", "timeout"))
    assert timeout.file.endswith("shop-overlay.yaml")
    assert loaded.sources.locate(("services", "api", "calls", "orders-db")).file == "docker-compose.yml"


def test_the_overlay_may_name_the_system(in_shop, tmp_path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("system: {name: shop-prod, description: The shop in production.}\n")
    report = review_json("docker-compose.yml", str(overlay))
    assert report["system"]["name"] == "shop-prod"


def test_an_unknown_overlay_field_is_an_error_at_the_overlay_line(in_shop, tmp_path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("stores:\n  - id: orders-db\n    replikas: 2\nservices:\n  - id: api\n    colls: []\n")
    code, _, err = run("review", "docker-compose.yml", str(overlay))
    assert code == 2 and "Traceback" not in err
    assert f"{overlay}:3:5: unknown field 'replikas' (did you mean 'replicas'?)" in err
    assert f"{overlay}:6:5: unknown field 'colls'" in err  # all at once
    assert "2 error(s)" in err


def test_a_malformed_overlay_element_is_an_error_not_a_crash(in_shop, tmp_path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("stores:\n  - id: [orders-db]\n  - 3\n")
    code, _, err = run("review", "docker-compose.yml", str(overlay))
    assert code == 2 and "Traceback" not in err and f"{overlay}:2:" in err and f"{overlay}:3:" in err


def test_an_overlay_reference_error_is_located_in_the_overlay(in_shop, tmp_path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("operations:\n  - id: pay\n    entry: nowhere\n")
    code, _, err = run("review", "docker-compose.yml", str(overlay))
    assert code == 2 and f"{overlay}:3:" in err and "nowhere" in err


def test_two_models_beside_sources_are_refused_unless_one_includes_the_other(in_shop, tmp_path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("domains: []\n")
    b.write_text("operations: []\n")
    code, _, err = run("review", "docker-compose.yml", str(a), str(b))
    assert code == 2 and "both pacelc models" in err and "Traceback" not in err
    a.write_text("include: [b.yaml]\ndomains: []\n")
    code, _, err = run("review", "docker-compose.yml", str(a), str(b))
    assert code == 0, err


def test_import_refuses_a_model_with_a_clear_message(in_shop) -> None:
    code, out, err = run("import", "docker-compose.yml", OVERLAY_FILE)
    assert code == 2 and out == ""
    assert "is a pacelc model: `pacelc import` reads compose files and manifests only" in err


def test_the_overlay_review_is_byte_identical_across_runs(in_shop) -> None:
    for fmt in ("json", "markdown", "terminal"):
        first = run("review", "docker-compose.yml", OVERLAY_FILE, "--format", fmt)
        assert first[0] == 0
        assert run("review", "docker-compose.yml", OVERLAY_FILE, "--format", fmt) == first


def test_overlay_over_kubernetes_manifests(monkeypatch) -> None:
    monkeypatch.chdir(FIXTURES / "k8s-shop")
    overlay = "../overlay/k8s-overlay.yaml"  # no `pacelc:` and no `system:`: told by its sections
    report = review_json(".", overlay)
    assert report["system"]["name"] == "shop"
    assert report["system"]["sources"][1] == f"overlay {overlay} adds 1 domain, 1 operation"
    assert rows(report, "availability")["place-order"]["SLA"].startswith("0.999 (meets")
    assert rows(report, "consistency_decisions")["domain orders"]["Verdict"] == "met"
    where = located(report)
    stores = FIXTURES / "k8s-shop" / "data" / "stores.yaml"
    # The single orders database found by the operation the overlay adds: located at its manifest.
    assert where["FLR050@orders-db"][0] == "data/stores.yaml"
    assert where["FLR050@orders-db"][1] <= len(stores.read_text().splitlines())
    assert call_located(["."], overlay, "api", "orders-db") == ("base/api.yaml", 69)
    assert "api.orders-db" in unstated_timeouts(report)
    assert where["TXN016@place-order"] == (overlay, 10)
