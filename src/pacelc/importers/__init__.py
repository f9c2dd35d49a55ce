"""Importers: turn what a repository already holds into a pacelc model, keeping provenance.

`import_paths` reads files and folders, recognises each document by its content (`detect`),
imports compose projects (`compose`) and rendered Kubernetes manifests (`kubernetes`), and
returns the plain model data with a `SourceMap` whose locations point into the source files, so
that a finding on an imported element names the compose or manifest line to change. Istio and
Linkerd rules among the manifests refine the imported calls (`istio`, `linkerd`, with the mesh
defaults of `mesh_defaults`). A Structurizr workspace, DSL (`structurizr_dsl`) or JSON export,
is imported by `structurizr`. Compose files, Kubernetes manifests and Structurizr workspaces are
not mixed in one import (refused, with both places named). A folder holding a kustomization is
rendered (`kustomize`) and its objects imported as manifests. A Helm chart is not rendered here:
the import stops with the `helm template` command that renders it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pacelc.gcpause import gc_paused
from pacelc.importers import detect, engines, helm, istio, kustomize
from pacelc.importers.compose import SYSTEM, Element, import_compose
from pacelc.importers.kubernetes import DEFAULTS_USED, Resource, import_kubernetes, resources_of
from pacelc.importers.structurizr import Workspace, build, read_json
from pacelc.model import yamlfile
from pacelc.model.loader import ModelError, shown_path
from pacelc.model.source import Loc, Path, SourceMap

__all__ = ["SYSTEM", "ImportResult", "Skipped", "import_paths"]

# What a Structurizr import relies on besides the workspace (named in the draft's "Defaults used").
STRUCTURIZR_DEFAULTS = (
    "the engine table (pacelc.importers.engines) for a store whose technology names an engine; "
    "an element with no instance in the deployment environment keeps the model's default of 1 replica"
)

_SUFFIXES = (".yml", ".yaml", ".json", ".dsl")


@dataclass(frozen=True)
class Skipped:
    """A document that is neither a compose file nor a pacelc model: listed once, not an error."""

    loc: Loc
    reason: str


@dataclass
class ImportResult:
    """What the sources say, as pacelc model data, and what they could not say."""

    data: dict[str, Any]  # plain data in pacelc's model format
    sources: SourceMap  # locations in the source files
    files: tuple[str, ...]  # the source files imported
    elements: list[Element] = field(default_factory=list)  # with their unknowns and notes, in order
    unknowns: dict[str, list[str]] = field(default_factory=dict)  # element id (or SYSTEM) -> what is unknown
    skipped: list[Skipped] = field(default_factory=list)
    models: tuple[str, ...] = ()  # pacelc model files found among the paths (not imported)
    errors: list[ModelError] = field(default_factory=list)
    source_kind: str = "compose file"  # what the sources are, in the draft's words
    defaults: tuple[str, ...] = (engines.COMPOSE_SPEC, engines.HEALTHCHECK_SPEC)  # platform defaults applied


def _expand(
    paths: Sequence[str | os.PathLike[str]], charts: list[FsPath], kustomizations: list[FsPath]
) -> list[FsPath]:
    """Files as given, and the YAML/JSON/DSL files under each folder (sorted, hidden ones left out).
    A folder holding a `Chart.yaml` is a Helm chart: added to `charts`, its files not read. A folder
    holding a kustomization is added to `kustomizations` (rendered, not read file by file: its
    patches and its base's files are not manifests of their own)."""
    out: list[FsPath] = []
    for given in paths:
        path = FsPath(given)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                if "Chart.yaml" in names:
                    charts.append(FsPath(root))
                    dirs[:] = []
                    continue
                if kustomize.kustomization_file(FsPath(root)) is not None:
                    kustomizations.append(FsPath(root))
                    dirs[:] = []
                    continue
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out.extend(FsPath(root) / n for n in sorted(names) if n.endswith(_SUFFIXES) and not n.startswith("."))
        elif path.name == "Chart.yaml":
            charts.append(path.parent)
        elif path.name in kustomize.KUSTOMIZATION_FILES:
            kustomizations.append(path.parent)
        else:
            out.append(path)
    return out


def _helm_error(chart: FsPath, loc: Loc) -> ModelError:
    shown = shown_path(chart)
    return ModelError(
        loc,
        f"{shown} is a Helm chart: install Helm's SDK to have pacelc render it (`pip install 'pacelc[helm]'`), "
        f"or render it first with `helm template NAME {shown} > rendered.yaml` and give rendered.yaml",
    )


def import_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS,
    overlay_calls: dict[str, list[str]] | None = None,
    helm_values: Sequence[str] = (),
    helm_set: Sequence[str] = (),
) -> ImportResult:
    """Import every compose document or Kubernetes manifest under `paths`; errors of one file do
    not stop the others. `overlay_calls` (caller -> targets) are calls an overlay model adds: the
    mesh rules among the manifests govern them too (they are then imported with the mesh's settings,
    for the overlay to merge over)."""
    # Parsed documents, locations and elements hold no reference cycles: the collector would only
    # rescan the growing heap (as for the model loader).
    with gc_paused():
        return _import_paths(paths, limits, overlay_calls or {}, (tuple(helm_values), tuple(helm_set)))


def _import_paths(
    paths: Sequence[str | os.PathLike[str]],
    limits: yamlfile.Limits,
    overlay_calls: dict[str, list[str]],
    helm_inputs: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
) -> ImportResult:
    errors: list[ModelError] = []
    skipped: list[Skipped] = []
    models: list[str] = []
    compose_docs: list[tuple[str, yamlfile.Parsed]] = []
    k8s: list[Resource] = []
    workspaces: list[Workspace] = []
    dsl_fragments: list[tuple[str, Loc]] = []  # .dsl files that are not workspaces: skipped unless included
    first_of: dict[str, Loc] = {}  # kind of source -> its first document, to name a refused mix
    files: list[str] = []
    charts: list[FsPath] = []
    kustomizations: list[FsPath] = []
    found = _expand(paths, charts, kustomizations)
    render_notes: list[str] = []  # what a renderer (Helm, Kustomize) says of its output, for the draft

    def adopt(rendered: helm.RenderedChart | kustomize.Rendered) -> None:
        """A renderer's manifests join the others, with its errors, notes and files."""
        errors.extend(rendered.errors)
        render_notes.extend(rendered.notes)
        if rendered.resources:
            k8s.extend(rendered.resources)
            first_of.setdefault("kubernetes", rendered.resources[0].name_loc)
            files.extend(name for name in rendered.files if name not in files)

    sdk = bool(charts) and helm.available()
    chart_values: dict[str, Any] | None = None
    if sdk:
        chart_values, value_errors = helm.values(*helm_inputs, limits=limits)
        errors.extend(value_errors)
    for chart in charts:
        if sdk:
            adopt(helm.render(chart, limits, chart_values))
        else:
            errors.append(_helm_error(chart, Loc(shown_path(chart / "Chart.yaml"), 1, 1)))
    renders = [kustomize.render(folder, limits, root=kustomize.default_root(folder)) for folder in kustomizations]
    # A base or component another kustomization given here renders is not rendered on its own again.
    rendered_elsewhere = {name for rendered in renders for name in rendered.files[1:]}
    for rendered in renders:
        if not (rendered.files and rendered.files[0] in rendered_elsewhere):
            adopt(rendered)
    for path in found:
        shown = shown_path(path)
        text, read_errors = yamlfile.read_text(path, shown, limits)
        docs: list[yamlfile.Parsed] = []
        if text is not None and detect.structurizr_dsl(text):
            from pacelc.importers.structurizr_dsl import read_dsl  # lark is loaded only for a workspace

            workspaces.append(read_dsl(path, shown, text))
            first_of.setdefault("structurizr", Loc(shown, 1, 1))
            files.append(shown)
            continue
        if text is not None and path.suffix == ".dsl":
            dsl_fragments.append((shown, Loc(shown, 1, 1)))
            continue
        if text is not None and detect.helm_template(path, text):
            line = text[: text.index("{{")].count("\n") + 1
            errors.append(_helm_error(path.parent.parent, Loc(shown, line, 1)))
            continue
        if text is not None:
            docs, read_errors = yamlfile.parse(text, shown, limits, multi=True)
        if read_errors:
            errors.extend(ModelError(e.loc, e.message if e.loc else f"{shown}: {e.message}") for e in read_errors)
            continue
        used = False
        for doc in docs:
            if doc.data is None:
                continue  # an empty document (a trailing `---`, as most rendered manifests have): nothing to say
            kind = detect.classify(doc.data)
            first = min(doc.keys.values(), default=Loc(shown, 1, 1), key=lambda loc: (loc.line, loc.col))
            if kind == "compose":
                compose_docs.append((shown, doc))
                first_of.setdefault("compose", first)
                used = True
            elif kind == "kubernetes":
                k8s.extend(resources_of(shown, doc))
                first_of.setdefault("kubernetes", first)
                used = True
            elif kind == "structurizr":
                workspaces.append(read_json(shown, doc))
                first_of.setdefault("structurizr", first)
                used = True
            elif kind == "model":
                models.append(shown)
            else:
                skipped.append(Skipped(first, "not a compose file, a Kubernetes manifest or a pacelc model"))
        if used:
            files.append(shown)
    included = {name for ws in workspaces for name in ws.included}
    skipped.extend(
        Skipped(loc, "a Structurizr DSL file with no `workspace`: read only through a workspace's !include")
        for shown, loc in dsl_fragments
        if shown not in included
    )
    files.extend(name for name in dict.fromkeys(included) if name not in files)
    if "structurizr" in first_of and len(first_of) > 1:
        other = next(kind for kind in first_of if kind != "structurizr")
        words = {"compose": "compose files", "kubernetes": "Kubernetes manifests"}[other]
        errors.append(
            ModelError(
                first_of["structurizr"],
                f"a Structurizr workspace and {words} (first at {first_of[other]}) in one import are not supported: "
                "import them separately",
            )
        )
    elif len(workspaces) > 1:
        # Two workspaces' ids would clash, and which one's deployment holds is not for pacelc to pick.
        errors.append(
            ModelError(
                workspaces[1].name_loc,
                f"a second Structurizr workspace (the first is {workspaces[0].file}): import one workspace at a time",
            )
        )
    elif len(first_of) > 1:
        # Ids of the two would be matched by name only; refused until an import can tell them apart.
        errors.append(
            ModelError(
                first_of["kubernetes"],
                f"Kubernetes manifests and compose files (first at {first_of['compose']}) in one import are not "
                "supported yet: import them separately",
            )
        )
    name: str | None = None
    if workspaces and len(first_of) == 1:
        ws_result = build(workspaces[0])
        errors.extend(ws_result.errors)
        skipped.extend(Skipped(loc, reason) for loc, reason in ws_result.skipped)
        elements, name, system_unknowns = ws_result.elements, ws_result.name, ws_result.system_unknowns
        extra: dict[str, Any] = {"source_kind": "Structurizr workspace", "defaults": (STRUCTURIZR_DEFAULTS,)}
    elif "kubernetes" in first_of and "compose" not in first_of:
        # Mesh rules are read after the workloads and their calls: they only refine those calls.
        k8s_result = import_kubernetes([r for r in k8s if not istio.is_mesh_rule(r)])
        added = _add_overlay_calls(k8s_result.elements, overlay_calls)
        mesh = istio.apply_mesh(k8s, k8s_result.elements)
        _drop_ungoverned(added)
        errors.extend(k8s_result.errors)
        errors.extend(mesh.errors)
        skipped.extend(Skipped(loc, reason) for loc, reason in k8s_result.skipped)
        elements, name = k8s_result.elements, k8s_result.name
        system_unknowns = [*k8s_result.system_unknowns, *mesh.system_notes, *render_notes]
        extra = {
            "source_kind": "Kubernetes manifest",
            "defaults": DEFAULTS_USED + tuple(d.cite() for d in mesh.used),
        }
    else:
        # An override file goes over its base whatever the names sort to (`docker-compose.override.yml`
        # sorts before `docker-compose.yml`), as Compose reads the pair; files given by name merge in
        # the order given.
        given = {shown_path(FsPath(p)) for p in paths if not FsPath(p).is_dir()}
        ordered = sorted(compose_docs, key=lambda doc: _is_override(doc[0]))
        result = import_compose(ordered, mergeable=lambda shown: shown in given or _is_override(shown))
        errors.extend(result.errors)
        elements, system_unknowns, name, extra = result.elements, result.system_unknowns, result.name, {}
    data: dict[str, Any] = {"pacelc": 1, "system": {"name": name or _default_name(files)}}
    sources = SourceMap()
    top = Loc(files[0], 1, 1) if files else Loc("<none>", 1, 1)
    for key in ("pacelc", "system"):
        sources.keys[(key,)] = sources.values[(key,)] = top
    sources.values[("system", "name")] = top
    unknowns: dict[str, list[str]] = {}
    for el in elements:
        section = data.setdefault(el.section, [])
        base: Path = (el.section, len(section))
        section.append(el.data)
        _locate(el.data, base, el.loc, {(*base, *k): v for k, v in el.locs.items()}, sources)
        sources.keys.setdefault((el.section,), el.loc)
        if el.unknowns:
            unknowns[el.id] = list(el.unknowns)
    if elements:
        unknowns[SYSTEM] = list(system_unknowns)
    return ImportResult(
        data, sources, tuple(files), elements, unknowns, skipped, tuple(dict.fromkeys(models)), errors, **extra
    )


def _add_overlay_calls(elements: list[Element], calls: dict[str, list[str]]) -> list[tuple[Element, dict]]:
    """Placeholders for the calls an overlay adds between imported elements, so mesh rules reach them."""
    by_id = {el.id: el for el in elements}
    added = []
    for caller, targets in calls.items():
        el = by_id.get(caller)
        if el is None or el.section != "services":
            continue
        known = {c.get("to") for c in el.data.get("calls", [])}
        for target in targets:
            if target in by_id and target not in known:
                call = {"to": target}
                el.data.setdefault("calls", []).append(call)
                known.add(target)
                added.append((el, call))
    return added


def _drop_ungoverned(added: list[tuple[Element, dict]]) -> None:
    """A placeholder no mesh rule set anything on is removed: the overlay adds that call itself."""
    for el, call in added:
        if set(call) == {"to"}:
            el.data["calls"].remove(call)
            if not el.data["calls"]:
                del el.data["calls"]
        else:
            el.notes.append(f"call to {call['to']}: added by the overlay, governed by the mesh rules above")


def _is_override(shown: str) -> bool:
    """A Compose override file by its conventional name (`docker-compose.override.yml`, `compose.override.yaml`)."""
    return ".override." in FsPath(shown).name


def _default_name(files: list[str]) -> str:
    """Compose's own default project name: the folder of the first source file (for manifests
    too: they have no system name)."""
    if not files:
        return "imported"
    folder = FsPath(files[0]).resolve().parent
    if folder.name == "templates" and (folder.parent / "Chart.yaml").is_file():
        folder = folder.parent  # a rendered Helm template: the chart's folder names the system
    return folder.name or "imported"


def _locate(node: Any, path: Path, inherited: Loc, precise: dict[Path, Loc], sources: SourceMap) -> None:
    """Give every key and value under `path` a location: its own where the sources name one, else
    the nearest enclosing one (the compose service), so a finding on any field points at a line."""
    loc = precise.get(path, inherited)
    sources.keys[path] = sources.values[path] = loc
    if isinstance(node, dict):
        for key, value in node.items():
            _locate(value, (*path, key), loc, precise, sources)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _locate(value, (*path, index), loc, precise, sources)
