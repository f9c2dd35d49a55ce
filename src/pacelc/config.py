"""Configuration: `pacelc.toml`, or `[tool.pacelc]` in `pyproject.toml`, in the working directory.

Command-line options win over the file. Unknown keys and bad values are errors with the file and
line, like model errors.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pacelc.rules.base import Severity


class ConfigError(Exception):
    """The configuration file is invalid; the message names file and line."""


class Config(BaseModel):
    """Settings of a review."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    select: list[str] = Field(default_factory=list, description="Rule codes or prefixes to run (empty: all).")
    ignore: list[str] = Field(default_factory=list, description="Rule codes or prefixes to skip.")
    severity: dict[str, Severity] = Field(default_factory=dict, description="Severity override per rule code.")
    fail_on: Severity | None = Field(None, description="Default for --fail-on.")
    baseline: str | None = Field(None, description="Default for --baseline.")
    format: Literal["terminal", "markdown", "json", "sarif", "junit"] | None = Field(
        None, description="Default report format."
    )
    rule_docs_url: str | None = Field(None, description="Base URL of the rule docs (SARIF helpUri).")
    retry_amplification_limit: float = Field(
        10.0, gt=1, description="Calls per request to a failing dependency above which FLR012 reports a retry storm."
    )
    budget_s: float = Field(
        120, gt=0, le=86_400, description="Seconds for a whole review; what is not done in time is reported unknown."
    )


# A bare or quoted TOML key, and a dotted run of them (`a."b.c".d`).
_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*")
_HEADER = re.compile(rf"\s*\[\[?{_DOTTED.pattern}\]\]?\s*(?:#.*)?$")
_PART = re.compile(_KEY)


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(p[1:-1] if p[0] in "\"'" else p for p in _PART.findall(dotted))


def _locate(text: str, table: tuple[str, ...], path: tuple[str, ...]) -> tuple[int, int]:
    """Line and column of the key at `path` inside `table` (`("tool", "pacelc")` in pyproject.toml).

    Only lines of that table and its sub-tables (`[tool.pacelc.severity]`) count: the same key in
    another table (`select` under `[tool.ruff]`) is not the one in error. tomllib, which read the
    values, gives no positions, so the lines are scanned: headers set the current table, and a
    `key =` line names the current table plus its (dotted) key. Lines inside multi-line strings are
    skipped. The deepest match wins: the key itself, else the nearest enclosing key or header (an
    inline table's line), else line 1.
    """
    want = table + path
    best: tuple[int, tuple[int, int]] = (-1, (1, 1))  # (matched depth, position)
    current: tuple[str, ...] = ()
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header:
            current = _key_parts(header.group(1))
            found, col = current, line.index("[") + 1
        else:
            assignment = _DOTTED.match(line)
            if assignment is None or not line[assignment.end() :].startswith("="):
                continue
            found, col = current + _key_parts(assignment.group(1)), assignment.start(1) + 1
            rest = line[assignment.end() + 1 :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
        if found[: len(table)] != table:
            continue
        depth = next(
            (i for i, (a, b) in enumerate(zip(found, want, strict=False)) if a != b), min(len(found), len(want))
        )
        if depth == len(found) and depth > best[0]:  # `found` encloses (or is) the key in error
            best = (depth, (number, col))
    return best[1]


def load_config(folder: Path | None = None, explicit: Path | None = None) -> tuple[Config, str | None]:
    """The configuration and the file it came from (None when there is none)."""
    folder = folder or Path.cwd()
    candidates = [explicit] if explicit else [folder / "pacelc.toml", folder / "pyproject.toml"]
    for path in candidates:
        if path is None or not path.is_file():
            if explicit is not None:
                raise ConfigError(f"{explicit}: file not found")
            continue
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        table: tuple[str, ...] = ()
        if path.name == "pyproject.toml":
            table = ("tool", "pacelc")
            data = data.get("tool", {}).get("pacelc")
            if data is None:
                continue
        try:
            return Config.model_validate(data), str(path)
        except ValidationError as exc:
            lines = []
            for err in exc.errors(include_url=False):
                keys = tuple(str(p) for p in err["loc"] if isinstance(p, str))  # list indexes: the key's line
                key = keys[-1] if keys else ""
                what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
                line, col = _locate(text, table, keys)
                lines.append(f"{path}:{line}:{col}: {key}: {what}")
            raise ConfigError("\n".join(lines)) from None
    return Config(), None
