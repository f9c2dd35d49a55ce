"""Large BDDs with numpy: CUDD's own dump read as one array, and the probability level by level.

Exporting through dd's wrappers costs ~1.4 us a node and the Shannon pass in Python ~0.3 us:
1.9 s on cea9601's million nodes, most of the analysis. CUDD writes a diagram as DDDMP text
(`BDD.dump(..., filetype="dddmp")`: one line per node, children first) in C, numpy parses the
numbers in C, and the probability is computed one level at a time over whole arrays (a node only
depends on nodes of deeper levels): 1.9 s becomes ~1 s on cea9601, 0.36 s becomes ~0.17 s on
edf9204 (docs/fta.md). Used only for diagrams of `BULK_MIN_NODES` nodes or more, so small trees
never import numpy (~60 ms).

The DDDMP node lines read `id variable-name support-index then else`, with a negative `else` for
a complemented edge. The variables are declared under their level's number (`CuddBackend`), so
every token but the constant's `T` is an integer and the name is the level (the third column
counts within the diagram's support only). CUDD never complements a `then` edge. Anything else
than what we expect (ids not 1..n in order, a complemented `then`) makes `read_dump` return None
and the caller falls back to the wrappers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import Any

BULK_MIN_NODES = 50_000


def available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def dump_arrays(bdd: Any, root: Any, nvars: int) -> tuple[list[int], list[int], list[int], int] | None:
    """(level, high, low, root edge) of `root` in `BddGraph` form, read from CUDD's DDDMP dump;
    None if the dump is not what we expect."""
    directory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # memory, not disk
    try:
        fd, path = tempfile.mkstemp(suffix=".dddmp", dir=directory)
        os.close(fd)
        try:
            bdd.dump(path, [root], filetype="dddmp")
            with open(path, "rb") as f:
                data = f.read()
        finally:
            os.unlink(path)
    except (OSError, RuntimeError):  # no room for the file, or CUDD could not write it
        return None
    return read_dump(data, nvars)


def read_dump(data: bytes, nvars: int) -> tuple[list[int], list[int], list[int], int] | None:
    """Parse a DDDMP text dump of one root (see the module docstring)."""
    import numpy as np

    try:
        i = data.index(b"\n.rootids ") + 10
        root = int(data[i : data.index(b"\n", i)])
        start = data.index(b"\n.nodes\n") + 8
        end = data.rindex(b"\n.end")
    except ValueError:
        return None
    if not data.startswith(b"1 T 1 0 0", start):
        return None
    first = data.find(b"\n", start) + 1  # the line after the constant's
    body = data[first:end].decode("ascii") if first and first <= end else ""
    nums = np.fromstring(body, dtype=np.int64, sep=" ") if body.strip() else np.zeros(0, np.int64)
    if nums.size % 5:
        return None
    rows = nums.reshape(-1, 5)
    n = rows.shape[0] + 1  # our node 0 is the constant
    if not np.array_equal(rows[:, 0], np.arange(2, n + 1)) or (rows[:, 3] < 1).any():
        return None
    if ((rows[:, 1] < 0) | (rows[:, 1] >= nvars)).any():
        return None
    level = np.empty(n, np.int64)
    level[0] = nvars
    level[1:] = rows[:, 1]
    high = np.zeros(n, np.int64)
    high[1:] = 2 * (rows[:, 3] - 1)
    low = np.zeros(n, np.int64)
    e = rows[:, 4]
    low[1:] = np.where(e > 0, 2 * (e - 1), -2 * (e + 1) + 1)
    edge = 2 * (root - 1) if root > 0 else -2 * (root + 1) + 1
    return level.tolist(), high.tolist(), low.tolist(), edge


def probability(
    level: Sequence[int], high: Sequence[int], low: Sequence[int], root: int, probs: Sequence[float]
) -> float:
    """`bdd.probability` over whole levels at a time: the same Shannon decomposition, with P(f)
    and P(not f) kept apart as sums of non-negative terms (see there)."""
    import numpy as np

    lv = np.asarray(level, dtype=np.int64)
    hi = np.asarray(high, dtype=np.int64)
    lo = np.asarray(low, dtype=np.int64)
    n = lv.size
    p_var = np.asarray([*probs, 0.0], dtype=np.float64)
    pt = np.ones(n)
    pf = np.zeros(n)
    # Deepest level first: a node's children are at deeper levels (or the constant, node 0).
    nodes = np.argsort(-lv[1:], kind="stable") + 1
    cuts = np.flatnonzero(np.diff(lv[nodes])) + 1
    for group in np.split(nodes, cuts):
        h, e = hi[group], lo[group]
        hn, en = h >> 1, e >> 1
        hc, ec = (h & 1).astype(bool), (e & 1).astype(bool)
        p = p_var[lv[group]]
        q = 1.0 - p
        pt[group] = p * np.where(hc, pf[hn], pt[hn]) + q * np.where(ec, pf[en], pt[en])
        pf[group] = p * np.where(hc, pt[hn], pf[hn]) + q * np.where(ec, pt[en], pf[en])
    return float(pf[root >> 1] if root & 1 else pt[root >> 1])
