"""Kustomize overlays rendered in pure Python: what is rendered, where each value is located, and
what is refused or noted (never a traceback)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacelc.importers import import_paths
from pacelc.importers.kubernetes import Resource
from pacelc.importers.kustomize import (
    MAX_BUILDS,
    MAX_DEPTH,
    Rendered,
    is_kustomization,
    kustomization_file,
    render,
)
from pacelc.model import yamlfile
from pacelc.model.loader import ModelError, shown_path
from pacelc.model.source import Loc
from tests.helpers import line_of

FIXTURES = Path(__file__).parent / "fixtures" / "kustomize"
SHOP = FIXTURES / "shop"
BASE = SHOP / "base"
PROD = SHOP / "overlays" / "prod"
STAGING = SHOP / "overlays" / "staging"
BAD = FIXTURES / "bad"


def rendered(folder: Path, root: Path | None = None) -> Rendered:
    return render(folder, yamlfile.DEFAULT_LIMITS, root=root)


def by_id(result: Rendered) -> dict[tuple[str, str], Resource]:
    return {(r.kind, r.name): r for r in result.resources}


def at(res: Resource, *path: str | int) -> tuple[Path, int]:
    """The file and line a rendered value is located at."""
    loc = res.loc(*path)
    assert loc is not None, path
    return Path(loc.file).resolve(), loc.line


def line(path: Path, needle: str, after: str | None = None) -> tuple[Path, int]:
    return path.resolve(), line_of(path, needle, after)


API_CONTAINER = ("spec", "template", "spec", "containers", 0)


# --------------------------------------------------------------------------- what is rendered


def test_prod_overlay_renders_every_object_once() -> None:
    result = rendered(PROD, root=SHOP)
    assert result.errors == [] and result.notes == []
    assert [(r.kind, r.name, r.namespace) for r in result.resources] == [
        ("Deployment", "prod-api", "shop-prod"),
        ("Service", "prod-api", "shop-prod"),
        ("StatefulSet", "prod-postgres", "shop-prod"),
        ("Service", "prod-postgres", "shop-prod"),
        ("ConfigMap", "prod-shop-config", "shop-prod"),
        ("ConfigMap", "prod-api-settings", "shop-prod"),
    ]
    names = [Path(f).name for f in result.files]
    assert names == [
        "kustomization.yaml",
        "kustomization.yaml",
        "api.yaml",
        "postgres.yaml",
        "config.yaml",
        "api-env.yaml",
    ]


def test_prod_values() -> None:
    objs = by_id(rendered(PROD, root=SHOP))
    api, db = objs[("Deployment", "prod-api")], objs[("StatefulSet", "prod-postgres")]
    assert api.get("spec", "replicas") == 3
    container = api.get(*API_CONTAINER)
    assert container["image"] == "registry.example.com/shop/api:2.4.1"
    assert [e["name"] for e in container["env"]] == ["DATABASE_URL", "FEATURES", "LOG_LEVEL"]  # merged by name
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "512Mi"}}
    assert container["readinessProbe"] == {"httpGet": {"path": "/healthz", "port": "http"}}  # untouched
    assert [c["name"] for c in api.get("spec", "template", "spec", "containers")] == ["api", "log-shipper"]
    # References renamed with the prefix; labels (the Service's selector) are not names.
    env = {e["name"]: e for e in container["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["configMapKeyRef"]["name"] == "prod-shop-config"
    assert env["FEATURES"]["valueFrom"]["configMapKeyRef"]["name"] == "prod-api-settings"
    assert db.get("spec", "serviceName") == "prod-postgres"
    assert objs[("Service", "prod-api")].get("spec", "selector") == {
        "app": "api",
        "app.kubernetes.io/part-of": "shop",
        "env": "prod",
    }
    # commonLabels reach labels, selectors, pod templates and claim templates
    for path in (
        ("metadata", "labels"),
        ("spec", "selector", "matchLabels"),
        ("spec", "template", "metadata", "labels"),
    ):
        assert api.get(*path)["env"] == "prod", path
    assert db.get("spec", "volumeClaimTemplates", 0, "metadata", "labels")["env"] == "prod"
    # JSON 6902 inline patch, images with an unquoted tag (16.3 read as written, not as a number)
    assert db.get("spec", "replicas") == 2
    assert db.get(*API_CONTAINER, "args") == ["-c", "synchronous_commit=on"]
    assert db.get(*API_CONTAINER, "image") == "postgres:16.3"
    # the generator: literals, so env references resolve; no hash suffix
    settings = objs[("ConfigMap", "prod-api-settings")]
    assert settings.get("data") == {"FEATURE_FLAGS": "checkout-v2", "ORDERS_TIMEOUT_MS": "800"}
    # behavior: merge into the base's ConfigMap
    assert objs[("ConfigMap", "prod-shop-config")].get("data") == {"DATABASE_URL": "postgres://prod-postgres:5432/shop"}


def test_prod_locations_point_at_the_line_that_wrote_each_value() -> None:
    objs = by_id(rendered(PROD, root=SHOP))
    api, db = objs[("Deployment", "prod-api")], objs[("StatefulSet", "prod-postgres")]
    kust = PROD / "kustomization.yaml"
    patch = PROD / "api-env.yaml"
    # Set by the overlay's kustomization itself
    assert at(api, "spec", "replicas") == line(kust, "count: 3")
    assert at(api, *API_CONTAINER, "image") == line(kust, 'newTag: "2.4.1"')
    assert at(api, "metadata", "namespace") == line(kust, "namespace: shop-prod")
    # A prefixed name keeps its base line: the object to change is there, not at the shared prefix line
    assert at(api, "metadata", "name") == line(BASE / "api.yaml", "  name: api")
    assert at(api, "metadata", "labels", "env") == line(kust, "env: prod")
    # Set by the base's own kustomization (its commonLabels), not by the overlay
    assert at(api, "metadata", "labels", "app.kubernetes.io/part-of") == line(BASE / "kustomization.yaml", "part-of")
    # Patched: the patch file's lines
    assert at(api, *API_CONTAINER, "env", 2, "value") == line(patch, "value: warn")
    assert at(api, *API_CONTAINER, "resources", "requests", "cpu") == line(patch, "cpu: 500m")
    # Untouched: the base's lines
    assert at(api, *API_CONTAINER, "env", 0, "name") == line(BASE / "api.yaml", "name: DATABASE_URL")
    assert at(api, *API_CONTAINER, "ports", 0, "containerPort") == line(BASE / "api.yaml", "containerPort: 8080")
    assert at(api, "spec", "template", "spec", "containers", 1, "image") == line(BASE / "api.yaml", "fluent-bit")
    assert at(db, "spec", "volumeClaimTemplates", 0, "spec", "resources", "requests", "storage") == line(
        BASE / "postgres.yaml", "storage: 10Gi"
    )
    # The inline JSON patch: its lines inside the kustomization (a literal block keeps them)
    assert at(db, "spec", "replicas") == line(kust, "value: 2")
    assert at(db, *API_CONTAINER, "args", 1) == line(kust, "synchronous_commit")
    # A generated ConfigMap's values: the literal's line
    settings = objs[("ConfigMap", "prod-api-settings")]
    assert at(settings, "data", "ORDERS_TIMEOUT_MS") == line(kust, "ORDERS_TIMEOUT_MS=800")
    shop_config = objs[("ConfigMap", "prod-shop-config")]
    assert at(shop_config, "data", "DATABASE_URL") == line(kust, "DATABASE_URL=postgres://prod-postgres")


def test_staging_overlay() -> None:
    result = rendered(STAGING, root=SHOP)
    assert result.errors == []
    objs = by_id(result)
    api = objs[("Deployment", "staging-api")]
    assert api.get("spec", "replicas") == 1
    containers = api.get("spec", "template", "spec", "containers")
    assert [c["name"] for c in containers] == ["api"]  # $patch: delete removed the sidecar
    assert containers[0]["image"] == "registry.example.com/shop/api-canary:2.5.0-rc1"
    assert containers[0]["readinessProbe"] == {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5}
    probe = STAGING / "api-probe.yaml"
    assert at(api, *API_CONTAINER, "readinessProbe", "httpGet", "path") == line(probe, "value: /ready")
    assert at(api, *API_CONTAINER, "readinessProbe", "httpGet", "port") == line(BASE / "api.yaml", "port: http")
    assert at(api, *API_CONTAINER, "image") == line(STAGING / "kustomization.yaml", "newTag: 2.5.0-rc1")
    assert objs[("ConfigMap", "staging-api-settings")].get("data") == {"FEATURE_FLAGS": "checkout-v2,search-beta"}
    # File sources: named in a note, never read; the base's URL still names the unprefixed Service
    kust = STAGING / "kustomization.yaml"
    config = BASE / "config.yaml"
    assert result.notes == [
        f"{shown_path(kust)}:{line_of(kust, 'name: api-settings')}:11: configMapGenerator 'api-settings': file "
        "and env sources not read ('flags.properties'): their keys are not in the generated ConfigMap",
        f"{shown_path(config)}:{line_of(config, 'DATABASE_URL')}:17: ConfigMap 'staging-shop-config' DATABASE_URL: "
        "host 'postgres' names Service 'postgres', renamed 'staging-postgres' by a prefix or suffix; Kustomize "
        "does not rewrite host names in values, so this call reaches no Service",
    ]
    # A generated Secret: its name only; its values are in no object and no note
    secret = objs[("Secret", "staging-api-credentials")]
    assert secret.data == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "staging-api-credentials", "namespace": "shop-staging", "labels": {"env": "staging"}},
        "type": "Opaque",
    }
    assert "never-shown" not in repr([r.data for r in result.resources]) + repr(result.notes)


def test_a_component_applies_to_its_parents_objects() -> None:
    """The demo overlay mixes in the tracing component: its Service joins, its inline patch (a plain
    string entry of `patches`, as real components write them) and annotations reach the base's
    objects, and the overlay's prefix renames all of them."""
    result = rendered(SHOP / "overlays" / "demo", root=SHOP)
    assert result.errors == []
    # The prefix breaks two URLs no overlay fixed: the component's collector URL and the base's database URL
    assert [n.split(": host ")[1].split(" names")[0] for n in result.notes] == ["'collector'", "'postgres'"]
    objs = by_id(result)
    assert ("Service", "demo-collector") in objs
    api = objs[("Deployment", "demo-api")]
    component = SHOP / "components" / "tracing" / "kustomization.yaml"
    env = api.get(*API_CONTAINER, "env")
    assert env[-1] == {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://collector:4317"}
    assert at(api, *API_CONTAINER, "env", len(env) - 1, "value") == line(component, "http://collector:4317")
    assert api.get("spec", "template", "metadata", "annotations") == {"tracing.example.com/enabled": "true"}
    assert at(api, "metadata", "annotations", "tracing.example.com/enabled") == line(component, "enabled:")
    # A component on its own renders nothing (Kustomize refuses to build one): a note, not an error
    alone = rendered(SHOP / "components" / "tracing")
    assert alone.resources == [] and alone.errors == []
    assert alone.notes == [
        f"{shown_path(component)}:1:1: a Component: rendered only within a kustomization that names it"
    ]


def test_a_broken_component_keeps_the_parents_objects(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
    (tmp_path / "not-a-component").mkdir()
    (tmp_path / "not-a-component" / "kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "kustomization.yaml").write_text("")
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\ncomponents:\n  - not-a-component\n  - missing\n  - empty\n  - cm.yaml\n"
    )
    result = rendered(tmp_path)
    assert [r.name for r in result.resources] == ["cm"]
    shown = shown_path(tmp_path / "kustomization.yaml")
    assert [(str(e.loc), e.message.split(" ")[-1]) for e in result.errors] == [
        (f"{shown}:3:5", "kustomize.config.k8s.io/v1alpha1)"),
        (f"{shown}:4:5", "Component"),
        (f"{shown_path(tmp_path / 'empty' / 'kustomization.yaml')}:1:1", "file"),
        (f"{shown}:6:5", "Component"),
    ]


def test_a_host_outside_the_cluster_is_not_taken_for_a_renamed_service(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: urls\ndata:\n"
        "  PUBLIC_URL: https://api.example.com/v1\n  INTERNAL_URL: http://api.shop.svc.cluster.local:80\n"
        "  SHORT: api:80\n"
    )
    (tmp_path / "kustomization.yaml").write_text("resources: [all.yaml]\nnamespace: shop\nnameSuffix: -v2\n")
    notes = rendered(tmp_path).notes
    assert [n.split(" host ")[1].split(" ")[0] for n in notes] == ["'api.shop.svc.cluster.local'", "'api'"]


def test_base_alone_and_is_kustomization() -> None:
    result = rendered(BASE)
    assert [(r.kind, r.name, r.namespace) for r in result.resources] == [
        ("Deployment", "api", ""),
        ("Service", "api", ""),
        ("StatefulSet", "postgres", ""),
        ("Service", "postgres", ""),
        ("ConfigMap", "shop-config", ""),
    ]
    assert is_kustomization({"resources": ["a.yaml"]})
    assert is_kustomization({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"})
    assert not is_kustomization({"apiVersion": "v1", "kind": "ConfigMap", "resources": []})
    assert not is_kustomization({"kind": "Component", "resources": []})
    assert not is_kustomization({"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component"})
    assert not is_kustomization(["resources"]) and not is_kustomization({"data": 1})
    assert kustomization_file(BASE) == BASE / "kustomization.yaml" and kustomization_file(FIXTURES) is None


def test_render_is_deterministic() -> None:
    def snapshot(result: Rendered) -> tuple:
        return (
            [
                (r.shown, r.data, sorted(r.parsed.keys.items()), sorted(r.parsed.values.items()))
                for r in result.resources
            ],
            [str(e) for e in result.errors],
            result.notes,
            result.files,
        )

    for folder in (PROD, STAGING, BAD / "broken"):
        assert snapshot(rendered(folder, root=folder.parent.parent)) == snapshot(
            rendered(folder, root=folder.parent.parent)
        )


def test_every_rendered_value_is_located() -> None:
    for folder in (PROD, STAGING):
        for res in rendered(folder, root=SHOP).resources:
            missing = [p for p in _paths(res.data) if res.loc(*p) is None]
            assert missing == [], (res.name, missing[:3])


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


# --------------------------------------------------------------------------- refused and noted


def test_a_path_outside_the_folder_is_refused_with_its_line() -> None:
    folder = BAD / "escape"
    result = rendered(folder)
    kust = folder / "kustomization.yaml"
    messages = {(Path(e.loc.file).resolve(), e.loc.line): e.message for e in result.errors}
    assert "leads outside the folder being rendered" in messages[line(kust, "../outside.yaml")]
    assert "relative to the kustomization's folder" in messages[line(kust, "/etc/hostname")]
    assert [r.name for r in result.resources] == ["here"]  # the rest still rendered
    # Inside a wider root, the same path is fine
    assert [r.name for r in rendered(folder, root=BAD).resources] == ["outside", "here"]


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secret\n", encoding="utf-8")
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(outside)
    (folder / "patches").symlink_to(tmp_path)
    (folder / "kustomization.yaml").write_text(
        "resources:\n  - link.yaml\npatches:\n  - path: patches/secret.yaml\n", encoding="utf-8"
    )
    result = rendered(folder)
    assert result.resources == []
    assert [(e.loc.line, "leads outside" in e.message) for e in result.errors] == [(2, True), (4, True)]


def test_a_fifo_or_device_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    os.mkfifo(folder / "pipe.yaml")
    (folder / "kustomization.yaml").write_text("resources:\n  - pipe.yaml\n", encoding="utf-8")
    result = rendered(folder)
    assert len(result.errors) == 1 and "not a regular file" in result.errors[0].message
    assert result.errors[0].loc == Loc(shown_path(folder / "kustomization.yaml"), 2, 5)


def test_a_cycle_is_refused() -> None:
    result = rendered(BAD / "cycle-a", root=BAD)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert "cycle" in error.message
    assert (Path(error.loc.file).resolve(), error.loc.line) == line(
        BAD / "cycle-b" / "kustomization.yaml", "../cycle-a"
    )
    assert [r.name for r in result.resources] == ["in-cycle"]


def test_depth_is_bounded(tmp_path: Path) -> None:
    for level in range(MAX_DEPTH + 3):
        folder = tmp_path / f"k{level}"
        folder.mkdir()
        (folder / "kustomization.yaml").write_text(f"resources:\n  - ../k{level + 1}\n", encoding="utf-8")
    result = rendered(tmp_path / "k0", root=tmp_path)
    assert len(result.errors) == 1 and f"more than {MAX_DEPTH} levels" in result.errors[0].message


def test_vars_are_substituted_after_every_transformer(tmp_path: Path) -> None:
    """The shape of kustomize's own wordpress example: `$(DB_SERVICE)` in a patch becomes the
    prefixed Service name; a var naming no object is a located error; unknown `$(X)` stay."""
    (tmp_path / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: app\n          image: app:1\n          args: [--db, $(DB_SERVICE)]\n"
        "          env:\n            - name: DB_HOST\n              value: $(DB_SERVICE):5432\n"
        "            - name: OTHER\n              value: $(NOT_A_VAR)\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  ports: [{port: 5432}]\n",
        encoding="utf-8",
    )
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [app.yaml]\nnamePrefix: demo-\nvars:\n"
        "  - name: DB_SERVICE\n    objref: {kind: Service, name: db, apiVersion: v1}\n"
        '  - name: DB_PORT\n    objref: {kind: Service, name: db}\n    fieldref: {fieldPath: "spec.ports[0].port"}\n'
        "  - name: MISSING\n    objref: {kind: Service, name: nowhere}\n",
        encoding="utf-8",
    )
    result = rendered(tmp_path)
    app = by_id(result)[("Deployment", "demo-app")]
    container = app.get(*API_CONTAINER)
    assert container["args"] == ["--db", "demo-db"]
    assert container["env"] == [
        {"name": "DB_HOST", "value": "demo-db:5432"},
        {"name": "OTHER", "value": "$(NOT_A_VAR)"},
    ]
    assert at(app, *API_CONTAINER, "env", 0, "value") == (tmp_path.resolve() / "app.yaml", 14)
    assert [(e.loc.line, e.message) for e in result.errors] == [(9, "vars: 'MISSING': no object (Service 'nowhere')")]


def test_a_diamond_of_folders_is_bounded(tmp_path: Path) -> None:
    """Each level lists the next twice: 2**16 builds unbounded; stopped at MAX_BUILDS, located."""
    for level in range(MAX_DEPTH):
        folder = tmp_path / f"k{level}"
        folder.mkdir()
        (folder / "kustomization.yaml").write_text(
            f"resources:\n  - ../k{level + 1}\n  - ../k{level + 1}\n", encoding="utf-8"
        )
    (tmp_path / f"k{MAX_DEPTH}").mkdir()
    (tmp_path / f"k{MAX_DEPTH}" / "kustomization.yaml").write_text("namespace: x\n", encoding="utf-8")
    result = rendered(tmp_path / "k0", root=tmp_path)
    assert [e.message for e in result.errors] == [
        f"more than {MAX_BUILDS:,} kustomizations rendered (a folder listed many times?); stopped"
    ]
    assert result.errors[0].loc is not None


def test_unsupported_fields_are_noted_with_their_line() -> None:
    folder = BAD / "unsupported"
    result = rendered(folder)
    kust = folder / "kustomization.yaml"
    assert result.errors == []
    assert [r.name for r in result.resources] == ["plain"]
    noted = {int(n.split(":")[1]): n for n in result.notes}
    assert "not rendered: generators: generator plugins" in noted[line_of(kust, "generators:")]
    assert "not rendered: helmCharts" in noted[line_of(kust, "helmCharts:")]
    assert "not rendered: replacements" in noted[line_of(kust, "replacements:")]
    assert "unknown field 'colourScheme'" in noted[line_of(kust, "colourScheme")]
    assert "remote resource" in noted[line_of(kust, "https://")] and "never fetched" in noted[line_of(kust, "https://")]
    assert len(result.notes) == 5


def test_broken_kustomization_reports_every_error_and_renders_the_rest() -> None:
    folder = BAD / "broken"
    result = rendered(folder)
    kust = folder / "kustomization.yaml"
    lines = sorted(e.loc.line for e in result.errors)
    assert lines == sorted(
        [
            line_of(kust, "missing.yaml"),
            line_of(kust, "nowhere.yaml"),
            line_of(kust, "name: not-there"),
            line_of(kust, "count: many"),
            line_of(kust, "images:"),
        ]
    )
    assert [r.name for r in result.resources] == ["plain"]


def test_json_patch_errors_are_located(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n")
    (folder / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\n"
        "patches:\n"
        "  - target: {kind: ConfigMap}\n"
        "    patch: |-\n"
        "      - op: remove\n"
        "        path: /data/missing\n"
        "      - op: add\n"
        "        path: /data/c\n"
        "        value: d\n"
        "      - op: frobnicate\n"
        "        path: /data\n"
    )
    result = rendered(folder)
    assert [(e.loc.line, e.message.split(": ", 1)[1]) for e in result.errors] == [
        (5, "no such path"),
        (10, "op is add, remove, replace, copy, move or test"),
    ]
    assert result.resources[0].data["data"] == {"a": "b", "c": "d"}


def test_strategic_merge_directives_not_applied_are_noted(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: c\n          image: c:1\n          args: [a, b]\n"
    )
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [d.yaml]\npatches:\n  - patch: |-\n      kind: Deployment\n      metadata: {name: d}\n"
        "      spec:\n        template:\n          spec:\n            containers:\n              - name: c\n"
        "                $deleteFromPrimitiveList/args: [a]\n            $setElementOrder/containers: [{name: c}]\n"
    )
    result = rendered(tmp_path)
    assert result.errors == []
    assert result.resources[0].get(*API_CONTAINER, "args") == ["a", "b"]  # not applied, and said so
    assert result.notes == [
        f"{shown_path(tmp_path / 'kustomization.yaml')}:11:17: not rendered: strategic-merge directive "
        "'$deleteFromPrimitiveList/args' ignored"
    ]


@pytest.mark.parametrize(
    ("pattern", "selected"),
    [
        ("api", ["api"]),
        ("api.*", ["api", "api-canary"]),
        ("(api|db)(-canary)?", ["api", "api-canary", "db"]),
        ("(a*)*b", None),
        ("(a)\\1", None),
        (".*.*.*.*x", None),
        ("[", None),
    ],
)
def test_patch_target_patterns(tmp_path: Path, pattern: str, selected: list[str] | None) -> None:
    """Target names are anchored regular expressions; a pattern Python would backtrack on for
    minutes (Kustomize's RE2 would not) is refused, located, not run."""
    (tmp_path / "cms.yaml").write_text(
        "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n}\n" for n in ("api", "api-canary", "db"))
    )
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [cms.yaml]\npatches:\n  - target:\n      name: '" + pattern + "'\n"
        "    patch: '[{op: add, path: /data, value: {patched: \"yes\"}}]'\n"
    )
    result = rendered(tmp_path)
    if selected is None:
        assert [e.loc.line for e in result.errors] == [4] and "patch target name" in result.errors[0].message
    else:
        assert result.errors == []
        assert [r.name for r in result.resources if r.data.get("data")] == selected


def test_a_folder_without_kustomization(tmp_path: Path) -> None:
    result = rendered(tmp_path)
    assert result.resources == [] and len(result.errors) == 1 and "holds no kustomization" in result.errors[0].message


# --------------------------------------------------------------------------- hostile input

_SEED = (PROD / "kustomization.yaml").read_text(encoding="utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=len(_SEED)),
    edits=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(_SEED)),
            st.sampled_from(["", ":", "- ", "\n", "  ", "{", "[", "$patch: delete", "../", "/", "0", "null", "|"]),
        ),
        max_size=4,
    ),
)
def test_mutated_kustomizations_give_located_errors_never_exceptions(tmp_path_factory, cut: int, edits) -> None:
    """Truncated and mutated copies of the prod overlay: the renderer reports, it never raises."""
    root = tmp_path_factory.mktemp("shop")
    (root / "base").mkdir()
    for name in ("kustomization.yaml", "api.yaml", "postgres.yaml", "config.yaml"):
        (root / "base" / name).write_bytes((BASE / name).read_bytes())
    (root / "prod").mkdir()
    (root / "prod" / "api-env.yaml").write_bytes((PROD / "api-env.yaml").read_bytes())
    text = _SEED.replace("../../base", "../base")[:cut]
    for offset, insert in edits:
        offset = min(offset, len(text))
        text = text[:offset] + insert + text[offset:]
    (root / "prod" / "kustomization.yaml").write_text(text, encoding="utf-8")
    result = rendered(root / "prod", root=root)
    for error in result.errors:
        assert isinstance(error, ModelError) and error.loc is not None, error
    for res in result.resources:
        assert isinstance(res.data, dict)


_WORDS = st.sampled_from(
    [
        "api",
        "postgres",
        "../base",
        "base",
        "/etc",
        "patch.yaml",
        "Deployment",
        "StatefulSet",
        "op",
        "replace",
        "add",
        "remove",
        "/spec/replicas",
        "/spec/template/spec/containers/0/env/-",
        "/a~1b/0",
        "/spec/template/spec/containers/²",
        "A=b",
        "B",
        "-",
        "$patch",
        "delete",
        "https://x/y",
        "..",
        "",
        "env=prod,tier in (a,b)",
        "!x",
        "app.*",
        "(",
    ]
)
_SCALARS = st.none() | st.booleans() | st.integers(-3, 5) | st.floats(allow_nan=False, allow_infinity=False) | _WORDS
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_WORDS, inner, max_size=3), max_leaves=10
)
_NAMES = st.sampled_from(["api", "postgres", "shop-config", "nothing"]) | _VALUES
_INLINE = (
    st.sampled_from(
        [
            '[{"op": "replace", "path": "/spec/replicas", "value": 4}]',
            '[{"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": {"name": "X", "value": "y"}}]',
            '[{"op": "remove", "path": "/spec/template/spec/containers/9"}, {"op": "move", "from": "/a", "path": "/"}]',
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 7\n",
            "kind: Deployment\nmetadata:\n  name: api\n$patch: delete\n",
            "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {ports: [{port: 80, $patch: delete}]}\n",
            "- op: test\n  path: /kind\n  value: Deployment\n",
            "{{{",
        ]
    )
    | _VALUES
)
_TARGET = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["Deployment", "StatefulSet", "Service", "ConfigMap"]) | _VALUES,
        "name": _NAMES,
        "group": st.sampled_from(["apps", ""]) | _VALUES,
        "version": _VALUES,
        "labelSelector": _WORDS,
        "annotationSelector": _WORDS,
    },
)


def _entries(**keys):
    return st.lists(st.fixed_dictionaries({}, optional=keys) | _VALUES, max_size=3)


_FIELDS = {
    "resources": st.lists(st.sampled_from(["../base", "patch.yaml", "..", "https://x/y", "missing"]) | _VALUES),
    "bases": _VALUES,
    "components": _VALUES,
    "namespace": _NAMES,
    "namePrefix": _NAMES,
    "nameSuffix": _VALUES,
    "commonLabels": st.dictionaries(_WORDS, _SCALARS) | _VALUES,
    "labels": _entries(pairs=st.dictionaries(_WORDS, _VALUES), includeSelectors=_VALUES, includeTemplates=_VALUES),
    "commonAnnotations": st.dictionaries(_WORDS, _VALUES) | _VALUES,
    "images": _entries(
        name=st.sampled_from(["postgres", "registry.example.com/shop/api"]) | _VALUES,
        newName=_VALUES,
        newTag=_VALUES,
        digest=_VALUES,
    ),
    "replicas": _entries(name=_NAMES, count=st.integers(-2, 9) | _VALUES),
    "patches": st.lists(
        st.fixed_dictionaries(
            {}, optional={"path": _NAMES, "patch": _INLINE, "target": _TARGET | _VALUES, "options": _VALUES}
        )
        | _INLINE,
        max_size=3,
    ),
    "patchesStrategicMerge": st.lists(_INLINE | st.just("patch.yaml"), max_size=3),
    "patchesJson6902": _entries(target=_TARGET | _VALUES, patch=_INLINE, path=_NAMES),
    "configMapGenerator": _entries(
        name=_NAMES,
        literals=st.lists(_WORDS) | _VALUES,
        files=_VALUES,
        behavior=st.sampled_from(["merge", "replace", "create"]) | _VALUES,
        options=_VALUES,
        namespace=_VALUES,
    ),
    "secretGenerator": _entries(name=_NAMES, literals=st.lists(_WORDS) | _VALUES, type=_VALUES),
    "generatorOptions": st.fixed_dictionaries({}, optional={"labels": _VALUES, "annotations": _VALUES}) | _VALUES,
    "vars": _VALUES,
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({}, optional=_FIELDS))
def test_arbitrary_kustomization_values_give_located_errors_never_exceptions(tmp_path_factory, fields) -> None:
    """Every field with values of every shape (JSON is YAML): reports, never a traceback."""
    import json

    root = tmp_path_factory.mktemp("k")
    (root / "base").mkdir()
    for name in ("kustomization.yaml", "api.yaml", "postgres.yaml", "config.yaml"):
        (root / "base" / name).write_bytes((BASE / name).read_bytes())
    (root / "app").mkdir()
    (root / "app" / "patch.yaml").write_bytes((PROD / "api-env.yaml").read_bytes())
    (root / "app" / "kustomization.yaml").write_text(json.dumps({"resources": ["../base"], **fields}), encoding="utf-8")
    result = rendered(root / "app", root=root)
    for error in result.errors:
        assert isinstance(error, ModelError) and error.loc is not None, error
    for res in result.resources:
        assert isinstance(res.data, dict)
        assert all(res.loc(*p) is not None for p in _paths(res.data))


# --------------------------------------------------------------------------- end to end


def test_end_to_end_prod_overlay_through_the_importer() -> None:
    result = import_paths([PROD])
    assert result.errors == []
    elements = {el.id: el for el in result.elements}
    assert sorted(elements) == ["prod-api", "prod-postgres"]
    api, db = elements["prod-api"], elements["prod-postgres"]
    assert api.section == "services" and db.section == "stores"
    assert api.data["replicas"] == 3
    assert (Path(api.locs[("replicas",)].file).resolve(), api.locs[("replicas",)].line) == line(
        PROD / "kustomization.yaml", "count: 3"
    )
    assert db.data["engine"] == "postgres"
    # the call found through the ConfigMap the overlay merged into, named with its overlay line
    assert [c["to"] for c in api.data["calls"]] == ["prod-postgres"]
    assert f"kustomization.yaml:{line_of(PROD / 'kustomization.yaml', 'DATABASE_URL=')})" in " ".join(api.notes)
    assert result.data["system"]["name"] == "shop-prod"


def test_end_to_end_a_tree_renders_each_overlay_once_and_no_base_twice() -> None:
    """Given the whole tree, the base (included by both overlays) is not rendered on its own; patch
    files inside the overlays are not read as manifests."""
    result = import_paths([SHOP])
    assert result.errors == []
    workloads = sorted(el.id for el in result.elements)
    assert workloads == ["demo-api", "demo-postgres", "prod-api", "prod-postgres", "staging-api", "staging-postgres"]


@pytest.mark.parametrize("name", ["kustomization.yml", "Kustomization"])
def test_other_file_names(tmp_path: Path, name: str) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
    (tmp_path / name).write_text("resources: [cm.yaml]\nnameSuffix: -x\n")
    result = rendered(tmp_path)
    assert [r.name for r in result.resources] == ["cm-x"]
    assert result.resources[0].loc("metadata", "name") == Loc(shown_path(tmp_path / "cm.yaml"), 4, 9)
