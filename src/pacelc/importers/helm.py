"""Helm charts, rendered offline by Helm's own Go SDK when the optional `helm` extra is installed.

A chart is not guessed at: its templates are rendered with the chart's default values by Helm itself
(`helm-python-sdk`, ctypes over `libhelm_c`, a C ABI over Helm v4's Go SDK; no `helm` binary, no
cluster: the `lookup` function returns nothing), then imported as rendered manifests. Without the
extra, the import stops with the one command that renders the chart, as before.

Why an optional extra and not a dependency: the wheel is 75 MB of native code for one platform
family (Linux and macOS, x86-64 and arm64) and the project is young (alpha, one maintainer); a
user who reviews compose files or manifests should not carry it. Pinned below 0.3 because pacelc
uses its `Chart.load(...).render(...)` API.

Locations: each rendered document is located in the template file it came from, at lines of the
rendered text (Helm does not map output lines back to template lines); the draft and the report's
system notes say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pacelc.importers.kubernetes import Resource, resources_of
from pacelc.model import yamlfile
from pacelc.model.loader import ModelError, shown_path
from pacelc.model.source import Loc

RELEASE = "release"  # the release name templates see (`.Release.Name`), as `helm template NAME` would take


@dataclass
class RenderedChart:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ModelError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def available() -> bool:
    """Whether Helm's SDK is installed (the `helm` extra)."""
    try:
        import helm_python  # noqa: F401  # type: ignore[import-not-found]
    except (ImportError, OSError):  # OSError: the native library does not load on this machine
        return False
    return True


def values(
    files: tuple[str, ...], sets: tuple[str, ...], *, limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS
) -> tuple[dict[str, Any] | None, list[ModelError]]:
    """The values given for the charts: values files in order, then `--set` strings, merged as Helm
    merges them (later wins, mappings deep-merged); None when none are given."""
    import helm_python  # type: ignore[import-not-found]

    if not files and not sets:
        return None, []
    merged: dict[str, Any] = {}
    errors: list[ModelError] = []
    for name in files:
        text, read_errors = yamlfile.read_text(FsPath(name), name, limits)
        if text is None:
            errors.extend(ModelError(e.loc, e.message if e.loc else f"{name}: {e.message}") for e in read_errors)
            continue
        docs, parse_errors = yamlfile.parse(text, name, limits)
        if parse_errors:
            errors.extend(ModelError(e.loc, e.message) for e in parse_errors)
            continue
        data = docs[0].data if docs else None
        if data is None:
            continue
        if not isinstance(data, dict):
            errors.append(ModelError(Loc(name, 1, 1), "a Helm values file is a mapping"))
            continue
        _deep_merge(merged, data)
    for item in sets:
        try:
            _deep_merge(merged, helm_python.parse_set_string(item))
        except Exception as exc:  # the SDK's parse error: the user's to fix
            errors.append(ModelError(None, f"--helm-set {yamlfile.excerpt(item)}: {str(exc).splitlines()[0]}"))
    return merged, errors


def _deep_merge(target: dict[str, Any], over: dict[str, Any]) -> None:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value


def render(
    chart: FsPath, limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS, values: dict[str, Any] | None = None
) -> RenderedChart:
    """The chart's manifests with its default values (and `values` over them), each document located
    in its template file."""
    import helm_python  # type: ignore[import-not-found]

    out = RenderedChart()
    chart_file = Loc(shown_path(chart / "Chart.yaml"), 1, 1)
    try:
        loaded = helm_python.Chart.load(str(chart))
        manifests = loaded.render(values, name=RELEASE)
    except Exception as exc:  # the SDK's errors (bad chart, a template that fails): the user's to fix
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        out.errors.append(ModelError(chart_file, f"Helm could not render the chart: {yamlfile.excerpt(message, 300)}"))
        return out
    name = str(loaded.name)
    for template in sorted(manifests):
        text = manifests[template]
        if not text.strip():
            continue
        # "shop/templates/api.yaml" (chart name first; a subchart: "shop/charts/db/templates/...").
        relative = template.split("/", 1)[1] if template.startswith(f"{name}/") else template
        source = chart / relative
        shown = shown_path(source)
        if len(text.encode("utf-8")) > limits.max_file_bytes:
            out.errors.append(ModelError(Loc(shown, 1, 1), "the rendered template is over the file size limit"))
            continue
        docs, errors = yamlfile.parse(text, shown, limits, multi=True)
        if errors:
            out.errors.extend(ModelError(e.loc, f"rendered: {e.message}") for e in errors)
            continue
        for doc in docs:
            if isinstance(doc.data, dict) and isinstance(doc.data.get("kind"), str):
                out.resources.extend(resources_of(shown, doc))
        if shown not in out.files:
            out.files.append(shown)
    given = "with the values given over its defaults" if values else "with its default values"
    out.notes.append(
        f"Helm chart {shown_path(chart)} rendered by Helm's SDK {given} and release name "
        f"'{RELEASE}'; locations in its templates are lines of the rendered output"
    )
    return out
