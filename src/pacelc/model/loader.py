"""Load a system model from YAML or JSON files, with exact error locations.

The loader parses every file with ruamel.yaml (JSON is read by the same parser, so both formats
get line and column), turns the documents into plain data while recording where each key and
value came from, resolves includes, validates each element on its own (so one bad element does
not hide the errors of the others), then checks references and impossible values. All errors are
collected and raised together as a `ModelLoadError`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from pacelc.gcpause import gc_paused
from pacelc.model import checks, yamlfile
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
        return _printable(f"{self.loc}: {self.message}" if self.loc else self.message)


def _printable(text: str) -> str:
    """One error, one line: characters a terminal would act on (a newline, U+2028 in an id, an escape
    sequence) are shown escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


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
    # Where values came from when an overlay model was merged over imported sources, in words
    # the report shows as they are (empty for a model read from its own files).
    provenance: tuple[str, ...] = ()


# Top-level sections other than the element lists.
_SINGLE_SECTIONS: dict[str, type[BaseModel]] = {
    "system": SystemInfo,
    "defaults": Defaults,
    "readiness": Readiness,
}
_TOP_KEYS = ("pacelc", "include", *_SINGLE_SECTIONS, *ELEMENT_SECTIONS, "risks")
TOP_KEYS = _TOP_KEYS  # what a model file may hold at its top: an overlay is told by its sections
# Lists inside `readiness` that several files may each contribute to.
_READINESS_LISTS = ("runbooks", "chaos", "alarms")


def load(
    paths: str | FsPath | Sequence[str | FsPath],
    *,
    limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS,
    include_root: str | FsPath | None = None,
) -> LoadedModel:
    """Load and merge model files (each with its includes) into one validated model.

    Includes must stay inside the folder of the file given here (symbolic links followed), or
    inside `include_root` when one is given; `limits` bounds what one file may cost."""
    if isinstance(paths, str | FsPath):
        paths = [paths]  # one file; a bare string must not be read as a list of one-letter paths
    if not paths:
        raise ModelLoadError([ModelError(None, "no model file given")])
    merger = _Merger(limits, FsPath(include_root).resolve() if include_root is not None else None)
    # Plain data, locations and validated elements hold no reference cycles: the collector would only
    # rescan the growing heap (a third of a 10,000-service model's load).
    with gc_paused():
        for path in paths:
            merger.add_top_file(FsPath(path))
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


def loads(text: str, name: str = "<string>", *, limits: yamlfile.Limits = yamlfile.DEFAULT_LIMITS) -> LoadedModel:
    """Load a model from text (YAML or JSON); includes resolve against, and stay in, the working directory."""
    merger = _Merger(limits, None)
    with gc_paused():
        merger.add_text(text, name)
        return _finish(merger)


# --------------------------------------------------------------------------- parsing


def shown_path(path: FsPath) -> str:
    """The path as the user should see it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(FsPath.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _model_errors(errors: Iterable[yamlfile.YamlError], shown: str, at: Loc | None) -> list[ModelError]:
    """A file that could not be read at all is named, at the include that asked for it."""
    return [ModelError(e.loc, e.message) if e.loc else ModelError(at, f"{shown}: {e.message}") for e in errors]


class _LocalLocations:
    """One file's key and value locations, found by the first parts of their path, so that moving a
    list item into the merged document costs the item's size, not the file's. Grouped lazily, one
    level at a time: most models are one file, whose locations are copied whole."""

    def __init__(self, parsed: yamlfile.Parsed) -> None:
        self.keys = parsed.keys
        self.values = parsed.values
        self.copied_whole = False  # every location is already in the merged map under its own path
        # prefix -> next path part -> (value locations, key locations) at or below prefix + part
        self._groups: dict[Path, dict[str | int, tuple[list[tuple[Path, Loc]], list[tuple[Path, Loc]]]]] = {}

    def under(self, prefix: Path) -> tuple[Iterable[tuple[Path, Loc]], Iterable[tuple[Path, Loc]]]:
        """The value and the key locations at or below `prefix`."""
        if not prefix:
            return self.values.items(), self.keys.items()
        parent = prefix[:-1]
        groups = self._groups.get(parent)
        if groups is None:
            groups = self._groups[parent] = {}
            depth = len(parent)
            for side, entries in enumerate(self.under(parent)):
                for entry in entries:
                    if len(entry[0]) > depth:
                        groups.setdefault(entry[0][depth], ([], []))[side].append(entry)
        return groups.get(prefix[-1], ((), ()))


def suggest(word: str, options: Iterable[str]) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


# --------------------------------------------------------------------------- merging


class _Merger:
    """Merges files and their includes into one plain document, keeping locations."""

    def __init__(self, limits: yamlfile.Limits, include_root: FsPath | None) -> None:
        self.doc: dict[str, Any] = {}
        self.sources = SourceMap()
        self.errors: list[ModelError] = []
        self.fatal = False  # a file could not be read or parsed: validating the rest would mislead
        self.files: list[str] = []
        self.limits = limits
        self.include_root = include_root
        self._seen: set[FsPath] = set()
        self._origin: dict[str, Loc] = {}

    def add_text(self, text: str, shown: str) -> None:
        docs, errors = yamlfile.parse(text, shown, self.limits)
        root = self.include_root or FsPath.cwd().resolve()
        self._add_parsed(docs, _model_errors(errors, shown, None), shown, FsPath.cwd(), (), None, root)

    def add_top_file(self, path: FsPath) -> None:
        """A file named by the user: its includes are confined to its folder (or the include root)."""
        try:
            root = self.include_root or path.absolute().parent.resolve()
        except (OSError, ValueError) as exc:
            self.errors.append(ModelError(None, f"{_printable(str(path))}: cannot resolve the path: {exc}"))
            self.fatal = True
            return
        self._add_file(path, (), None, root)

    def _add_file(self, path: FsPath, include_chain: tuple[FsPath, ...], at: Loc | None, root: FsPath) -> None:
        shown = shown_path(path)
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
        text, errors = yamlfile.read_text(path, shown, self.limits)
        docs: list[yamlfile.Parsed] = []
        if text is not None:
            docs, errors = yamlfile.parse(text, shown, self.limits)
        self._add_parsed(docs, _model_errors(errors, shown, at), shown, path.parent, (*include_chain, real), at, root)

    def _add_parsed(
        self,
        docs: list[yamlfile.Parsed],
        errors: list[ModelError],
        shown: str,
        folder: FsPath,
        include_chain: tuple[FsPath, ...],
        at: Loc | None,
        root: FsPath,
    ) -> None:
        if errors:
            self.errors.extend(errors)
            self.fatal = True
            return
        self.files.append(shown)
        if not docs or not isinstance(docs[0].data, dict):
            self.errors.append(ModelError(Loc(shown, 1, 1), "a model file must be a mapping of sections"))
            self.fatal = True
            return
        plain, local = docs[0].data, _LocalLocations(docs[0])
        if not self.doc:  # the first file: each of its locations keeps its path
            self.sources.keys.update(local.keys)
            self.sources.values.update(local.values)
            local.copied_whole = True
        self._merge(plain, local)
        includes = plain.get("include")
        if includes is None:
            return
        if isinstance(includes, str):  # `include: other.yaml` means a list of one
            includes, include_locs = [includes], [local.values.get(("include",))]
        elif isinstance(includes, list):
            include_locs = [local.values.get(("include", index)) for index in range(len(includes))]
        else:
            self.errors.append(ModelError(local.values.get(("include",)), "include must be a list of file paths"))
            return
        for include, loc in zip(includes, include_locs, strict=True):
            target = self._include_target(include, folder, root, loc)
            if target is not None:
                self._add_file(target, include_chain, loc, root)

    def _include_target(self, include: Any, folder: FsPath, root: FsPath, loc: Loc | None) -> FsPath | None:
        """The file an include names, if it is a relative path that stays inside the root folder
        once symbolic links are followed; else an error (its content is never read)."""
        if not isinstance(include, str) or not include:
            self.errors.append(ModelError(loc, "an include must be a file path"))
            return None
        shown = yamlfile.excerpt(include)
        if "\0" in include:
            self.errors.append(ModelError(loc, f"include {shown}: a path cannot hold a NUL character"))
            return None
        if FsPath(include).is_absolute() or include.startswith("~"):
            self.errors.append(
                ModelError(loc, f"include {shown}: an include is a path relative to the including file's folder")
            )
            return None
        target = folder / include
        try:
            real = target.resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on older Pythons
            self.errors.append(ModelError(loc, f"include {shown}: cannot resolve the path: {exc}"))
            return None
        if not real.is_relative_to(root):
            self.errors.append(
                ModelError(
                    loc,
                    f"include {shown} leads outside the model's folder {root} (through '..' or a symbolic link); "
                    "refused (--include-root widens the folder)",
                )
            )
            return None
        return target

    def _merge(self, plain: dict[str, Any], local: _LocalLocations) -> None:
        for key, value in plain.items():
            key_loc = local.keys[(key,)]
            if key not in _TOP_KEYS:
                self.errors.append(
                    ModelError(key_loc, f"unknown section {yamlfile.excerpt(key)}{suggest(key, _TOP_KEYS)}")
                )
                continue
            if key == "include":
                continue  # resolved by _add_parsed; the merged model carries no includes
            if key == "pacelc":
                if value != FORMAT_VERSION:
                    self.errors.append(
                        ModelError(
                            local.values[(key,)],
                            f"unsupported format version {yamlfile.excerpt(repr(value))}; expected 1",
                        )
                    )
                continue
            if key in ELEMENT_SECTIONS or key == "risks":
                self._append_list(key, value, local, (key,))
            elif key == "readiness" and isinstance(value, dict):
                self._merge_readiness(value, local)
            else:
                self._merge_single(key, value, local, (key,), self.doc, key_loc)

    def _merge_single(
        self, name: str, value: Any, local: _LocalLocations, path: Path, target: dict[str, Any], key_loc: Loc
    ) -> None:
        if name in target:
            first = self._origin.get("/".join(map(str, path)))
            self.errors.append(ModelError(key_loc, f"'{name}' is defined twice (first at {first})"))
            return
        self._origin["/".join(map(str, path))] = key_loc
        target[name] = value
        self._adopt(local, path, path)

    def _merge_readiness(self, value: dict[str, Any], local: _LocalLocations) -> None:
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
        self, name: str, value: Any, local: _LocalLocations, path: Path, target: dict[str, Any] | None = None
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

    def _adopt(self, local: _LocalLocations, old: Path, new: Path) -> None:
        """Copy the locations at and under `old` in one file's map to `new` in the merged map."""
        if old == new and local.copied_whole:
            return
        n = len(old)
        values, keys = local.under(old)
        self.sources.values.update((new + path[n:], loc) for path, loc in values)
        self.sources.keys.update((new + path[n:], loc) for path, loc in keys)


# --------------------------------------------------------------------------- validation


def _pydantic_errors(exc: ValidationError, prefix: Path, sources: SourceMap, doc: Any = None) -> list[ModelError]:
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
            loc = sources.nearest(path, prefer_key=True)
            split = _split_at_comma(doc, path, sources) if err.get("input") is None else None
            msg = f"unknown field '{field}'{suggest(field, allowed)}{split or ''}"
        elif kind == "missing":
            msg = f"missing required field '{field}'"
            loc = sources.nearest(path[:-1], prefer_key=True)
        else:
            where = ".".join(str(p) for p in loc_parts if isinstance(p, str)) or "value"
            got = err.get("input")
            got_text = "" if isinstance(got, (dict, list)) else f" (got {yamlfile.excerpt(repr(got))[1:-1]})"
            said = _bound_text(kind, err.get("ctx") or {}) or err["msg"][0].lower() + err["msg"][1:]
            said = said.removeprefix("value error, ")  # a schema validator's own sentence needs no prefix
            msg = f"{where}: {said}{got_text}"
            loc = sources.nearest(path)
        out.append(ModelError(loc, msg))
    return out


def _split_at_comma(doc: Any, path: Path, sources: SourceMap) -> str | None:
    """Why a key with no value sits in a flow mapping, when the reason is a comma in a plain value.

    In `{id: db, description: Mongo, MySQL}` the comma ends the plain scalar `Mongo`, and `MySQL`
    becomes a key of its own with no value. That is the case when, on the key's line, the key
    follows (with only bare keys between) a plain string value of the same mapping, each
    separated from the next by a comma and at most one space: a plain scalar spans exactly its own
    characters, so a quoted value (two quote characters wider) or anything else between them
    leaves a gap the arithmetic does not match, and no hint is given.
    """
    parent: Any = doc
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return None
    key_loc = sources.keys.get(path)
    if not isinstance(parent, dict) or key_loc is None:
        return None
    # (start col, end col, the sibling key, its string value or None for a bare key) on the key's line
    tokens: list[tuple[int, int, str, str | None]] = []
    for sibling, value in parent.items():
        if not isinstance(sibling, str):
            continue
        at = (*path[:-1], sibling)
        if value is None and (loc := sources.keys.get(at)) is not None:
            tokens.append((loc.col, loc.col + len(sibling), sibling, None))
        elif isinstance(value, str) and "\n" not in value and (loc := sources.values.get(at)) is not None:
            tokens.append((loc.col, loc.col + len(value), sibling, value))
        else:
            continue
        if (loc.file, loc.line) != (key_loc.file, key_loc.line):
            tokens.pop()
    tokens.sort()
    here = next((i for i, t in enumerate(tokens) if t[0] == key_loc.col and t[3] is None), None)
    if here is None:
        return None

    def after_comma(i: int) -> bool:  # token i follows token i-1 after "," or ", "
        return i > 0 and 1 <= tokens[i][0] - tokens[i - 1][1] <= 2

    start = here
    while after_comma(start) and tokens[start - 1][3] is None:
        start -= 1
    if not after_comma(start) or tokens[start - 1][3] is None:
        return None
    anchor = start - 1
    end = here
    while end + 1 < len(tokens) and tokens[end + 1][3] is None and after_comma(end + 1):
        end += 1
    owner, text = tokens[anchor][2], str(tokens[anchor][3])
    for i in range(start, end + 1):  # the separator as written: "," or ", "
        text += ("," if tokens[i][0] - tokens[i - 1][1] == 1 else ", ") + tokens[i][2]
    # "if": a bare word may also be a key whose value was forgotten; the user knows which
    return (
        f"; in a flow mapping {{...}} a comma ends a plain value: if '{path[-1]}' belongs to the value "
        f"of '{owner}', quote the value: {owner}: {json.dumps(text, ensure_ascii=False)}"
    )


# pydantic's numeric-bound errors, said the way the schema's bounds read: "must be ≤ 10,000".
_BOUNDS = {
    "less_than_equal": ("le", "≤"),
    "less_than": ("lt", "<"),
    "greater_than_equal": ("ge", "≥"),
    "greater_than": ("gt", ">"),
}


def _bound_text(kind: str, ctx: dict[str, Any]) -> str | None:
    if kind == "finite_number":
        return "must be a finite number"
    if kind not in _BOUNDS:
        return None
    key, sign = _BOUNDS[kind]
    bound = ctx.get(key)
    if isinstance(bound, bool) or not isinstance(bound, (int, float)):
        return None
    whole = isinstance(bound, int) or (bound.is_integer() and abs(bound) >= 1)
    return f"must be {sign} {int(bound):,}" if whole else f"must be {sign} {bound:g}"


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
            errors.extend(_pydantic_errors(exc, (name,), sources, doc))

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
                errors.extend(_pydantic_errors(exc, (name, index), sources, doc))
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


def load_data(doc: dict[str, Any], sources: SourceMap, files: Sequence[str]) -> LoadedModel:
    """Validate plain model data that an importer built, with the locations it recorded (in its
    source files), by the same checks a model file goes through; errors raise `ModelLoadError`."""
    merger = _Merger(yamlfile.DEFAULT_LIMITS, None)
    merger.doc = {key: value for key, value in doc.items() if key != "pacelc"}
    merger.sources = sources
    merger.files = list(files)
    with gc_paused():
        return _finish(merger)
