"""Kustomize overlays rendered in pure Python, every value located where it was last written.

A folder holding a `kustomization.yaml` is not a set of loose manifests: read one by one, its base
and its overlays double every object and leave the patches unapplied. No `kustomize` or `kubectl`
binary is needed (or used): `render` builds the subset of Kustomize that real repositories use
(resources and bases, components, namespace, name prefix and suffix, labels and annotations,
images, replicas, strategic-merge and JSON 6902 patches, ConfigMap and Secret generators from
literals, vars).

Each rendered object is a `kubernetes.Resource` whose locations come from the file that last
wrote each value: the base manifest for what no overlay touched, the patch line for a patched
value, the kustomization line for what the kustomization itself sets (`replicas:`, `images:`,
`namespace:`, `namePrefix:`, labels...). So a finding on a replica count set by an overlay's
`replicas:` points at that overlay line.

What is not rendered (Helm charts, replacements, plugin generators and transformers, remote
resources and components) is a located note, never a silent drop; remote resources are
never fetched. Every path a kustomization names must stay inside the folder being rendered
(symbolic links followed), like a model's includes. Generated ConfigMaps and Secrets keep their
plain names (Kustomize appends a content hash): references to them resolve either way, and the
hash says nothing a review needs.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pacelc.importers.compose import hosts_in
from pacelc.importers.kubernetes import Resource
from pacelc.model import yamlfile
from pacelc.model.loader import ModelError, shown_path
from pacelc.model.source import Loc

__all__ = [
    "KUSTOMIZATION_FILES",
    "MAX_BUILDS",
    "MAX_DEPTH",
    "MAX_OBJECTS",
    "Rendered",
    "default_root",
    "is_kustomization",
    "kustomization_file",
    "render",
]

# The names Kustomize looks for in a folder, in its order.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# Overlays of overlays rarely go past four levels; sixteen is generous and keeps recursion shallow.
MAX_DEPTH = 16
# Objects one render may make: a diamond of folders listed many times at every level would
# otherwise multiply without bound (2**16 copies at sixteen levels).
MAX_OBJECTS = 50_000
# Kustomizations one render may build (the same folder reached twice is built twice, as Kustomize
# does): real trees build tens; a diamond of empty folders sixteen levels deep would build 65,536.
MAX_BUILDS = 2_000

_RENDERED = (
    "resources",
    "bases",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "components",
    "vars",
)
# Fields Kustomize knows that this renderer does not: each a located note, with what it would do.
_NOT_RENDERED = {
    "helmCharts": "Helm charts inflated by Kustomize; render them with `kustomize build --enable-helm`",
    "helmChartInflationGenerator": "Helm chart inflation",
    "helmGlobals": "Helm settings",
    "replacements": "replacements (values copied between objects)",
    "generators": "generator plugins",
    "transformers": "transformer plugins",
    "validators": "validator plugins",
    "crds": "CRD schemas for name references",
    "configurations": "custom transformer configurations",
    "openapi": "OpenAPI schema for strategic merge of custom resources",
    "sortOptions": "output order",
    "buildMetadata": "build metadata labels and annotations",
    "patchesStrategicMergeOptions": "patch options",
    "imageTags": "imageTags (the old name of images)",
    "inventory": "inventory object",
}
_IGNORED = ("apiVersion", "kind", "metadata")  # a kustomization's own identity: nothing to render
_KUSTOMIZE_KEYS = frozenset((*_RENDERED, *_NOT_RENDERED))

# Kinds with no namespace: Kustomize's namespace transformer leaves them alone.
_CLUSTER_SCOPED = frozenset(
    (
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PersistentVolume",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "Node",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "PodSecurityPolicy",
    )
)
# Kustomize's prefix/suffix transformer skips these (their names are fixed by the API).
_NOT_RENAMED = frozenset(("Namespace", "CustomResourceDefinition", "APIService"))
_POD_TEMPLATE_KINDS = frozenset(
    ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController")
)
_REPLICA_KINDS = frozenset(("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"))
_MATCH_LABEL_KINDS = frozenset(("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"))

# Strategic merge: list fields merged item by item, by this key (the Kubernetes API's
# patchMergeKey); every other list is replaced whole, as Kustomize does for lists with no key.
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "imagePullSecrets": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
}
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)", re.IGNORECASE)


@dataclass
class Rendered:
    """What a kustomization renders to: the objects, the errors (located), the notes on what was
    not rendered, and the files read."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[ModelError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def is_kustomization(data: Any) -> bool:
    """A kustomization by its content: a mapping of kind Kustomization, or with a field only a
    kustomization has, and an apiVersion of kustomize.config.k8s.io (or none at all: most
    kustomization files in the wild leave both out)."""
    if not isinstance(data, dict):
        return False
    api, kind = data.get("apiVersion"), data.get("kind")
    if api is not None and not (isinstance(api, str) and api.startswith("kustomize.config.k8s.io/")):
        return False
    if kind is not None:
        return kind == "Kustomization"
    return any(key in _KUSTOMIZE_KEYS for key in data)


def _is_component(data: Any) -> bool:
    api = data.get("apiVersion") if isinstance(data, dict) else None
    return (
        isinstance(data, dict)
        and data.get("kind") == "Component"
        and (api is None or (isinstance(api, str) and api.startswith("kustomize.config.k8s.io/")))
    )


def kustomization_file(folder: Path) -> Path | None:
    """The kustomization file of a folder, by Kustomize's names; None when it holds none."""
    for name in KUSTOMIZATION_FILES:
        candidate = folder / name
        if candidate.is_symlink() or candidate.exists():
            return candidate
    return None


def default_root(given: Path) -> Path:
    """The folder a kustomization named on the command line may read from: the working directory
    when `given` is inside it (overlays name `../../base`, so the overlay's own folder is too
    narrow), else `given` itself. The model loader confines includes the same way."""
    try:
        cwd = Path.cwd().resolve()
        real = Path(given).resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(given)
    return cwd if real.is_relative_to(cwd) else real


def render(folder: Path, limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS, *, root: Path | None = None) -> Rendered:
    """Render the kustomization in `folder`. Every path it names (resources, bases, patches, recursively)
    must stay inside `root` (default: `folder` itself), symbolic links followed; a path outside is a
    located error. Errors are collected and rendering goes on with the rest."""
    out = Rendered()
    try:
        real = Path(folder).resolve()
        confined = Path(root).resolve() if root is not None else real
    except (OSError, RuntimeError, ValueError) as exc:
        out.errors.append(ModelError(None, f"{folder}: cannot resolve the path: {exc}"))
        return out
    renderer = _Renderer(confined, limits, out)
    if not real.is_relative_to(confined):
        out.errors.append(ModelError(None, f"{shown_path(real)} is outside {shown_path(confined)}; refused"))
        return out
    objects = renderer.build(real, None, 0, (real,))
    renderer.substitute_vars(objects)
    renderer.stale_hosts(objects)
    for obj in objects:
        keys: dict[yamlfile.DocPath, Loc] = {}
        values: dict[yamlfile.DocPath, Loc] = {}
        _flatten(obj.node, (), keys, values)
        data = _plain(obj.node)
        out.resources.append(Resource(obj.shown, yamlfile.Parsed(data, keys, values), (), data))
    return out


# --------------------------------------------------------------------------- located trees


class _N:
    """A value and where it was written. A mapping's value is {key: (key location, node)}, a
    list's is [node]; patches move whole nodes, so a value keeps its location wherever it lands."""

    __slots__ = ("loc", "value")

    def __init__(self, value: Any, loc: Loc) -> None:
        self.value = value
        self.loc = loc


def _tree(data: Any, path: yamlfile.DocPath, parsed: yamlfile.Parsed, inherited: Loc) -> _N:
    loc = parsed.values.get(path) or inherited
    if isinstance(data, dict):
        out: dict[str, tuple[Loc, _N]] = {}
        for key, value in data.items():
            sub = (*path, key)
            out[str(key)] = (parsed.keys.get(sub, loc), _tree(value, sub, parsed, parsed.keys.get(sub, loc)))
        return _N(out, loc)
    if isinstance(data, list):
        return _N([_tree(item, (*path, i), parsed, loc) for i, item in enumerate(data)], loc)
    return _N(data, loc)


def _copy(node: _N) -> _N:
    """A deep copy without strategic-merge directives (`$patch`, `$setElementOrder/...`)."""
    if isinstance(node.value, dict):
        return _N({k: (kl, _copy(v)) for k, (kl, v) in node.value.items() if not k.startswith("$")}, node.loc)
    if isinstance(node.value, list):
        return _N([_copy(v) for v in node.value], node.loc)
    return _N(node.value, node.loc)


def _plain(node: _N) -> Any:
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, (_, v) in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


def _flatten(node: _N, path: yamlfile.DocPath, keys: dict, values: dict) -> None:
    values[path] = node.loc
    if isinstance(node.value, dict):
        for key, (key_loc, child) in node.value.items():
            sub = (*path, key)
            keys[sub] = key_loc
            _flatten(child, sub, keys, values)
    elif isinstance(node.value, list):
        for i, child in enumerate(node.value):
            _flatten(child, (*path, i), keys, values)


def _child(node: _N | None, *path: str | int) -> _N | None:
    for part in path:
        if node is None:
            return None
        if isinstance(node.value, dict) and isinstance(part, str):
            entry = node.value.get(part)
            node = entry[1] if entry else None
        elif isinstance(node.value, list) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _map_at(node: _N, path: tuple[str, ...], loc: Loc, create: bool) -> _N | None:
    """The mapping at `path`, made (located at `loc`) where absent and `create`; None when a
    value that is not a mapping is in the way (left alone: a manifest error is not ours to fix)."""
    for part in path:
        if not isinstance(node.value, dict):
            return None
        entry = node.value.get(part)
        if entry is None or entry[1].value is None:
            if not create:
                return None
            made = _N({}, loc)
            node.value[part] = (entry[0] if entry else loc, made)
            node = made
        else:
            node = entry[1]
    return node if isinstance(node.value, dict) else None


def _put(mapping: _N, key: str, value: _N, key_loc: Loc) -> None:
    """Set a key, keeping the location of a key already written (only its value changes)."""
    old = mapping.value.get(key)
    mapping.value[key] = (old[0] if old else key_loc, value)


def _scalar(node: _N | None) -> Any:
    return None if node is None or isinstance(node.value, dict | list) else node.value


# --------------------------------------------------------------------------- objects


class _Obj:
    """One object being rendered; `names` holds every name it has had (patches in an overlay name
    the object as its base wrote it, before a prefix)."""

    __slots__ = ("names", "node", "shown")

    def __init__(self, node: _N, shown: str) -> None:
        self.node = node
        self.shown = shown
        self.names = [self.name]

    def get(self, *path: str | int) -> Any:
        return _scalar(_child(self.node, *path))

    @property
    def kind(self) -> str:
        kind = self.get("kind")
        return kind if isinstance(kind, str) else ""

    @property
    def name(self) -> str:
        name = self.get("metadata", "name")
        return name if isinstance(name, str) else ""

    @property
    def namespace(self) -> str:
        ns = self.get("metadata", "namespace")
        return ns if isinstance(ns, str) else ""

    @property
    def group_version(self) -> tuple[str, str]:
        api = self.get("apiVersion")
        if not isinstance(api, str):
            return "", ""
        group, _, version = api.rpartition("/")
        return group, version

    @property
    def name_loc(self) -> Loc:
        node = _child(self.node, "metadata", "name") or _child(self.node, "kind")
        return node.loc if node else self.node.loc

    def labels(self) -> dict[str, Any]:
        node = _child(self.node, "metadata", "labels")
        return _plain(node) if node is not None and isinstance(node.value, dict) else {}

    def annotations(self) -> dict[str, Any]:
        node = _child(self.node, "metadata", "annotations")
        return _plain(node) if node is not None and isinstance(node.value, dict) else {}

    def pod_specs(self) -> Iterator[_N]:
        """The pod specs this object holds (a workload's template, a CronJob's, a Pod's own)."""
        for path in (("spec", "template", "spec"), ("spec", "jobTemplate", "spec", "template", "spec"), ("spec",)):
            if path == ("spec",) and self.kind != "Pod":
                continue
            node = _child(self.node, *path)
            if node is not None and isinstance(node.value, dict):
                yield node


@dataclass
class _Kust:
    """One kustomization file being rendered."""

    folder: Path
    shown: str
    text: str
    parsed: yamlfile.Parsed
    report: Callable[[Loc, str], None]  # a located error

    @property
    def data(self) -> dict[str, Any]:
        return self.parsed.data

    def loc(self, *path: str | int) -> Loc:
        return self.parsed.values.get(path) or self.parsed.keys.get(path) or Loc(self.shown, 1, 1)

    def key_loc(self, *path: str | int) -> Loc:
        return self.parsed.keys.get(path) or self.loc(*path)

    def text_of(self, *path: str | int) -> str:
        """A scalar as Kustomize reads it: a string field takes the text as written, so `newTag:
        1.10` is "1.10" (YAML's core schema made it the number 1.1)."""
        value = _get(self.data, path)
        if isinstance(value, str):
            return value
        if isinstance(value, dict | list):
            self.report(
                self.loc(*path), f"{path[-1]}: a string, not a {'mapping' if isinstance(value, dict) else 'list'}"
            )
            return ""
        if value is None:  # `newTag:` or `newTag: null`: Kustomize reads an empty string
            return ""
        loc = self.parsed.values.get(path)
        if loc is not None:
            lines = self.lines
            if 0 < loc.line <= len(lines):
                token = re.split(r"\s#|[,\]}]", lines[loc.line - 1][loc.col - 1 :])[0].strip()
                if token:
                    return token
        return str(value)

    @functools.cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


# --------------------------------------------------------------------------- the renderer


class _Renderer:
    def __init__(self, root: Path, limits: yamlfile.Limits, out: Rendered) -> None:
        self.root = root
        self.limits = limits
        self.out = out
        self.objects = 0
        self.builds = 0
        self.stopped = False
        self.cache: dict[Path, tuple[str, str | None, list[yamlfile.Parsed]]] = {}
        # vars of every kustomization rendered: (name, kind, object name, field path, where declared)
        self.vars: list[tuple[str, str, str, list[str], Loc]] = []

    # ----------------------------------------------------------------- reporting

    def error(self, loc: Loc | None, message: str) -> None:
        self.out.errors.append(ModelError(loc, message))

    def note(self, loc: Loc, message: str) -> None:
        self.out.notes.append(f"{loc}: {message}")

    def _read(self, path: Path, at: Loc | None) -> tuple[str, str | None, list[yamlfile.Parsed]]:
        """A file's documents, parsed once per render (a base two overlays share is read once; its
        errors are reported once). The parsed documents are never changed: objects are copies."""
        cached = self.cache.get(path)
        if cached is None:
            cached = self.cache[path] = self._parse(path, at)
        return cached

    def _parse(self, path: Path, at: Loc | None) -> tuple[str, str | None, list[yamlfile.Parsed]]:
        shown = shown_path(path)
        text, errors = yamlfile.read_text(path, shown, self.limits)
        docs: list[yamlfile.Parsed] = []
        if text is not None:
            docs, errors = yamlfile.parse(text, shown, self.limits, multi=True)
        for e in errors:
            self.error(e.loc if e.loc else at, e.message if e.loc else f"{shown}: {e.message}")
        if errors:
            return shown, None, []
        if shown not in self.out.files:
            self.out.files.append(shown)
        return shown, text, [d for d in docs if d.data is not None]

    def _confine(self, folder: Path, entry: Any, loc: Loc, what: str) -> Path | None:
        """The real path of an entry, or None (and a located error) when it is not a relative path
        that stays inside the folder being rendered."""
        if not isinstance(entry, str) or not entry:
            self.error(loc, f"{what}: a path is a non-empty string")
            return None
        shown = yamlfile.excerpt(entry)
        if "\0" in entry:
            self.error(loc, f"{what} {shown}: a path cannot hold a NUL character")
            return None
        if entry.startswith("~") or Path(entry).is_absolute():
            self.error(loc, f"{what} {shown}: a path is relative to the kustomization's folder")
            return None
        try:
            real = (folder / entry).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symbolic link loop
            self.error(loc, f"{what} {shown}: cannot resolve the path: {exc}")
            return None
        if not real.is_relative_to(self.root):
            self.error(
                loc,
                f"{what} {shown} leads outside the folder being rendered, {shown_path(self.root)} "
                "(through '..' or a symbolic link); refused",
            )
            return None
        return real

    def _collect_vars(self, k: _Kust) -> None:
        for i, entry in self._items(k, "vars"):
            loc = k.loc("vars", i)
            ref = entry.get("objref") if isinstance(entry, dict) else None
            field_ref = entry.get("fieldref", {}) if isinstance(entry, dict) else None
            field_path = field_ref.get("fieldPath", "metadata.name") if isinstance(field_ref, dict) else None
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("name"), str)
                or not isinstance(ref, dict)
                or not isinstance(ref.get("kind"), str)
                or not isinstance(ref.get("name"), str)
                or not isinstance(field_path, str)
            ):
                self.error(loc, "vars: each entry has a name, an objref with kind and name, and an optional fieldref")
                continue
            parts = [p for p in re.split(r"[.\[\]]", field_path) if p]
            self.vars.append((entry["name"], ref["kind"], ref["name"], parts, loc))

    def substitute_vars(self, objs: list[_Obj]) -> None:
        """`$(VAR)` in containers' command, args and env values, replaced by the field of the object
        each var names, read after every transformer (Kustomize resolves vars once, at the top):
        `$(MYSQL_SERVICE)` becomes the prefixed Service name. A replaced value keeps the location
        where `$(VAR)` was written."""
        if not self.vars:
            return
        values: dict[str, str] = {}
        for name, kind, obj_name, parts, loc in self.vars:
            found = [o for o in objs if o.kind == kind and obj_name in o.names]
            node = _child(found[0].node, *(int(p) if _index(p) else p for p in parts)) if len(found) == 1 else None
            value = _scalar(node)
            if value is None or isinstance(value, bool):
                what = "no object" if not found else ("several objects" if len(found) > 1 else "no such field")
                self.error(loc, f"vars: {yamlfile.excerpt(name)}: {what} ({kind} {yamlfile.excerpt(obj_name)})")
                continue
            values.setdefault(name, str(value))
        if not values:
            return
        pattern = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")

        def replace(node: _N | None) -> None:
            if node is not None and isinstance(node.value, str) and "$(" in node.value:
                node.value = pattern.sub(lambda m: values.get(m.group(1), m.group(0)), node.value)

        for obj in objs:
            for spec in obj.pod_specs():
                for list_name in _CONTAINER_LISTS:
                    for container in _list(_child(spec, list_name)):
                        for key in ("command", "args"):
                            for item in _list(_child(container, key)):
                                replace(item)
                        for env in _list(_child(container, "env")):
                            replace(_child(env, "value"))

    def stale_hosts(self, objs: list[_Obj]) -> None:
        """Name the values that still call a Service by a name a prefix or suffix replaced.
        Kustomize renames references it knows (a StatefulSet's serviceName) but never host names
        inside values (`postgres://postgres:5432`), so such a call goes nowhere, in the rendered
        output and in the cluster: said once per value, located there."""
        current = {o.name for o in objs if o.kind == "Service"}
        renamed = {old: o.name for o in objs if o.kind == "Service" for old in o.names if old not in current}
        if not renamed:
            return
        namespaces = {o.namespace for o in objs} | {o.name for o in objs if o.kind == "Namespace"}
        for obj in objs:
            values: list[tuple[str, _N]] = []
            if obj.kind == "ConfigMap":
                data = _child(obj.node, "data")
                if data is not None and isinstance(data.value, dict):
                    values.extend((key, node) for key, (_, node) in data.value.items())
            for spec in obj.pod_specs():
                for list_name in _CONTAINER_LISTS:
                    for container in _list(_child(spec, list_name)):
                        for env in _list(_child(container, "env")):
                            name, value = _scalar(_child(env, "name")), _child(env, "value")
                            if isinstance(name, str) and value is not None:
                                values.append((name, value))
            for key, node in values:
                if not isinstance(node.value, str):
                    continue
                for host in hosts_in(key, node.value):
                    parts = host.split(".")
                    # A Service's in-cluster names only: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`
                    # (`api.example.com` is not the Service `api`).
                    in_cluster = (
                        len(parts) == 1
                        or (len(parts) == 2 and parts[1] in namespaces)
                        or (len(parts) >= 3 and parts[2] == "svc")
                    )
                    new = renamed.get(parts[0]) if in_cluster else None
                    if new is not None:
                        self.note(
                            node.loc,
                            f"{obj.kind} {yamlfile.excerpt(obj.name)} {key}: host {yamlfile.excerpt(host)} names "
                            f"Service {yamlfile.excerpt(host.split('.')[0])}, renamed {yamlfile.excerpt(new)} by a "
                            "prefix or suffix; Kustomize does not rewrite host names in values, so this call "
                            "reaches no Service",
                        )
                        break

    # ----------------------------------------------------------------- one kustomization

    def build(
        self, folder: Path, at: Loc | None, depth: int, chain: tuple[Path, ...], into: list[_Obj] | None = None
    ) -> list[_Obj]:
        """The objects of the kustomization in `folder` (a real path inside the root). With `into`,
        the folder holds a Component: its resources join `into` and its generators and
        transformers apply to all of them (Kustomize applies a parent's components after the
        parent's resources, before the parent's own transformers)."""
        self.builds += 1
        if self.builds > MAX_BUILDS:
            if not self.stopped:
                self.error(
                    at, f"more than {MAX_BUILDS:,} kustomizations rendered (a folder listed many times?); stopped"
                )
            self.stopped = True
            return into if into is not None else []
        fail = into if into is not None else []  # a broken component leaves its parent's objects alone
        path = kustomization_file(folder)
        if path is None:
            names = ", ".join(KUSTOMIZATION_FILES)
            self.error(at, f"{shown_path(folder)} holds no kustomization ({names})")
            return fail
        real = self._confine(folder, path.name, at or Loc(shown_path(path), 1, 1), "kustomization")
        if real is None:
            return fail
        shown, text, docs = self._read(real, at)
        if text is None:
            return fail
        if len(docs) != 1:
            if docs:
                self.error(_first_loc(docs[1], shown), "a kustomization file holds one YAML document; found a second")
            else:
                self.error(Loc(shown, 1, 1), "an empty kustomization file")
            return fail
        if into is not None and not _is_component(docs[0].data):
            self.error(at, f"{shown} is not a Component (kind: Component, apiVersion kustomize.config.k8s.io/v1alpha1)")
            return fail
        if into is None and depth == 0 and _is_component(docs[0].data):
            # A component alone renders nothing (Kustomize refuses to build one): its users render it.
            self.note(Loc(shown, 1, 1), "a Component: rendered only within a kustomization that names it")
            return fail
        if into is None and not is_kustomization(docs[0].data):
            self.error(
                Loc(shown, 1, 1),
                "not a kustomization: a mapping with kind Kustomization or Kustomize's fields "
                "(resources, patches...), and apiVersion kustomize.config.k8s.io/* or none",
            )
            return fail
        k = _Kust(folder, shown, text, docs[0], self.error)
        for key in k.data:
            if key in _RENDERED or key in _IGNORED:
                continue
            why = _NOT_RENDERED.get(key)
            if why is not None:
                self.note(k.key_loc(key), f"not rendered: {key}: {why}")
            else:
                self.note(k.key_loc(key), f"not rendered: unknown field {yamlfile.excerpt(key)}")
        objs: list[_Obj] = into if into is not None else []
        for key in ("resources", "bases"):
            for i, entry in self._items(k, key):
                objs.extend(self._resource(k, key, i, entry, depth, chain))
        for i, entry in self._items(k, "components"):
            objs = self._component(k, i, entry, depth, chain, objs)
        self._collect_vars(k)
        objs = self._generate(k, objs)
        if into is None:  # a component's objects are checked once, with its parent's
            self._check_ids(objs)
        objs = self._strategic_patches(k, objs)
        objs = self._patches(k, objs)
        self._namespace(k, objs)
        self._rename(k, objs)
        self._labels(k, objs)
        self._annotations(k, objs)
        self._json_patches(k, objs)
        self._replicas(k, objs)
        self._images(k, objs)
        return objs

    def _items(self, k: _Kust, key: str) -> list[tuple[int, Any]]:
        value = k.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(k.loc(key), f"{key}: a list")
            return []
        return list(enumerate(value))

    def _mapping(self, k: _Kust, key: str) -> dict[str, Any]:
        value = k.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(k.loc(key), f"{key}: a mapping")
            return {}
        return value

    def _count(self, n: int, loc: Loc) -> bool:
        if self.stopped:
            return False
        self.objects += n
        if self.objects > MAX_OBJECTS:
            self.error(loc, f"more than {MAX_OBJECTS:,} objects rendered (a folder listed many times?); stopped")
            self.stopped = True
            return False
        return True

    # ----------------------------------------------------------------- resources

    def _resource(self, k: _Kust, key: str, i: int, entry: Any, depth: int, chain: tuple[Path, ...]) -> list[_Obj]:
        loc = k.loc(key, i)
        if self.stopped:
            return []
        if isinstance(entry, str) and (_REMOTE.match(entry) or "?ref=" in entry):
            self.note(loc, f"not rendered: remote resource {yamlfile.excerpt(entry)} (never fetched)")
            return []
        real = self._confine(k.folder, entry, loc, key)
        if real is None:
            return []
        if real.is_dir():
            if real in chain:
                self.error(loc, f"cycle: {shown_path(real)} is already being rendered (it includes itself)")
                return []
            if depth + 1 > MAX_DEPTH:
                self.error(loc, f"kustomizations nested more than {MAX_DEPTH} levels deep; refused")
                return []
            return self.build(real, loc, depth + 1, (*chain, real))
        shown, _, docs = self._read(real, loc)
        objs: list[_Obj] = []
        for doc in docs:
            data = doc.data
            if is_kustomization(data):
                self.error(_first_loc(doc, shown), "a kustomization given as a resource file: name its folder instead")
                continue
            if not (
                isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str)
            ):
                self.error(
                    _first_loc(doc, shown),
                    "not a Kubernetes object (apiVersion and kind) in a kustomization's resources",
                )
                continue
            items: list[tuple[yamlfile.DocPath, Any]] = [((), data)]
            if data.get("kind") == "List" and isinstance(data.get("items"), list):
                items = [(("items", j), item) for j, item in enumerate(data["items"]) if isinstance(item, dict)]
            for prefix, item in items:
                if not self._count(1, loc):
                    return objs
                objs.append(_Obj(_tree(item, prefix, doc, doc.values.get(prefix) or Loc(shown, 1, 1)), shown))
        return objs

    def _component(
        self, k: _Kust, i: int, entry: Any, depth: int, chain: tuple[Path, ...], objs: list[_Obj]
    ) -> list[_Obj]:
        loc = k.loc("components", i)
        if self.stopped:
            return objs
        if isinstance(entry, str) and (_REMOTE.match(entry) or "?ref=" in entry):
            self.note(loc, f"not rendered: remote component {yamlfile.excerpt(entry)} (never fetched)")
            return objs
        real = self._confine(k.folder, entry, loc, "components")
        if real is None:
            return objs
        if not real.is_dir():
            self.error(loc, f"components: {yamlfile.excerpt(str(entry))} is not a folder holding a Component")
            return objs
        if real in chain:
            self.error(loc, f"cycle: {shown_path(real)} is already being rendered (it includes itself)")
            return objs
        if depth + 1 > MAX_DEPTH:
            self.error(loc, f"kustomizations nested more than {MAX_DEPTH} levels deep; refused")
            return objs
        return self.build(real, loc, depth + 1, (*chain, real), into=objs)

    def _check_ids(self, objs: list[_Obj]) -> None:
        """Kustomize refuses two objects with one id (group, kind, namespace, name): so does this."""
        seen: dict[tuple[str, str, str, str], _Obj] = {}
        for obj in objs:
            ident = (obj.group_version[0], obj.kind, obj.namespace, obj.name)
            first = seen.setdefault(ident, obj)
            if first is not obj:
                self.error(
                    obj.name_loc,
                    f"{obj.kind} {yamlfile.excerpt(obj.name)} is also defined at {first.name_loc}; "
                    "Kustomize refuses two objects with one id",
                )

    # ----------------------------------------------------------------- generators

    def _generate(self, k: _Kust, objs: list[_Obj]) -> list[_Obj]:
        options = self._mapping(k, "generatorOptions")
        for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            for i, entry in self._items(k, key):
                loc = k.loc(key, i)
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
                    self.error(loc, f"{key}: each entry is a mapping with a name")
                    continue
                name = entry["name"]
                name_loc = k.loc(key, i, "name")
                data = _N({}, name_loc)
                literals = entry.get("literals") or []
                if not isinstance(literals, list):
                    self.error(k.loc(key, i, "literals"), f"{key} {yamlfile.excerpt(name)}: literals is a list")
                    literals = []
                for j in range(len(literals)):
                    text = k.text_of(key, i, "literals", j)
                    if "=" not in text:
                        self.error(
                            k.loc(key, i, "literals", j), f"{key} {yamlfile.excerpt(name)}: a literal is KEY=VALUE"
                        )
                        continue
                    if kind == "Secret":
                        continue  # secret values are never kept: the importers name Secrets, never read them
                    lkey, _, lvalue = text.partition("=")
                    if len(lvalue) >= 2 and lvalue[0] == lvalue[-1] and lvalue[0] in "\"'":
                        lvalue = lvalue[1:-1]  # Kustomize drops one pair of quotes around a literal's value
                    at = k.loc(key, i, "literals", j)
                    _put(data, lkey.strip(), _N(lvalue, at), at)
                sources = [
                    (src, k.text_of(key, i, src, j))
                    for src in ("files", "envs")
                    for j, _ in enumerate(entry.get(src) or [] if isinstance(entry.get(src), list) else [])
                ]
                if isinstance(entry.get("env"), str):
                    sources.append(("env", entry["env"]))
                if sources:
                    listed = ", ".join(yamlfile.excerpt(s) for _, s in sources)
                    self.note(
                        name_loc,
                        f"{key} {yamlfile.excerpt(name)}: file and env sources not read ({listed}): "
                        f"their keys are not in the generated {kind}",
                    )
                behavior = entry.get("behavior", "create")
                existing = next((o for o in objs if o.kind == kind and name in o.names), None)
                if behavior in ("merge", "replace"):
                    if existing is None:
                        self.error(
                            k.loc(key, i, "behavior"), f"{key} {yamlfile.excerpt(name)}: no {kind} {behavior}s into"
                        )
                        continue
                    target = _map_at(existing.node, ("data",), name_loc, True)
                    if target is not None:
                        if behavior == "replace":
                            target.value.clear()
                        for dkey, (dloc, dnode) in data.value.items():
                            _put(target, dkey, dnode, dloc)
                    continue
                if behavior != "create":
                    self.error(k.loc(key, i, "behavior"), f"{key}: behavior is create, merge or replace")
                    continue
                body = {
                    "apiVersion": (name_loc, _N("v1", name_loc)),
                    "kind": (name_loc, _N(kind, name_loc)),
                    "metadata": (name_loc, _N({"name": (k.key_loc(key, i, "name"), _N(name, name_loc))}, name_loc)),
                }
                ns = entry.get("namespace")
                if isinstance(ns, str):
                    _put(
                        body["metadata"][1],
                        "namespace",
                        _N(ns, k.loc(key, i, "namespace")),
                        k.key_loc(key, i, "namespace"),
                    )
                if kind == "Secret":
                    body["type"] = (
                        name_loc,
                        _N(
                            k.text_of(key, i, "type") or "Opaque",
                            k.loc(key, i, "type") if "type" in entry else name_loc,
                        ),
                    )
                else:
                    body["data"] = (name_loc, data)
                obj = _Obj(_N(body, name_loc), k.shown)
                for src, where in ((options, ("generatorOptions",)), (entry.get("options"), (key, i, "options"))):
                    if isinstance(src, dict):
                        for field_name in ("labels", "annotations"):
                            if isinstance(src.get(field_name), dict):
                                meta = _map_at(obj.node, ("metadata", field_name), k.loc(*where, field_name), True)
                                if meta is not None:
                                    for lk in src[field_name]:
                                        at = k.loc(*where, field_name, lk)
                                        _put(
                                            meta,
                                            str(lk),
                                            _N(k.text_of(*where, field_name, lk), at),
                                            k.key_loc(*where, field_name, lk),
                                        )
                if existing is not None and existing.namespace == obj.namespace:
                    self.error(
                        name_loc,
                        f"{key}: {kind} {yamlfile.excerpt(name)} already exists (at {existing.name_loc}); "
                        "use behavior: merge or replace",
                    )
                    continue
                if self._count(1, name_loc):
                    objs.append(obj)
        return objs

    # ----------------------------------------------------------------- patches

    def _patch_source(self, k: _Kust, where: tuple[str | int, ...], entry: Any, inline: bool) -> list[yamlfile.Parsed]:
        """The documents of a patch: a file (`path`) or inline text, located in its file."""
        loc = k.loc(*where)
        if not inline:
            real = self._confine(k.folder, entry, loc, "patch")
            if real is None:
                return []
            _, text, docs = self._read(real, loc)
            return docs if text is not None else []
        if not isinstance(entry, str):
            if isinstance(entry, dict | list):  # a patch written as YAML, not as a string
                return [
                    yamlfile.Parsed(
                        entry,
                        {p[len(where) :]: v for p, v in k.parsed.keys.items() if p[: len(where)] == where},
                        {p[len(where) :]: v for p, v in k.parsed.values.items() if p[: len(where)] == where},
                    )
                ]
            self.error(loc, "patch: a string holding YAML")
            return []
        move = _block_mover(k, loc)
        docs, errors = yamlfile.parse(entry, k.shown, self.limits, multi=True)
        for e in errors:
            self.error(move(e.loc) if e.loc else loc, e.message)
        return [
            yamlfile.Parsed(d.data, {p: move(v) for p, v in d.keys.items()}, {p: move(v) for p, v in d.values.items()})
            for d in docs
            if d.data is not None
        ]

    def _strategic_patches(self, k: _Kust, objs: list[_Obj]) -> list[_Obj]:
        for i, entry in self._items(k, "patchesStrategicMerge"):
            inline = not isinstance(entry, str) or "\n" in entry
            for doc in self._patch_source(k, ("patchesStrategicMerge", i), entry, inline):
                objs = self._apply_smp(k, objs, doc, None, k.loc("patchesStrategicMerge", i), {})
        return objs

    def _patches(self, k: _Kust, objs: list[_Obj]) -> list[_Obj]:
        for i, entry in self._items(k, "patches"):
            loc = k.loc("patches", i)
            if isinstance(entry, str):
                # `patches: [file.yaml]` or `patches: [|\n  apiVersion: ...]`: read as Kustomize reads
                # patchesStrategicMerge entries (real components write them so).
                entry = {"patch": entry} if "\n" in entry else {"path": entry}
                docs = self._patch_source(k, ("patches", i), entry.get("patch", entry.get("path")), "patch" in entry)
                for doc in docs:
                    if isinstance(doc.data, list):
                        self.error(loc, "patches: a JSON 6902 patch needs a target")
                    else:
                        objs = self._apply_smp(k, objs, doc, None, loc, {})
                continue
            if not isinstance(entry, dict) or ("path" in entry) == ("patch" in entry):
                self.error(loc, "patches: each entry has a path or an inline patch (one of them)")
                continue
            inline = "patch" in entry
            docs = self._patch_source(
                k, ("patches", i, "patch" if inline else "path"), entry.get("patch", entry.get("path")), inline
            )
            target = entry.get("target")
            options = entry.get("options") if isinstance(entry.get("options"), dict) else {}
            if target is not None and not isinstance(target, dict):
                self.error(k.loc("patches", i, "target"), "patches: target is a mapping")
                continue
            for doc in docs:
                if isinstance(doc.data, list):
                    if target is None:
                        self.error(loc, "patches: a JSON 6902 patch needs a target")
                        continue
                    for obj in self._select(k, objs, target, ("patches", i, "target")):
                        self._apply_json(obj, doc, loc)
                else:
                    objs = self._apply_smp(k, objs, doc, target, loc, options, ("patches", i, "target"))
        return objs

    def _json_patches(self, k: _Kust, objs: list[_Obj]) -> None:
        for i, entry in self._items(k, "patchesJson6902"):
            loc = k.loc("patchesJson6902", i)
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("target"), dict)
                or ("path" in entry) == ("patch" in entry)
            ):
                self.error(loc, "patchesJson6902: each entry has a target and a path or an inline patch")
                continue
            inline = "patch" in entry
            docs = self._patch_source(
                k, ("patchesJson6902", i, "patch" if inline else "path"), entry.get("patch", entry.get("path")), inline
            )
            selected = self._select(k, objs, entry["target"], ("patchesJson6902", i, "target"))
            for doc in docs:
                if not isinstance(doc.data, list):
                    self.error(loc, "patchesJson6902: a JSON 6902 patch is a list of operations")
                    continue
                for obj in selected:
                    self._apply_json(obj, doc, loc)

    def _select(self, k: _Kust, objs: list[_Obj], target: dict[str, Any], where: tuple[str | int, ...]) -> list[_Obj]:
        """The objects a patch target selects (name and namespace are anchored regular expressions)."""
        tests: list[Callable[[_Obj], bool]] = []
        for key in ("group", "version", "kind"):
            if key in target:
                want = "" if target[key] is None else str(target[key])
                index = {"group": 0, "version": 1}.get(key)
                if index is None:
                    tests.append(lambda o, w=want: o.kind == w)
                else:
                    tests.append(lambda o, w=want, n=index: o.group_version[n] == w)
        for key in ("name", "namespace"):
            if key in target:
                problem = _unsafe_pattern(str(target[key]))
                if problem:
                    self.error(k.loc(*where, key), f"patch target {key}: {problem}")
                    return []
                try:
                    with warnings.catch_warnings():  # a user's pattern may trip Python's FutureWarnings
                        warnings.simplefilter("ignore")
                        pattern = re.compile(str(target[key]))
                except re.error as exc:
                    self.error(k.loc(*where, key), f"patch target {key}: not a regular expression: {exc}")
                    return []
                if key == "name":
                    tests.append(lambda o, p=pattern: any(p.fullmatch(n) for n in o.names))
                else:
                    tests.append(lambda o, p=pattern: bool(p.fullmatch(o.namespace)))
        for key, of in (("labelSelector", _Obj.labels), ("annotationSelector", _Obj.annotations)):
            if key in target:
                match = _selector(str(target[key]))
                if match is None:
                    self.error(
                        k.loc(*where, key),
                        f"patch target {key}: not a selector this renderer reads (k=v, k!=v, k, !k, k in (a,b))",
                    )
                    return []
                tests.append(lambda o, m=match, f=of: m(f(o)))
        chosen = [o for o in objs if all(test(o) for test in tests)]
        if not chosen:
            self.note(k.loc(*where), "patch target selects no object: the patch changes nothing")
        return chosen

    def _apply_smp(
        self,
        k: _Kust,
        objs: list[_Obj],
        doc: yamlfile.Parsed,
        target: dict[str, Any] | None,
        loc: Loc,
        options: dict[str, Any],
        where: tuple[str | int, ...] = (),
    ) -> list[_Obj]:
        data = doc.data
        if not isinstance(data, dict):
            self.error(_first_loc(doc, loc.file) if doc.values else loc, "a strategic-merge patch is a mapping")
            return objs
        patch = _tree(data, (), doc, _first_loc(doc, loc.file))
        if target is not None:
            chosen = self._select(k, objs, target, where)
        else:
            name = _scalar(_child(patch, "metadata", "name"))
            kind = _scalar(_child(patch, "kind"))
            ns = _scalar(_child(patch, "metadata", "namespace"))
            chosen = [o for o in objs if o.kind == kind and name in o.names and (ns is None or ns == o.namespace)]
            if not chosen:
                at = (_child(patch, "metadata", "name") or patch).loc
                self.error(at, f"patch for {kind} {yamlfile.excerpt(str(name))}: no such object among the resources")
                return objs
        if _scalar(_child(patch, "$patch")) == "delete":
            return [o for o in objs if o not in chosen]
        for obj in chosen:
            # The patch's own identity is only its address: kind and name stay (unless allowed).
            fixed = {"apiVersion", "kind"} - ({"kind", "apiVersion"} if options.get("allowKindChange") else set())
            body = _N({key: entry for key, entry in patch.value.items() if key not in fixed}, patch.loc)
            meta = body.value.get("metadata")
            if meta is not None and isinstance(meta[1].value, dict):
                drop = {"namespace"} | (set() if options.get("allowNameChange") else {"name"})
                body.value["metadata"] = (
                    meta[0],
                    _N({kk: e for kk, e in meta[1].value.items() if kk not in drop}, meta[1].loc),
                )
            ignored: list[tuple[str, Loc]] = []
            _merge_map(obj.node, body, (obj.kind,), ignored)
            for directive, at in dict.fromkeys(ignored):
                self.note(at, f"not rendered: strategic-merge directive {yamlfile.excerpt(directive)} ignored")
            if obj.name not in obj.names:
                obj.names.append(obj.name)
        return objs

    def _apply_json(self, obj: _Obj, doc: yamlfile.Parsed, loc: Loc) -> None:
        ops = _tree(doc.data, (), doc, loc)
        for op_node in ops.value:
            at = op_node.loc
            if not isinstance(op_node.value, dict):
                self.error(at, "a JSON 6902 operation is a mapping with op and path")
                continue
            op, path = _scalar(_child(op_node, "op")), _scalar(_child(op_node, "path"))
            problem = _json_op(obj.node, op, path, op_node)
            if problem:
                self.error(
                    at,
                    f"JSON patch {op} {yamlfile.excerpt(str(path))} on {obj.kind} "
                    f"{yamlfile.excerpt(obj.name)}: {problem}",
                )

    # ----------------------------------------------------------------- transformers

    def _namespace(self, k: _Kust, objs: list[_Obj]) -> None:
        ns = k.data.get("namespace")
        if ns is None:
            return
        if not isinstance(ns, str) or not ns:
            self.error(k.loc("namespace"), "namespace: a name")
            return
        for obj in objs:
            if obj.kind in _CLUSTER_SCOPED:
                continue
            meta = _map_at(obj.node, ("metadata",), k.loc("namespace"), True)
            if meta is not None:
                _put(meta, "namespace", _N(ns, k.loc("namespace")), k.key_loc("namespace"))

    def _rename(self, k: _Kust, objs: list[_Obj]) -> None:
        prefix, suffix = k.text_of("namePrefix"), k.text_of("nameSuffix")
        if not prefix and not suffix:
            return
        at = k.loc("namePrefix") if prefix else k.loc("nameSuffix")
        renamed: dict[tuple[str, str], str | None] = {}
        for obj in objs:
            name_node = _child(obj.node, "metadata", "name")
            if obj.kind in _NOT_RENAMED or name_node is None or not isinstance(name_node.value, str):
                continue
            old = name_node.value
            new = f"{prefix}{old}{suffix}"
            # The name keeps the base's line: an element-level finding points at the object to change,
            # not at the one prefix line every renamed object shares.
            name_node.value = new
            obj.names.append(new)
            # Two objects of one kind and name in different namespaces, renamed alike: still one answer.
            renamed[(obj.kind, old)] = new if renamed.get((obj.kind, old), new) == new else None
        for obj in objs:
            for ref_kind, node in _references(obj):
                new = renamed.get((ref_kind, node.value))
                if new is not None:
                    node.value, node.loc = new, at

    def _labels(self, k: _Kust, objs: list[_Obj]) -> None:
        groups: list[tuple[tuple[str | int, ...], bool, bool]] = []
        if k.data.get("commonLabels") is not None and self._mapping(k, "commonLabels"):
            groups.append((("commonLabels",), True, True))
        for i, entry in self._items(k, "labels"):
            if not isinstance(entry, dict) or not isinstance(entry.get("pairs"), dict):
                self.error(k.loc("labels", i), "labels: each entry has pairs (a mapping)")
                continue
            selectors = entry.get("includeSelectors") is True
            groups.append((("labels", i, "pairs"), selectors, selectors or entry.get("includeTemplates") is True))
        for where, selectors, templates in groups:
            pairs = [
                (str(key), k.text_of(*where, key), k.loc(*where, key), k.key_loc(*where, key))
                for key in _get(k.data, where)
            ]
            for obj in objs:
                paths: list[tuple[tuple[str, ...], bool]] = [(("metadata", "labels"), True)]
                if templates and obj.kind in _POD_TEMPLATE_KINDS:
                    paths.append((("spec", "template", "metadata", "labels"), True))
                if templates and obj.kind == "CronJob":
                    paths.append((("spec", "jobTemplate", "spec", "template", "metadata", "labels"), True))
                if selectors:
                    if obj.kind in ("Service", "ReplicationController"):
                        paths.append((("spec", "selector"), True))
                    elif obj.kind in _MATCH_LABEL_KINDS:
                        paths.append((("spec", "selector", "matchLabels"), True))
                    elif obj.kind in ("Job", "PodDisruptionBudget"):
                        paths.append((("spec", "selector", "matchLabels"), False))
                    elif obj.kind == "NetworkPolicy":
                        paths.append((("spec", "podSelector", "matchLabels"), False))
                for path, create in paths:
                    target = _map_at(obj.node, path, pairs[0][2] if pairs else k.loc(*where), create)
                    if target is not None:
                        for key, value, vloc, kloc in pairs:
                            _put(target, key, _N(value, vloc), kloc)
                if templates and obj.kind == "StatefulSet":
                    claims = _child(obj.node, "spec", "volumeClaimTemplates")
                    for claim in claims.value if claims is not None and isinstance(claims.value, list) else []:
                        target = _map_at(claim, ("metadata", "labels"), k.loc(*where), True)
                        if target is not None:
                            for key, value, vloc, kloc in pairs:
                                _put(target, key, _N(value, vloc), kloc)

    def _annotations(self, k: _Kust, objs: list[_Obj]) -> None:
        notes = self._mapping(k, "commonAnnotations")
        if not notes:
            return
        pairs = [
            (
                str(key),
                k.text_of("commonAnnotations", key),
                k.loc("commonAnnotations", key),
                k.key_loc("commonAnnotations", key),
            )
            for key in notes
        ]
        for obj in objs:
            paths = [("metadata", "annotations")]
            if obj.kind in _POD_TEMPLATE_KINDS:
                paths.append(("spec", "template", "metadata", "annotations"))
            elif obj.kind == "CronJob":
                paths.append(("spec", "jobTemplate", "spec", "template", "metadata", "annotations"))
            for path in paths:
                target = _map_at(obj.node, path, k.loc("commonAnnotations"), True)
                if target is not None:
                    for key, value, vloc, kloc in pairs:
                        _put(target, key, _N(value, vloc), kloc)

    def _replicas(self, k: _Kust, objs: list[_Obj]) -> None:
        for i, entry in self._items(k, "replicas"):
            count = entry.get("count") if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                self.error(k.loc("replicas", i), "replicas: each entry has a name and a count")
                continue
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                self.error(
                    k.loc("replicas", i, "count") if "count" in entry else k.loc("replicas", i),
                    "replicas: count is a whole number, 0 or more",
                )
                continue
            hit = False
            for obj in objs:
                if obj.kind in _REPLICA_KINDS and entry["name"] in obj.names:
                    spec = _map_at(obj.node, ("spec",), k.loc("replicas", i, "count"), True)
                    if spec is not None:
                        _put(
                            spec,
                            "replicas",
                            _N(count, k.loc("replicas", i, "count")),
                            k.key_loc("replicas", i, "count"),
                        )
                        hit = True
            if not hit:
                self.note(
                    k.loc("replicas", i, "name"),
                    f"replicas: no Deployment, StatefulSet or ReplicaSet named {yamlfile.excerpt(entry['name'])}",
                )

    def _images(self, k: _Kust, objs: list[_Obj]) -> None:
        rules: list[tuple[str, str | None, str | None, str | None, Loc]] = []
        for i, entry in self._items(k, "images"):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                self.error(k.loc("images", i), "images: each entry has a name")
                continue
            new_name = k.text_of("images", i, "newName") if "newName" in entry else None
            new_tag = k.text_of("images", i, "newTag") if "newTag" in entry else None
            digest = k.text_of("images", i, "digest") if "digest" in entry else None
            # The line that changes what matters most: the tag (engine versions come from it), else the rest.
            field_name = next((f for f in ("newTag", "digest", "newName") if f in entry), "name")
            rules.append((entry["name"], new_name, new_tag, digest, k.loc("images", i, field_name)))
        if not rules:
            return
        for obj in objs:
            for spec in obj.pod_specs():
                for list_name in ("containers", "initContainers"):
                    containers = _child(spec, list_name)
                    for container in (
                        containers.value if containers is not None and isinstance(containers.value, list) else []
                    ):
                        image = _child(container, "image")
                        if image is None or not isinstance(image.value, str):
                            continue
                        name, tag, digest = _split_image(image.value)
                        for rule_name, new_name, new_tag, new_digest, at in rules:
                            if rule_name != name:
                                continue
                            name = new_name or name
                            if new_digest:
                                tag, digest = new_tag, new_digest
                            elif new_tag is not None:
                                tag, digest = new_tag, None
                            image.value = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
                            image.loc = at
                            break


# --------------------------------------------------------------------------- helpers


def _first_loc(doc: yamlfile.Parsed, shown: str) -> Loc:
    return min(
        (*doc.keys.values(), *doc.values.values()), default=Loc(shown, 1, 1), key=lambda loc: (loc.line, loc.col)
    )


def _block_mover(k: _Kust, loc: Loc) -> Callable[[Loc], Loc]:
    """Where a location inside an inline patch is in the kustomization file. A literal block
    (`patch: |-`) keeps its lines: line n of the text is n lines below the `|`, shifted by the
    block's indentation. Any other scalar style folds lines, so everything points at the value."""
    lines = k.text.splitlines()
    line = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
    if line[loc.col - 1 : loc.col] != "|":
        return lambda _inner: loc
    indent = next((len(s) - len(s.lstrip(" ")) for s in lines[loc.line :] if s.strip()), 0)
    return lambda inner: Loc(k.shown, loc.line + inner.line, indent + inner.col)


def _merge_key(key: str, context: tuple[str, ...]) -> str | None:
    if key == "ports":
        # Container ports merge by containerPort, a Service's by port (the API's patchMergeKey).
        return (
            "containerPort"
            if context[-1:] in (("containers",), ("initContainers",))
            else ("port" if context[:1] == ("Service",) else None)
        )
    return _MERGE_KEYS.get(key)


def _merge_map(target: _N, patch: _N, context: tuple[str, ...], ignored: list[tuple[str, Loc]]) -> None:
    """Strategic merge of a patch mapping into a mapping: keys merged recursively, null deletes,
    lists with a merge key merged by it, other lists and scalars replaced."""
    for key, (key_loc, node) in patch.value.items():
        if key.startswith("$"):
            if key != "$patch" and not key.startswith("$setElementOrder/"):  # order only: no effect here
                ignored.append((key, key_loc))  # $retainKeys, $deleteFromPrimitiveList/...: said, not applied
            continue
        existing = target.value.get(key)
        directive = _scalar(_child(node, "$patch")) if isinstance(node.value, dict) else None
        if node.value is None or directive == "delete":
            target.value.pop(key, None)
            continue
        if existing is not None and directive != "replace":
            old = existing[1]
            if isinstance(old.value, dict) and isinstance(node.value, dict):
                _merge_map(old, node, (*context, key), ignored)
                continue
            merge_key = _merge_key(key, context)
            if merge_key and isinstance(old.value, list) and isinstance(node.value, list):
                _merge_list(old, node, merge_key, (*context, key), ignored)
                continue
        if isinstance(node.value, list):  # a new list: items the patch deletes are not added
            node = _N([item for item in node.value if _scalar(_child(item, "$patch")) != "delete"], node.loc)
        _put(target, key, _copy(node), key_loc)


def _merge_list(
    target: _N, patch: _N, merge_key: str, context: tuple[str, ...], ignored: list[tuple[str, Loc]]
) -> None:
    items: list[_N] = target.value
    for node in patch.value:
        if not isinstance(node.value, dict) or merge_key not in node.value:
            items.append(_copy(node))
            continue
        want = _scalar(node.value[merge_key][1])
        index = next(
            (
                i
                for i, item in enumerate(items)
                if isinstance(item.value, dict) and _scalar(_child(item, merge_key)) == want
            ),
            None,
        )
        directive = _scalar(_child(node, "$patch"))
        if directive == "delete":
            if index is not None:
                del items[index]
        elif index is None:
            items.append(_copy(node))
        elif directive == "replace":
            items[index] = _copy(node)
        else:
            _merge_map(items[index], node, context, ignored)


def _pointer(path: Any) -> list[str] | None:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        return None
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]] if path else []


def _json_op(root: _N, op: Any, path: Any, op_node: _N) -> str | None:
    """Apply one JSON 6902 operation; the problem, or None when it applied."""
    parts = _pointer(path)
    if parts is None:
        return "path is a JSON pointer (/a/b/0)"
    if op not in ("add", "replace", "remove", "copy", "move", "test"):
        return "op is add, remove, replace, copy, move or test"
    value: _N | None = None
    if op in ("add", "replace", "test"):
        given = _child(op_node, "value")
        if given is None:
            return "value is missing"
        value = _copy(given)
    elif op in ("copy", "move"):
        source = _pointer(_scalar(_child(op_node, "from")))
        found = _walk(root, source) if source is not None else None
        if found is None:
            return "from names no value"
        value = _copy(found)
        if op == "move":
            problem = _json_op(root, "remove", _scalar(_child(op_node, "from")), op_node)
            if problem:
                return problem
    if not parts:
        return "the whole object cannot be replaced by a patch"
    parent = _walk(root, parts[:-1])
    last = parts[-1]
    if parent is None:
        return "no such path"
    if op == "test":
        current = _walk(root, parts)
        return None if current is not None and value is not None and _plain(current) == _plain(value) else "test failed"
    if isinstance(parent.value, dict):
        if op in ("replace", "remove") and last not in parent.value:
            return "no such path"
        if op == "remove":
            del parent.value[last]
        else:
            assert value is not None
            path_node = _child(op_node, "path")
            _put(parent, last, value, path_node.loc if path_node is not None else op_node.loc)
        return None
    if isinstance(parent.value, list):
        items = parent.value
        if last == "-" and op in ("add", "copy", "move"):
            index = len(items)
        elif _index(last) and (len(last) == 1 or last[0] != "0"):
            index = int(last)
        else:
            return "a list index is a number (or - to append)"
        if op in ("add", "copy", "move"):
            if index > len(items):
                return "index past the end of the list"
            assert value is not None
            items.insert(index, value)
        elif index >= len(items):
            return "no such path"
        elif op == "remove":
            del items[index]
        else:
            assert value is not None
            items[index] = value
        return None
    return "no such path"


def _index(part: str) -> bool:
    """A list index: ASCII digits only (`str.isdigit` takes "²", which `int` refuses)."""
    return part.isascii() and part.isdigit() and len(part) <= 18


def _walk(node: _N, parts: list[str]) -> _N | None:
    for part in parts:
        if isinstance(node.value, dict):
            entry = node.value.get(part)
            if entry is None:
                return None
            node = entry[1]
        elif isinstance(node.value, list) and _index(part) and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            return None
    return node


def _unsafe_pattern(pattern: str) -> str | None:
    """Why a target's regular expression is not run, or None. Python's engine backtracks: a
    repeated group (`(a*)*b`) takes exponential time and many unbounded repetitions (`.*.*.*.*x`)
    polynomial time of a high degree; Kustomize's engine (RE2) takes linear time and has no
    back-references. Real targets (`deploy.*`, `(api|web)-v[0-9]+`) need none of these."""
    if len(pattern) > 256:
        return "a pattern longer than 256 characters is not supported"
    unbounded, i, in_class = 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if not in_class and pattern[i + 1 : i + 2] in tuple("123456789"):
                return "back-references are not supported (Kustomize's RE2 has none)"
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1 if pattern[i + 1 : i + 2] != "]" else 2  # `[]a]`: a leading ] is a member
            continue
        elif char == ")" and pattern[i + 1 : i + 2] in ("*", "+", "{"):  # `(-canary)?` is harmless
            return "a repeated group is not supported (it can take exponential time here)"
        elif char in "*+" or (char == "{" and re.match(r"\{\d*,\}", pattern[i:])):
            unbounded += 1
        i += 1
    if unbounded > 3:
        return "more than 3 unbounded repetitions (*, +) are not supported (they can take very long here)"
    return None


def _selector(text: str) -> Callable[[dict[str, Any]], bool] | None:
    """A label selector's matcher (equality and set forms), or None when it is not one."""
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for term in re.findall(r"(?:[^,(]|\([^)]*\))+", text):
        term = term.strip()
        if not term:
            continue
        if m := re.fullmatch(r"([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)", term):
            key, op, want = m.groups()
            if op == "!=":
                tests.append(lambda labels, k=key, w=want: str(labels.get(k)) != w if k in labels else True)
            else:
                tests.append(lambda labels, k=key, w=want: k in labels and str(labels[k]) == w)
        elif m := re.fullmatch(r"([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)", term):
            key, op, values = m.groups()
            allowed = {v.strip() for v in values.split(",")}
            if op == "in":
                tests.append(lambda labels, k=key, a=allowed: k in labels and str(labels[k]) in a)
            else:
                tests.append(lambda labels, k=key, a=allowed: k not in labels or str(labels[k]) not in a)
        elif m := re.fullmatch(r"(!?)([\w./-]+)", term):
            negate, key = m.groups()
            tests.append(lambda labels, k=key, n=bool(negate): (k in labels) != n)
        else:
            return None
    return lambda labels: all(test(labels) for test in tests)


def _split_image(image: str) -> tuple[str, str | None, str | None]:
    """name, tag, digest of an image reference (a port in the registry is not a tag)."""
    rest, _, digest = image.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        return rest[:colon], rest[colon + 1 :], digest or None
    return rest, None, digest or None


def _references(obj: _Obj) -> Iterator[tuple[str, _N]]:
    """The name references an object holds to other objects, by the kind they name: what
    Kustomize renames along with a prefix or suffix (ConfigMaps, Secrets, claims and service
    accounts from pod specs, a StatefulSet's Service, an autoscaler's target)."""

    def named(node: _N | None, kind: str, *path: str) -> Iterator[tuple[str, _N]]:
        found = _child(node, *path) if node is not None else None
        if found is not None and isinstance(found.value, str):
            yield kind, found

    for spec in obj.pod_specs():
        yield from named(spec, "ServiceAccount", "serviceAccountName")
        for secret in _list(_child(spec, "imagePullSecrets")):
            yield from named(secret, "Secret", "name")
        for volume in _list(_child(spec, "volumes")):
            yield from named(volume, "ConfigMap", "configMap", "name")
            yield from named(volume, "Secret", "secret", "secretName")
            yield from named(volume, "PersistentVolumeClaim", "persistentVolumeClaim", "claimName")
            for source in _list(_child(volume, "projected", "sources")):
                yield from named(source, "ConfigMap", "configMap", "name")
                yield from named(source, "Secret", "secret", "name")
        for list_name in _CONTAINER_LISTS:
            for container in _list(_child(spec, list_name)):
                for env in _list(_child(container, "env")):
                    yield from named(env, "ConfigMap", "valueFrom", "configMapKeyRef", "name")
                    yield from named(env, "Secret", "valueFrom", "secretKeyRef", "name")
                for source in _list(_child(container, "envFrom")):
                    yield from named(source, "ConfigMap", "configMapRef", "name")
                    yield from named(source, "Secret", "secretRef", "name")
    if obj.kind == "StatefulSet":
        yield from named(obj.node, "Service", "spec", "serviceName")
    if obj.kind == "HorizontalPodAutoscaler":
        kind = _scalar(_child(obj.node, "spec", "scaleTargetRef", "kind"))
        if isinstance(kind, str):
            yield from named(obj.node, kind, "spec", "scaleTargetRef", "name")


def _list(node: _N | None) -> list[_N]:
    return node.value if node is not None and isinstance(node.value, list) else []
