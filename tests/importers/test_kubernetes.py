"""The Kubernetes importer, end to end: draft, round trip, review located in the manifests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pacelc.importers import SYSTEM, import_paths
from pacelc.importers.draft import render_draft
from pacelc.importers.kubernetes import K8S_DEFAULTS
from pacelc.model import load
from pacelc.model.loader import load_data
from tests.helpers import line_of, run

SHOP = Path(__file__).parent / "fixtures" / "k8s-shop"
GOLDEN = Path(__file__).parent / "golden" / "k8s-shop.yaml"
SECRETS = ("hunter2-never-printed", "YW1xcDovL2d1ZXN0OnNlY3JldEBicm9rZXI6NTY3Mg==", "guest:secret")


@pytest.fixture
def in_shop(monkeypatch):
    monkeypatch.chdir(SHOP)


def loaded():
    result = import_paths(["."])
    return result, load_data(result.data, result.sources, result.files)


def test_draft_is_golden(in_shop) -> None:
    """Regenerate after an intended change: PACELC_REGEN=1 python -m pytest tests/importers."""
    draft = render_draft(import_paths(["."]))
    if os.environ.get("PACELC_REGEN"):
        GOLDEN.write_text(draft, encoding="utf-8")
    assert draft == GOLDEN.read_text(encoding="utf-8")
    assert render_draft(import_paths(["."])) == draft  # deterministic


def test_draft_round_trips_to_the_same_model(in_shop, tmp_path) -> None:
    result, in_memory = loaded()
    draft = tmp_path / "draft.yaml"
    draft.write_text(render_draft(result), encoding="utf-8")
    assert load(draft).model == in_memory.model


def test_what_is_read(in_shop) -> None:
    result, model_and_sources = loaded()
    model = model_and_sources.model
    services = {s.id: s for s in model.services}
    stores = {s.id: s for s in model.stores}
    assert model.system.name == "shop"  # the one namespace
    assert sorted(services) == ["api", "frontend", "log-agent", "worker"]
    assert {k: (s.kind, s.engine) for k, s in stores.items()} == {
        "orders-db": ("database", "postgres"),
        "cache": ("cache", "redis"),
        "broker": ("queue", "rabbitmq"),
    }
    # spec.replicas; the HPA's floor; Kubernetes' documented default 1
    assert (services["frontend"].replicas, services["api"].replicas, services["worker"].replicas) == (2, 3, 1)
    assert K8S_DEFAULTS["replicas"][0] == 1 and "kubernetes.io/docs" in K8S_DEFAULTS["replicas"][1]
    # Services resolved through their selectors: FQDN, svc.ns, a StatefulSet pod's DNS name, a ConfigMap
    # value, a connection string, an argument
    assert [c.to for c in services["frontend"].calls] == ["api"]
    assert [c.to for c in services["api"].calls] == ["cache", "orders-db"]
    assert [c.to for c in services["worker"].calls] == ["broker", "orders-db"]
    for service in services.values():
        for call in service.calls:
            assert call.timeout is None and call.retry is None
    # probe defaults from the documented table where the manifest sets none
    detector = services["frontend"].failure_detector
    assert detector is not None and (detector.interval_ms, detector.timeout_ms, detector.threshold) == (5000, 1000, 3)
    # volumes: a claim template is persistent, emptyDir is not, hostPath is node-local (said)
    assert stores["orders-db"].durability.persistent is True
    assert stores["cache"].durability.persistent is False
    assert stores["broker"].durability.persistent is True and stores["broker"].replicas == 1
    notes = {el.id: el.notes for el in result.elements}
    assert any("storage class ssd, access ReadWriteOnce" in n for n in notes["orders-db"])
    assert any("node-local" in n for n in notes["broker"])
    assert any("ephemeral" in n for n in notes["cache"])
    # where the data lives: emptyDir, hostPath; a claim whose StorageClass is not among the manifests is unknown
    assert stores["cache"].durability.storage == "ephemeral"
    assert stores["broker"].durability.storage == "node_local"
    assert stores["orders-db"].durability.storage is None
    assert any(u.startswith("storage unknown: volumeClaimTemplate data") for u in result.unknowns["orders-db"])
    # disruption budgets: the PDB that selects the pods, `none` where none does, nothing for a DaemonSet
    assert services["api"].disruption_budget.min_available == 2
    assert services["frontend"].disruption_budget == "none"
    assert services["log-agent"].disruption_budget is None
    # zone spread said only where the manifest says it; no zone is ever named
    assert any(n.startswith("spread across zones: topologySpreadConstraints") for n in notes["frontend"])
    assert any(n.startswith("spread across zones: podAntiAffinity") for n in notes["api"])
    assert not any("spread across zones" in n for n in notes["worker"])
    assert model.regions == [] and all(s.placement is None for s in model.services)
    assert any(u.startswith("replicas unknown: a DaemonSet") for u in result.unknowns["log-agent"])
    assert any(u.startswith("failure domains unknown") for u in result.unknowns[SYSTEM])


def test_replicas_are_located_at_the_line_to_change(in_shop) -> None:
    _, got = loaded()
    replicas = {s.id: got.sources.locate(("services", s.id, "replicas")) for s in got.model.services}
    assert (replicas["frontend"].file, replicas["frontend"].line) == (
        "base/frontend.yaml",
        line_of(SHOP / "base/frontend.yaml", "replicas: 2"),
    )
    assert replicas["api"].line == line_of(SHOP / "base/api.yaml", "minReplicas: 3")
    # absent spec.replicas: the Deployment's metadata.name line
    assert (replicas["worker"].file, replicas["worker"].line) == (
        "base/worker.yaml",
        line_of(SHOP / "base/worker.yaml", "name: worker"),
    )


def test_review_locates_findings_in_the_manifests(in_shop) -> None:
    code, out, err = run("review", ".", "--format", "json")
    assert code == 0, err
    # manifests state no client timeout: one FLR001 for the system, at the first call's env entry
    (unstated,) = [f for f in json.loads(out)["findings"] if f["rule"] == "FLR001"]
    assert {"frontend.api", "api.cache"} <= set(unstated["evidence"]["calls"])
    sources = loaded()[1].sources
    frontend_api = sources.locate(("services", "frontend", "calls", "api"))
    assert frontend_api is not None and (frontend_api.file, frontend_api.line) == (
        "base/frontend.yaml",
        line_of(SHOP / "base/frontend.yaml", "http://api.shop.svc.cluster.local"),
    )
    # a value from a ConfigMap: the env entry that takes it (the finding points at this first call)
    api_cache = sources.locate(("services", "api", "calls", "cache"))
    assert api_cache is not None and api_cache.line == line_of(SHOP / "base/api.yaml", "- name: CACHE_ADDR")
    assert (unstated["location"]["file"], unstated["location"]["line"]) == ("base/api.yaml", api_cache.line)
    assert run("review", ".", "--fail-on", "medium")[0] == 1


def test_secret_values_never_appear(in_shop) -> None:
    draft = render_draft(import_paths(["."]))
    outputs = [draft, *(run("review", ".", "--format", fmt)[1] for fmt in ("terminal", "json", "markdown"))]
    for text in outputs:
        for secret in SECRETS:
            assert secret not in text
    assert "env DB_PASSWORD from Secret api-secrets (not read)" in draft


def test_skipped_kinds_are_listed_once(in_shop) -> None:
    result = import_paths(["."])
    reasons = [s.reason for s in result.skipped]
    assert "kind Role (2 objects): not used by pacelc" in reasons
    assert {r.split(" ")[1].rstrip(":") for r in reasons} == {
        "CustomResourceDefinition",
        "Ingress",
        "NetworkPolicy",
        "Role",
        "RoleBinding",
        "ServiceAccount",
    }
    code, _, err = run("import", ".")
    assert code == 0 and err.count("kind Role (2 objects)") == 1 and err.count("kind Ingress") == 1


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: main
          image: example/{name}:1
"""


def test_syntax_error_is_located_exits_2_and_other_files_are_read(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write("k8s/good.yaml", DEPLOYMENT.format(name="good"))
    write("k8s/bad.yaml", DEPLOYMENT.format(name="bad") + "---\nkind: Service\nmetadata: {name: [oops\n")
    result = import_paths(["k8s"])
    assert len(result.errors) == 1 and result.errors[0].loc.file == "k8s/bad.yaml"
    assert result.files == ("k8s/good.yaml",)
    for command in ("review", "import"):
        code, _, err = run(command, "k8s")
        assert code == 2 and "Traceback" not in err
        assert err.splitlines()[0].startswith("k8s/bad.yaml:16:"), err


def test_a_helm_chart_stops_with_the_render_command(write, tmp_path, monkeypatch) -> None:
    # Without Helm's SDK (the `helm` extra); with it, charts render (tests/importers/test_helm.py).
    from pacelc.importers import helm

    monkeypatch.setattr(helm, "available", lambda: False)
    monkeypatch.chdir(tmp_path)
    write("chart/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    write("chart/templates/deployment.yaml", "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
    write("tpl/templates/svc.yaml", 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include "x" . }}\n')
    for path, shown in (("chart", "chart"), ("tpl", "tpl")):
        for command in ("import", "review"):
            code, _, err = run(command, path)
            assert code == 2 and "Traceback" not in err, err
            assert f"`helm template NAME {shown} > rendered.yaml`" in err


def test_compose_beside_manifests_is_refused(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write("docker-compose.yml", "services:\n  api:\n    image: nginx\n")
    write("k8s.yaml", DEPLOYMENT.format(name="api"))
    code, _, err = run("review", ".")
    assert code == 2 and "not supported yet" in err and "docker-compose.yml:1:1" in err


def test_same_name_in_two_namespaces_is_a_located_error(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    one = DEPLOYMENT.format(name="api").replace("  name: api\n", "  name: api\n  namespace: a\n")
    two = DEPLOYMENT.format(name="api").replace("  name: api\n", "  name: api\n  namespace: b\n")
    write("k8s.yaml", one + "---\n" + two)
    code, _, err = run("import", "k8s.yaml")
    assert code == 2 and err.startswith("k8s.yaml:18:") and "k8s.yaml:4" in err


POSTGRES = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: db
          image: postgres:16
          volumeMounts: [{{name: data, mountPath: /var/lib/postgresql/data}}]
  volumeClaimTemplates:
    - metadata: {{name: data}}
      spec: {{accessModes: [ReadWriteOnce]{storage_class}}}
"""

STORAGE_CLASSES = """apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: rancher.io/local-path
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: regional}
provisioner: pd.csi.storage.gke.io
parameters: {type: pd-ssd, replication-type: regional-pd}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: mystery}
provisioner: example.com/own-driver
"""


def test_storage_comes_from_the_storage_class_among_the_manifests(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    dbs = [
        POSTGRES.format(name="default-db", replicas=1, storage_class=""),
        POSTGRES.format(name="regional-db", replicas=1, storage_class=", storageClassName: regional"),
        POSTGRES.format(name="mystery-db", replicas=1, storage_class=", storageClassName: mystery"),
    ]
    write("k8s/dbs.yaml", "---\n".join(dbs))
    write("k8s/classes.yaml", STORAGE_CLASSES)
    result, loaded_model = loaded()
    stores = {s.id: s for s in loaded_model.model.stores}
    # no class named: the class annotated as the default, a node-local provisioner
    assert stores["default-db"].durability.storage == "node_local"
    assert stores["regional-db"].durability.storage == "replicated"
    assert stores["mystery-db"].durability.storage is None
    assert any("example.com/own-driver is not in pacelc's table" in u for u in result.unknowns["mystery-db"])
    # the storage is located at the claim template that asks for the class
    loc = loaded_model.sources.locate(("stores", "default-db", "durability", "storage"))
    assert loc is not None and (loc.file, loc.line) == ("k8s/dbs.yaml", 16)


PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}}}
spec:
  {key}: {value}
  selector: {{matchLabels: {{app: {name}}}}}
"""


def test_disruption_budget_percentages_round_up_to_replicas(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    web = DEPLOYMENT.format(name="web").replace("spec:\n  selector", "spec:\n  replicas: 3\n  selector", 1)
    api = DEPLOYMENT.format(name="api").replace("spec:\n  selector", "spec:\n  replicas: 3\n  selector", 1)
    odd = DEPLOYMENT.format(name="odd").replace("spec:\n  selector", "spec:\n  replicas: 2\n  selector", 1)
    write("k8s/apps.yaml", "---\n".join([web, api, odd]))
    pdbs = [
        PDB.format(name="web", key="maxUnavailable", value='"50%"'),
        PDB.format(name="api", key="minAvailable", value='"100%"'),
        PDB.format(name="odd", key="minAvailable", value="most"),
    ]
    write("k8s/pdbs.yaml", "---\n".join(pdbs))
    result, loaded_model = loaded()
    services = {s.id: s for s in loaded_model.model.services}
    assert services["web"].disruption_budget.max_unavailable == 2  # 50% of 3, rounded up
    assert services["api"].disruption_budget.min_available == 3
    assert services["odd"].disruption_budget is None  # a budget that says nothing usable: unknown, not `none`
    assert any(u.startswith("disruption budget unknown: minAvailable 'most'") for u in result.unknowns["odd"])
    loc = loaded_model.sources.locate(("services", "web", "disruption_budget", "max_unavailable"))
    assert loc is not None and (loc.file, loc.line) == ("k8s/pdbs.yaml", 5)
