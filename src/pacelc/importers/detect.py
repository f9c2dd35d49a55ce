"""Recognise a document by its content, never by its file name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

Kind = Literal["model", "compose", "kubernetes", "structurizr", "other"]

# A top-level block key at column 1 (`pacelc:`, `system:`), for the quick look at a model file.
_TOP_KEY = re.compile(r"^(pacelc|system)\s*:", re.MULTILINE)
# A Structurizr DSL workspace's first token, after white space and comments: `workspace`, then a
# name, a brace or the end (`workspace:` at the top of a YAML file is not it).
# A comment runs to its line's end (else backtracking would find `workspace` inside a comment).
_DSL_FIRST = re.compile(r"\A\ufeff?(?:\s+|/\*[\s\S]*?\*/|(?:#|//)[^\n]*(?:\n|\Z))*workspace(?=[\s{\"]|\Z)")


def classify(data: Any) -> Kind:
    """model: a pacelc model (`pacelc:` or `system:` at the top); compose: a mapping whose
    `services` is a mapping with at least one entry that has `image` or `build`; kubernetes: a
    mapping with a string `apiVersion` and `kind` (a rendered manifest, `kind: List` included);
    structurizr: a Structurizr JSON export (`model` holding a `softwareSystems` list, and `views`
    or `name`/`id` beside it); else other."""
    if not isinstance(data, dict):
        return "other"
    if "pacelc" in data or "system" in data:
        return "model"
    services = data.get("services")
    if isinstance(services, dict) and any(
        isinstance(entry, dict) and ("image" in entry or "build" in entry) for entry in services.values()
    ):
        return "compose"
    if isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str):
        return "kubernetes"
    model = data.get("model")
    if (
        isinstance(model, dict)
        and isinstance(model.get("softwareSystems"), list)
        and any(key in data for key in ("views", "name", "id"))
    ):
        return "structurizr"
    return "other"


def structurizr_dsl(text: str) -> bool:
    """A Structurizr DSL workspace: its first token, after comments, is `workspace`."""
    return bool(_DSL_FIRST.match(text))


def helm_template(path: Path, text: str) -> bool:
    """A Helm template: a file under a `templates` folder whose text holds `{{` (a rendered
    manifest never does there; a ConfigMap elsewhere may, e.g. alert templates)."""
    return "templates" in path.parts[:-1] and "{{" in text


def looks_like_model(text: str) -> bool:
    """A cheap look at the text, before any parse: a top-level `pacelc:`/`system:` key says
    model (the loader then parses it once, so a large model is not parsed twice). False means
    only "not obviously" (JSON models among them: a key's depth needs a parse), and the caller
    parses and classifies."""
    return bool(_TOP_KEY.search(text))
