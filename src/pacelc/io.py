"""File output: atomic writes that never clobber what the user wrote."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class RefusedWrite(Exception):
    """Writing would overwrite something the user wrote."""


def write_atomic(path: Path, text: str, *, overwrite_if: str | None = None, force: bool = False) -> None:
    """Write `text` to `path` via a temporary file and a rename.

    An existing file is replaced only with `force`, or when it contains the marker `overwrite_if`
    (a report pacelc wrote earlier), so a hand-written file is never lost by accident.
    """
    if path.exists() and not force:
        try:
            existing = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise RefusedWrite(f"{path}: cannot read the existing file: {exc}") from exc
        if overwrite_if is None or overwrite_if not in existing:
            raise RefusedWrite(f"{path} exists and was not written by pacelc; use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
