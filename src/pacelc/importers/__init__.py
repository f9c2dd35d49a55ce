"""Importers: turn what a repository already holds into a pacelc model, keeping provenance.

`import_paths` reads files and folders, recognises each document by its content (`detect`),
imports compose projects (`compose`), and returns the plain model data with a `SourceMap` whose
locations point into the source files, so that a finding on an imported element names the
compose line to change. Kubernetes, mesh and Structurizr importers are later slices: each adds
a module here and a branch in `detect.classify`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pacelc.importers import detect
from pacelc.importers.compose import SYSTEM, Element, import_compose
from pacelc.model import yamlfile
from pacelc.model.loader import ModelError
from pacelc.model.source import Loc, Path, SourceMap

__all__ = ["SYSTEM", "ImportResult", "Skipped", "import_paths"]

_SUFFIXES = (".yml", ".yaml", ".json")


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


def _display(path: FsPath) -> str:
    try:
        return str(path.resolve().relative_to(FsPath.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _expand(paths: Sequence[str | os.PathLike[str]]) -> list[FsPath]:
    """Files as given, and the YAML/JSON files under each folder (sorted, hidden ones left out)."""
    out: list[FsPath] = []
    for given in paths:
        path = FsPath(given)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out.extend(FsPath(root) / n for n in sorted(names) if n.endswith(_SUFFIXES) and not n.startswith("."))
        else:
            out.append(path)
    return out


def import_paths(
    paths: Sequence[str | os.PathLike[str]], *, limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS
) -> ImportResult:
    """Import every compose document under `paths`; errors of one file do not stop the others."""
    errors: list[ModelError] = []
    skipped: list[Skipped] = []
    models: list[str] = []
    compose_docs: list[tuple[str, yamlfile.Parsed]] = []
    files: list[str] = []
    for path in _expand(paths):
        shown = _display(path)
        text, read_errors = yamlfile.read_text(path, shown, limits)
        docs: list[yamlfile.Parsed] = []
        if text is not None:
            docs, read_errors = yamlfile.parse(text, shown, limits, multi=True)
        if read_errors:
            errors.extend(ModelError(e.loc, e.message if e.loc else f"{shown}: {e.message}") for e in read_errors)
            continue
        used = False
        for doc in docs:
            kind = detect.classify(doc.data)
            first = min(doc.keys.values(), default=Loc(shown, 1, 1), key=lambda loc: (loc.line, loc.col))
            if kind == "compose":
                compose_docs.append((shown, doc))
                used = True
            elif kind == "model":
                models.append(shown)
            else:
                skipped.append(Skipped(first, "not a compose file or a pacelc model"))
        if used:
            files.append(shown)
    result = import_compose(compose_docs)
    errors.extend(result.errors)
    data: dict[str, Any] = {"pacelc": 1, "system": {"name": result.name or _default_name(files)}}
    sources = SourceMap()
    top = Loc(files[0], 1, 1) if files else Loc("<none>", 1, 1)
    for key in ("pacelc", "system"):
        sources.keys[(key,)] = sources.values[(key,)] = top
    sources.values[("system", "name")] = top
    unknowns: dict[str, list[str]] = {}
    for el in result.elements:
        section = data.setdefault(el.section, [])
        base: Path = (el.section, len(section))
        section.append(el.data)
        _locate(el.data, base, el.loc, {(*base, *k): v for k, v in el.locs.items()}, sources)
        sources.keys.setdefault((el.section,), el.loc)
        if el.unknowns:
            unknowns[el.id] = list(el.unknowns)
    if result.elements:
        unknowns[SYSTEM] = list(result.system_unknowns)
    return ImportResult(
        data, sources, tuple(files), result.elements, unknowns, skipped, tuple(dict.fromkeys(models)), errors
    )


def _default_name(files: list[str]) -> str:
    """Compose's own default project name: the folder of the first compose file."""
    if not files:
        return "imported"
    return FsPath(files[0]).resolve().parent.name or "imported"


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
