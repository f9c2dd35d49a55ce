"""The Kubernetes importer: rendered manifests (Deployment, StatefulSet, DaemonSet and what
refers to them) to pacelc services and stores.

Only rendered manifests are read: a Kustomize overlay is rendered first (`kustomize.render`), a
Helm chart by its own tool (the import stops with the command). What a manifest says is taken as
written; the Kubernetes defaults applied when a field is absent come only from `K8S_DEFAULTS`
(each with the API version and the page that documents it); what a manifest cannot say (client
timeouts and retries, the zones a cluster has) stays unknown and is named per element.

Secrets: a Secret's name is recorded, never its `data`/`stringData` (they are not even looked at),
and an env value taken from a Secret is named as such and not resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pacelc.importers import engines
from pacelc.importers.compose import _REPLICA_MARKERS, Element, StoreMount, engine_store_facts, hosts_in
from pacelc.importers.storage import class_storage
from pacelc.model.loader import ModelError
from pacelc.model.schema import MAX_REPLICAS
from pacelc.model.source import Loc, Path
from pacelc.model.yamlfile import Parsed, excerpt

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
# Kinds read for what they say about the workloads (the rest are listed as skipped).
USED = (
    *WORKLOADS,
    "Service",
    "ConfigMap",
    "Secret",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "StorageClass",
    "PersistentVolumeClaim",
)

# The Kubernetes defaults the importer applies when a field is absent: (what, source). Kubernetes
# API reference v1.30; nothing else is filled in.
K8S_DEFAULTS = {
    "replicas": (
        1,
        "Kubernetes v1.30 API reference, DeploymentSpec/StatefulSetSpec (replicas: defaults to 1): "
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/",
    ),
    "hpa_min_replicas": (
        1,
        "Kubernetes v1.30 API reference, HorizontalPodAutoscalerSpec (minReplicas: defaults to 1): "
        "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/",
    ),
    "probe": (
        {"periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 3},
        "Kubernetes v1.30, Configure Liveness, Readiness and Startup Probes (periodSeconds 10, timeoutSeconds 1, "
        "failureThreshold 3): https://kubernetes.io/docs/tasks/configure-pod-container/"
        "configure-liveness-readiness-startup-probes/",
    ),
}
DEFAULTS_USED = tuple(source for _, source in K8S_DEFAULTS.values())

ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")


@dataclass
class Resource:
    """One Kubernetes object: its data and where its fields are (a `kind: List` item has a prefix)."""

    shown: str
    parsed: Parsed
    prefix: Path
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.data.get("kind"))

    @property
    def name(self) -> str:
        meta = self.data.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, dict) and meta.get("name") is not None else ""

    @property
    def namespace(self) -> str:
        meta = self.data.get("metadata")
        # "" is "the namespace given at apply time": it matches only other objects with none.
        return str(meta.get("namespace") or "") if isinstance(meta, dict) else ""

    def loc(self, *path: str | int) -> Loc | None:
        full = (*self.prefix, *path)
        return self.parsed.values.get(full) or self.parsed.keys.get(full)

    @property
    def name_loc(self) -> Loc:
        return self.loc("metadata", "name") or self.loc("kind") or Loc(self.shown, 1, 1)

    def get(self, *path: str | int) -> Any:
        node: Any = self.data
        for part in path:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                return None
        return node

    def where(self, *path: str | int) -> str:
        loc = self.loc(*path) or self.name_loc
        return f"{loc.file}:{loc.line}"


@dataclass
class K8sResult:
    elements: list[Element]
    system_unknowns: list[str]
    errors: list[ModelError]
    skipped: list[tuple[Loc, str]] = field(default_factory=list)
    name: str | None = None  # the namespace, when every workload is in the same one


def resources_of(shown: str, parsed: Parsed) -> list[Resource]:
    """The objects of one document: itself, or the items of a `kind: List`."""
    data = parsed.data
    if data.get("kind") == "List" and isinstance(data.get("items"), list):
        return [
            Resource(shown, parsed, ("items", i), item)
            for i, item in enumerate(data["items"])
            if isinstance(item, dict) and isinstance(item.get("kind"), str)
        ]
    return [Resource(shown, parsed, (), data)]


def _matches(selector: Any, labels: Any) -> bool:
    """A label selector (a Service's plain map, or matchLabels/matchExpressions) against labels."""
    if not isinstance(selector, dict) or not selector or not isinstance(labels, dict):
        return False
    plain = selector if "matchLabels" not in selector and "matchExpressions" not in selector else None
    match_labels = plain if plain is not None else (selector.get("matchLabels") or {})
    if not isinstance(match_labels, dict):
        return False
    if any(str(labels.get(k)) != str(v) for k, v in match_labels.items()):
        return False
    for expr in selector.get("matchExpressions") or [] if plain is None else []:
        if not isinstance(expr, dict):
            return False
        key, op, values = expr.get("key"), expr.get("operator"), [str(v) for v in expr.get("values") or []]
        has, value = key in labels, str(labels.get(key))
        if (
            (op == "In" and not (has and value in values))
            or (op == "NotIn" and has and value in values)
            or (op == "Exists" and not has)
            or (op == "DoesNotExist" and has)
        ):
            return False
    return bool(match_labels) or bool(selector.get("matchExpressions"))


def import_kubernetes(resources: Iterable[Resource]) -> K8sResult:
    """Import Kubernetes objects (in file order) into pacelc elements."""
    errors: list[ModelError] = []
    workloads: dict[str, Resource] = {}
    by_kind: dict[str, list[Resource]] = {}
    skipped: dict[str, list[Resource]] = {}
    for res in resources:
        if res.kind not in USED:
            skipped.setdefault(res.kind, []).append(res)
            continue
        if not res.name:
            errors.append(ModelError(res.loc("kind") or Loc(res.shown, 1, 1), f"{res.kind} with no metadata.name"))
            continue
        by_kind.setdefault(res.kind, []).append(res)
        if res.kind in WORKLOADS:
            if res.name in workloads:
                first = workloads[res.name]
                errors.append(
                    ModelError(
                        res.name_loc,
                        f"workload {excerpt(res.name)} is also defined at {first.name_loc} ({first.kind}"
                        f"{' in ' + first.namespace if first.namespace else ''}): element ids would clash; "
                        "import one namespace at a time",
                    )
                )
                continue
            if not isinstance(res.get("spec", "template", "spec", "containers"), list):
                errors.append(
                    ModelError(res.name_loc, f"{res.kind} {excerpt(res.name)}: no spec.template.spec.containers")
                )
                continue
            workloads[res.name] = res
    ctx = _Context(workloads, by_kind)
    elements: dict[str, Element] = {name: ctx.element(res) for name, res in workloads.items()}
    for name, res in workloads.items():
        ctx.calls(res, elements[name], elements)
    for service in by_kind.get("Service", []):
        if not ctx.selected(service) and service.get("spec", "type") != "ExternalName":
            elements_note = f"Service {service.name} at {service.where('metadata', 'name')} selects no workload here"
            ctx.system_notes.append(elements_note)
    system_unknowns = [
        "failure domains unknown: manifests name no zones or regions (the nodes' topology.kubernetes.io/zone labels "
        "are set by the cluster, not here), so no element has a placement; an overlay model would add them",
        *ctx.system_notes,
    ]
    skipped_list = sorted(
        (
            (
                group[0].loc("kind") or Loc(group[0].shown, 1, 1),
                f"kind {kind}" + (f" ({len(group)} objects)" if len(group) > 1 else "") + ": not used by pacelc",
            )
            for kind, group in skipped.items()
        ),
        key=lambda item: (item[0].file, item[0].line, item[0].col),
    )
    namespaces = {res.namespace for res in workloads.values()}
    # One namespace names the system; several (or none) leave the name to the importer's default.
    name = next(iter(namespaces)) if len(namespaces) == 1 and "" not in namespaces else None
    return K8sResult(list(elements.values()), system_unknowns, errors, skipped_list, name)


class _Context:
    def __init__(self, workloads: dict[str, Resource], by_kind: dict[str, list[Resource]]) -> None:
        self.workloads = workloads
        self.by_kind = by_kind
        self.system_notes: list[str] = []
        self.config_maps = {(r.namespace, r.name): r for r in by_kind.get("ConfigMap", [])}
        self.secrets = {(r.namespace, r.name) for r in by_kind.get("Secret", [])}
        self.claims = {(r.namespace, r.name): r for r in by_kind.get("PersistentVolumeClaim", [])}
        # Indexes, so that resolving every host and Service stays linear in the manifests (scanning
        # every workload per Service took 30 s for 2,000 of each).
        self.services: dict[tuple[str, str], Resource] = {}
        for service in by_kind.get("Service", []):
            self.services.setdefault((service.name, service.namespace), service)
        self.by_label: dict[tuple[str, str, str], list[str]] = {}  # (namespace, key, value) -> workloads
        self.by_namespace: dict[str, list[str]] = {}
        for name, res in workloads.items():
            self.by_namespace.setdefault(res.namespace, []).append(name)
            labels = self.pod_labels(res)
            for key, value in labels.items() if isinstance(labels, dict) else ():
                self.by_label.setdefault((res.namespace, str(key), str(value)), []).append(name)
        self._selected: dict[int, list[str]] = {}
        self.autoscalers: dict[tuple[str, str, str], list[Resource]] = {}  # (namespace, kind, name) targeted
        for hpa in by_kind.get("HorizontalPodAutoscaler", []):
            target = hpa.get("spec", "scaleTargetRef")
            if isinstance(target, dict):
                key = (hpa.namespace, str(target.get("kind")), str(target.get("name")))
                self.autoscalers.setdefault(key, []).append(hpa)
        self.budgets: dict[str, list[Resource]] = {}  # namespace -> its PodDisruptionBudgets
        for pdb in by_kind.get("PodDisruptionBudget", []):
            self.budgets.setdefault(pdb.namespace, []).append(pdb)

    def pod_labels(self, res: Resource) -> Any:
        return res.get("spec", "template", "metadata", "labels")

    def selected(self, service: Resource) -> list[str]:
        """The workloads a Service sends traffic to: its selector matches their pod template labels."""
        found = self._selected.get(id(service))
        if found is None:
            selector = service.get("spec", "selector")
            candidates = self._candidates(selector, service.namespace)
            found = [name for name in candidates if _matches(selector, self.pod_labels(self.workloads[name]))]
            self._selected[id(service)] = found
        return found

    def _candidates(self, selector: Any, namespace: str) -> list[str]:
        """Workloads that may match a selector, in manifest order: those carrying every plain label
        it asks for (the exact test, expressions included, is `_matches`)."""
        if not isinstance(selector, dict):
            return []
        plain = selector if "matchLabels" not in selector and "matchExpressions" not in selector else None
        wanted = plain if plain is not None else selector.get("matchLabels")
        if not isinstance(wanted, dict) or not wanted:
            return self.by_namespace.get(namespace, [])
        sets = [self.by_label.get((namespace, str(k), str(v)), []) for k, v in wanted.items()]
        smallest = min(sets, key=len)
        others = [set(group) for group in sets if group is not smallest]
        return [name for name in smallest if all(name in group for group in others)]

    # ------------------------------------------------------------------------- elements

    def element(self, res: Resource) -> Element:
        containers = [c for c in res.get("spec", "template", "spec", "containers") if isinstance(c, dict)]
        row, engine_index = None, -1
        for index, container in enumerate(containers):
            row = engines.lookup(str(container.get("image") or ""))
            if row is not None:
                engine_index = index
                break
        image = str(containers[engine_index].get("image")) if row is not None else None
        if row is None:
            el = Element("services", res.name, {"id": res.name}, res.name_loc)
        else:
            el = Element("stores", res.name, {"id": res.name, "kind": row.kind, "engine": row.engine}, res.name_loc)
        el.notes.append(f"{res.kind}{' in namespace ' + res.namespace if res.namespace else ''}")
        for index, container in enumerate(containers):
            if not container.get("image"):
                el.unknowns.append(f"container {container.get('name')}: no image")
            elif index != engine_index:
                el.notes.append(f"container {container.get('name')}: image {container.get('image')}")
        replicas = self.replicas(res, el)
        if row is None:
            if replicas is not None:
                el.data["replicas"] = replicas
            self.probe(res, containers, el)
        else:
            self.store(res, el, row, image or "", containers[engine_index], replicas)
        self.spread(res, el)
        self.disruption_budgets(res, el)
        if row is None:
            for mount in self.mounts(res, containers):
                if mount.kept:
                    el.unknowns.append(
                        f"stateful unknown: writes to {mount.words} at {mount.loc.file}:{mount.loc.line}; no image "
                        "is in the engine table, so it is imported as a service"
                    )
        return el

    def replicas(self, res: Resource, el: Element) -> int | None:
        """spec.replicas, the HPA's minReplicas when one targets the workload, or Kubernetes' default 1."""
        for hpa in self.autoscalers.get((res.namespace, res.kind, res.name), ()):
            low, high = hpa.get("spec", "minReplicas"), hpa.get("spec", "maxReplicas")
            if low is None:
                low, source = K8S_DEFAULTS["hpa_min_replicas"]
                el.notes.append(f"HorizontalPodAutoscaler {hpa.name}: minReplicas absent, {low} ({source})")
                el.locs[("replicas",)] = hpa.name_loc
            elif isinstance(low, int) and not isinstance(low, bool) and low >= 1:
                el.locs[("replicas",)] = hpa.loc("spec", "minReplicas") or hpa.name_loc
            else:
                el.unknowns.append(f"replicas unknown: HorizontalPodAutoscaler {hpa.name} minReplicas {low!r}")
                return None
            el.notes.append(
                f"replicas: {low} to {high} by HorizontalPodAutoscaler {hpa.name} at "
                f"{hpa.where('spec', 'minReplicas')} (the floor is counted)"
            )
            return int(low)
        if res.kind == "DaemonSet":
            el.unknowns.append("replicas unknown: a DaemonSet runs one pod per matching node; the nodes are not named")
            return None
        value = res.get("spec", "replicas")
        if value is None:
            default, source = K8S_DEFAULTS["replicas"]
            el.notes.append(f"replicas: {default} (no spec.replicas: {source})")
            return int(default)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            el.locs[("replicas",)] = res.loc("spec", "replicas") or res.name_loc
            return value
        if value == 0:
            el.notes.append("spec.replicas: 0: scaled to zero")
        else:
            el.unknowns.append(f"replicas unknown: spec.replicas is {excerpt(str(value))}")
        return None

    def probe(self, res: Resource, containers: list[dict[str, Any]], el: Element) -> None:
        """The first container's readiness probe (else liveness): what takes a pod out of its Service."""
        for index, container in enumerate(containers):
            for key in ("readinessProbe", "livenessProbe"):
                probe = container.get(key)
                if not isinstance(probe, dict):
                    continue
                defaults, source = K8S_DEFAULTS["probe"]
                values = {k: probe.get(k, d) for k, d in defaults.items()}
                if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values.values()):
                    el.unknowns.append(f"health check unknown: {key} of container {container.get('name')}")
                    return
                el.data["failure_detector"] = {
                    "kind": "health_check",
                    "interval_ms": values["periodSeconds"] * 1000,
                    "timeout_ms": values["timeoutSeconds"] * 1000,
                    "threshold": values["failureThreshold"],
                }
                path = ("spec", "template", "spec", "containers", index, key)
                el.locs[("failure_detector",)] = res.loc(*path) or el.loc
                el.notes.append(f"failure_detector from {key} of container {container.get('name')} ({source})")
                return
        el.unknowns.append("health check: no readiness or liveness probe in the manifest")

    def store(
        self,
        res: Resource,
        el: Element,
        row: engines.Engine,
        image: str,
        container: dict[str, Any],
        replicas: int | None,
    ) -> None:
        hint = self.replica_hint(res, container)
        if replicas is not None and replicas > 1 and hint is not None:
            # The pods are members of one cluster only when their configuration says so.
            el.data["replicas"] = replicas
            el.notes.append(f"replicas: {replicas} members (replica configuration at {hint.file}:{hint.line})")
        elif replicas is not None and replicas > 1:
            el.locs.pop(("replicas",), None)
            el.notes.append(
                f"{replicas} pods of {row.engine} with no replica configuration: not copies of one data set, so the "
                "store counts 1 replica"
            )
        mounts = self.mounts(res, [container])
        engine_store_facts(
            el,
            row,
            image,
            hint,
            mounts,
            mount_word="path",
            no_volume="no volume mounted, so the data lives in the container and is lost when the pod is "
            "deleted or rescheduled",
            backups="manifests do not describe backups",
        )

    def replica_hint(self, res: Resource, container: dict[str, Any]) -> Loc | None:
        base = ("spec", "template", "spec", "containers")
        index = res.get(*base).index(container)
        for key in ("command", "args"):
            for i, arg in enumerate(container.get(key) or [] if isinstance(container.get(key), list) else []):
                if _REPLICA_MARKERS.search(str(arg)):
                    return res.loc(*base, index, key, i) or res.name_loc
        for i, env in enumerate(container.get("env") or [] if isinstance(container.get("env"), list) else []):
            if isinstance(env, dict) and _REPLICA_MARKERS.search(f"{env.get('name')}={env.get('value', '')}"):
                return res.loc(*base, index, "env", i) or res.name_loc
        return None

    def claim_storage(self, spec: dict[str, Any]) -> tuple[str | None, str]:
        """The storage a claim's class gives, when the StorageClass is among the manifests (a claim
        with no class gets the one annotated as the default); else unknown."""
        wanted = spec.get("storageClassName")
        for sc in self.by_kind.get("StorageClass", []):
            annotations = sc.get("metadata", "annotations") or {}
            default = (
                isinstance(annotations, dict)
                and str(annotations.get("storageclass.kubernetes.io/is-default-class", "")).lower() == "true"
            )
            if (wanted and sc.name == wanted) or (not wanted and default):
                storage, why = class_storage(sc.data)
                return storage, f"StorageClass {sc.name} at {sc.where('metadata', 'name')}: {why}"
        return None, f"StorageClass {wanted or '(the cluster default)'} is not in the manifests: storage unknown"

    def mounts(self, res: Resource, containers: list[dict[str, Any]]) -> list[StoreMount]:
        """Writable volumes the containers mount, described; in mount order."""
        pod = res.get("spec", "template", "spec") or {}
        volumes = {str(v.get("name")): (i, v) for i, v in enumerate(pod.get("volumes") or []) if isinstance(v, dict)}
        templates = {
            str(t.get("metadata", {}).get("name")): (i, t)
            for i, t in enumerate(res.get("spec", "volumeClaimTemplates") or [])
            if isinstance(t, dict) and isinstance(t.get("metadata"), dict)
        }
        out: list[StoreMount] = []
        all_containers = res.get("spec", "template", "spec", "containers")
        for container in containers:
            ci = all_containers.index(container)
            for mi, mount in enumerate(container.get("volumeMounts") or []):
                if not isinstance(mount, dict) or mount.get("readOnly") is True:
                    continue
                name = str(mount.get("name"))
                path = mount.get("mountPath")
                mloc = res.loc("spec", "template", "spec", "containers", ci, "volumeMounts", mi) or res.name_loc
                if name in templates:
                    i, tmpl = templates[name]
                    spec = tmpl.get("spec") or {}
                    storage, why = self.claim_storage(spec if isinstance(spec, dict) else {})
                    out.append(
                        StoreMount(
                            res.loc("spec", "volumeClaimTemplates", i, "metadata", "name") or mloc,
                            f"volumeClaimTemplate {name} at {path} ({_claim_words(spec)}; one claim per pod; {why})",
                            True,
                            storage,
                        )
                    )
                    continue
                if name not in volumes:
                    continue
                i, vol = volumes[name]
                vloc = res.loc("spec", "template", "spec", "volumes", i, "name") or mloc
                if "emptyDir" in vol:
                    medium = (
                        (vol.get("emptyDir") or {}).get("medium") if isinstance(vol.get("emptyDir"), dict) else None
                    )
                    extra = ", in memory" if medium == "Memory" else ""
                    out.append(
                        StoreMount(
                            vloc, f"emptyDir {name} at {path} (ephemeral{extra}: lost with the pod)", False, "ephemeral"
                        )
                    )
                elif isinstance(vol.get("persistentVolumeClaim"), dict):
                    claim = str(vol["persistentVolumeClaim"].get("claimName"))
                    pvc = self.claims.get((res.namespace, claim))
                    storage: str | None = None
                    if pvc:
                        spec = pvc.get("spec") or {}
                        storage, why = self.claim_storage(spec if isinstance(spec, dict) else {})
                        words = f"{_claim_words(spec)}; {why}"
                    else:
                        words = "not in the manifests: storage unknown"
                    out.append(StoreMount(vloc, f"PersistentVolumeClaim {claim} at {path} ({words})", True, storage))
                elif "hostPath" in vol or "local" in vol:
                    what = "hostPath" if "hostPath" in vol else "local"
                    out.append(
                        StoreMount(
                            vloc, f"{what} volume {name} at {path} (node-local: lost with the node)", True, "node_local"
                        )
                    )
                elif any(k in vol for k in ("configMap", "secret", "projected", "downwardAPI")):
                    continue  # configuration, not data
                else:
                    kind = next((k for k in vol if k != "name"), "unknown")
                    out.append(StoreMount(vloc, f"{kind} volume {name} at {path} (storage unknown)", True))
        return out

    def spread(self, res: Resource, el: Element) -> None:
        """Zone spread only where the manifest says it; the zones themselves are never named here."""
        pod = res.get("spec", "template", "spec") or {}
        said: list[str] = []
        for i, tsc in enumerate(pod.get("topologySpreadConstraints") or []):
            if isinstance(tsc, dict) and tsc.get("topologyKey") in ZONE_KEYS:
                said.append(
                    f"topologySpreadConstraints maxSkew {tsc.get('maxSkew')}, {tsc.get('whenUnsatisfiable')} at "
                    f"{res.where('spec', 'template', 'spec', 'topologySpreadConstraints', i, 'topologyKey')}"
                )
        anti = res.get("spec", "template", "spec", "affinity", "podAntiAffinity") or {}
        for key, term_path in (
            ("requiredDuringSchedulingIgnoredDuringExecution", ()),
            ("preferredDuringSchedulingIgnoredDuringExecution", ("podAffinityTerm",)),
        ):
            for i, term in enumerate(anti.get(key) or [] if isinstance(anti, dict) else []):
                inner = term
                for part in term_path:
                    inner = inner.get(part) if isinstance(inner, dict) else None
                if isinstance(inner, dict) and inner.get("topologyKey") in ZONE_KEYS:
                    word = "required" if key.startswith("required") else "preferred"
                    said.append(
                        f"podAntiAffinity ({word}) at "
                        f"{res.where('spec', 'template', 'spec', 'affinity', 'podAntiAffinity', key, i)}"
                    )
        if said:
            el.notes.append("spread across zones: " + "; ".join(said))
            el.unknowns.append("placement unknown: spread across zones is declared, but the zones are not named here")
        else:
            el.unknowns.append(
                "placement unknown: no zone spread in the manifest (the scheduler may put every pod in one zone)"
            )

    def disruption_budgets(self, res: Resource, el: Element) -> None:
        """The PodDisruptionBudget that selects the workload's pods, in replica counts, or `none`
        when no budget among the manifests selects them (the eviction API then takes any number).
        DaemonSet pods are not evicted by a drain, so they get no value."""
        if res.kind == "DaemonSet":
            return
        replicas = el.data.get("replicas", 1)
        for pdb in self.budgets.get(res.namespace, ()):
            if not _matches(pdb.get("spec", "selector"), self.pod_labels(res)):
                continue
            spec = pdb.get("spec") or {}
            budget: dict[str, int] = {}
            for key, field_name in (("minAvailable", "min_available"), ("maxUnavailable", "max_unavailable")):
                count = _budget_count(spec.get(key), replicas) if key in spec else None
                if count is not None:
                    budget[field_name] = count
                    el.locs[("disruption_budget", field_name)] = pdb.loc("spec", key) or pdb.name_loc
                elif key in spec:
                    el.unknowns.append(
                        f"disruption budget unknown: {key} {excerpt(str(spec.get(key)))} at {pdb.where('spec', key)} "
                        "is neither a count nor a percentage"
                    )
            if budget:
                el.data["disruption_budget"] = budget
                el.locs[("disruption_budget",)] = pdb.name_loc
                el.notes.append(f"PodDisruptionBudget {pdb.name} at {pdb.where('metadata', 'name')}")
            return
        el.data["disruption_budget"] = "none"
        el.locs[("disruption_budget",)] = res.name_loc
        el.notes.append("disruption_budget: none: no PodDisruptionBudget among the manifests selects its pods")

    # ------------------------------------------------------------------------- calls

    def resolve(self, host: str, namespace: str) -> list[str]:
        """Workloads a host name reaches: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`, or a
        StatefulSet pod's `pod-0.svc...`, through the Services' selectors."""
        host = host.lower().rstrip(".")
        for suffix in (".svc.cluster.local", ".svc"):
            if host.endswith(suffix):
                host = host[: -len(suffix)]
                break
        labels = host.split(".")
        candidates: list[tuple[str, str]] = []
        if len(labels) == 1:
            candidates = [(labels[0], namespace)]
        elif len(labels) == 2:
            candidates = [(labels[0], labels[1]), (labels[1], namespace)]  # svc.ns, or pod-0.svc
        elif len(labels) == 3:
            candidates = [(labels[1], labels[2])]  # pod-0.svc.ns
        for name, ns in candidates:
            service = self.services.get((name, ns))
            if service is not None:
                return self.selected(service)
        return []

    def calls(self, res: Resource, el: Element, elements: dict[str, Element]) -> None:
        """Calls to every workload a container's env (or its ConfigMap) or args name through a Service.
        Nothing about the call itself (timeout, retry, mode) is in a manifest."""
        if el.section != "services":
            return
        evidence: dict[str, tuple[int, Loc, str]] = {}

        def found(host: str, rank: int, loc: Loc | None, what: str) -> None:
            for target in self.resolve(host, res.namespace):
                if target == res.name or target not in elements:
                    continue
                where = loc or el.loc
                if target not in evidence or (rank, where.line) < (evidence[target][0], evidence[target][1].line):
                    evidence[target] = (rank, where, what)

        base = ("spec", "template", "spec", "containers")
        for ci, container in enumerate(res.get(*base)):
            if not isinstance(container, dict):
                continue
            for ei, env in enumerate(container.get("env") or [] if isinstance(container.get("env"), list) else []):
                if not isinstance(env, dict):
                    continue
                key, loc = str(env.get("name")), res.loc(*base, ci, "env", ei, "value") or res.loc(*base, ci, "env", ei)
                if env.get("value") is not None:
                    for host in _hosts(key, str(env["value"])):
                        found(host, 0, loc, f"env {key}")
                    continue
                ref = env.get("valueFrom")
                if not isinstance(ref, dict):
                    continue
                if isinstance(ref.get("secretKeyRef"), dict):
                    # Named only: a Secret's values are never read.
                    el.notes.append(f"env {key} from Secret {ref['secretKeyRef'].get('name')} (not read)")
                elif isinstance(ref.get("configMapKeyRef"), dict):
                    cm_name, cm_key = ref["configMapKeyRef"].get("name"), ref["configMapKeyRef"].get("key")
                    cm = self.config_maps.get((res.namespace, str(cm_name)))
                    value = cm.get("data", cm_key) if cm else None
                    if value is None:
                        el.unknowns.append(f"env {key}: ConfigMap {cm_name} key {cm_key} is not in the manifests")
                        continue
                    for host in _hosts(key, str(value)):
                        found(host, 0, loc, f"env {key} (ConfigMap {cm_name} at {cm.where('data', str(cm_key))})")
            for fi, source in enumerate(
                container.get("envFrom") or [] if isinstance(container.get("envFrom"), list) else []
            ):
                if not isinstance(source, dict):
                    continue
                if isinstance(source.get("secretRef"), dict):
                    el.notes.append(f"envFrom Secret {source['secretRef'].get('name')} (not read)")
                elif isinstance(source.get("configMapRef"), dict):
                    cm_name = source["configMapRef"].get("name")
                    cm = self.config_maps.get((res.namespace, str(cm_name)))
                    if cm is None:
                        el.unknowns.append(f"envFrom ConfigMap {cm_name} is not in the manifests")
                        continue
                    data = cm.get("data") if isinstance(cm.get("data"), dict) else {}
                    for key, value in data.items():
                        for host in _hosts(str(key), str(value)):
                            found(host, 1, res.loc(*base, ci, "envFrom", fi), f"ConfigMap {cm_name} {key}")
            for key in ("args", "command"):
                for ai, arg in enumerate(container.get(key) or [] if isinstance(container.get(key), list) else []):
                    for host in hosts_in(None, str(arg).split("=", 1)[-1]):
                        found(host, 2, res.loc(*base, ci, key, ai), key)
        if not evidence:
            return
        calls = []
        for position, target in enumerate(sorted(evidence)):
            calls.append({"to": target})
            _, loc, what = evidence[target]
            el.locs[("calls", position)] = loc
            el.notes.append(f"call to {target} from {what} ({loc.file}:{loc.line})")
        el.data["calls"] = calls
        el.unknowns.append(
            f"calls to {', '.join(sorted(evidence))}: timeout, retry, mode (sync or async) and operation unknown: "
            "manifests do not configure clients (not set, never guessed)"
        )


_KEYED_HOST = re.compile(r"(?:^|;)\s*(?:host|server|data source|address|addr)\s*=\s*([^;,\s]+)", re.I)


def _hosts(key: str, value: str) -> list[str]:
    """Hosts a setting names: compose's rules, and `Host=...;`/`Server=...;` connection strings."""
    found = hosts_in(key, value)
    for match in _KEYED_HOST.finditer(value):
        found.append(match.group(1).split(":", 1)[0])
    return found


def _budget_count(value: Any, replicas: int) -> int | None:
    """A PodDisruptionBudget's minAvailable/maxUnavailable as a replica count: an integer as it is,
    a percentage of the replicas rounded up (as the disruption controller scales both); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_REPLICAS else None
    text = str(value).strip()
    if text.endswith("%") and text[:-1].isdigit() and int(text[:-1]) <= 100:
        return -(-int(text[:-1]) * replicas // 100)
    return None


def _claim_words(spec: dict[str, Any]) -> str:
    modes = spec.get("accessModes")
    storage_class = spec.get("storageClassName")
    return (
        f"storage class {storage_class if storage_class else 'the cluster default'}, "
        f"access {', '.join(map(str, modes)) if isinstance(modes, list) and modes else 'unknown'}"
    )
