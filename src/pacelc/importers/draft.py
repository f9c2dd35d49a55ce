"""Write an import as a draft model: YAML that `pacelc validate` accepts, byte for byte the same
for the same sources, each element preceded by a comment naming its source `file:line`, and the
unknowns listed per element at the end."""

from __future__ import annotations

import json
import re
from typing import Any

from pacelc.importers import ImportResult
from pacelc.model.yamlfile import _resolve

# The draft's first line: `pacelc import -o` replaces a file only when its first line is this one
# (see pacelc.io.first_line_signature), so a hand-edited model that dropped it is never overwritten.
SIGNATURE = "# pacelc import draft: written by `pacelc import`; a new import may replace this file"

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./:-]*$")
_SECTIONS = ("regions", "services", "stores")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(int(value)) if isinstance(value, float) and value.is_integer() else repr(value)
    text = str(value)
    # Plain only when YAML reads it back as the same string (not a number, bool or null, no ': ').
    if _PLAIN.match(text) and ": " not in text and _resolve(text).endswith(":str"):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    # JSON leaves the Unicode line and paragraph separators raw; YAML would break the line there.
    return quoted.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\x85")


def _comment(text: str) -> str:
    """One comment line: characters that would end the comment or act on a terminal are escaped."""
    if text.isprintable():  # nearly always: one C call instead of one per character
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _block(value: Any, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    """Block-style YAML for plain dicts and lists of scalars, dicts and lists."""
    pad = " " * indent
    if isinstance(value, dict):
        for n, (key, item) in enumerate(value.items()):
            lead = first_prefix if (n == 0 and first_prefix is not None) else pad
            if isinstance(item, dict | list) and item:
                out.append(f"{lead}{_scalar(key)}:")
                _block(item, indent + 2, out)
            else:
                out.append(f"{lead}{_scalar(key)}: {_empty(item) if isinstance(item, dict | list) else _scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                _block(item, indent + 2, out, first_prefix=f"{pad}- ")
            else:
                out.append(f"{pad}- {_scalar(item)}")


def _empty(value: dict[Any, Any] | list[Any]) -> str:
    return "{}" if isinstance(value, dict) else "[]"


def render_draft(result: ImportResult) -> str:
    """The draft model text for an import."""
    out = [SIGNATURE]
    out.append(f"# Sources: {_comment(', '.join(result.files))}")
    out.append(f"# A draft: check it, then add what no {result.source_kind} says (zones and regions, data domains,")
    out.append("# operations and their SLAs) here or in an overlay model. Unknowns are listed at the end.")
    out.append(f"# Defaults used: {'; '.join(_comment(d) for d in result.defaults)}")
    out.append("pacelc: 1")
    out.append("system:")
    out.append(f"  name: {_scalar(result.data['system']['name'])}")
    by_id = {(el.section, el.id): el for el in result.elements}
    for section in _SECTIONS:
        items = result.data.get(section) or []
        if not items:
            continue
        out.append("")
        out.append(f"{section}:")
        for item in items:
            el = by_id[(section, item["id"])]
            out.append(f"  # {_comment(item['id'])}: {el.loc.file}:{el.loc.line}")
            for note in el.notes:
                out.append(f"  #   {_comment(note)}")
            _block(item, 4, out, first_prefix="  - ")
    if result.unknowns:
        out.append("")
        out.append("# What the sources could not say:")
        for element, texts in result.unknowns.items():
            for text in texts:
                out.append(f"#   {_comment(element)}: {_comment(text)}")
    if result.skipped:
        out.append("")
        out.append("# Skipped documents:")
        for skipped in result.skipped:
            out.append(f"#   {_comment(str(skipped.loc))}: {_comment(skipped.reason)}")
    return "\n".join(out) + "\n"
