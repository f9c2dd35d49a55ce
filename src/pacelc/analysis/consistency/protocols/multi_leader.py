"""Multi-leader replication: two leaders accept writes and replicate asynchronously.

Conflict handling is either last-writer-wins on the accepting leader's wall clock
(``lww``) or a CRDT merge (``crdt_set``: an add-only set, the OR-set without removes;
appends are adds and reads return the sorted elements).

State: ``(nodes, inflight, clients)``; node ``(value, timestamp)`` for LWW or
``(elements,)`` for the set; ``inflight`` is the sorted tuple of replication messages
``(destination, value, timestamp)``, delivered in any order or held by a partition.

Abstraction: real time advances by one tick per client invocation and each leader's
clock reads real time plus its skew, so a write's timestamp is ``op number + skew`` with
the leader id breaking ties. A local write with an older timestamp than the value
already held is acknowledged and silently dropped, as Cassandra-style LWW stores do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .base import FAULT, INTERNAL, INVOKE, RETURN, ProtocolModel, Step, node
from .single_leader import render_common


@dataclass(frozen=True)
class MultiLeaderSettings:
    leaders: int = 2
    conflict: Literal["lww", "crdt_set"] = "lww"
    clock_skew: tuple[int, ...] = field(default_factory=lambda: (0, -2))  # ticks, per leader
    faults: tuple[str, ...] = ("partition",)


class MultiLeader(ProtocolModel):
    def __init__(self, settings: MultiLeaderSettings, replicas: int | None = None, clients: int = 2) -> None:
        self.s = settings
        self.n = settings.leaders if replicas is None else replicas
        self.nc = clients
        self.crdt = settings.conflict == "crdt_set"
        self.skew = tuple(settings.clock_skew[i] if i < len(settings.clock_skew) else 0 for i in range(self.n))
        skew = "" if self.crdt else f", clock skew {list(self.skew)} ticks"
        self.name = f"multi-leader ({self.n} leaders, {settings.conflict}{skew})"
        self.kind = "append" if self.crdt else "write"

    def initial(self) -> tuple[Any, ...]:
        node0 = ((),) if self.crdt else (0, (-100, -1))
        return ((node0,) * self.n, (), (0,) * self.nc, 0)

    def _merge(self, nd: tuple[Any, ...], val: Any, ts: Any) -> tuple[Any, ...]:
        if self.crdt:
            return (tuple(sorted(set(nd[0]) | set(val))),)
        return (val, ts) if ts > nd[1] else nd

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterator[Step]:
        nodes, inflight, clients, cut = ps
        n = self.n
        for c, cs in enumerate(clients):
            if cs == 0:
                if not can_invoke:
                    continue
                if self.allow_reads:
                    cl_r = (*clients[:c], 1, *clients[c + 1 :])
                    yield (
                        ("inv", c, "read", "x", None, -1),
                        (nodes, inflight, cl_r, cut),
                        ("i", c, "read", "x", None),
                        INVOKE,
                    )
                for i in range(n):
                    ts = (value + self.skew[i], i)
                    val = (value,) if self.crdt else value
                    nd2 = self._merge(nodes[i], val, ts)
                    msgs = tuple(sorted(inflight + tuple((j, val, ts) for j in range(n) if j != i)))
                    cl = (*clients[:c], (i,), *clients[c + 1 :])
                    yield (
                        ("inv", c, self.kind, "x", value, i),
                        ((*nodes[:i], nd2, *nodes[i + 1 :]), msgs, cl, cut),
                        ("i", c, self.kind, "x", value),
                        INVOKE,
                    )
            elif cs == 1:
                cl = (*clients[:c], 0, *clients[c + 1 :])
                for i in range(n):
                    v = nodes[i][0] or None  # 0 / () are the initial value
                    yield ("ret", c, v, True, i), (nodes, inflight, cl, cut), ("r", c, v, True), RETURN
            else:
                cl = (*clients[:c], 0, *clients[c + 1 :])
                yield ("ret", c, "ok", True, cs[0]), (nodes, inflight, cl, cut), ("r", c, None, True), RETURN
        if not cut:
            done = set()
            for k, m in enumerate(inflight):
                if m in done:
                    continue
                done.add(m)
                j, val, ts = m
                nd2 = self._merge(nodes[j], val, ts)
                yield (
                    ("deliver", j, val),
                    ((*nodes[:j], nd2, *nodes[j + 1 :]), inflight[:k] + inflight[k + 1 :], clients, cut),
                    None,
                    INTERNAL,
                )
        else:
            yield ("heal_all",), (nodes, inflight, clients, 0), None, INTERNAL
        if can_fault and not cut and "partition" in self.s.faults:
            yield ("fault", "partition_leaders", 0), (nodes, inflight, clients, 1), None, FAULT

    def final(self, ps: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
        nodes, inflight = ps[0], ps[1]
        if self.crdt:
            els: set[Any] = set()
            for nd in nodes:
                els |= set(nd[0])
            for _, val, _ in inflight:
                els |= set(val)
            return (("x", tuple(sorted(els)) or None),)
        best = max([(nd[1], nd[0]) for nd in nodes] + [(ts, val) for _, val, ts in inflight])
        return (("x", best[1] or None),)

    def render(self, label: tuple[Any, ...]) -> str:
        tag = label[0]
        if tag == "inv" and label[5] >= 0 and not self.crdt:
            ts = label[4] + self.skew[label[5]]
            return f"client {label[1]} invokes write(x={label[4]}) at {node(label[5])} (LWW timestamp {ts})"
        if tag == "deliver":
            return f"replication delivers {label[2]} to {node(label[1])}"
        if tag == "heal_all":
            return "partition between leaders heals"
        if tag == "fault" and label[1] == "partition_leaders":
            return "FAULT: network partition between the leaders"
        return render_common(label)
