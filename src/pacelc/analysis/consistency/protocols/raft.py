"""Raft-like consensus replicating one register, with the usual read paths.

State: ``(nodes, clients)`` with node ``(up, isolated, term, leads, lease, log, commit)``,
``log`` a tuple of ``(term, value)`` entries (value 0 is the no-op a new leader appends)
and client ``0`` idle, ``1`` reading, or ``(value, term)`` writing (the write is the
entry ``(term, value)``; pending client writes are found through the logs, so that no
client state names a node and symmetry reduction is a plain sort).

Abstraction: AppendEntries copies the leader's whole log to a follower whose term is
not newer, and the leader advances its commit index in the same step (majority match,
current-term entry). An election is one atomic step: a reachable candidate with an
up-to-date log gets the votes of a reachable majority and appends a no-op. A partition
isolates one node. Read paths:

* ``follower``: any node answers from its applied state;
* ``leader_local``: a node that believes it leads answers from its applied state;
* ``read_index``: the leader confirms with a reachable majority that it still leads and
  has committed an entry of its term, then answers;
* ``lease``: the leader answers while its lease holds. Under bounded clock skew a new
  leader is elected only after the old lease expired, which the election step models by
  revoking the old leader's lease; with unbounded skew (or long process pauses) it keeps it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .base import FAULT, INTERNAL, INVOKE, RETURN, ProtocolModel, Step, node
from .single_leader import render_common

UP, ISO, TERM, LEADS, LEASE, LOG, COMMIT = range(7)


@dataclass(frozen=True)
class RaftSettings:
    read_mode: Literal["follower", "leader_local", "read_index", "lease"] = "read_index"
    bounded_clock_skew: bool = True  # only matters for lease reads
    faults: tuple[str, ...] = ("crash", "partition")


def _applied(nd: tuple[Any, ...]) -> int:
    log = nd[LOG]
    for k in range(nd[COMMIT] - 1, -1, -1):
        if log[k][1]:
            return log[k][1]
    return 0


def _committed_own_term(nd: tuple[Any, ...]) -> bool:
    c = nd[COMMIT]
    return c > 0 and nd[LOG][c - 1][0] == nd[TERM]


def _last(log: tuple[Any, ...]) -> tuple[int, int]:
    return (log[-1][0], len(log)) if log else (0, 0)


class Raft(ProtocolModel):
    def __init__(self, settings: RaftSettings, replicas: int = 3, clients: int = 2) -> None:
        self.s = settings
        self.n = replicas
        self.nc = clients
        self.maj = replicas // 2 + 1
        extra = "" if settings.read_mode != "lease" else \
            (", bounded clock skew" if settings.bounded_clock_skew else ", unbounded clock skew")
        self.name = f"raft-like consensus ({replicas} nodes, {settings.read_mode} reads{extra})"

    def initial(self) -> tuple[Any, ...]:
        nodes = [(1, 0, 1, 0, 0, ((1, 0),), 1)] * self.n
        nodes[0] = (1, 0, 1, 1, 1, ((1, 0),), 1)
        return (tuple(sorted(nodes)), (0,) * self.nc)

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterator[Step]:
        nodes, clients = ps
        n = self.n
        mode = self.s.read_mode
        for c, cs in enumerate(clients):
            if cs == 0:
                if not can_invoke:
                    continue
                if self.allow_reads:
                    yield ("inv", c, "read", "x", None, -1), (nodes, (*clients[:c], 1, *clients[c + 1:])), \
                        ("i", c, "read", "x", None), INVOKE
                for i, nd in enumerate(nodes):
                    if nd[UP] and nd[LEADS]:
                        t = nd[TERM]
                        nd2 = (*nd[:LOG], (*nd[LOG], (t, value)), nd[COMMIT])
                        yield ("inv", c, "write", "x", value, i), ((*nodes[:i], nd2, *nodes[i + 1:]),
                                                                   (*clients[:c], (value, t), *clients[c + 1:])), \
                            ("i", c, "write", "x", value), INVOKE
            elif cs == 1:
                cl = (*clients[:c], 0, *clients[c + 1:])
                for i, nd in enumerate(nodes):
                    if not nd[UP]:
                        continue
                    if mode == "follower":
                        pass
                    elif not nd[LEADS]:
                        continue
                    elif not _committed_own_term(nd):
                        continue  # a new leader must first commit an entry of its term (its no-op)
                    elif mode == "read_index":
                        t = nd[TERM]
                        if nd[ISO] or sum(1 for g in nodes if g[UP] and not g[ISO] and g[TERM] <= t) < self.maj:
                            continue
                    elif mode == "lease" and not nd[LEASE]:
                        continue
                    v = _applied(nd) or None
                    yield ("ret", c, v, True, i), (nodes, cl), ("r", c, v, True), RETURN
            else:
                v, t = cs
                for i, nd in enumerate(nodes):
                    if nd[UP] and nd[LEADS] and nd[TERM] == t and (t, v) in nd[LOG][:nd[COMMIT]]:
                        yield ("ret", c, "ok", True, i), (nodes, (*clients[:c], 0, *clients[c + 1:])), \
                            ("r", c, None, True), RETURN
                        break
        # AppendEntries from a leader to a follower (and commit advance at the leader)
        for i, ld in enumerate(nodes):
            if not (ld[UP] and ld[LEADS]) or ld[ISO]:
                continue
            t, llog = ld[TERM], ld[LOG]
            for j, f in enumerate(nodes):
                if j == i or not f[UP] or f[ISO] or f[TERM] > t:
                    continue
                fc = max(f[COMMIT], min(ld[COMMIT], len(llog))) if f[LOG] == llog else min(ld[COMMIT], len(llog))
                f2 = (1, 0, t, 0, 0, llog, fc)
                if f2 == f:
                    continue
                nodes2 = list(nodes)
                nodes2[j] = f2
                # leader commit: highest index of its term stored on a majority of reachable nodes
                com = ld[COMMIT]
                for k in range(len(llog), com, -1):
                    if llog[k - 1][0] != t:
                        break
                    cnt = sum(1 for g in nodes2 if g[LOG][:k] == llog[:k] and (g is ld or (g[UP] and not g[ISO])))
                    if cnt >= self.maj:
                        com = k
                        break
                if com != ld[COMMIT]:
                    nodes2[i] = (*ld[:COMMIT], com)
                yield ("append_entries", i, j), (tuple(nodes2), clients), None, INTERNAL
        # elections, when a node hears no leader
        reach = [k for k in range(n) if nodes[k][UP] and not nodes[k][ISO]]
        if not any(nodes[k][LEADS] for k in reach):
            for j in reach:
                cand = nodes[j]
                t2 = max(nodes[k][TERM] for k in reach) + 1
                lj = _last(cand[LOG])
                voters = [k for k in reach if _last(nodes[k][LOG]) <= lj]
                if len(voters) < self.maj:
                    continue
                nodes2 = list(nodes)
                for k in voters:
                    g = nodes[k]
                    nodes2[k] = (1, 0, t2, 0, 0, g[LOG], g[COMMIT])
                nodes2[j] = (1, 0, t2, 1, 1, (*cand[LOG], (t2, 0)), cand[COMMIT])
                if self.s.bounded_clock_skew:
                    # the election waited out every older lease
                    nodes2 = [g if g[LEASE] == 0 or k == j else (*g[:LEASE], 0, *g[LEASE + 1:])
                              for k, g in enumerate(nodes2)]
                yield ("elect", j, t2), (tuple(nodes2), clients), None, INTERNAL
        for i, nd in enumerate(nodes):
            if not nd[UP]:
                # restart: term and log are persistent, commit index and leadership are not
                yield ("restart", i), ((*nodes[:i], (1, nd[ISO], nd[TERM], 0, 0, nd[LOG], 0), *nodes[i + 1:]),
                                       clients), None, INTERNAL
            elif nd[ISO]:
                yield ("heal", i), ((*nodes[:i], (1, 0, *nd[TERM:]), *nodes[i + 1:]), clients), None, INTERNAL
        if can_fault:
            any_iso = any(nd[ISO] for nd in nodes)
            for i, nd in enumerate(nodes):
                if not nd[UP]:
                    continue
                if "crash" in self.s.faults:
                    yield ("fault", "crash", i), ((*nodes[:i], (0, nd[ISO], nd[TERM], 0, 0, nd[LOG], nd[COMMIT]),
                                                   *nodes[i + 1:]), clients), None, FAULT
                if "partition" in self.s.faults and not any_iso:
                    yield ("fault", "isolate", i), ((*nodes[:i], (1, 1, *nd[TERM:]), *nodes[i + 1:]), clients), \
                        None, FAULT

    def canon(self, ps: tuple[Any, ...]) -> tuple[Any, ...]:
        a = list(ps[0])
        a.sort()
        return (tuple(a), ps[1])

    def final(self, ps: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
        # after quiescence the node with the most up-to-date log wins an election and
        # commits its whole log (Leader Completeness keeps every committed entry)
        best = max(ps[0], key=lambda g: _last(g[LOG]))
        for _, v in reversed(best[LOG]):
            if v:
                return (("x", v),)
        return (("x", None),)

    def render(self, label: tuple[Any, ...]) -> str:
        tag = label[0]
        if tag == "append_entries":
            return f"leader {node(label[1])} replicates its log to {node(label[2])}"
        if tag == "elect":
            return f"{node(label[1])} wins the election for term {label[2]}"
        if tag == "restart":
            return f"{node(label[1])} restarts (log and term persisted)"
        return render_common(label)
