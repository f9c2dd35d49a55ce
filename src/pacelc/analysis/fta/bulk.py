"""numpy where it pays: large BDDs read straight from CUDD's nodes into arrays (CUDD's DDDMP dump
as the fallback), their probability level by level, long cut-set lists sorted as arrays, and
FORCE's iterations.

Exporting through dd's wrappers costs ~1-1.4 us a node and the Shannon pass in Python ~0.3 us:
1.9 s on cea9601's million nodes, most of the analysis. `node_arrays` reads the nodes CUDD lists
in C (`cuddNodeArray`) with numpy gathers, ~0.16 us a node (cea9601's top module 0.14 s), and the
probability is computed one level at a time over whole arrays (a node only depends on nodes of
deeper levels). Used for diagrams of `BULK_MIN_NODES` nodes or more, so small trees never import
numpy (~60 ms), and for those of `EXPORT_MIN_NODES` or more once numpy is loaded.

The DDDMP fallback (`dump_arrays`, `read_dump`): node lines read `id variable-name support-index
then else`, with a negative `else` for a complemented edge. The variables are declared under their
level's number (`CuddBackend`), so every token but the constant's `T` is an integer and the name
is the level (the third column counts within the diagram's support only). CUDD never complements
a `then` edge. Anything else than what we expect (ids not 1..n in order, a complemented `then`)
makes `read_dump` return None and the caller falls back to the wrappers.

Cut-set listing (`named_family`): the walk over the ZBDD stays in Python but only visits the sets'
prefixes and packs each into one int; numpy appends the last events, maps levels to name ranks,
takes the products and sorts; the `CutSet` tuples are built from the sorted columns at the end.
About 0.35 us a set instead of 1.6 (edfpa14o's 110,308 sets: 38 ms). Used for `BULK_MIN_SETS`
sets or more, or whenever numpy is loaded already; the result is the same list, to the bit, as
`mcs.named_family`'s.
"""

from __future__ import annotations

import array
import itertools
import os
import sys
import tempfile
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from . import native

Tables = tuple["array.array[int]", "array.array[int]", "array.array[int]", int]  # level, high, low, root edge
BULK_MIN_NODES = 50_000
# With numpy loaded already, reading CUDD's nodes pays off from here: ~75 us a call, then ~0.16 us
# a node, against the wrappers' ~1 us a node (the DDDMP dump, its fallback: ~0.16 ms a call, then
# ~0.65 us a node).
EXPORT_MIN_NODES = 100
INT32_NODES = 2**30  # below this many nodes, a diagram's levels and edges fit in 32 bits
NODES_PER_VARIABLE = 40  # with numpy loaded, diagrams this dense get the probability by level
BULK_MIN_SETS = 50_000  # below this, importing numpy (~60 ms) costs more than it saves


def worth_it(n_items: int, threshold: int) -> bool:
    """Whether numpy pays off for `n_items`: it is loaded already, or there are enough of them."""
    return ("numpy" in sys.modules or n_items >= threshold) and available()


def available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def dump_arrays(bdd: Any, root: Any, nvars: int) -> Tables | None:
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


class _Memory:
    """A numpy view of `count` items of `typestr` at a raw address (no copy, nothing read yet)."""

    def __init__(self, address: int, count: int, typestr: str) -> None:
        self.__array_interface__ = {"data": (address, True), "shape": (count,), "typestr": typestr, "version": 3}


NODE_BYTES = 32  # CUDD 3.0's DdNode on 64 bits: index, ref (4 bytes each), next, then, else (8 each)


def node_arrays(table: bytes, one: int, root: int, nvars: int) -> Tables | None:
    """(level, high, low, root edge) of a diagram in `BddGraph` form, read straight from CUDD's
    nodes: `table` holds the `DdNode *` of each node, children first (`cuddNodeArray`), `one` is
    the constant's address and `root` the root's, complement in bit 0. None if what we read is not
    a well-formed diagram of `nvars` variables.

    Only the 32 bytes of each node in `table` are read, so a wrong guess of the layout cannot read
    outside CUDD's nodes; it shows as children that are not in the table, levels that do not grow
    along the edges or out of range, and the export falls back to the dump. The nodes are numbered
    as in the table (children first); a child's address is turned into its number through a dense
    table indexed by (address - lowest) / 32, since CUDD aligns its nodes to their size."""
    import numpy as np

    addresses = np.frombuffer(table, dtype=np.uint64)
    is_one = addresses == np.uint64(one)
    if int(is_one.sum()) != 1:
        return None
    nodes = addresses[~is_one]
    if root & ~1 == one:  # a constant function: the table holds the constant only
        if nodes.size:
            return None
        return array.array("i", [nvars]), array.array("i", [0]), array.array("i", [0]), root & 1
    n = nodes.size + 1  # our node 0 is the constant
    lowest = int(nodes.min())
    span = (int(nodes.max()) - lowest) // NODE_BYTES + 1
    offsets = nodes - np.uint64(lowest)
    if (offsets % np.uint64(NODE_BYTES)).any() or span > 64 * n + (1 << 20):
        return None  # not aligned as CUDD aligns them, or too sparse for the dense table
    words = np.asarray(_Memory(lowest, (span * NODE_BYTES) // 8, "<u8"))
    at = (offsets // np.uint64(8)).astype(np.intp)
    index = (words[at] & np.uint64(0xFFFFFFFF)).astype(np.int64)
    then, other = words[at + 2], words[at + 3]
    if (index >= nvars).any() or (then & np.uint64(1)).any():
        return None
    mine = np.arange(1, n)  # each node's own number, in table order
    number = np.zeros(span, np.int64)
    number[(offsets // np.uint64(NODE_BYTES)).astype(np.intp)] = mine
    level = np.empty(n, np.int64)
    level[0] = nvars
    level[1:] = index

    def numbers(children: Any) -> Any:
        """Each child's node number (0 for the constant), or None if one is not in the table."""
        const = children == np.uint64(one)
        shifted = children - np.uint64(lowest)  # wraps around below `lowest`: caught as out of range
        slot = np.where(const, 0, shifted // np.uint64(NODE_BYTES)).astype(np.int64)
        if (~const & ((shifted % np.uint64(NODE_BYTES) != 0) | (slot < 0) | (slot >= span))).any():
            return None
        ids = number[slot]
        ids[const] = 0
        # Every child is a node of the table, numbered before its parent and at a deeper level.
        if (~const & ((ids == 0) | (ids >= mine))).any() or (level[ids] <= index).any():
            return None
        return ids

    high_ids = numbers(then)
    low_ids = numbers(other & np.uint64(0xFFFFFFFFFFFFFFFE))
    if high_ids is None or low_ids is None:
        return None
    high = np.zeros(n, np.int64)
    high[1:] = 2 * high_ids
    low = np.zeros(n, np.int64)
    low[1:] = 2 * low_ids + (other & np.uint64(1)).astype(np.int64)
    position = np.flatnonzero(nodes == np.uint64(root & ~1))
    if position.size != 1:
        return None
    return _as_array(level), _as_array(high), _as_array(low), 2 * (int(position[0]) + 1) + (root & 1)


def read_dump(data: bytes, nvars: int) -> Tables | None:
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
    return _as_array(level), _as_array(high), _as_array(low), edge


def _as_array(column: Any) -> array.array[int]:
    """A numpy integer column of a diagram's table as `array('i')` (half the bytes of int64
    through a worker's pipe) below `INT32_NODES` nodes, else `array('q')`: one copy of the bytes,
    no Python int per element."""
    import numpy as np

    if len(column) < INT32_NODES:
        return array.array("i", column.astype(np.int32).tobytes())
    return array.array("q", column.astype(np.int64).tobytes())


def probability(
    level: Sequence[int], high: Sequence[int], low: Sequence[int], root: int, probs: Sequence[float]
) -> float:
    """`bdd.probability` over whole levels at a time: the same Shannon decomposition, with P(f)
    and P(not f) kept apart as sums of non-negative terms (see there)."""
    import numpy as np

    lv = np.asarray(level, dtype=np.int64)
    n = lv.size
    # P(edge) for every edge 2 * node + complemented: val[2i] = P(node i), val[2i + 1] = P(not i);
    # so P(edge e) is val[e] and P(not e) is val[e ^ 1], with no select on the complement bit.
    val = np.zeros(2 * n)
    val[0] = 1.0  # the constant ONE
    # Deepest level first: a node's children are at deeper levels (or the constant, node 0). Each
    # level is one slice of the sorted columns, and one variable: p is a scalar there.
    nodes = np.argsort(-lv[1:], kind="stable") + 1
    levels = lv[nodes]
    bounds = [0, *(np.flatnonzero(np.diff(levels)) + 1).tolist(), nodes.size] if nodes.size else []
    hi = np.asarray(high, dtype=np.int64)[nodes]
    lo = np.asarray(low, dtype=np.int64)[nodes]
    hi_not, lo_not = hi ^ 1, lo ^ 1
    true_slot = 2 * nodes
    false_slot = true_slot + 1
    for a, b in itertools.pairwise(bounds):
        p = float(probs[int(levels[a])])
        q = 1.0 - p
        val[true_slot[a:b]] = p * val[hi[a:b]] + q * val[lo[a:b]]
        val[false_slot[a:b]] = p * val[hi_not[a:b]] + q * val[lo_not[a:b]]
    return float(val[root])


def named_family(
    var: Sequence[int],
    hi: Sequence[int],
    lo: Sequence[int],
    f: int,
    order: Sequence[str],
    probs: Sequence[float],
    row: type[tuple[Any, ...]] = tuple,
) -> list[Any] | None:
    """`row((events, probability))` for every set of the ZBDD node `f` (arrays `var`, `hi`, `lo`;
    0 is the empty family, 1 the family of the empty set), sorted by order, probability
    (descending) and names, each set's events by name and its probability the product in name
    order, as `mcs.named_family` computes them. None when a packed set would not fit in 63 bits."""
    import numpy as np

    m = len(order) + 1  # a set packs into sum (level + 1) * m**i
    buckets: list[list[int]] = [[]]  # complete sets by size, packed
    # Sets one event short, by size: the packed prefix and the chain whose last events complete it.
    prefixes: list[list[int]] = [[]]
    prefix_chains: list[list[int]] = [[]]
    # Each node's low chain once: the (high child, level + 1) pairs along it whose high child is
    # not the family {{}}, the index of the chain's other levels + 1 (those whose high child is
    # {{}}: each completes a set) in `last_starts`, or -1, and whether the chain ends in {{}}.
    # Nodes are reached by many paths; the chain is walked once. Most sets end in a high edge to
    # {{}}, so the walk visits the sets' prefixes only and numpy appends their last events.
    chains: dict[int, tuple[list[tuple[int, int]], int, bool]] = {}
    last_levels: list[int] = []
    last_starts: list[int] = []

    def chain_of(u: int) -> tuple[list[tuple[int, int]], int, bool]:
        steps = []
        start = len(last_levels)
        w = u
        while w > 1:
            h = hi[w]
            if h == 1:
                last_levels.append(var[w] + 1)
            elif h:
                steps.append((h, var[w] + 1))
            w = lo[w]
        last = -1
        if len(last_levels) > start:
            last = len(last_starts)
            last_starts.append(start)
        chains[u] = result = (steps, last, w == 1)
        return result

    stack = [(f, 0, 0)]
    pop, push, known = stack.pop, stack.append, chains.get
    while stack:
        u, code, size = pop()
        steps, last, ends_in_base = known(u) or chain_of(u)
        if steps:
            base, longer = code * m, size + 1
            for h, v in steps:
                push((h, base + v, longer))
        if last >= 0:
            while len(prefixes) <= size + 1:
                prefixes.append([])
                prefix_chains.append([])
            prefixes[size + 1].append(code)
            prefix_chains[size + 1].append(last)
        if ends_in_base:
            while len(buckets) <= size:
                buckets.append([])
            buckets[size].append(code)
    chain_of = None  # type: ignore[assignment]  # break the closure's cycle (see `mcs.Zbdd.minsol`)
    longest = max(len(buckets), len(prefixes)) - 1
    if m**longest >= 2**63:
        return None
    last_starts.append(len(last_levels))
    starts = np.array(last_starts, dtype=np.int64)
    levels_flat = np.array(last_levels, dtype=np.int64)
    packed_sets = []
    for size in range(longest + 1):
        done = np.array(buckets[size] if size < len(buckets) else [], dtype=np.int64)
        if size >= len(prefixes) or not prefixes[size]:
            packed_sets.append(done)
            continue
        chain = np.array(prefix_chains[size], dtype=np.int64)
        counts = starts[chain + 1] - starts[chain]
        # The k-th last level of each prefix's chain: its start repeated, plus 0..count-1.
        first = np.repeat(starts[chain] - np.cumsum(counts) + counts, counts)
        completed = np.repeat(np.array(prefixes[size], dtype=np.int64) * m, counts)
        completed += levels_flat[first + np.arange(first.size)]
        packed_sets.append(np.concatenate((done, completed)))
    names = sorted(order)
    rank = {name: i for i, name in enumerate(names)}
    rank_of_level = np.array([rank[name] for name in order], dtype=np.int64)
    p_of = dict(zip(order, probs, strict=True))
    p_of_rank = np.array([p_of[name] for name in names], dtype=np.float64)
    name_of_rank = np.array(names, dtype=object)
    bits = max(1, len(names).bit_length())
    out: list[Any] = []
    new = tuple.__new__
    if packed_sets[0].size:
        out.append(new(row, ((), 1.0)))
    for size in range(1, longest + 1):
        codes = packed_sets[size]
        if not codes.size:
            continue
        levels = np.empty((codes.size, size), dtype=np.int64)
        for j in range(size):
            levels[:, j] = codes % m - 1
            codes //= m
        ranks = rank_of_level[levels]
        ranks.sort(axis=1)
        p = p_of_rank[ranks[:, 0]]
        for j in range(1, size):  # left to right, as math.prod: the same bits
            p = p * p_of_rank[ranks[:, j]]
        # lexsort's last key is the primary one: probability descending, then the names (as one
        # packed key when the ranks fit in 63 bits: a sort key fewer per event).
        if bits * size <= 63:
            packed = ranks[:, 0].copy()
            for j in range(1, size):
                packed <<= bits
                packed |= ranks[:, j]
            by = np.lexsort((packed, -p))
        else:
            by = np.lexsort((*(ranks[:, j] for j in range(size - 1, -1, -1)), -p))
        ranks, p = ranks[by], p[by]
        columns = [name_of_rank[ranks[:, j]].tolist() for j in range(size)]  # the name objects, gathered in C
        pairs = zip(zip(*columns, strict=True), p.tolist(), strict=True)
        out.extend(map(new, repeat(row), pairs))
    return out


def force_iterations(
    pos: list[float],
    rank: list[int],
    nets: list[list[int]],
    node_nets: list[list[int]],
    iterations: int,
    patience: int,
) -> list[float]:
    """`force_iterations_numpy`, in C where the extension is built (`native.py`): the same
    positions to the bit (edf9202's top module: 5.2 -> 1.3 ms)."""
    if native.compiled is not None:
        return native.compiled.force_iterations(pos, rank, nets, node_nets, iterations, patience)
    return force_iterations_numpy(pos, rank, nets, node_nets, iterations, patience)


def force_iterations_numpy(
    pos: list[float],
    rank: list[int],
    nets: list[list[int]],
    node_nets: list[list[int]],
    iterations: int,
    patience: int,
) -> list[float]:
    """FORCE's iterations (`bdd.force_order`) from the ranking `rank` (positions `pos`, whole
    numbers): each net's centre is the mean of its members' positions, each node's target the
    mean of its nets' centres (a node on no net stays put), the nodes are re-ranked by target
    (stable: ties keep the current ranking), and the positions of the ranking with the smallest
    total span are returned. `nets[j]` lists net j's nodes, `node_nets[m]` the nets of node m."""
    import numpy as np

    n = len(pos)
    members = np.fromiter((m for net in nets for m in net), dtype=np.int64)
    sizes = np.array([len(net) for net in nets], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    with_nets = np.array([m for m, js in enumerate(node_nets) if js], dtype=np.int64)
    their_nets = np.fromiter((j for js in node_nets for j in js), dtype=np.int64)
    degree = np.array([len(node_nets[m]) for m in with_nets.tolist()], dtype=np.int64)
    net_starts = np.concatenate(([0], np.cumsum(degree)[:-1]))

    def measure(p: np.ndarray) -> tuple[np.ndarray, float]:
        ps = p[members]
        centres = np.add.reduceat(ps, starts) / sizes
        spans = np.maximum.reduceat(ps, starts) - np.minimum.reduceat(ps, starts)
        return centres, float(spans.sum())

    p = np.asarray(pos, dtype=np.float64)
    order = np.asarray(rank, dtype=np.int64)
    centres, best_span = measure(p)
    best, stale = p, 0
    places = np.arange(n, dtype=np.float64)
    for _ in range(iterations):
        target = p.copy()  # a node on no net stays where it is
        target[with_nets] = np.add.reduceat(centres[their_nets], net_starts) / degree
        order = order[np.argsort(target[order], kind="stable")]
        p = np.empty(n)
        p[order] = places
        centres, span = measure(p)
        if span < best_span:
            best, best_span, stale = p, span, 0
        else:
            stale += 1
            if stale >= patience:
                break
    return best.tolist()
