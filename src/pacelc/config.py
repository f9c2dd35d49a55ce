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


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line) or re.match(rf"\s*\[.*\b{re.escape(key)}\b.*\]", line):
            return number
    return 1


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
        if path.name == "pyproject.toml":
            data = data.get("tool", {}).get("pacelc")
            if data is None:
                continue
        try:
            return Config.model_validate(data), str(path)
        except ValidationError as exc:
            lines = []
            for err in exc.errors(include_url=False):
                key = next((str(p) for p in reversed(err["loc"]) if isinstance(p, str)), "")
                what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
                lines.append(f"{path}:{_line_of(text, key)}:1: {key}: {what}")
            raise ConfigError("\n".join(lines)) from None
    return Config(), None
