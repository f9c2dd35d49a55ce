"""Read YAML and JSON input safely: plain data plus the location of every key and value.

Every file pacelc reads as YAML (models today, manifests and compose files for the importers)
goes through here. The reader builds plain dicts, lists and scalars straight from the parser's
event stream instead of using a YAML constructor, for three reasons:

- **Bounded work on hostile input.** Nesting depth, memory, alias expansion and file size are
  budgeted while the events arrive, so an alias bomb or a 10,000-level list stops at the first
  event over budget (a 445-byte bomb took 75 s and 5.75 GB through the round-trip loader).
- **Only what a model needs.** The YAML 1.2 core schema: tags other than its own are refused,
  mapping keys must be scalars, an alias may not point into its own node. Merge keys (`<<`) are
  supported because compose files use them, with the merged values located where they are written.
- **Speed.** With ruamel.yaml.clib (libyaml) the parse runs in C and no round-trip objects are
  made: a 9 MB, 10,000-service model parses ten times faster than through `YAML(typ="rt")`.
  Without the C parser the same events come from ruamel's pure-Python parser, more slowly.

Errors are `YamlError`s with a file, line and column, all of them collected where parsing can go
on; the text of a file is never echoed beyond the short excerpt that names the problem.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.resolver import VersionedResolver

from pacelc.model.source import Loc

# A path into one document: keys and list indices.
DocPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    """What one input file may cost. Each bound is far above what a real model or manifest needs
    (the 10,000-service benchmark model is 9 MB, a million values, 8 levels deep) and low enough
    that the loader's memory stays well under 2 GiB."""

    max_file_bytes: int = 64 * 1024 * 1024
    # Memory the parsed data and its locations may take, estimated per value (see `_value_bytes`):
    # the 10,000-service model takes about 0.4 GiB, so this admits twice that, and what validation
    # adds on top still leaves the command under 2 GiB.
    max_memory_bytes: int = 2**30
    # Deep enough for any model (8 levels) or Kubernetes manifest (about 15); deep recursion in
    # validation and the engines is what it prevents.
    max_depth: int = 64
    # Nodes that aliases may add by repeating anchored content: generous for shared settings,
    # and it stops an exponential alias bomb after a few levels.
    max_alias_nodes: int = 100_000
    # Digits of an integer. Longer ones are refused here, with no conversion (Python converts at most
    # 4,300 digits); shorter ones reach the schema, whose bounds name the field and the limit.
    max_int_digits: int = 1000


DEFAULT_LIMITS = Limits()


class YamlError(NamedTuple):
    """One problem in an input file; `loc` is None where the file could not be read at all."""

    loc: Loc | None
    message: str


class Parsed(NamedTuple):
    """A parsed document: plain data, and the locations of its keys and values by path."""

    data: Any
    keys: dict[DocPath, Loc]
    values: dict[DocPath, Loc]


def excerpt(text: str, limit: int = 60) -> str:
    """A user's string as an error message may show it: quoted, escaped, and cut short."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


# --------------------------------------------------------------------------- reading bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters YAML forbids in a stream (YAML 1.2, 5.1), and what an editor never writes into a model.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def read_text(path: Path, shown: str, limits: Limits = DEFAULT_LIMITS) -> tuple[str | None, list[YamlError]]:
    """The text of a regular file, or errors. Devices, FIFOs and sockets are refused without
    blocking (a FIFO opened for reading waits for a writer; /dev/zero never ends)."""
    start = None  # the file as a whole: the caller names it, and the place that asked for it
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, [YamlError(start, "file not found")]
    except IsADirectoryError:
        return None, [YamlError(start, "is a folder, not a file")]
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        return None, [YamlError(start, f"cannot open the file: {getattr(exc, 'strerror', None) or exc}")]
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return None, [YamlError(start, "is a folder, not a file")]
        if not stat.S_ISREG(info.st_mode):
            return None, [YamlError(start, "not a regular file (a device, FIFO or socket); refused")]
        if info.st_size > limits.max_file_bytes:
            return None, [YamlError(start, _too_big(info.st_size, limits))]
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        return None, [YamlError(start, f"cannot read the file: {exc.strerror or exc}")]
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limits.max_file_bytes:  # it grew while we read it
        return None, [YamlError(start, _too_big(len(data), limits))]
    return decode(data, shown)


def _too_big(size: int, limits: Limits) -> str:
    return (
        f"the file is {_size(size)}, over the {_size(limits.max_file_bytes)} limit for one input file "
        "(raise it with --max-file-mb)"
    )


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size:,} bytes"


def decode(data: bytes, shown: str) -> tuple[str | None, list[YamlError]]:
    """UTF-8 text (a UTF-8 byte-order mark is dropped), or an error at the first bad byte."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return None, [YamlError(Loc(shown, 1, 1), f"the file is {name}; save it as UTF-8")]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        return None, [
            YamlError(Loc(shown, line, col), f"not UTF-8: byte 0x{data[exc.start]:02x} cannot start a character")
        ]
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        return None, [
            YamlError(
                _loc_of_offset(text, bad.start(), shown),
                f"control character U+{ord(bad.group()):04X} is not allowed in YAML",
            )
        ]
    return text, []


def _loc_of_offset(text: str, offset: int, shown: str) -> Loc:
    line = text.count("\n", 0, offset) + 1
    return Loc(shown, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


# --------------------------------------------------------------------------- parsing

_CORE = "tag:yaml.org,2002:"
_STR = f"{_CORE}str"
_INT = f"{_CORE}int"
_SCALAR_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null")}
# YAML 1.2 core schema (`yes` is a string, `012` is twelve): ruamel's own patterns by first character.
# Read once and matched here, because its resolve() looks the version up on every call (a third of
# the load time of a large model).
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: [(str(tag), pattern) for tag, pattern in entries]
    for first, entries in VersionedResolver().versioned_resolver.items()
}


@functools.lru_cache(maxsize=8192)
def _resolve(text: str) -> str:
    """The core-schema tag of a plain scalar (ids and enum values repeat: the cache serves most)."""
    for tag, pattern in _IMPLICIT.get(text[:1], ()):
        if pattern.match(text):
            return tag
    return f"{_CORE}str"


def parse(
    text: str, shown: str, limits: Limits = DEFAULT_LIMITS, *, multi: bool = False
) -> tuple[list[Parsed], list[YamlError]]:
    """Parse YAML or JSON text into documents. With `multi=False` a stream of more than one
    document is an error (a model is one document); Kubernetes manifests use `multi=True`.

    libyaml (ruamel.yaml.clib) parses, ten times faster than ruamel's pure-Python parser. libyaml
    follows YAML 1.1 and refuses a little YAML 1.2 (a ':' in a plain scalar inside a flow mapping,
    `{link: https://x}`; a tab in a block scalar's indentation): when its syntax error is of that
    kind, ruamel's parser settles it. Where no libyaml wheel exists, ruamel's parser does all the
    work; it is stricter about tabs used as separators (`a:<tab>1`), which libyaml accepts."""
    fast = _c_parser()
    if fast is not None:
        docs, errors, syntax = _parse_with(fast(text), shown, limits, multi)
        if not syntax or not _yaml_1_1_only(errors[-1].message):
            return docs, errors
    from ruamel.yaml.loader import SafeLoader

    docs, errors, _ = _parse_with(SafeLoader(text), shown, limits, multi)
    return docs, errors


def _parse_with(
    parser: Any, shown: str, limits: Limits, multi: bool
) -> tuple[list[Parsed], list[YamlError], bool]:
    """Documents and errors from one parser, and whether the parser found a syntax error."""
    builder = _Builder(shown, limits)
    try:
        builder.run(parser)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Loc(shown, mark.line + 1, mark.column + 1) if mark else Loc(shown, 1, 1)
        problem = exc.problem or exc.context or "syntax error"
        return [], [*builder.errors, YamlError(loc, f"syntax error: {problem}")], True
    except YAMLError as exc:
        return [], [*builder.errors, YamlError(Loc(shown, 1, 1), f"syntax error: {str(exc).splitlines()[0]}")], True
    if builder.errors:
        return [], builder.errors, False
    docs = builder.documents
    if not multi and len(docs) > 1:
        error = YamlError(builder.document_starts[1], "a model file holds one YAML document; found a second one")
        return [], [error], False
    return docs, [], False


def _yaml_1_1_only(problem: str) -> bool:
    """Whether libyaml's syntax error may be YAML 1.2 that YAML 1.1 lacks, which ruamel's parser
    settles: a ':' inside a plain scalar in a flow collection (`{link: https://x}`), a tab in a
    block scalar's indentation. Any other error stands: ruamel's parser would only find it again,
    ten times slower (and in time that grows with the depth of flow nesting)."""
    return "':'" in problem or "tab" in problem


@functools.cache
def _c_parser() -> Any:
    """libyaml's parser class from ruamel.yaml.clib, or None where it is not installed."""
    try:
        from _ruamel_yaml import CParser  # type: ignore[import-not-found]
    except ImportError:
        return None
    return CParser


def _value_bytes(depth: int) -> int:
    """Memory one value at `depth` costs while loading: its location record, its path tuple (8 bytes a
    level) and its share of the containers; measured, 1 million values take 0.40 GB at depth 2 and
    0.87 GB at depth 61."""
    return 380 + 8 * depth


class _Open:
    """A mapping or sequence being built."""

    __slots__ = ("anchor", "child_bytes", "container", "key", "key_loc", "merges", "path", "record_start", "skip")

    def __init__(self, container: Any, path: DocPath, anchor: str | None, record_start: int) -> None:
        self.container = container
        self.path = path
        self.child_bytes = _value_bytes(len(path) + 1)
        self.anchor = anchor
        self.record_start = record_start
        self.key: str | None = None  # in a mapping: the key whose value comes next
        self.key_loc: Loc | None = None
        self.merges: list[tuple[Any, int, int, DocPath]] = []  # (mapping, records from, to, its path)
        self.skip = False  # a value to drop (it follows a refused key)


class _Anchor(NamedTuple):
    value: Any
    path: DocPath
    record_start: int
    record_end: int
    nodes: int
    loc: Loc


class _Builder:
    """Turns parser events into plain data and location records, within the limits."""

    def __init__(self, shown: str, limits: Limits) -> None:
        self.shown = shown
        self.limits = limits
        self.errors: list[YamlError] = []
        self.stopped = False
        self.documents: list[Parsed] = []
        self.document_starts: list[Loc] = []
        self.stack: list[_Open] = []
        # (path, is_key, loc) in document order; an anchor's records are a contiguous slice.
        self.records: list[tuple[DocPath, bool, Loc]] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: set[str] = set()
        self.nodes = 0
        self.memory = 0  # estimated bytes of the data and locations built so far
        self.alias_nodes = 0
        self.root: Any = None
        self.skipping = 0  # depth inside a node that is being dropped (a complex key, a refused tag)
        self.anchor_starts: dict[str, tuple[Loc, int]] = {}  # open anchors: where, and nodes before

    # ----------------------------------------------------------------- errors and budgets

    def _loc(self, event: Any) -> Loc:
        mark = event.start_mark
        return Loc(self.shown, mark.line + 1, mark.column + 1)

    def _error(self, loc: Loc, message: str) -> None:
        self.errors.append(YamlError(loc, message))
        if len(self.errors) >= 100:  # past this, more errors of one file help nobody
            self.stopped = True

    def _fatal(self, loc: Loc, message: str) -> None:
        self.errors.append(YamlError(loc, message))
        self.stopped = True

    # ----------------------------------------------------------------- events

    def feed(self, event: Any) -> None:
        if self.skipping:
            if isinstance(event, MappingStartEvent | SequenceStartEvent):
                self.skipping += 1
                if len(self.stack) + self.skipping > self.limits.max_depth:  # a dropped node is no excuse
                    self._fatal(self._loc(event), f"nested more than {self.limits.max_depth} levels deep; refused")
            elif isinstance(event, MappingEndEvent | SequenceEndEvent):
                self.skipping -= 1
                if self.skipping == 0:
                    self._placed(None, None)
            return
        top = self.stack[-1] if self.stack else None
        if top is not None and top.skip and not isinstance(event, MappingEndEvent):
            # the value of a refused key: drop it whole
            top.skip = False
            if isinstance(event, MappingStartEvent | SequenceStartEvent):
                self.skipping = 1
            return
        if isinstance(event, ScalarEvent):
            self._scalar(event)
        elif isinstance(event, MappingStartEvent | SequenceStartEvent):
            self._start(event)
        elif isinstance(event, MappingEndEvent | SequenceEndEvent):
            self._end()
        elif isinstance(event, AliasEvent):
            self._alias(event)
        elif isinstance(event, DocumentStartEvent):
            self.document_starts.append(self._loc(event))
            self.records.clear()  # in place: `run` holds its append
            self.anchors = {}
            self.root = None
        elif isinstance(event, StreamEndEvent):
            pass
        elif isinstance(event, DocumentEndEvent):
            self._finish_document()

    def run(self, parser: Any) -> None:
        """Feed the parser's events. Most events of a large file are untagged, unanchored scalar keys
        and values inside a mapping or list: they are handled inline, with locals, which halves the
        time per event; anything else goes to `feed`."""
        check_event, get_event, feed = parser.check_event, parser.get_event, self.feed
        stack, append, shown, max_memory = self.stack, self.records.append, self.shown, self.limits.max_memory_bytes
        while check_event():
            event = get_event()
            if (
                type(event) is ScalarEvent
                and event.tag is None
                and event.anchor is None
                and stack
                and not self.skipping
                and self.memory < max_memory
                and (event.style != '"' or event.value.isascii() or not _SURROGATE.search(event.value))
            ):
                top = stack[-1]
                container, text, key = top.container, event.value, top.key
                if not top.skip and key != "<<":
                    is_map = type(container) is dict
                    if is_map and key is None:  # a new key
                        if text not in container and text != "<<":
                            mark = event.start_mark
                            top.key, top.key_loc = text, Loc(shown, mark.line + 1, mark.column + 1)
                            append(((*top.path, text), True, top.key_loc))
                            self.nodes += 1
                            self.memory += top.child_bytes
                            continue
                    else:
                        value: Any = text
                        if event.implicit[0]:
                            tag = _resolve(text)
                            if tag != _STR:
                                value = self._construct(tag, text, None)
                        if value is not _REFUSED:  # a refused value is reported, located, by `feed`
                            if is_map:
                                path = (*top.path, key)
                                container[key] = value
                                top.key = None
                            else:
                                path = (*top.path, len(container))
                                container.append(value)
                            mark = event.start_mark
                            append((path, False, Loc(shown, mark.line + 1, mark.column + 1)))
                            self.nodes += 1
                            self.memory += top.child_bytes
                            continue
            feed(event)
            if self.stopped:
                break

    def _finish_document(self) -> None:
        keys: dict[DocPath, Loc] = {}
        values: dict[DocPath, Loc] = {}
        for path, is_key, loc in self.records:
            (keys if is_key else values).setdefault(path, loc)
        self.documents.append(Parsed(self.root, keys, values))

    def _count(self, loc: Loc) -> bool:
        self.nodes += 1
        self.memory += self.stack[-1].child_bytes if self.stack else _value_bytes(0)
        if self.memory > self.limits.max_memory_bytes:
            self._fatal(loc, self._too_much_memory())
            return False
        return True

    def _tag_allowed(self, tag: str | None, kind: str, loc: Loc) -> bool:
        """A mapping or list may carry no tag, the non-specific `!`, or its own (`!!map`, `!!seq`)."""
        if tag is None or tag == "!" or tag == f"{_CORE}{kind}":
            return True
        shown_tag = excerpt(tag.replace(_CORE, "!!"))
        self._error(loc, f"YAML tag {shown_tag} is not allowed here; a model uses plain YAML values")
        return False

    def _child_path(self, loc: Loc) -> DocPath | None:
        """The path of the node that starts now, recording its location; None at the document root."""
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if isinstance(parent.container, list):
            path = (*parent.path, len(parent.container))
        else:
            path = (*parent.path, parent.key if parent.key is not None else "")
        self.records.append((path, False, loc))
        return path

    def _in_key_position(self) -> bool:
        top = self.stack[-1] if self.stack else None
        return top is not None and isinstance(top.container, dict) and top.key is None

    def _start(self, event: Any) -> None:
        loc = self._loc(event)
        if not self._count(loc):
            return
        is_map = isinstance(event, MappingStartEvent)
        if self._in_key_position():
            self._error(loc, "a mapping key must be a plain value, not a " + ("mapping" if is_map else "list"))
            self.stack[-1].skip = True
            self.skipping = 1
            return
        if len(self.stack) >= self.limits.max_depth:
            self._fatal(loc, f"nested more than {self.limits.max_depth} levels deep; refused")
            return
        if not self._tag_allowed(event.tag, "map" if is_map else "seq", loc):
            self.skipping = 1
            return
        path = self._child_path(loc)
        container: Any = {} if is_map else []
        if event.anchor is not None:
            self._open_anchor(event.anchor, loc)
        self.stack.append(_Open(container, path or (), event.anchor, len(self.records)))

    def _end(self) -> None:
        done = self.stack.pop()
        if done.merges:
            self._apply_merges(done)
        if done.anchor is not None:
            self._close_anchor(done.anchor, done.container, done.path, done.record_start)
        self._placed(done.container, done.path, done.record_start)

    def _scalar(self, event: Any) -> None:
        loc = self._loc(event)
        if not self._count(loc):
            return
        top = self.stack[-1] if self.stack else None
        if event.style == '"' and (bad := _SURROGATE.search(event.value)):
            # Only a "\ud800" escape makes one; it is no character, and no file or report can hold it.
            self._error(loc, f"\\u{ord(bad.group()):04x} escapes half of a character (a lone surrogate)")
            if self._in_key_position() and top is not None:
                top.skip = True
            else:
                self._placed(None, None)
            return
        if self._in_key_position():
            assert top is not None
            if event.tag is not None and event.tag not in _SCALAR_TAGS and event.tag != "!":
                self._error(loc, f"YAML tag {excerpt(event.tag.replace(_CORE, '!!'))} is not allowed on a key")
                top.skip = True
                return
            key = event.value
            is_merge = event.implicit[0] and event.tag is None and key == "<<"
            if is_merge:
                top.key, top.key_loc = "<<", loc
                return
            if key in top.container:
                first = next((at for p, k, at in reversed(self.records) if k and p == (*top.path, key)), None)
                self._error(loc, f"duplicate key {excerpt(key)}" + (f" (first at line {first.line})" if first else ""))
                top.skip = True
                return
            top.key, top.key_loc = key, loc
            self.records.append(((*top.path, key), True, loc))
            return
        value = self._scalar_value(event, loc)
        if value is _REFUSED:
            self._placed(None, None)
            return
        path = self._child_path(loc)
        if event.anchor is not None:
            self._open_anchor(event.anchor, loc)
            self._close_anchor(event.anchor, value, path or (), len(self.records))
        self._placed(value, path)

    def _scalar_value(self, event: Any, loc: Loc) -> Any:
        tag, text = (None if event.tag is None else str(event.tag)), event.value
        if tag is None:
            if not event.implicit[0]:  # quoted: always a string
                return text
            tag = _resolve(text)
        elif tag == "!":
            return text
        elif tag not in _SCALAR_TAGS:
            self._error(
                loc, f"YAML tag {excerpt(tag.replace(_CORE, '!!'))} is not allowed; a model uses plain YAML values"
            )
            return _REFUSED
        elif tag != f"{_CORE}str":
            resolved = _resolve(text)
            if resolved != tag and not (tag == f"{_CORE}float" and resolved == f"{_CORE}int"):
                self._error(loc, f"{excerpt(text)} is not a valid {tag.replace(_CORE, '!!')}")
                return _REFUSED
        return self._construct(tag, text, loc)

    def _construct(self, tag: str, text: str, loc: Loc | None) -> Any:
        """The value of a scalar resolved to `tag`; with no `loc`, a refusal is left to the caller."""
        if tag == _INT and text.isdigit() and len(text) <= self.limits.max_int_digits:
            return int(text)  # the usual integer, without the general path's prefix checks
        kind = tag[len(_CORE) :] if tag.startswith(_CORE) else "str"
        if kind == "int":
            digits = text.replace("_", "").lstrip("+-")
            if len(digits) > self.limits.max_int_digits:
                if loc is not None:
                    self._error(loc, f"{self._where()}an integer of {len(digits):,} digits; refused")
                return _REFUSED
            sign = -1 if text.startswith("-") else 1
            for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
                if digits.startswith(prefix):
                    return sign * int(digits[2:], base)
            return sign * int(digits)
        if kind == "float":
            plain = text.replace("_", "").lower()
            if _resolve(text) == f"{_CORE}int":  # !!float 1
                value = self._construct(f"{_CORE}int", text, loc)
                return value if value is _REFUSED else float(value)
            if plain.lstrip("+-") in (".inf", ".nan"):
                return float(plain.replace(".", ""))
            return float(plain)
        if kind == "bool":
            return text.lower() == "true"
        if kind == "null":
            return None
        return text

    def _too_much_memory(self) -> str:
        limit = self.limits.max_memory_bytes
        return (
            f"loading this file would take more than {limit / 2**20:,.0f} MiB ({self.nodes:,} values so far, "
            "nested deeply or many); refused"
        )

    def _where(self) -> str:
        """'key: ' for the value being read inside a mapping, for messages before the schema sees it."""
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.container, dict) and top.key:
            return f"{excerpt(top.key)[1:-1]}: "
        return ""

    def _alias(self, event: Any) -> None:
        loc = self._loc(event)
        name = event.anchor
        if self._in_key_position():
            self._error(loc, "a mapping key must be a plain value, not an alias")
            self.stack[-1].skip = True
            return
        if name in self.open_anchors:
            self._error(loc, f"alias *{name} refers to the node that contains it (a recursive alias)")
            self._placed(None, None)
            return
        anchor = self.anchors.get(name)
        if anchor is None:
            self._error(loc, f"alias *{name} names no anchor defined before it")
            self._placed(None, None)
            return
        self.alias_nodes += anchor.nodes
        self.nodes += anchor.nodes
        self.memory += anchor.nodes * _value_bytes(len(self.stack) + len(anchor.path))
        if self.alias_nodes > self.limits.max_alias_nodes:
            self._fatal(
                loc, f"aliases expand to more than {self.limits.max_alias_nodes:,} values; refused (an alias bomb?)"
            )
            return
        if self.memory > self.limits.max_memory_bytes:
            self._fatal(loc, self._too_much_memory())
            return
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.container, dict) and top.key == "<<":
            if not isinstance(anchor.value, dict):
                self._error(loc, "a merge key (<<) takes a mapping or a list of mappings")
            else:
                top.merges.append((anchor.value, anchor.record_start, anchor.record_end, anchor.path))
            top.key = None
            return
        if top is not None and isinstance(top.container, list) and len(self.stack) >= 2:
            outer = self.stack[-2]
            if isinstance(outer.container, dict) and outer.key == "<<":  # <<: [*a, *b]
                if isinstance(anchor.value, dict):
                    outer.merges.append((anchor.value, anchor.record_start, anchor.record_end, anchor.path))
                else:
                    self._error(loc, "a merge key (<<) takes a mapping or a list of mappings")
                return
        path = self._child_path(loc)
        assert path is not None
        # The aliased content keeps the locations where it is written (the anchor), under its new path.
        cut = len(anchor.path)
        self.records.extend(
            ((*path, *p[cut:]), is_key, at) for p, is_key, at in self.records[anchor.record_start : anchor.record_end]
        )
        self._placed(anchor.value, path)

    def _open_anchor(self, name: str, loc: Loc) -> None:
        previous = self.anchors.get(name)
        if previous is not None or name in self.open_anchors:
            first = f" (first at line {previous.loc.line})" if previous else ""
            self._error(loc, f"anchor &{name} is defined twice{first}; give each anchor its own name")
        self.open_anchors.add(name)
        self.anchor_starts[name] = (loc, self.nodes - 1)

    def _close_anchor(self, name: str, value: Any, path: DocPath, record_start: int) -> None:
        self.open_anchors.discard(name)
        started = self.anchor_starts.pop(name, None)
        if started is None:  # the same name opened again inside itself: reported as defined twice
            return
        loc, nodes_before = started
        start = record_start if isinstance(value, dict | list) else len(self.records)
        self.anchors[name] = _Anchor(value, path, start, len(self.records), self.nodes - nodes_before, loc)

    def _apply_merges(self, done: _Open) -> None:
        """YAML merge keys: keys the mapping does not set itself come from the merged mappings, the
        first merged mapping winning over later ones."""
        target = done.container
        for source, start, end, source_path in done.merges:
            cut = len(source_path)
            added = [key for key in source if key not in target]  # the source's order, not a set's
            for key in added:
                target[key] = source[key]
            merged = set(added)
            self.records.extend(
                ((*done.path, *p[cut:]), is_key, at)
                for p, is_key, at in self.records[start:end]
                if len(p) > cut and p[cut] in merged
            )

    def _placed(self, value: Any, path: DocPath | None, record_start: int = 0) -> None:
        """Put a finished node into its parent (or make it the document's root)."""
        if not self.stack:
            self.root = value
            return
        parent = self.stack[-1]
        if isinstance(parent.container, list):
            if not (len(self.stack) >= 2 and isinstance(self.stack[-2].container, dict) and self.stack[-2].key == "<<"):
                parent.container.append(value)
            elif isinstance(value, dict):
                # <<: [{...}] with an inline mapping: merge it like an alias
                self.stack[-2].merges.append((value, record_start, len(self.records), path or ()))
            return
        if parent.key == "<<":
            if isinstance(value, dict):
                parent.merges.append((value, record_start, len(self.records), path or ()))
            elif not isinstance(value, list):
                assert parent.key_loc is not None
                self._error(parent.key_loc, "a merge key (<<) takes a mapping or a list of mappings")
        elif parent.key is not None:
            parent.container[parent.key] = value
        parent.key = None


_REFUSED = object()
