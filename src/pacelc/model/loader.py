"""Load a system model from YAML or JSON files, with exact error locations.

The loader parses every file with ruamel.yaml (JSON is read by the same parser, so both formats
get line and column), turns the documents into plain data while recording where each key and
value came from, resolves includes, validates each element on its own (so one bad element does
not hide the errors of the others), then checks references and impossible values. All errors are
collected and raised together as a `ModelLoadError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from pacelc.model import checks
from pacelc.model.schema import (
    ELEMENT_SECTIONS,
    FORMAT_VERSION,
    Defaults,
    Readiness,
    Risk,
    SystemInfo,
    SystemModel,
)
from pacelc.model.source import Loc, Path, SourceMap, item_name


@dataclass(frozen=True)
class ModelError:
    """One problem in the input, with the place to fix it."""

    loc: Loc | None
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc else self.message


class ModelLoadError(Exception):
    """The input has errors; `errors` holds every one found, in file order."""

    def __init__(self, errors: Sequence[ModelError]) -> None:
        self.errors = sorted(set(errors), key=_error_order)
        super().__init__("\n".join(str(e) for e in self.errors))


def _error_order(error: ModelError) -> tuple[Any, ...]:
    loc = error.loc
    return (loc is None, loc.file if loc else "", loc.line if loc else 0, loc.col if loc else 0, error.message)


@dataclass(frozen=True)
class LoadedModel:
    """A validated model and the map back to its source files."""

    model: SystemModel
    sources: SourceMap
    files: tuple[str, ...]


# Top-level sections other than the element lists.
_SINGLE_SECTIONS: dict[str, type[BaseModel]] = {
    "system": SystemInfo,
    "defaults": Defaults,
    "readiness": Readiness,
}
_TOP_KEYS = ("pacelc", "include", *_SINGLE_SECTIONS, *ELEMENT_SECTIONS, "risks")
# Lists inside `readiness` that several files may each contribute to.
_READINESS_LISTS = ("runbooks", "chaos", "alarms")


def load(paths: str | FsPath | Sequence[str | FsPath]) -> LoadedModel:
    """Load and merge model files (each with its includes) into one validated model."""
    if isinstance(paths, str | FsPath):
        paths = [paths]  # one file; a bare string must not be read as a list of one-letter paths
    if not paths:
        raise ModelLoadError([ModelError(None, "no model file given")])
    merger = _Merger()
    for path in paths:
        merger.add_file(FsPath(path), include_chain=())
    return _finish(merger)


def _finish(merger: _Merger) -> LoadedModel:
    """Validate the merged document; structural merge errors are reported with the validation errors."""
    if merger.fatal:
        raise ModelLoadError(merger.errors)
    try:
        loaded = _validate(merger)
    except ModelLoadError as exc:
        raise ModelLoadError([*merger.errors, *exc.errors]) from None
    if merger.errors:
        raise ModelLoadError(merger.errors)
    return loaded


def loads(text: str, name: str = "<string>") -> LoadedModel:
    """Load a model from text (YAML or JSON); includes resolve against the working directory."""
    merger = _Merger()
    merger.add_text(text, name)
    return _finish(merger)


# --------------------------------------------------------------------------- parsing


def _display(path: FsPath) -> str:
    """The path as the user should see it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(FsPath.cwd().resolve()))
    except ValueError:
        return str(path)


def _read(path: FsPath, shown: str) -> tuple[Any, list[ModelError]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [ModelError(None, f"{shown}: file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ModelError(None, f"{shown}: cannot read file: {exc}")]
    return _parse(text, shown)


def _parse(text: str, shown: str) -> tuple[Any, list[ModelError]]:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text), []
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Loc(shown, mark.line + 1, mark.column + 1) if mark else None
        problem = exc.problem or exc.context or "syntax error"
        if "duplicate key" in str(exc):
            problem = "duplicate key " + problem.split("duplicate key", 1)[-1].split(" with value")[0].strip()
        return None, [ModelError(loc, f"syntax error: {problem}")]
    except YAMLError as exc:
        return None, [ModelError(Loc(shown, 1, 1), f"syntax error: {exc}")]


def _to_plain(node: Any, file: str, path: Path, sources: SourceMap) -> Any:
    """Plain dicts/lists/scalars from ruamel nodes, recording locations under `path`."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            key_line, key_col = node.lc.key(key)
            value_line, value_col = node.lc.value(key)
            child = (*path, str(key))
            sources.keys[child] = Loc(file, key_line + 1, key_col + 1)
            sources.values[child] = Loc(file, value_line + 1, value_col + 1)
            out[str(key)] = _to_plain(value, file, child, sources)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            child = (*path, index)
            sources.values[child] = Loc(file, line + 1, col + 1)
            items.append(_to_plain(value, file, child, sources))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def suggest(word: str, options: Iterable[str]) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


# --------------------------------------------------------------------------- merging


class _Merger:
    """Merges files and their includes into one plain document, keeping locations."""

    def __init__(self) -> None:
        self.doc: dict[str, Any] = {}
        self.sources = SourceMap()
        self.errors: list[ModelError] = []
        self.fatal = False  # a file could not be read or parsed: validating the rest would mislead
        self.files: list[str] = []
        self._seen: set[FsPath] = set()
        self._origin: dict[str, Loc] = {}

    def add_text(self, text: str, shown: str) -> None:
        data, errors = _parse(text, shown)
        self._add_parsed(data, errors, shown, FsPath.cwd(), (), None)

    def add_file(self, path: FsPath, include_chain: tuple[FsPath, ...], at: Loc | None = None) -> None:
        shown = _display(path)
        real = path.resolve()
        if real in include_chain:
            self.errors.append(
                ModelError(at, f"include cycle: {shown} includes itself, directly or through other files")
            )
            return
        if real in self._seen:
            self.errors.append(ModelError(at, f"{shown} is included more than once"))
            return
        self._seen.add(real)
        data, errors = _read(path, shown)
        self._add_parsed(data, errors, shown, path.parent, (*include_chain, real), at)

    def _add_parsed(
        self,
        data: Any,
        errors: list[ModelError],
        shown: str,
        folder: FsPath,
        include_chain: tuple[FsPath, ...],
        at: Loc | None,
    ) -> None:
        if errors:
            if at is not None:
                errors = [ModelError(e.loc or at, e.message) for e in errors]
            self.errors.extend(errors)
            self.fatal = True
            return
        self.files.append(shown)
        local = SourceMap()
        plain = _to_plain(data, shown, (), local)
        if not isinstance(plain, dict):
            self.errors.append(ModelError(Loc(shown, 1, 1), "a model file must be a mapping of sections"))
            self.fatal = True
            return
        self._merge(plain, local, shown)
        for index, include in enumerate(plain.get("include") or []):
            loc = local.values.get(("include", index))
            if not isinstance(include, str):
                self.errors.append(ModelError(loc, "an include must be a file path"))
                continue
            self.add_file(folder / include, include_chain, at=loc)

    def _merge(self, plain: dict[str, Any], local: SourceMap, shown: str) -> None:
        for key, value in plain.items():
            key_loc = local.keys[(key,)]
            if key not in _TOP_KEYS:
                self.errors.append(ModelError(key_loc, f"unknown section '{key}'{suggest(key, _TOP_KEYS)}"))
                continue
            if key == "include":
                continue  # resolved by add_file; the merged model carries no includes
            if key == "pacelc":
                if value != FORMAT_VERSION:
                    self.errors.append(
                        ModelError(local.values[(key,)], f"unsupported format version {value!r}; expected 1")
                    )
                continue
            if key in ELEMENT_SECTIONS or key == "risks":
                self._append_list(key, value, local, (key,))
            elif key == "readiness" and isinstance(value, dict):
                self._merge_readiness(value, local)
            else:
                self._merge_single(key, value, local, (key,), self.doc, key_loc)

    def _merge_single(
        self, name: str, value: Any, local: SourceMap, path: Path, target: dict[str, Any], key_loc: Loc
    ) -> None:
        if name in target:
            first = self._origin.get("/".join(map(str, path)))
            self.errors.append(ModelError(key_loc, f"'{name}' is defined twice (first at {first})"))
            return
        self._origin["/".join(map(str, path))] = key_loc
        target[name] = value
        self._adopt(local, path, path)

    def _merge_readiness(self, value: dict[str, Any], local: SourceMap) -> None:
        readiness = self.doc.setdefault("readiness", {})
        if ("readiness",) not in self.sources.keys:
            self.sources.keys[("readiness",)] = local.keys[("readiness",)]
            self.sources.values[("readiness",)] = local.values[("readiness",)]
        for key, sub in value.items():
            path = ("readiness", key)
            if key in _READINESS_LISTS:
                self._append_list(key, sub, local, path, target=readiness)
            else:
                self._merge_single(key, sub, local, path, readiness, local.keys[path])

    def _append_list(
        self, name: str, value: Any, local: SourceMap, path: Path, target: dict[str, Any] | None = None
    ) -> None:
        target = self.doc if target is None else target
        if not isinstance(value, list):
            self.errors.append(ModelError(local.values[path], f"'{name}' must be a list"))
            return
        existing = target.setdefault(name, [])
        if path not in self.sources.keys:
            self.sources.keys[path] = local.keys[path]
            self.sources.values[path] = local.values[path]
        offset = len(existing)
        for index, item in enumerate(value):
            self._adopt(local, (*path, index), (*path, offset + index))
            existing.append(item)

    def _adopt(self, local: SourceMap, old: Path, new: Path) -> None:
        """Copy the locations under `old` in one file's map to `new` in the merged map."""
        n = len(old)
        for table, merged in ((local.values, self.sources.values), (local.keys, self.sources.keys)):
            for key, loc in table.items():
                if key[:n] == old:
                    merged[new + key[n:]] = loc


# --------------------------------------------------------------------------- validation


def _pydantic_errors(exc: ValidationError, prefix: Path, sources: SourceMap) -> list[ModelError]:
    out = []
    for err in exc.errors(include_url=False):
        loc_parts = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
        # Union members appear as type tags in the loc; drop parts that are not in the document.
        path = prefix
        for part in loc_parts:
            if (
                (*path, part) in sources.values
                or (*path, part) in sources.keys
                or (err["type"] in ("missing", "extra_forbidden") and part == loc_parts[-1])
            ):
                path = (*path, part)
        kind = err["type"]
        field = str(loc_parts[-1]) if loc_parts else ""
        if kind == "extra_forbidden":
            model_cls = _model_at(prefix, loc_parts[:-1])
            allowed = sorted(model_cls.model_fields) if model_cls else []
            msg = f"unknown field '{field}'{suggest(field, allowed)}"
            loc = sources.nearest(path, prefer_key=True)
        elif kind == "missing":
            msg = f"missing required field '{field}'"
            loc = sources.nearest(path[:-1], prefer_key=True)
        else:
            where = ".".join(str(p) for p in loc_parts if isinstance(p, str)) or "value"
            got = err.get("input")
            got_text = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
            msg = f"{where}: {err['msg'][0].lower()}{err['msg'][1:]}{got_text}"
            loc = sources.nearest(path)
        out.append(ModelError(loc, msg))
    return out


def _model_at(prefix: Path, loc_parts: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic class that validates the mapping at prefix+loc_parts (for 'allowed fields')."""
    section = prefix[0] if prefix else None
    cls: type[BaseModel] | None
    if section in ELEMENT_SECTIONS:
        cls = ELEMENT_SECTIONS[str(section)]
    elif section == "risks":
        cls = Risk
    else:
        cls = _SINGLE_SECTIONS.get(str(section))
    for part in loc_parts:
        if cls is None:
            return None
        if isinstance(part, int):
            continue
        info = cls.model_fields.get(part)
        if info is None:
            return None
        cls = _inner_model(info.annotation)
    return cls


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _validate(merger: _Merger) -> LoadedModel:
    doc, sources = merger.doc, merger.sources
    errors: list[ModelError] = []
    parts: dict[str, Any] = {}

    for name, cls in _SINGLE_SECTIONS.items():
        if name not in doc:
            if name == "system":
                first = merger.files[0] if merger.files else "model"
                errors.append(ModelError(Loc(first, 1, 1), "missing required section 'system'"))
            continue
        try:
            parts[name] = cls.model_validate(doc[name])
        except ValidationError as exc:
            errors.extend(_pydantic_errors(exc, (name,), sources))

    list_sections: dict[str, type[BaseModel]] = {**ELEMENT_SECTIONS, "risks": Risk}
    raw_ids: dict[str, list[tuple[str, Loc | None]]] = {}
    for name, cls in list_sections.items():
        valid = []
        for index, item in enumerate(doc.get(name, [])):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                raw_ids.setdefault(name, []).append((item["id"], sources.nearest((name, index, "id"))))
            try:
                valid.append(cls.model_validate(item))
            except ValidationError as exc:
                errors.extend(_pydantic_errors(exc, (name, index), sources))
                repaired = _repair(cls, item, exc)
                if repaired is not None:
                    valid.append(repaired)
        parts[name] = valid

    if "system" not in parts:
        raise ModelLoadError(errors + merger.errors)
    model = SystemModel.model_construct(**parts)
    _index_names(doc, sources)
    errors.extend(checks.check_model(model, raw_ids, sources))
    if errors:
        raise ModelLoadError(errors)
    # Re-validate as a whole: cheap, and guarantees the constructed model is a valid SystemModel.
    model = SystemModel.model_validate(parts)
    return LoadedModel(model=model, sources=sources, files=tuple(merger.files))


def _repair(cls: type[BaseModel], item: Any, exc: ValidationError) -> BaseModel | None:
    """The element with its invalid fields dropped, so reference checks still see it.

    Errors are already reported; this only lets one bad field not hide the element's other mistakes
    (a dangling reference next to a typo, say). Gives up when a required field is the problem.
    """
    import copy

    current = copy.deepcopy(item)
    for _ in range(4):
        for err in exc.errors(include_url=False):
            parts = [p for p in err["loc"] if isinstance(p, (str, int))]
            if err["type"] == "missing" or not parts:
                return None
            parent = current
            for part in parts[:-1]:
                try:
                    parent = parent[part]
                except (KeyError, IndexError, TypeError):
                    break
            else:
                if isinstance(parent, dict):
                    parent.pop(parts[-1], None)
                elif isinstance(parent, list) and isinstance(parts[-1], int) and parts[-1] < len(parent):
                    parent[parts[-1]] = None
        try:
            return cls.model_validate(current)
        except ValidationError as again:
            exc = again
    return None


def _index_names(doc: Any, sources: SourceMap) -> None:
    """Fill sources.names: element names (ids) to index paths, for locating findings."""

    def walk(node: Any, index_path: Path, name_path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*index_path, key), (*name_path, key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                name = item_name(item)
                if name is None:
                    continue
                named = (*name_path, name)
                sources.names.setdefault(named, (*index_path, index))
                walk(item, (*index_path, index), named)

    walk(doc, (), ())
