"""The Structurizr importer, end to end: DSL and JSON drafts, one model from both, locations in the
workspace, located errors (never a traceback) for bad and mutated workspaces."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacelc.importers import SYSTEM, detect, import_paths
from pacelc.importers.draft import render_draft
from pacelc.importers.structurizr import build, call_mode, failure_domain, store_kind
from pacelc.importers.structurizr_dsl import read_dsl
from pacelc.model.loader import ModelLoadError, load_data
from tests.helpers import line_of, run

HERE = Path(__file__).parent / "fixtures" / "structurizr"
DSL = HERE / "dsl" / "workspace.dsl"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def in_fixtures(monkeypatch):
    monkeypatch.chdir(HERE)


def _model(paths: list[str]):
    result = import_paths(paths)
    assert not result.errors, [str(e) for e in result.errors]
    return result, load_data(result.data, result.sources, result.files).model


@pytest.mark.parametrize("name", ["dsl/workspace.dsl", "json/workspace.json"])
def test_draft_is_golden(in_fixtures, name: str) -> None:
    """Regenerate after an intended change: PACELC_REGEN=1 python -m pytest tests/importers."""
    golden = GOLDEN / f"structurizr-{name.split('/')[0]}.yaml"
    draft = render_draft(import_paths([name]))
    if os.environ.get("PACELC_REGEN"):
        golden.write_text(draft, encoding="utf-8")
    assert draft == golden.read_text(encoding="utf-8")
    assert render_draft(import_paths([name])) == draft  # deterministic


def test_dsl_and_json_give_the_same_model(in_fixtures) -> None:
    _, from_dsl = _model(["dsl/workspace.dsl"])
    _, from_json = _model(["json/workspace.json"])
    assert from_dsl == from_json
    assert len(from_dsl.services) == 4 and len(from_dsl.stores) == 3  # not equal by being empty


def test_what_is_read(in_fixtures) -> None:
    result, model = _model(["dsl/workspace.dsl"])
    services = {s.id: s for s in model.services}
    stores = {s.id: s for s in model.stores}
    # containers are services, unless their technology or tags make them stores; the system with
    # containers is a boundary, the one without (the carrier) is a service, external by its tag
    assert sorted(services) == ["carrier-gateway", "notifier", "scan-ingest", "tracking-api"]
    assert services["carrier-gateway"].external is True
    assert {k: (s.kind, s.engine) for k, s in stores.items()} == {
        "tracking-database": ("database", "postgres"),
        "location-cache": ("cache", "redis"),
        "scan-events": ("log", "kafka"),
    }
    # Production is read (Development is not): instances multiply down the nodes and add up
    assert services["tracking-api"].replicas == 6 and services["scan-ingest"].replicas == 4
    assert stores["tracking-database"].replicas == 2 and stores["location-cache"].replicas == 1
    assert [(r.id, [z.id for z in r.zones]) for r in model.regions] == [
        ("eu-west-1", ["eu-west-1a", "eu-west-1b", "eu-west-1c"])
    ]
    api = services["tracking-api"]
    assert api.placement.zones == ["eu-west-1a", "eu-west-1b", "eu-west-1c"] and api.placement.spread == "even"
    assert stores["scan-events"].placement.spread == "one_per_zone"
    # a component's relationship is its container's; the included file's relationship is read
    calls = {c.to: (c.mode, c.protocol) for c in api.calls}
    assert calls == {
        "tracking-database": ("sync", "sql"),
        "location-cache": ("sync", None),
        "scan-events": ("async", "kafka"),
    }
    # the broker delivering to the notifier is the notifier's (async) dependency on the broker
    assert {c.to: c.mode for c in services["notifier"].calls} == {"carrier-gateway": "sync", "scan-events": "async"}
    # engine facts from the table; what the workspace does not say is named, not filled in
    assert stores["tracking-database"].durability.fsync == "always"
    assert stores["tracking-database"].replication is None
    assert any("replication settings unknown" in u for u in result.unknowns["tracking-database"])
    assert any("'Production'" in u and "'Development'" in u for u in result.unknowns[SYSTEM])
    assert any("timeout, retry" in u for u in result.unknowns["tracking-api"])
    assert result.files == ("dsl/workspace.dsl", "dsl/relationships.dsl")


def test_values_point_at_the_workspace_lines(in_fixtures) -> None:
    result, _ = _model(["dsl/workspace.dsl"])
    ids = {
        (section, item["id"]): n for section in ("services", "stores") for n, item in enumerate(result.data[section])
    }
    api = ("services", ids[("services", "tracking-api")])
    db = ("stores", ids[("stores", "tracking-database")])
    cache = ("stores", ids[("stores", "location-cache")])
    at = result.sources.values
    assert at[api].line == line_of(DSL, 'api = container "Tracking API"')
    # replicas at the `instances` that gave them; a call at its relationship; kind at the technology
    assert at[(*api, "replicas")].line == line_of(DSL, 'deploymentNode "app-a" "" "EC2" "" 2')
    calls = [c["to"] for c in result.data["services"][api[1]]["calls"]]
    assert at[(*api, "calls", calls.index("tracking-database"))].line == line_of(DSL, 'api -> db "Reads from"')
    assert at[(*api, "calls", calls.index("scan-events"))] == ("dsl/relationships.dsl", 2, 1)
    assert at[(*db, "kind")].line == line_of(DSL, '"PostgreSQL 16"')
    # placement at the instance's own line (what to change to move it)
    assert at[(*cache, "placement")].line == line_of(DSL, "containerInstance tracking.cache")
    assert at[("regions", 0, "zones", 2)].line == line_of(DSL, 'deploymentNode "eu-west-1c"')


def test_review_points_at_the_workspace(in_fixtures) -> None:
    """A finding caused by the deployment names the DSL line to change (the folder is given: a DSL
    file given by name is taken for a model by the CLI, see docs/importers.md)."""
    code, out, err = run("review", "dsl", "--format", "json")
    assert code in (0, 1), err
    import json

    findings = {f["fingerprint"]: f for f in json.loads(out)["findings"]}
    single = findings["CAP007@notifier@eu-west-1a"]["location"]
    assert (single["file"], single["line"]) == (
        "dsl/workspace.dsl",
        line_of(DSL, "containerInstance tracking.notifier"),
    )


BAD = {
    "bad/unclosed.dsl": [(7, "the file ends inside a block: a `}` is missing (the block opened at line 1")],
    "bad/string.dsl": [(3, "a string that does not end on its line")],
    "bad/references.dsl": [
        (5, "relationship: no element has the identifier 'nowhere'"),
        (6, "identifier 'api' is already used"),
        (10, "containerInstance 'ghost': no element has that identifier"),
        (11, "container cannot be written in deploymentNode"),
        (15, "nothing after `dangling =`"),
    ],
    "escape/workspace.dsl": [(4, "!include '../dsl/relationships.dsl' is outside the workspace's folder")],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_workspace_gives_located_errors_and_exit_2(in_fixtures, name: str) -> None:
    code, out, err = run("import", name)
    assert code == 2 and out == ""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if not line.startswith("pacelc:")]
    assert len(lines) == len(BAD[name]), lines  # every error at once, in file order
    for (line, message), text in zip(BAD[name], lines, strict=True):
        assert re.match(rf"{re.escape(name)}:{line}:\d+: ", text) and message in text, text


def test_deep_nesting_and_include_cycles_are_located_errors(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("deep").mkdir()
    Path("deep/workspace.dsl").write_text("workspace {\n model {\n" + 'group "g" {\n' * 3000 + "}\n" * 3000 + "}\n}\n")
    Path("cycle").mkdir()
    Path("cycle/workspace.dsl").write_text("workspace {\n  model {\n    !include a.dsl\n  }\n}\n")
    Path("cycle/a.dsl").write_text("!include a.dsl\n")
    for folder, message in (("deep", "blocks nested more than 64 deep"), ("cycle", "includes nested more than 16")):
        code, _, err = run("import", folder)
        assert code == 2 and "Traceback" not in err and "internal error" not in err
        assert re.match(rf"{folder}/[a-z.]+:\d+:\d+: .*{message}", err), err


JSON = (HERE / "json" / "workspace.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("cut", range(0, len(JSON), max(1, len(JSON) // 60)))
def test_truncated_json_gives_located_errors_only(tmp_path, cut: int) -> None:
    path = tmp_path / "workspace.json"
    path.write_text(JSON[:cut] + ("]}" if cut % 2 else ""))
    result = import_paths([path])
    assert all(e.loc is not None and e.loc.line >= 1 for e in result.errors), result.errors
    if result.files and not result.errors:
        load_data(result.data, result.sources, result.files)


def test_refused_beside_compose(in_fixtures) -> None:
    result = import_paths(["dsl/workspace.dsl", "../shop/docker-compose.yml"])
    assert any("Structurizr workspace and compose files" in e.message for e in result.errors)
    assert import_paths(["dsl", "json"]).errors[0].message.startswith("a second Structurizr")


def test_recognised_by_content() -> None:
    assert detect.structurizr_dsl("// a comment\n/* more */\nworkspace {\n}")
    assert detect.structurizr_dsl('workspace "Name" "Description" {')
    assert not detect.structurizr_dsl("workspace: 1\n")  # YAML
    assert not detect.structurizr_dsl("# what the Structurizr workspace cannot say\ndomains: []\n")  # an overlay
    assert not detect.structurizr_dsl('model {\n  a = person "A"\n}')  # a fragment, read through !include
    assert detect.classify({"name": "x", "model": {"softwareSystems": []}}) == "structurizr"
    assert detect.classify({"model": {"softwareSystems": []}}) == "other"  # neither views nor name/id


def test_fragment_in_a_folder_is_skipped_unless_included(tmp_path, monkeypatch) -> None:
    (tmp_path / "workspace.dsl").write_text("workspace {\n  model {\n    !include model.dsl\n  }\n}\n")
    (tmp_path / "model.dsl").write_text('s = softwareSystem "Shop"\n')
    (tmp_path / "other.dsl").write_text('t = softwareSystem "Other"\n')
    monkeypatch.chdir(tmp_path)
    result = import_paths(["."])
    assert not result.errors and [s["id"] for s in result.data["services"]] == ["shop"]
    assert [(s.loc.file, "!include" in s.reason) for s in result.skipped] == [("other.dsl", True)]
    assert any("no deployment environment" in u for u in result.unknowns[SYSTEM])


def _ws(tmp_path: Path, text: str):
    path = tmp_path / "workspace.dsl"
    path.write_text(text)
    ws = read_dsl(path, str(path), text)
    return ws, build(ws)


def test_dsl_constructs(tmp_path) -> None:
    """Flat identifiers, `this`, text blocks, archetypes, groups, a range of instances, a
    custom keyword skipped with its line, views skipped whole, line continuations."""
    ws, result = _ws(
        tmp_path,
        '''workspace {
    model {
        archetypes {
            datastore = container {
                technology "MySQL 8.0"
                tag "Datastore"
            }
        }
        group "Team" {
            s = softwareSystem "Shop" {
                web = container "Web" """
                    Serves pages.
                    Two lines.
                    """
                db = datastore "Orders" {
                    web -> this "Reads from and writes to" \\
                        "JDBC"
                }
            }
        }
        # a comment line
        live = deploymentEnvironment "Live" {
            deploymentNode "Europe" "" "" "Region" {
                deploymentNode "Zone 1" "" "Availability Zone" "" "2..4" {
                    containerInstance web
                }
            }
        }
        bespoke "not a keyword pacelc knows"
    }
    views {
        anything goes -> here { even { nested } }
    }
}
''',
    )
    assert not ws.errors, ws.errors
    by_id = {el.id: el for el in result.elements}
    assert by_id["web"].data["description"] == "Serves pages.\nTwo lines."
    assert (by_id["orders"].section, by_id["orders"].data["engine"]) == ("stores", "mysql")
    assert by_id["orders"].data["durability"] == {"fsync": "always"}
    assert by_id["web"].data["calls"] == [{"to": "orders", "mode": "sync", "protocol": "sql"}]
    assert by_id["web"].data["replicas"] == 2  # the minimum of 2..4
    assert by_id["europe"].data == {"id": "europe", "zones": [{"id": "zone-1"}]}
    assert [(loc.line, "bespoke" in why) for loc, why in ws.skipped] == [(29, True)]


def test_group_archetypes_and_client_side_apps(tmp_path) -> None:
    """Elements in a group archetype belong to the system; serving a browser app is not a call,
    the app's own calls are."""
    ws, result = _ws(
        tmp_path,
        """workspace {
    !identifiers hierarchical
    model {
        archetypes {
            microservice = group
        }
        s = softwareSystem "Shop" {
            orders = microservice "Orders" {
                ordersApi = container "Orders API"
            }
            web = container "Web Server" "" "Nginx"
            spa = container "UI" "" "React" "Single Page Application"
            web -> spa "Delivers"
            spa -> ordersApi "Calls" "JSON/HTTPS"
        }
    }
}
""",
    )
    assert not ws.errors, ws.errors
    by_id = {el.id: el for el in result.elements}
    assert sorted(by_id) == ["orders-api", "ui", "web-server"]
    assert "calls" not in by_id["web-server"].data
    assert by_id["ui"].data["calls"] == [{"to": "orders-api", "mode": "sync", "protocol": "http"}]


def test_constants_and_an_engine_named_by_the_deployment_node(tmp_path) -> None:
    ws, result = _ws(
        tmp_path,
        """workspace {
    model {
        !const DB_TECH "PostgreSQL 16"
        s = softwareSystem "Shop" {
            api = container "API" "" "Java"
            DB = container "Orders" "" "${DB_TECH}"
            legacy = container "Legacy DB" "" "" "Database"
            api -> db "Reads from"
            api -> legacy "Reads from"
        }
        !extend s {
            worker = container "Worker"
            worker -> Db "Writes to"
        }
        deploymentEnvironment "Live" {
            deploymentNode "db-host" "" "Oracle 19c" {
                containerInstance legacy
            }
            deploymentNode "rds" "" "" "Amazon Web Services - RDS MySQL instance" {
                containerInstance db
            }
        }
    }
}
""",
    )
    assert not ws.errors, ws.errors
    by_id = {el.id: el for el in result.elements}
    # the container's own technology (through the constant) wins over the node's
    assert by_id["orders"].data["engine"] == "postgres"
    # identifiers are case-insensitive, as in Structurizr; !extend adds to an element
    assert by_id["worker"].data["calls"] == [{"to": "orders", "mode": "sync"}]
    assert (
        list(by_id["legacy-db"].data)[:3] == ["id", "kind", "engine"] and by_id["legacy-db"].data["engine"] == "oracle"
    )
    assert any("deployment node 'db-host'" in n for n in by_id["legacy-db"].notes)


def test_classifiers() -> None:
    from pacelc.importers.structurizr import Relationship, WsElement
    from pacelc.model.source import Loc

    here = Loc("w.dsl", 1, 1)

    def container(tech: str = "", tags: tuple[str, ...] = ()) -> WsElement:
        el = WsElement("container", "c", here, attrs={"technology": (tech, here)} if tech else {})
        el.tags = list(tags)
        return el

    assert store_kind(container("Java and Kafka Streams")) is None  # a service using the engine
    assert store_kind(container("Amazon DynamoDB")).kind == "database"
    assert store_kind(container("", ("Message Queue",))).kind == "queue"
    assert store_kind(container("Go")) is None

    def rel(desc: str, tech: str = "") -> Relationship:
        r = Relationship(container(), container(), here)
        r.attrs = {"description": (desc, here), **({"technology": (tech, here)} if tech else {})}
        return r

    assert call_mode(rel("Publishes orders to"))[0] == "async"
    assert call_mode(rel("Sends orders", "AMQP"))[0] == "async"
    assert call_mode(rel("Reads from", "JDBC"))[0] == "sync"

    def node(name: str, tech: str = "") -> WsElement:
        return WsElement("deploymentNode", name, here, attrs={"technology": (tech, here)} if tech else {})

    assert failure_domain(node("AWS region eu-west-1"))[:2] == ("region", "eu-west-1")
    assert failure_domain(node("eu-west-1b"))[:2] == ("zone", "eu-west-1b")
    assert failure_domain(node("AZ 2", "Availability Zone"))[:2] == ("zone", "az-2")
    assert failure_domain(node("Apache Tomcat", "Tomcat 9")) is None
    assert failure_domain(node("europe-west1-b"))[:2] == ("zone", "europe-west1-b")
    assert failure_domain(node("db-primary-1")) is None  # a host name, not a region code
    assert failure_domain(node("West Europe", "Microsoft Azure - Regions"))[:2] == ("region", "west-europe")
    assert failure_domain(node("Amazon Web Services (EU-West-2)"))[:2] == ("region", "eu-west-2")


_TEXT = DSL.read_text(encoding="utf-8")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(0, len(_TEXT)),
    edits=st.lists(
        st.tuples(
            st.integers(0, len(_TEXT)),
            st.one_of(
                st.text(max_size=4),
                st.sampled_from(['"', "{", "}", "->", "\n", "=", "", "x", "!include ../../x", " 0", '"""', "this"]),
            ),
        ),
        max_size=4,
    ),
)
def test_mutated_workspace_gives_located_errors_only(tmp_path, cut: int, edits) -> None:
    """Truncations and mutations of the fixture: the import gives located errors, or a model whose
    validation errors (if any) are located; never any other exception."""
    text = _TEXT[:cut]
    for at, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + 1 :]
    (tmp_path / "relationships.dsl").write_text((HERE / "dsl" / "relationships.dsl").read_text())
    (tmp_path / "workspace.dsl").write_text(text)
    result = import_paths([tmp_path / "workspace.dsl"])
    assert all(e.loc is not None and e.loc.line >= 1 and e.loc.col >= 1 for e in result.errors), result.errors
    if result.errors or not result.files:
        return
    try:
        load_data(result.data, result.sources, result.files)
    except ModelLoadError as exc:
        assert all(e.loc is not None for e in exc.errors), exc.errors


def test_draft_round_trips_to_the_same_model(in_fixtures, tmp_path) -> None:
    from pacelc.model import load

    result, in_memory = _model(["dsl/workspace.dsl"])
    draft = tmp_path / "draft.yaml"
    draft.write_text(render_draft(result), encoding="utf-8")
    assert load(draft).model == in_memory


def test_the_commands_take_a_workspace(in_fixtures) -> None:
    from pacelc.importers.draft import SIGNATURE

    for source in ("dsl/workspace.dsl", "json/workspace.json", "dsl"):
        code, out, err = run("import", source)
        assert code == 0 and out.startswith(SIGNATURE), err
    code, out, err = run("review", "json/workspace.json")
    assert code in (0, 1) and "Parcel Tracking" in out, err


def test_review_takes_a_dsl_file_by_name(in_fixtures) -> None:
    code, out, err = run("review", "dsl/workspace.dsl")
    assert code in (0, 1) and "Parcel Tracking" in out, err
