"""File output: atomic writes that never clobber what the user wrote.

The policy (README, "Output files"):

- An existing file is replaced only with `force`, or when the format's `Signature` recognises it as
  a file pacelc wrote: a precise test at a fixed place (the first line, a JSON key path, the first
  bytes of an XML file), never a substring found anywhere.
- Only regular files are read or replaced. A device, FIFO, socket or folder is refused, even with
  `force`, before anything opens it (opening a FIFO or `/dev/stdout` to read it can block forever).
- A symlink is written through: its target is checked and replaced, the link stays a link.
- A new file gets `0o666 & ~umask`, like a shell redirection; a replaced file keeps its permissions.
- The text goes to a temporary file in the target's folder, is fsynced, renamed over the target,
  then the folder is fsynced (best effort); the temporary file is removed on any error.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The most pacelc reads of an existing file to recognise it (JSON formats parse the whole file);
# a larger file is refused without --force rather than read into memory.
MAX_CHECK_BYTES = 64 * 1024 * 1024


class RefusedWrite(Exception):
    """Writing would overwrite something the user wrote, or a file that is not a regular file."""


@dataclass(frozen=True)
class Signature:
    """How to recognise a file pacelc wrote in one format.

    `recognise` gets the first `head` bytes of the existing file, or the whole file when `head` is
    None (then at most `MAX_CHECK_BYTES`). `what` names the format in messages ("a pacelc JSON report").
    """

    what: str
    recognise: Callable[[bytes], bool]
    head: int | None = None


def first_line_signature(line: str, what: str) -> Signature:
    """The file's first line is exactly `line` (a marker comment the renderer writes there)."""
    expected = line.encode("utf-8")

    def recognise(data: bytes) -> bool:
        return data.split(b"\n", 1)[0].removesuffix(b"\r") == expected

    return Signature(what, recognise, head=len(expected) + 2)


def prefix_signature(prefix: str, what: str) -> Signature:
    """The file starts with exactly `prefix` (for XML: the declaration and the start of the root
    element or of a leading comment, as pacelc writes them; no XML parser runs on the user's file)."""
    expected = prefix.encode("utf-8")
    return Signature(what, lambda data: data.startswith(expected), head=len(expected))


def json_signature(path: tuple[str | int, ...], accept: Callable[[Any], bool], what: str) -> Signature:
    """The file is JSON and the value at `path` (keys and list indexes from the top) satisfies `accept`."""

    def recognise(data: bytes) -> bool:
        try:
            value: Any = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return False
        for step in path:
            in_list = isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value)
            if not (in_list or (isinstance(step, str) and isinstance(value, dict) and step in value)):
                return False
            value = value[step]
        return bool(accept(value))

    return Signature(what, recognise)


def is_any_of(path: Path, files: Iterable[str | os.PathLike[str]]) -> bool:
    """Whether `path` names one of `files`, after resolving symlinks and `..` on both sides."""
    real = os.path.realpath(path)
    return any(real == os.path.realpath(f) for f in files)


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (/proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # Elsewhere the only way is to set and restore it; pacelc creates no file meanwhile, and the
    # transient value is the private one should another thread ever do so.
    old = os.umask(0o077)
    os.umask(old)
    return old


_KINDS = (
    (stat.S_ISDIR, "folder"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
)


def _not_regular(path: Path, mode: int) -> RefusedWrite:
    kind = next((name for test, name in _KINDS if test(mode)), "special file")
    hint = "" if kind == "folder" else " (use -o - to write to standard output)"
    return RefusedWrite(f"{path} is a {kind}; pacelc writes only regular files{hint}")


def write_atomic(path: Path, text: str, *, signature: Signature | None = None, force: bool = False) -> None:
    """Write `text` to `path` atomically, under the policy in this module's docstring.

    Raise `RefusedWrite` when the policy forbids the write, `OSError` when the system fails it.
    """
    try:
        # stat, not lstat: what counts is what a write through the path would reach (a symlink to
        # /dev/null is a device), and `/dev/stdout` is a link to whatever stdout is.
        existing: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise _not_regular(path, existing.st_mode)
    if existing is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    # Symlinks are written through (a shell redirection does the same, and users link reports into
    # docs folders): the rename must land on the link's target, or the link would become a copy.
    target = Path(os.path.realpath(path))
    if existing is not None and not force:
        _check_written_by_pacelc(path, target, signature)
    # Permission bits only: a replaced file keeps who may read it, not a set-id bit.
    mode = stat.S_IMODE(existing.st_mode) & 0o777 if existing is not None else 0o666 & ~current_umask()
    _replace(target, text.encode("utf-8"), mode)


def _check_written_by_pacelc(path: Path, target: Path, signature: Signature | None) -> None:
    if signature is None:
        raise RefusedWrite(f"{path} exists and was not written by pacelc; use --force to replace it")
    # O_NONBLOCK and the fstat: should the file have become a FIFO since the stat, neither blocks.
    # O_NOFOLLOW: `target` is resolved; a symlink there now is a race, refused.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise RefusedWrite(f"{path}: cannot read the existing file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        limit = signature.head if signature.head is not None else MAX_CHECK_BYTES + 1
        data = handle.read(limit)
    if signature.head is None and len(data) > MAX_CHECK_BYTES:
        raise RefusedWrite(
            f"{path} exists and is larger than {MAX_CHECK_BYTES // (1024 * 1024)} MiB, too large to check "
            f"that pacelc wrote it; use --force to replace it"
        )
    if not signature.recognise(data):
        raise RefusedWrite(
            f"{path} exists and was not written by pacelc (it is not {signature.what}); use --force to replace it"
        )


def _replace(target: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)  # mkstemp makes it 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the name points at it
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; best effort (some file systems refuse to fsync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
