"""An overlay: a hand-written model merged over a model imported from compose files or manifests.

The overlay adds what no source file says (domains, operations, scenarios, readiness, risks,
defaults, regions) and overrides imported values by element id. An overlay element whose id
matches an imported one is merged into it: mappings field by field (recursively), lists of named
items (calls by `to`, consumers by `service`, anything with an `id`) item by item by name, other
lists and scalars replaced; the overlay's value wins. An element with a new id is added.

Every value keeps its own location: what the overlay wrote points at the overlay's line, what it
left alone still points at the compose or manifest line, so a finding names the file to change.
The merged document then goes through the loader's normal validation (`_finish`), so an error in
the overlay (an unknown field, a bad reference) is reported at the overlay's line and column.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path as FsPath
from typing import Any

from pacelc.gcpause import gc_paused
from pacelc.model import yamlfile
from pacelc.model.loader import LoadedModel, ModelError, ModelLoadError, _finish, _Merger
from pacelc.model.schema import ELEMENT_SECTIONS
from pacelc.model.source import Loc, Path, SourceMap, item_name

__all__ = ["files_read", "load_overlay"]

_LIST_SECTIONS = (*ELEMENT_SECTIONS, "risks")


def files_read(
    path: str | os.PathLike[str], *, limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS, include_root: Any = None
) -> set[FsPath]:
    """The files a model reads (itself and its includes, resolved), to tell whether one model
    given beside sources includes another (then the includer is the one overlay)."""
    merger = _Merger(limits, FsPath(include_root).resolve() if include_root is not None else None)
    with gc_paused():
        merger.add_top_file(FsPath(path))
    return set(merger._seen)


@dataclasses.dataclass
class _Overlay:
    """The overlay's parsed document, and what merging it did (to locate and to report)."""

    sources: SourceMap  # the overlay's locations, by its own paths
    imported: SourceMap  # the imported locations, by merged paths (read before any is replaced)
    moves: list[tuple[Path, Path]] = dataclasses.field(default_factory=list)  # overlay path -> merged path
    heads: list[Path] = dataclasses.field(default_factory=list)  # section keys located alone, not their items
    replaced: set[Path] = dataclasses.field(default_factory=set)  # merged paths whose imported locations go
    # name path, overlay location, location of the imported value it replaced (None: added to an imported element)
    overridden: list[tuple[str, Loc | None, Loc | None]] = dataclasses.field(default_factory=list)
    added: dict[str, int] = dataclasses.field(default_factory=dict)  # section -> elements added


def overlay_calls(
    overlay: str | os.PathLike[str],
    *,
    limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS,
    include_root: str | os.PathLike[str] | None = None,
) -> dict[str, list[str]]:
    """The calls an overlay model writes (its includes read), by calling service: their targets. So
    that an importer can let the sources' rules (a mesh's routes) govern calls only the overlay
    names. Errors are left to `load_overlay`, which reads the file again and reports them."""
    over = _Merger(limits, FsPath(include_root).resolve() if include_root is not None else None)
    with gc_paused():
        over.add_top_file(FsPath(overlay))
    out: dict[str, list[str]] = {}
    for service in over.doc.get("services") or [] if isinstance(over.doc.get("services"), list) else []:
        if not isinstance(service, dict) or not isinstance(service.get("id"), str):
            continue
        for call in service.get("calls") or [] if isinstance(service.get("calls"), list) else []:
            if isinstance(call, dict) and isinstance(call.get("to"), str) and call.get("mode", "sync") == "sync":
                out.setdefault(service["id"], []).append(call["to"])
    return out


def load_overlay(
    doc: dict[str, Any],
    sources: SourceMap,
    files: Sequence[str],
    overlay: str | os.PathLike[str],
    *,
    limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS,
    include_root: str | os.PathLike[str] | None = None,
) -> LoadedModel:
    """The imported model data `doc` (located by `sources` in `files`) with the overlay model file
    `overlay` (and its includes) merged over it, validated as one model; errors raise `ModelLoadError`."""
    over = _Merger(limits, FsPath(include_root).resolve() if include_root is not None else None)
    with gc_paused():
        over.add_top_file(FsPath(overlay))
        if over.fatal:
            raise ModelLoadError(over.errors)
        base = _Merger(limits, None)
        base.doc = copy.deepcopy({key: value for key, value in doc.items() if key != "pacelc"})
        base.sources = SourceMap(dict(sources.values), dict(sources.keys))
        state = _Overlay(over.sources, base.sources)
        _merge_document(base.doc, over.doc, state)
        _relocate(base.sources, state)
        base.files = [*files, *(f for f in over.files if f not in files)]
        base.errors = list(over.errors)  # unknown sections and the like, at the overlay's lines
        loaded = _finish(base)
    return dataclasses.replace(loaded, provenance=_provenance(files, over.files, state))


def _merge_document(target: dict[str, Any], overlay: dict[str, Any], state: _Overlay) -> None:
    for key, value in overlay.items():
        path: Path = (key,)
        if key in _LIST_SECTIONS and isinstance(value, list):
            existing = target.setdefault(key, [])
            if not existing:  # a section the sources do not have: its key is the overlay's
                state.heads.append(path)
            by_id = {item["id"]: i for i, item in enumerate(existing) if isinstance(item, dict) and "id" in item}
            for index, item in enumerate(value):
                # Only a string id can match (a list or mapping id is a validation error, not a crash).
                key_id = item.get("id") if isinstance(item, dict) else None
                at = by_id.pop(key_id, None) if isinstance(key_id, str) else None
                if at is None:
                    state.added[key] = state.added.get(key, 0) + 1
                    state.moves.append(((key, index), (key, len(existing))))
                    existing.append(item)
                else:  # one overlay element per imported one: a second with its id is a duplicate error
                    _merge_mapping(existing[at], item, (key, index), (key, at), (key, str(item["id"])), state)
        elif key in target and isinstance(target[key], dict) and isinstance(value, dict):
            _merge_mapping(target[key], value, path, path, (key,), state)
        else:
            _replace(target, key, value, path, path, (key,), state, record=key in target)


def _merge_mapping(
    target: dict[str, Any],
    overlay: dict[str, Any],
    over_path: Path,
    path: Path,
    names: tuple[str, ...],
    state: _Overlay,
) -> None:
    for key, value in overlay.items():
        o, p, n = (*over_path, key), (*path, key), (*names, key)
        current = target.get(key)
        if key not in target:
            target[key] = value
            state.moves.append((o, p))
            state.overridden.append(("/".join(n), state.sources.nearest(o, prefer_key=True), None))
        elif isinstance(current, dict) and isinstance(value, dict):
            _merge_mapping(current, value, o, p, n, state)
        elif isinstance(current, list) and isinstance(value, list) and _named(current) and _named(value):
            _merge_named_list(current, value, o, p, n, state)
        elif current != value:
            _replace(target, key, value, o, p, n, state, record=True)
        # An equal value stays located at the source that said it first.


def _named(items: list[Any]) -> bool:
    """A list whose items are all named, each name once: merged item by item, not replaced."""
    names = [item_name(item) for item in items]
    return bool(items) and None not in names and len(set(names)) == len(names)


def _merge_named_list(
    target: list[Any], overlay: list[Any], over_path: Path, path: Path, names: tuple[str, ...], state: _Overlay
) -> None:
    by_name = {item_name(item): index for index, item in enumerate(target)}
    for index, item in enumerate(overlay):
        name = item_name(item)
        at = by_name.get(name)
        if at is None:  # a call the sources did not show: added after the imported ones
            state.moves.append(((*over_path, index), (*path, len(target))))
            state.overridden.append(("/".join((*names, str(name))), state.sources.nearest((*over_path, index)), None))
            target.append(item)
        else:
            _merge_mapping(target[at], item, (*over_path, index), (*path, at), (*names, str(name)), state)


def _replace(
    target: dict[str, Any],
    key: str,
    value: Any,
    over_path: Path,
    path: Path,
    names: tuple[str, ...],
    state: _Overlay,
    *,
    record: bool,
) -> None:
    if record:  # before the value goes: where the replaced value was said
        was = state.imported.nearest(path)
        state.overridden.append(("/".join(names), state.sources.nearest(over_path, prefer_key=True), was))
    target[key] = value
    state.replaced.add(path)
    state.moves.append((over_path, path))


def _relocate(sources: SourceMap, state: _Overlay) -> None:
    """Imported locations of replaced values go; the overlay's locations move to their merged paths.
    One pass over the imported map, however many values the overlay replaced."""
    if state.replaced:
        for side in (sources.values, sources.keys):
            gone = [p for p in side if any(p[:n] in state.replaced for n in range(1, len(p) + 1))]
            for p in gone:
                del side[p]
    over = state.sources
    for head in state.heads:
        for side, target in ((over.values, sources.values), (over.keys, sources.keys)):
            if head in side:
                target[head] = side[head]
    for old, new in state.moves:
        n = len(old)
        for side, target in ((over.values, sources.values), (over.keys, sources.keys)):
            for p, loc in side.items():
                if p[:n] == old:
                    target[new + p[n:]] = loc


def _provenance(imported: Sequence[str], overlay_files: Sequence[str], state: _Overlay) -> tuple[str, ...]:
    """What the report says about where values came from: the imported files, the overlay, what it
    added and which imported values it overrode (with the overlay line of each), sorted."""
    lines = [f"imported from {', '.join(imported)}"]
    added = ", ".join(
        f"{count} {section if count != 1 else section.removesuffix('s')}"
        for section, count in sorted(state.added.items())
    )
    lines.append(f"overlay {', '.join(overlay_files)}" + (f" adds {added}" if added else " adds no element"))
    if state.overridden:
        said = "; ".join(
            name + (f" at {loc}" if loc else "") + (f" (replaces the value at {was})" if was else "")
            for name, loc, was in sorted(state.overridden, key=lambda x: x[0])
        )
        lines.append(f"overlay sets on imported elements: {said}")
    else:
        lines.append("overlay sets nothing on imported elements")
    return tuple(lines)


def overlay_error(message: str) -> ModelLoadError:
    """A refused combination of models and sources, said once, with no location (it is about the arguments)."""
    return ModelLoadError([ModelError(None, message)])
