"""Leaderless (Dynamo-style) replication of one register with N/R/W quorums.

State: ``(homes, fallback, clients)``. Values are timestamps too (each write's value
is its op number, so last-writer-wins by value is last-writer-wins by coordinator
timestamp). Layout details are next to :meth:`Leaderless.initial`.

Abstraction: a crash and a partition both make a home unreachable from clients and
coordinators (data is fsynced, so a crash loses nothing); the model does not tell them
apart. A read contacts R reachable nodes in one step and returns the newest value;
with read repair it writes that value back to the replicas it contacted, in the same
step. Anti-entropy (Merkle trees) is not modelled as a step: the final read after
quiescence assumes it has run.

Compare-and-set (``"cas" in ops``) is what a coordinator without consensus can do: read R
nodes (one step, with read repair if on), and if the newest value is the expected one, write
the new value like a plain write (W stores, then acknowledge ``True``); otherwise answer
``False``. Nothing stops two coordinators doing this at once (Cassandra's lightweight
transactions use Paxos instead, which this model does not cover).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from .base import FAULT, INTERNAL, INVOKE, RETURN, ProtocolModel, Step, node
from .single_leader import render_common


@dataclass(frozen=True)
class LeaderlessSettings:
    n: int = 3
    r: int = 1
    w: int = 1
    sloppy_quorum: bool = False
    hinted_handoff: bool = True  # only meaningful with sloppy quorums
    read_repair: bool = False
    faults: tuple[str, ...] = ("crash",)
    # client operations; "cas" adds compare-and-set as read-then-conditional-write
    ops: tuple[str, ...] = ("read", "write")


class Leaderless(ProtocolModel):
    def __init__(self, settings: LeaderlessSettings, replicas: int | None = None, clients: int = 2) -> None:
        self.s = settings
        self.n = settings.n if replicas is None else replicas
        self.nc = clients
        self.reads_mutate = settings.read_repair
        self.name = (
            f"leaderless (N={self.n}, R={settings.r}, W={settings.w}"
            f"{', sloppy quorum' if settings.sloppy_quorum else ''}"
            f"{', hinted handoff' if settings.sloppy_quorum and settings.hinted_handoff else ''}"
            f"{', read repair' if settings.read_repair else ''}"
            f"{', compare-and-set by read-then-write' if 'cas' in settings.ops else ''})"
        )
        self.cas = "cas" in settings.ops
        self.reads = "read" in settings.ops
        self.writes = "write" in settings.ops
        self.fault_kind = "crash" if "crash" in settings.faults else "isolate"

    # State layout keeps every reference to a replica inside that replica's own tuple
    # (which client writes it has stored, whether the fallback holds a hint for it), so
    # symmetry reduction is a plain sort of the replica tuples.
    #   home:     (reachable, value, stored_client_mask, hinted)
    #   fallback: (value, stored_client_mask)
    #   client:   0 idle, 1 read in flight, ("w", value) write in flight, ("c", expected, value)
    #             compare-and-set before its read, ("s", value) successful one being stored
    def initial(self) -> tuple[Any, ...]:
        return (((1, 0, 0, 0),) * self.n, (0, 0), (0,) * self.nc)

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterator[Step]:
        homes, fb, clients = ps
        n = self.n
        s = self.s
        sloppy = s.sloppy_quorum
        down = [i for i in range(n) if not homes[i][0]]
        for c, cs in enumerate(clients):
            if cs == 0:
                if not can_invoke:
                    continue
                if self.cas:
                    for exp in sorted({0, fb[0], *(h[1] for h in homes)}):
                        arg = (exp or None, value)
                        cl_c = (*clients[:c], ("c", exp, value), *clients[c + 1 :])
                        yield ("inv", c, "cas", "x", arg, -1), (homes, fb, cl_c), ("i", c, "cas", "x", arg), INVOKE
                if self.allow_reads and self.reads:
                    yield (
                        ("inv", c, "read", "x", None, -1),
                        (homes, fb, (*clients[:c], 1, *clients[c + 1 :])),
                        ("i", c, "read", "x", None),
                        INVOKE,
                    )
                if self.writes:
                    cl_w = (*clients[:c], ("w", value), *clients[c + 1 :])
                    yield ("inv", c, "write", "x", value, -1), (homes, fb, cl_w), ("i", c, "write", "x", value), INVOKE
            elif cs == 1:
                cl = (*clients[:c], 0, *clients[c + 1 :])
                for sub, v, h2 in self._quorum_reads(homes, fb, down):
                    res = v or None
                    yield ("ret", c, res, True, -1, sub), (h2, fb, cl), ("r", c, res, True), RETURN
            elif cs[0] == "c":
                _, exp, new = cs
                for sub, v, h2 in self._quorum_reads(homes, fb, down):
                    if v == exp:
                        cl = (*clients[:c], ("s", new), *clients[c + 1 :])
                        yield ("casread", c, v, sub, new), (h2, fb, cl), None, INTERNAL
                    else:
                        cl = (*clients[:c], 0, *clients[c + 1 :])
                        yield ("ret", c, False, True, -1, sub, v), (h2, fb, cl), ("r", c, False, True), RETURN
            else:
                v = cs[1]
                bit = 1 << c
                acks = sum(1 for h in homes if h[2] & bit) + (1 if fb[1] & bit else 0)
                if acks >= s.w:
                    h2 = tuple(h if not h[2] & bit else (h[0], h[1], h[2] & ~bit, h[3]) for h in homes)
                    cl = (*clients[:c], 0, *clients[c + 1 :])
                    res = True if cs[0] == "s" else None
                    yield (
                        ("ret", c, "ok" if res is None else True, True, -1),
                        (h2, (fb[0], fb[1] & ~bit), cl),
                        ("r", c, res, True),
                        RETURN,
                    )
                for i in range(n):
                    h = homes[i]
                    if h[0] and not h[2] & bit:
                        h2 = (*homes[:i], (1, max(h[1], v), h[2] | bit, h[3]), *homes[i + 1 :])
                        yield ("store", i, v), (h2, fb, clients), None, INTERNAL
                if sloppy and down and not fb[1] & bit:
                    # a sloppy quorum stores on the next healthy node with a hint for one down home
                    for i in down:
                        h = homes[i]
                        h2 = (*homes[:i], (h[0], h[1], h[2], 1), *homes[i + 1 :])
                        yield ("hint", i, v), (h2, (max(fb[0], v), fb[1] | bit), clients), None, INTERNAL
        if sloppy and s.hinted_handoff:
            for i in range(n):
                h = homes[i]
                if h[3] and h[0]:
                    h2 = (*homes[:i], (1, max(h[1], fb[0]), h[2], 0), *homes[i + 1 :])
                    yield ("handoff", i, fb[0]), (h2, fb, clients), None, INTERNAL
        for i in down:
            h = homes[i]
            yield ("recover", i), ((*homes[:i], (1, h[1], h[2], h[3]), *homes[i + 1 :]), fb, clients), None, INTERNAL
        if can_fault:
            for i in range(n):
                h = homes[i]
                if h[0]:
                    h2 = (*homes[:i], (0, h[1], h[2], h[3]), *homes[i + 1 :])
                    yield ("fault", self.fault_kind, i), (h2, fb, clients), None, FAULT

    def _quorum_reads(
        self, homes: tuple[Any, ...], fb: tuple[Any, ...], down: list[int]
    ) -> Iterator[tuple[tuple[int, ...], int, tuple[Any, ...]]]:
        """(nodes read, newest value, homes after read repair) for each distinct outcome of a
        coordinator reading R reachable nodes; the fallback stands in for down homes."""
        n = self.n
        s = self.s
        cands = [i for i in range(n) if homes[i][0]]
        if s.sloppy_quorum and down:
            cands.append(n)
        if len(cands) < s.r:
            return
        seen_results = set()
        for sub in combinations(cands, s.r):
            v = max(fb[0] if i == n else homes[i][1] for i in sub)
            h2 = homes
            if s.read_repair:
                h2 = tuple((1, v, hv[2], hv[3]) if i in sub and hv[1] < v else hv for i, hv in enumerate(homes))
            key = (v, h2)
            if key in seen_results:
                continue
            seen_results.add(key)
            yield sub, v, h2

    def canon(self, ps: tuple[Any, ...]) -> tuple[Any, ...]:
        homes = ps[0]
        a = list(homes)
        a.sort()
        return (tuple(a), ps[1], ps[2])

    def final(self, ps: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
        homes, fb, _ = ps
        return (("x", max(max(h[1] for h in homes), fb[0]) or None),)

    def render(self, label: tuple[Any, ...]) -> str:
        tag = label[0]
        if tag == "ret" and isinstance(label[2], bool):
            if label[2]:
                return f"coordinator acknowledges client {label[1]}'s compare-and-set (W={self.s.w} stored)"
            who = ", ".join("fallback" if i == self.n else node(i) for i in label[5])
            return f"client {label[1]}'s compare-and-set fails (read quorum: {who} returns {label[6] or '⊥'})"
        if tag == "casread":
            who = ", ".join("fallback" if i == self.n else node(i) for i in label[3])
            shown = "⊥" if not label[2] else label[2]
            return (f"coordinator reads {shown} for client {label[1]}'s compare-and-set (read quorum: {who}), the "
                    f"expected value: it writes {label[4]}")
        if tag == "ret" and label[2] != "ok":
            shown = "⊥" if label[2] is None else label[2]
            who = ", ".join("fallback" if i == self.n else node(i) for i in label[5])
            return f"client {label[1]}'s read returns {shown} (read quorum: {who})"
        if tag == "ret":
            return f"coordinator acknowledges client {label[1]}'s write (W={self.s.w} stored)"
        if tag == "inv":
            return render_common(label)
        if tag == "store":
            return f"{node(label[1])} stores value {label[2]}"
        if tag == "hint":
            return f"fallback node stores value {label[2]} with a hint for {node(label[1])} (sloppy quorum)"
        if tag == "handoff":
            return f"hinted handoff: fallback delivers value {label[2]} to {node(label[1])}"
        if tag == "recover":
            return f"{node(label[1])} is reachable again"
        return render_common(label)
