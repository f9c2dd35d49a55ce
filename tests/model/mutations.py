"""Structural mutations of the bundled example models, for the fuzz property test and benchmarks/fuzz.py.

A mutant is a whole example folder (the top model file and its includes, as bytes) in which one file
had one to three mutations applied. Everything is driven by one `random.Random`, so a seed (or
hypothesis' own `randoms()`) reproduces a mutant exactly.

Two families of mutations:

* data mutations parse the file, change the tree (a value replaced by a scalar of another type or an
  extreme number, a key deleted or renamed, a list item duplicated, a string turned into a list or a
  map, a subtree moved elsewhere, moderate nesting, odd unicode in strings and keys) and dump it back
  as block YAML (sometimes JSON);
* text mutations edit the YAML text itself, for what a parsed tree cannot hold: tags, anchors and
  aliases, merge keys, integers past Python's 4,300-digit limit, very deep nesting, raw control
  characters, other encodings.

`ALL` is every class (benchmarks/fuzz.py's default); `SAFE` leaves out `LOADER_GAPS`, the classes
that still find loader defects, and is what the property test runs.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

DATA_CLASSES = (
    "scalar",
    "number",
    "bound",
    "delete",
    "duplicate",
    "swap",
    "rename",
    "transplant",
    "nest",
    "unicode",
    "surrogate",
)
TEXT_CLASSES = ("tag", "alias", "merge", "hugeint", "deep", "raw_char", "encoding")
ALL = DATA_CLASSES + TEXT_CLASSES
# Classes that still find loader defects, left to the loader's own tests until fixed (none now: a
# lone surrogate, which crashed include resolution, is a located error since 1991c47).
LOADER_GAPS: tuple[str, ...] = ()
SAFE = tuple(c for c in ALL if c not in LOADER_GAPS)

# Strings that have broken parsers, terminals and reports: line and paragraph separators, NUL,
# escape sequences, bidi overrides, a BOM, combining marks, very long text.
ODD_TEXT = (
    "\u2028",
    "\u2029",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\u202e",
    "\ufeff",
    "e\u0301",
    "\U0001f4a5",
    "\t",
    "\r\n",
    "%s%n{0}",
    "<script>",
    "'\"",
    "*",
    "x" * 5000,
)
# Numbers at and beyond the domain bounds (the schema's) and the float edge cases.
EXTREME_NUMBERS: tuple[Any, ...] = (
    0,
    -1,
    1,
    2,
    0.5,
    -0.0,
    1e-320,
    1e-9,
    1e9,
    1e300,
    float("inf"),
    float("-inf"),
    float("nan"),
    2**31,
    2**63,
    2**64 + 1,
    10**40,
    10**400,
    -(10**400),
    10_000,
    10_001,
    1_000_000,
    315_576_000,
    315_576_000_001,
)
TAGS = (
    "!!int",
    "!!str",
    "!!float",
    "!!bool",
    "!!null",
    "!!map",
    "!!seq",
    "!!omap",
    "!!set",
    "!!pairs",
    "!!binary",
    "!!timestamp",
    "!custom",
    "!!python/tuple",
    "!!python/name:os.system",
    "!!python/object/apply:os.system",
    "!<tag:example.com,2000:app/foo>",
)


@dataclass
class Mutant:
    """A mutated example folder: `files` maps relative paths to contents; `entry` is the top model."""

    files: dict[str, bytes]
    entry: str
    steps: list[str] = field(default_factory=list)

    def write(self, folder: Path) -> Path:
        for rel, data in self.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return folder / self.entry


def example_folders() -> dict[str, dict[str, bytes]]:
    """Every bundled example: folder name -> {relative path: bytes}, read once."""
    out = {}
    for system in sorted(EXAMPLES.glob("*/system.yaml")):
        folder = system.parent
        out[folder.name] = {
            str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml")) if p.is_file()
        }
    return out


# --------------------------------------------------------------------------- the tree


def _field_bounds() -> dict[str, tuple[list[float], list[float]]]:
    """Per numeric field name: its bounds in the model schema (inside) and the values just outside."""
    from pacelc.model.schema import SystemModel

    out: dict[str, tuple[list[float], list[float]]] = {}
    for spec in SystemModel.model_json_schema(mode="validation")["$defs"].values():
        for name, prop in spec.get("properties", {}).items():
            for option in prop.get("anyOf", [prop]):
                if option.get("type") not in ("number", "integer"):
                    continue
                inside, outside = out.setdefault(name, ([], []))
                for key, sign in (("minimum", 1), ("maximum", -1), ("exclusiveMinimum", 1), ("exclusiveMaximum", -1)):
                    if key not in option:
                        continue
                    bound = option[key]
                    step = 1 if option["type"] == "integer" else max(1e-9, abs(bound) * 1e-9)
                    edge = bound + sign * step if key.startswith("exclusive") else bound
                    for values, value in ((inside, edge), (outside, edge - sign * step)):
                        if value not in values:
                            values.append(value)
    return out


FIELD_BOUNDS = _field_bounds()


_PARSED: dict[bytes, Any] = {}


def _parse(data: bytes) -> Any:
    """The file as plain data (parsed once per content; callers get their own copy)."""
    if data not in _PARSED:
        _PARSED[data] = YAML(typ="safe", pure=True).load(data.decode("utf-8"))
    return copy.deepcopy(_PARSED[data])


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _quoted(str(value))


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text`: printable characters as they are (emoji
    too: JSON's surrogate-pair escapes would read back as two lone surrogates), the rest escaped."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F or (code > 0xA0 and ch.isprintable() and not 0xD800 <= code <= 0xDFFF):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _block(node: Any, indent: int, out: list[str], prefix: str) -> None:
    """Block-style YAML, the shape people write (ruamel's emitter is ~100x slower)."""
    pad = " " * indent
    if isinstance(node, dict) and node:
        first = True
        for key, value in node.items():
            lead = prefix if first else pad
            first = False
            head = f"{lead}{_scalar(key)}:"
            if isinstance(value, (dict, list)) and value:
                out.append(head)
                _block(value, indent + 2, out, " " * (indent + 2))
            else:
                out.append(f"{head} {_flow_empty(value)}")
    elif isinstance(node, list) and node:
        first = True
        for item in node:
            lead = prefix if first else pad
            first = False
            if isinstance(item, (dict, list)) and item:
                _block(item, indent + 2, out, f"{lead}- ")
            else:
                out.append(f"{lead}- {_flow_empty(item)}")
    else:
        out.append(prefix + _flow_empty(node))


def _flow_empty(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def _dump(data: Any, rnd: random.Random) -> str:
    if rnd.random() < 0.1:
        try:  # JSON is YAML too: the loader reads both with one parser
            return json.dumps(data, indent=1, default=str, allow_nan=False)
        except ValueError:
            pass  # inf or nan: YAML only
    out: list[str] = []
    _block(data, 0, out, "")
    return "\n".join(out) + "\n"


Slot = tuple[Any, Any]  # (container, key or index)


def _slots(node: Any, out: list[Slot]) -> list[Slot]:
    """Every (container, key) pair in the tree, depth first."""
    if isinstance(node, dict):
        for k in list(node):
            out.append((node, k))
            _slots(node[k], out)
    elif isinstance(node, list):
        for i in range(len(node)):
            out.append((node, i))
            _slots(node[i], out)
    return out


def _random_scalar(rnd: random.Random) -> Any:
    kind = rnd.randrange(7)
    if kind == 0:
        return rnd.choice(EXTREME_NUMBERS)
    if kind == 1:
        return rnd.choice([True, False, None])
    if kind == 2:
        return rnd.choice(["", "yes", "null", "~", "0x1F", "1e3", "2026-13-45", "12:30", "-", "[", "{a: 1}"])
    if kind == 3:
        return rnd.choice(ODD_TEXT)
    if kind == 4:
        return rnd.choice([[], {}, [None], {"": None}])
    if kind == 5:
        return rnd.choice([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2026, 2, 28)])
    return rnd.uniform(-1e6, 1e6)


def _other_type(value: Any, rnd: random.Random) -> Any:
    for _ in range(10):
        new = _random_scalar(rnd)
        if type(new) is not type(value):
            return new
    return None


def _mutate_data(data: Any, cls: str, rnd: random.Random) -> tuple[Any, str]:
    slots = _slots(data, [])
    if not slots:
        return _random_scalar(rnd), f"{cls}: whole document replaced"
    container, key = rnd.choice(slots)
    value = container[key]
    where = f"at {key!r}"
    if cls == "scalar":
        container[key] = _other_type(value, rnd)
    elif cls == "number":
        numeric = [(c, k) for c, k in slots if isinstance(c[k], (int, float)) and not isinstance(c[k], bool)]
        if numeric and rnd.random() < 0.8:
            container, key = rnd.choice(numeric)
            where = f"at {key!r}"
        container[key] = rnd.choice(EXTREME_NUMBERS)
    elif cls == "bound":
        known = [(c, k) for c, k in slots if isinstance(k, str) and k in FIELD_BOUNDS]
        if not known:
            return data, "bound: no numeric field"
        container, key = rnd.choice(known)
        inside, outside = FIELD_BOUNDS[key]
        container[key] = rnd.choice(inside if rnd.random() < 0.7 else outside)
        if isinstance(container[key], float) and container[key].is_integer() and rnd.random() < 0.5:
            container[key] = int(container[key])
        where = f"{key!r} = {container[key]!r}"
    elif cls == "delete":
        del container[key]
    elif cls == "duplicate":
        lists = [(c, k) for c, k in slots if isinstance(c[k], list) and c[k]]
        if not lists:
            return data, "duplicate: no list"
        container, key = rnd.choice(lists)
        items = container[key]
        index = rnd.randrange(len(items))
        items.insert(index, json.loads(json.dumps(items[index], default=str)))
        where = f"at {key!r}[{index}]"
    elif cls == "swap":
        strings = [(c, k) for c, k in slots if isinstance(c[k], str)]
        if strings:
            container, key = rnd.choice(strings)
            where = f"at {key!r}"
        v = container[key]
        container[key] = rnd.choice([[v], {"id": v}, {v: v} if isinstance(v, str) else [v, v], [[v]]])
    elif cls == "rename":
        dicts = [(c, k) for c, k in slots if isinstance(c, dict)]
        if not dicts:
            return data, "rename: no key"
        container, key = rnd.choice(dicts)
        new = rnd.choice([key + "s", key[:-1], key.upper(), "", " " + key, key + "\u2028", "id", "include", "<<"])
        container[new] = container.pop(key)
        where = f"{key!r} -> {new!r}"
    elif cls == "transplant":
        _, other_key = rnd.choice(slots)
        donor = rnd.choice(slots)
        container[key] = json.loads(json.dumps(donor[0][donor[1]], default=str))
        where = f"at {key!r} from {other_key!r}"
    elif cls == "nest":
        depth = rnd.randint(2, 30)
        for _ in range(depth):
            value = [value] if rnd.random() < 0.5 else {"x": value}
        container[key] = value
        where = f"at {key!r}, {depth} levels"
    elif cls in ("unicode", "surrogate"):
        # A lone surrogate ("\\ud800" is valid YAML escaping, not a valid string) in its own class, so
        # it can be left out while the loader mishandles it (it crashed include resolution once).
        odd = rnd.choice(ODD_TEXT[:-1]) if cls == "unicode" else "\ud800"
        strings = [(c, k) for c, k in slots if isinstance(c[k], str)]
        if isinstance(container, dict) and rnd.random() < 0.3:
            container[str(key) + odd] = container.pop(key)
        elif strings:
            container, key = rnd.choice(strings)
            s = container[key]
            cut = rnd.randint(0, len(s))
            container[key] = s[:cut] + odd + s[cut:]
        where = f"at {key!r}: {odd!r}"
    else:
        raise ValueError(cls)
    return data, f"{cls} {where}"[:200]


# --------------------------------------------------------------------------- the text


def _value_positions(text: str) -> list[int]:
    """Offsets just after 'key: ' or '- ' in block YAML: where a tag or alias can go."""
    out = []
    for marker in (": ", "- "):
        start = 0
        while (i := text.find(marker, start)) != -1:
            out.append(i + len(marker))
            start = i + 1
    return sorted(out)


def _mutate_text(text: str, cls: str, rnd: random.Random) -> tuple[str | bytes, str]:
    positions = _value_positions(text) or [0]
    at = rnd.choice(positions)
    if cls == "tag":
        tag = rnd.choice(TAGS)
        return text[:at] + tag + " " + text[at:], f"tag {tag} at {at}"
    if cls == "alias":
        second = rnd.choice(positions)
        first, second = sorted((at, second))
        if first == second:
            return text[:first] + "&a *a " + text[first:], "alias: recursive"
        return text[:first] + "&a " + text[first:second] + "*a " + text[second:], f"alias {first} -> {second}"
    if cls == "merge":
        lines = text.splitlines(keepends=True)
        index = rnd.randrange(len(lines) or 1)
        line = lines[index] if lines else ""
        indent = line[: len(line) - len(line.lstrip())]
        return "".join(lines[:index]) + f"{indent}<<: {{a: 1}}\n" + "".join(lines[index:]), f"merge key at line {index}"
    if cls == "hugeint":
        digits = rnd.choice([4301, 5000, 100_000])
        return text[:at] + "9" * digits + text[at:], f"{digits}-digit integer at {at}"
    if cls == "deep":
        depth = rnd.choice([300, 1000, 10_000])
        return text[:at] + "[" * depth + "]" * depth + text[at:], f"{depth} nested lists at {at}"
    if cls == "raw_char":
        char = rnd.choice(["\x00", "\x01", "\x1b", "\x7f", "\u2028", "\ufeff", "\ud800", "\x85"])
        at = rnd.randrange(len(text) + 1)
        out = text[:at] + char + text[at:]
        return out.encode("utf-8", "surrogatepass"), f"raw {char!r} at {at}"
    if cls == "encoding":
        codec = rnd.choice(["utf-16", "utf-32", "latin-1", "cp1252"])
        extra = rnd.choice(["", "é", "\u20ac"])
        return (extra + text).encode(codec, "replace"), f"encoded as {codec}"
    raise ValueError(cls)


# --------------------------------------------------------------------------- a mutant


def mutate(
    folders: dict[str, dict[str, bytes]], rnd: random.Random, classes: tuple[str, ...] = SAFE, most: int = 3
) -> Mutant:
    """One mutant: a random example folder, one of its files, one to `most` mutations of `classes`."""
    name = rnd.choice(sorted(folders))
    files = dict(folders[name])
    target = rnd.choice(sorted(files))
    text = files[target].decode("utf-8")
    steps: list[str] = [f"{name}/{target}"]
    chosen = [rnd.choice(classes) for _ in range(rnd.randint(1, most))]
    data_steps = [c for c in chosen if c in DATA_CLASSES]
    text_steps = [c for c in chosen if c in TEXT_CLASSES]
    if data_steps:
        data = _parse(files[target])
        for cls in data_steps:
            data, what = _mutate_data(data, cls, rnd)
            steps.append(what)
        text = _dump(data, rnd)
    out: str | bytes = text
    for cls in text_steps:
        if isinstance(out, bytes):
            break  # already re-encoded: text edits no longer apply
        out, what = _mutate_text(out, cls, rnd)
        steps.append(what)
    files[target] = out.encode("utf-8") if isinstance(out, str) else out
    return Mutant(files=files, entry="system.yaml", steps=steps)
