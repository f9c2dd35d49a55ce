"""The compose importer, end to end: draft, round trip, review located in the compose file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pacelc.importers import SYSTEM, import_paths
from pacelc.importers.compose import hosts_in, interpolate, resolved
from pacelc.importers.draft import SIGNATURE, render_draft
from pacelc.importers.engines import ENGINES, lookup
from pacelc.model import load
from pacelc.model.loader import load_data
from tests.helpers import line_of, run

SHOP = Path(__file__).parent / "fixtures" / "shop"
GOLDEN = Path(__file__).parent / "golden" / "shop.yaml"


@pytest.fixture
def in_shop(monkeypatch):
    monkeypatch.chdir(SHOP)


def test_draft_is_golden(in_shop) -> None:
    """Regenerate after an intended change: PACELC_REGEN=1 python -m pytest tests/importers."""
    draft = render_draft(import_paths(["."]))
    if os.environ.get("PACELC_REGEN"):
        GOLDEN.write_text(draft, encoding="utf-8")
    assert draft == GOLDEN.read_text(encoding="utf-8")
    assert render_draft(import_paths(["."])) == draft  # deterministic


def test_draft_round_trips_to_the_same_model(in_shop, tmp_path) -> None:
    result = import_paths(["docker-compose.yml"])
    in_memory = load_data(result.data, result.sources, result.files).model
    draft = tmp_path / "draft.yaml"
    draft.write_text(render_draft(result), encoding="utf-8")
    assert load(draft).model == in_memory


def test_what_is_read(in_shop) -> None:
    result = import_paths(["docker-compose.yml"])
    model = load_data(result.data, result.sources, result.files).model
    services = {s.id: s for s in model.services}
    stores = {s.id: s for s in model.stores}
    assert sorted(services) == ["api", "web", "worker"]
    assert {k: (s.kind, s.engine) for k, s in stores.items()} == {
        "orders-db": ("database", "postgres"),
        "cache": ("cache", "redis"),
        "broker": ("queue", "rabbitmq"),
    }
    # deploy.replicas, and the spec's default of one container
    assert services["api"].replicas == 3 and services["web"].replicas == 1
    # merge keys: api takes its environment from the x-app anchor; worker's own list replaces it
    assert [c.to for c in services["api"].calls] == ["broker", "cache", "orders-db"]
    assert [c.to for c in services["worker"].calls] == ["broker", "orders-db"]  # payments.example.com is no service
    assert [c.to for c in services["web"].calls] == ["api"]
    # nothing about a call is guessed
    for call in services["api"].calls:
        assert call.timeout is None and call.retry is None
    # healthcheck: interval 10s and retries 5 as written, the timeout Docker's default
    detector = services["api"].failure_detector
    assert detector is not None and (detector.interval_ms, detector.timeout_ms, detector.threshold) == (
        10_000,
        30_000,
        5,
    )
    # volumes: named volume and bind mount keep data; no volume does not
    assert stores["orders-db"].durability.persistent and stores["orders-db"].durability.fsync == "always"
    assert stores["cache"].durability.persistent and stores["cache"].durability.fsync is None  # table: unknown
    assert stores["broker"].durability.persistent is False
    # where the data lives: a named volume of the local driver and a bind mount are on the Docker host;
    # no volume is the container's own (ephemeral)
    assert [stores[s].durability.storage for s in ("orders-db", "cache", "broker")] == [
        "node_local",
        "node_local",
        "ephemeral",
    ]
    # what stays unknown is named per element
    assert any(u.startswith("replication settings unknown: image postgres:16") for u in result.unknowns["orders-db"])
    assert any(u.startswith("fsync unknown") for u in result.unknowns["cache"])
    assert any(u.startswith("failure domains unknown") for u in result.unknowns[SYSTEM])
    assert model.regions == []


def test_skipped_documents_are_listed_once(in_shop) -> None:
    result = import_paths(["."])
    assert [(s.loc.file, s.loc.line) for s in result.skipped] == [("notes.yaml", 2)]
    code, _, err = run("import", ".")
    assert code == 0 and err.count("skipped notes.yaml:2:1") == 1


def test_review_compose_locates_findings_in_the_compose_file(in_shop) -> None:
    code, out, err = run("review", "docker-compose.yml", "--format", "json")
    assert code == 0, err
    import json

    # compose states no client timeout: one FLR001 for the project, at the first call's line
    (unstated,) = [f for f in json.loads(out)["findings"] if f["rule"] == "FLR001"]
    assert {"web.api", "api.cache"} <= set(unstated["evidence"]["calls"])
    # web's call to api comes from `depends_on: [api]`
    assert (unstated["location"]["file"], unstated["location"]["line"]) == (
        "docker-compose.yml",
        line_of(SHOP / "docker-compose.yml", "      - api"),
    )
    # api's call to cache comes from REDIS_HOST, written once in the x-app anchor
    result = import_paths(["docker-compose.yml"])
    sources = load_data(result.data, result.sources, result.files).sources
    api_cache = sources.locate(("services", "api", "calls", "cache"))
    assert api_cache is not None and api_cache.line == line_of(SHOP / "docker-compose.yml", "REDIS_HOST: cache")
    assert run("review", "docker-compose.yml", "--fail-on", "medium")[0] == 1


def test_validate_accepts_a_compose_file(in_shop) -> None:
    code, out, _ = run("validate", "docker-compose.yml")
    assert code == 0 and out.startswith("ok: shop: 3 services, 3 stores")


def test_compose_syntax_error_is_located_and_exits_2(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write("docker-compose.yml", "services:\n  api:\n    image: [unclosed\n  db:\n    image: postgres:16\n")
    for command in ("review", "import"):
        code, _, err = run(command, "docker-compose.yml")
        assert code == 2 and "Traceback" not in err
        assert err.splitlines()[0].startswith("docker-compose.yml:4:"), err


def test_other_files_are_read_when_one_is_broken(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write("a/compose.yaml", "services: {x: {image: nginx}\n")
    write("b/compose.yaml", "services: {y: {image: nginx}}\n")
    result = import_paths(["a", "b"])
    assert len(result.errors) == 1 and result.errors[0].loc.file == "a/compose.yaml"
    assert result.files == ("b/compose.yaml",)


def test_import_output_replaces_only_its_own_draft(in_shop, tmp_path) -> None:
    target = tmp_path / "draft.yaml"
    assert run("import", "docker-compose.yml", "-o", str(target))[0] == 0
    assert target.read_text().splitlines()[0] == SIGNATURE
    assert run("import", "docker-compose.yml", "-o", str(target))[0] == 0  # a re-import replaces it
    target.write_text("# my model\nsystem: {name: mine}\n")
    code, _, err = run("import", "docker-compose.yml", "-o", str(target))
    assert code == 2 and target.read_text().startswith("# my model") and "not a pacelc import draft" in err
    assert run("import", "docker-compose.yml", "-o", "docker-compose.yml", "--force")[0] == 2  # never the source


def test_interpolation_takes_defaults_and_leaves_the_rest_unknown() -> None:
    assert resolved("${LEVEL:-info}") == "info" and resolved("${LEVEL-info}") == "info"
    assert resolved("${PASSWORD}") is None and resolved("$PASSWORD") is None and resolved("${X:?set it}") is None
    assert resolved("a$$b") == "a$b"
    assert "db" in hosts_in("DATABASE_URL", interpolate("postgres://u:${PW}@db:5432/x") or "")


def test_hosts_are_found_in_urls_lists_and_host_keys() -> None:
    assert hosts_in("MONGO_URL", "mongodb://a:27017,b:27017/app?replicaSet=rs") == ["a", "b"]
    assert hosts_in("BROKERS", "kafka-1:9092,kafka-2:9092") == ["kafka-1", "kafka-2"]
    assert hosts_in("REDIS_HOST", "cache") == ["cache"]
    assert hosts_in("GREETING", "cache") == []  # a bare word names a host only under a host-like key
    assert hosts_in("JDBC_URL", "jdbc:postgresql://db:5432/x") == ["db"]


def test_engine_table_rows_are_documented_and_matched_exactly() -> None:
    for row in ENGINES:
        assert row.version and "http" in row.source, row.engine
    assert lookup("docker.io/library/postgres:16").engine == "postgres"
    assert lookup("docker.elastic.co/elasticsearch/elasticsearch:8.15.0").engine == "elasticsearch"
    assert lookup("someone/redis:7") is None  # not guessed from the last path part
    # a registry mirror that keeps Docker Hub's `library/` path still names the official image
    assert lookup("mcr.microsoft.com/mirror/docker/library/mongo:4.2").engine == "mongodb"
    assert lookup("mirror.example.com/library/rabbitmq:3.10-management-alpine").engine == "rabbitmq"
    engines = {row.engine for row in ENGINES}
    for needed in (
        "redis",
        "valkey",
        "memcached",
        "postgres",
        "mysql",
        "mariadb",
        "mongodb",
        "cassandra",
        "elasticsearch",
        "opensearch",
        "etcd",
        "consul",
        "zookeeper",
        "kafka",
        "rabbitmq",
        "nats",
        "minio",
    ):
        assert needed in engines


def test_unresolved_image_and_replicas_stay_unknown(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        "compose.yaml",
        "services:\n  app:\n    image: ${APP_IMAGE}\n    deploy:\n      replicas: ${N}\n"
        "  kv:\n    image: memcached:1.6\n    volumes: [kvdata:/data]\nvolumes: {kvdata: {}}\n",
    )
    result = import_paths(["compose.yaml"])
    model = load_data(result.data, result.sources, result.files).model
    assert [s.id for s in model.services] == ["app"] and model.stores[0].durability.persistent is False
    assert any(u.startswith("image unknown") for u in result.unknowns["app"])
    assert any(u.startswith("replicas unknown") for u in result.unknowns["app"])


BASE_COMPOSE = """services:
  api:
    image: example/api:1
    environment:
      - DB_URL=postgres://db:5432/app
    depends_on: [db]
  db:
    image: postgres:16
    volumes:
      - dbdata:/var/lib/postgresql/data
volumes:
  dbdata:
"""
OVERRIDE = """services:
  api:
    deploy:
      replicas: 3
    environment:
      CACHE_HOST: cache
  db:
    volumes:
      - ./pgdata:/var/lib/postgresql/data
  cache:
    image: redis:7
"""


def test_an_override_file_merges_over_its_base(write, tmp_path, monkeypatch) -> None:
    # docker-compose.override.yml sorts before docker-compose.yml, and still goes over it.
    write("app/docker-compose.yml", BASE_COMPOSE)
    write("app/docker-compose.override.yml", OVERRIDE)
    monkeypatch.chdir(tmp_path)
    result = import_paths(["app"])
    assert result.errors == []
    loaded = load_data(result.data, result.sources, result.files)
    services = {s.id: s for s in loaded.model.services}
    stores = {s.id: s for s in loaded.model.stores}
    # merged: the override's replicas, both files' environment (calls to db and cache)
    assert sorted(c.to for c in services["api"].calls) == ["cache", "db"]
    replicas = loaded.sources.locate(("services", "api", "replicas"))
    assert replicas is not None and replicas.file == "app/docker-compose.override.yml"
    # the volume with the same target: the override's bind mount replaces the base's named volume
    assert stores["db"].durability.storage == "node_local"
    assert any("bind mount" in n for el in result.elements if el.id == "db" for n in el.notes)
    # each call located in the file that names it
    db_call = loaded.sources.locate(("services", "api", "calls", "db"))
    cache_call = loaded.sources.locate(("services", "api", "calls", "cache"))
    assert db_call is not None and db_call.file == "app/docker-compose.yml"
    assert cache_call is not None and cache_call.file == "app/docker-compose.override.yml"
    assert any(u.startswith("merged: service api") for u in result.unknowns[SYSTEM])


def test_two_compose_files_in_a_folder_are_not_merged_unless_one_is_an_override(write, tmp_path, monkeypatch) -> None:
    write("app/docker-compose.yml", BASE_COMPOSE)
    write("app/docker-compose.prod.yml", OVERRIDE)
    monkeypatch.chdir(tmp_path)
    result = import_paths(["app"])
    assert any("give the files to merge by name, base first" in e.message for e in result.errors)
    # given by name, in order: merged as `docker compose -f a -f b` does
    result = import_paths(["app/docker-compose.yml", "app/docker-compose.prod.yml"])
    assert result.errors == []
