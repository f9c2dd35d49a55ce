"""Common interface of protocol models explored by the bounded model checker.

A protocol state is a plain tuple of ints/tuples (hashable, cheap to copy). The
checker keeps the client-visible history and the fault count itself; a model only
says which steps are possible from a protocol state.

``successors`` yields ``(label, new_state, event, kind)``:

* ``kind`` is :data:`INTERNAL`, :data:`INVOKE`, :data:`FAULT` or :data:`RETURN`;
* ``event`` is the history event for invocations ``("i", client, op, key, arg)`` and
  returns ``("r", client, result, ok)``, else ``None``;
* ``label`` is a small tuple rendered lazily by :meth:`render` (formatting strings in
  the hot loop would dominate the run time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

INTERNAL = 0
INVOKE = 1
FAULT = 2
RETURN = 3

Step = tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...] | None, int]


def node(i: int) -> str:
    return f"n{i + 1}"


def bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def remap_mask(mask: int, new_index: tuple[int, ...]) -> int:
    out = 0
    i = 0
    while mask:
        if mask & 1:
            out |= 1 << new_index[i]
        mask >>= 1
        i += 1
    return out


def sort_perm(nodes: tuple[Any, ...], fixed: int = -1) -> tuple[int, ...] | None:
    """Permutation sorting replica tuples (``fixed`` stays in place), None if already sorted.

    Replicas whose local states tie keep their order: the representative is not unique
    then, which costs some reduction but never soundness (every merge is a true symmetry).
    """
    # fast path first: most states are already canonical, and C-level sorting of the
    # node tuples is far cheaper than building an index permutation
    if fixed < 0:
        lst = list(nodes)
        if sorted(lst) == lst:
            return None
        return tuple(sorted(range(len(nodes)), key=nodes.__getitem__))
    lst = [nd for i, nd in enumerate(nodes) if i != fixed]
    if sorted(lst) == lst:
        return None
    order = sorted((i for i in range(len(nodes)) if i != fixed), key=nodes.__getitem__)
    order.insert(fixed, fixed)
    return tuple(order)


class ProtocolModel:
    """Base class; subclasses are built from a settings dataclass and bounds."""

    name = "protocol"
    keys: tuple[str, ...] = ("x",)
    # Whether reads may change protocol state (read repair). When they cannot and the
    # requirement only looks at what survives quiescence, the checker turns client reads
    # off: they could not change the verdict and only multiply states.
    reads_mutate = False
    allow_reads = True
    # Reductions the checker applies for linearizability (see checker.explore); both are opt-in
    # because each rests on a property of the model the checker cannot verify.
    # True: the history in the state key is replaced by its LinMonitor summary. Sound only if every
    # client holds at most one pending operation (the summary tracks one per client).
    linearizability_summary: bool = False
    # ``permute_clients(ps, perm)``: ``ps`` with client c renamed ``perm[c]``. Define it only when
    # clients are interchangeable: it must commute with ``successors``, ``canon`` and ``final``.
    # Used only together with ``linearizability_summary``; None (the default) merges nothing.
    permute_clients: Callable[[tuple[Any, ...], tuple[int, ...]], tuple[Any, ...]] | None = None

    def initial(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterable[Step]:
        raise NotImplementedError

    def canon(self, ps: tuple[Any, ...]) -> tuple[Any, ...]:
        """Representative of ``ps`` under replica symmetry (identity when not reduced)."""
        return ps

    def final(self, ps: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
        """What a read of each key returns once faults heal and replication drains."""
        raise NotImplementedError

    def render(self, label: tuple[Any, ...]) -> str:
        raise NotImplementedError

    def anomaly_hint(self, labels: list[tuple[Any, ...]]) -> str | None:
        """A protocol-specific name for the anomaly on this path, if it has one."""
        return None

    def abstraction(self) -> str:
        """One paragraph: what the model keeps and what it leaves out."""
        return ""
