"""Source locations: where every value of a model came from (file, line, column)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

# A path into the merged document: keys and list indices, e.g. ("services", 3, "calls", 0, "timeout").
Path = tuple[str | int, ...]


class Loc(NamedTuple):
    """A position in a model file; line and column are 1-based.

    A named tuple, not a frozen dataclass: a large model makes one per key and value, and a
    frozen dataclass took two and a half times as long to make (a second per million)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


# List items are named by these keys so findings can say `services/checkout/calls/payments`.
_ITEM_KEYS = ("id", "service", "to", "pattern")


def item_name(item: object) -> str | None:
    """The name of a list item: its id, or for calls the call id or target, for consumers the service."""
    if not isinstance(item, dict):
        return None
    for key in _ITEM_KEYS:
        value = item.get(key)
        if isinstance(value, str):
            return value
    return None


@dataclass
class SourceMap:
    """Locations of keys and values of the merged document, and element names to paths."""

    values: dict[Path, Loc] = field(default_factory=dict)
    keys: dict[Path, Loc] = field(default_factory=dict)
    # ("services", "checkout", "calls", "payments") -> ("services", 3, "calls", 0)
    names: dict[tuple[str | int, ...], Path] = field(default_factory=dict)

    def nearest(self, path: Sequence[str | int], prefer_key: bool = False) -> Loc | None:
        """The location of `path`, or of its nearest ancestor that has one."""
        p: Path = tuple(path)
        while True:
            if prefer_key and p in self.keys:
                return self.keys[p]
            if p in self.values:
                return self.values[p]
            if p in self.keys:
                return self.keys[p]
            if not p:
                return None
            p = p[:-1]

    def locate(self, name_path: Sequence[str | int]) -> Loc | None:
        """Location of an element named by ids, e.g. ("services", "checkout", "calls", "payments", "retry").

        Trailing parts that are plain field names (not element names) are looked up as keys under the
        element, so a finding can point at the exact line to change.
        """
        parts = tuple(name_path)
        for cut in range(len(parts), 0, -1):
            base = self.names.get(parts[:cut])
            if base is None:
                continue
            rest = parts[cut:]
            return self.nearest(base + rest, prefer_key=bool(rest))
        return self.nearest(parts)
