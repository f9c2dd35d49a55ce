"""Raft-like consensus replicating one register, with the usual read paths.

State: ``(nodes, clients)`` with node ``(up, isolated, term, leads, lease, log, commit)``,
``isolated`` 0 (reachable), 1 (partitioned away) or 2 (process paused), ``log`` a tuple of
``(term, value)`` entries (value 0 is the no-op a new leader appends) and client ``()``
idle, ``(0,)`` reading, or ``(value, term)`` writing (the write is the entry ``(term,
value)``; pending client writes are found through the logs, so that no client state names
a node and symmetry reduction is a plain sort).

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
  revoking the old leader's lease; with unbounded skew it keeps it.

Process pause (fault ``"pause"``): the node stops (no messages, no client service) and
resumes later. Time passes for the others: an election may wait out its lease meanwhile,
but the paused leader checked its lease before the pause and still believes in it, so
under bounded skew the election does not revoke a paused node's lease, and after resuming
it serves lease reads until a newer leader reaches it. With
``lease_rechecked_after_pause`` the leader re-checks the lease against a monotonic clock
after resuming (before replying), so a pause revokes nothing more than time does.

Reductions (``reduce=True``, the default; ``reduce=False`` keeps the plain model so tests
can compare): outside follower reads the commit index is kept only where it can be
observed, at a leader that has committed an entry of its own term (every read needs that,
a write is acknowledged only from a current-term prefix, and a node's commit index is
otherwise never read: followers take the leader's, a new leader's points below its no-op,
a restart zeroes it). The lease flag is dropped outside lease reads (nothing reads it).
Clients are interchangeable (``permute_clients``), which the checker uses for
linearizability.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .base import FAULT, INTERNAL, INVOKE, RETURN, ProtocolModel, Step, node
from .single_leader import render_common

UP, ISO, TERM, LEADS, LEASE, LOG, COMMIT = range(7)
PAUSED = 2  # value of ISO while the process is paused
IDLE: tuple[int, ...] = ()
READING = (0,)


@dataclass(frozen=True)
class RaftSettings:
    read_mode: Literal["follower", "leader_local", "read_index", "lease"] = "read_index"
    bounded_clock_skew: bool = True  # only matters for lease reads
    # "crash", "partition" and "pause" (a process pause longer than the lease)
    faults: tuple[str, ...] = ("crash", "partition")
    # only matters for lease reads with "pause": after resuming, the leader re-checks its
    # lease against a monotonic clock before replying (so a pause cannot stretch the lease)
    lease_rechecked_after_pause: bool = False


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
    # the checker may summarise the history for linearizability (clients hold one op each)
    linearizability_summary = True

    def __init__(self, settings: RaftSettings, replicas: int = 3, clients: int = 2, reduce: bool = True) -> None:
        self.s = settings
        self.n = replicas
        self.nc = clients
        self.maj = replicas // 2 + 1
        self.reduce = reduce
        mode = settings.read_mode
        # commit index of non-leaders (and of leaders before their own-term commit): only
        # follower reads observe it (see the module docstring)
        self.keep_commit = not reduce or mode == "follower"
        self.lease_on = 1 if not reduce or mode == "lease" else 0
        # under bounded skew an election revokes older leases, except a paused leader's
        # (it checked its lease before the pause and still believes in it)
        self.revoke_paused = settings.lease_rechecked_after_pause
        extra = ""
        if mode == "lease":
            extra = ", bounded clock skew" if settings.bounded_clock_skew else ", unbounded clock skew"
            if "pause" in settings.faults:
                extra += ", lease re-checked after pauses" if self.revoke_paused else ", process pauses"
        self.name = f"raft-like consensus ({replicas} nodes, {mode.replace('_', '-')} reads{extra})"

    def initial(self) -> tuple[Any, ...]:
        nodes = [(1, 0, 1, 0, 0, ((1, 0),), 1 if self.keep_commit else 0)] * self.n
        nodes[0] = (1, 0, 1, 1, self.lease_on, ((1, 0),), 1)
        return (tuple(sorted(nodes)), (IDLE,) * self.nc)

    def permute_clients(self, ps: tuple[Any, ...], perm: tuple[int, ...]) -> tuple[Any, ...]:
        """Client c renamed ``perm[c]``: clients are interchangeable (all run the same code)."""
        clients = list(ps[1])
        for c, cs in enumerate(ps[1]):
            clients[perm[c]] = cs
        return (ps[0], tuple(clients))

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterator[Step]:
        nodes, clients = ps
        n = self.n
        mode = self.s.read_mode
        keep_commit = self.keep_commit
        for c, cs in enumerate(clients):
            if cs == IDLE:
                if not can_invoke:
                    continue
                if self.allow_reads:
                    yield ("inv", c, "read", "x", None, -1), (nodes, (*clients[:c], READING, *clients[c + 1:])), \
                        ("i", c, "read", "x", None), INVOKE
                for i, nd in enumerate(nodes):
                    if nd[UP] and nd[LEADS] and nd[ISO] != PAUSED:
                        t = nd[TERM]
                        nd2 = (*nd[:LOG], (*nd[LOG], (t, value)), nd[COMMIT])
                        yield ("inv", c, "write", "x", value, i), ((*nodes[:i], nd2, *nodes[i + 1:]),
                                                                   (*clients[:c], (value, t), *clients[c + 1:])), \
                            ("i", c, "write", "x", value), INVOKE
            elif cs == READING:
                cl = (*clients[:c], IDLE, *clients[c + 1:])
                for i, nd in enumerate(nodes):
                    if not nd[UP] or nd[ISO] == PAUSED:
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
                    if nd[UP] and nd[LEADS] and nd[TERM] == t and nd[ISO] != PAUSED and \
                            (t, v) in nd[LOG][:nd[COMMIT]]:
                        yield ("ret", c, "ok", True, i), (nodes, (*clients[:c], IDLE, *clients[c + 1:])), \
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
                if keep_commit:
                    fc = max(f[COMMIT], min(ld[COMMIT], len(llog))) if f[LOG] == llog else \
                        min(ld[COMMIT], len(llog))
                else:
                    fc = 0
                f2 = (1, 0, t, 0, 0, llog, fc)
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
                elif f2 == f:
                    continue  # changes nothing
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
                    nodes2[k] = (1, 0, t2, 0, 0, g[LOG], g[COMMIT] if keep_commit else 0)
                nodes2[j] = (1, 0, t2, 1, self.lease_on, (*cand[LOG], (t2, 0)), cand[COMMIT] if keep_commit else 0)
                if self.s.bounded_clock_skew:
                    # the election waited out every older lease (a paused leader still believes in its own)
                    nodes2 = [g if g[LEASE] == 0 or k == j or (g[ISO] == PAUSED and not self.revoke_paused)
                              else (*g[:LEASE], 0, *g[LEASE + 1:]) for k, g in enumerate(nodes2)]
                yield ("elect", j, t2), (tuple(nodes2), clients), None, INTERNAL
        for i, nd in enumerate(nodes):
            if not nd[UP]:
                # restart: term and log are persistent, commit index and leadership are not
                # (a restarted process is no longer paused; a partition stays)
                yield ("restart", i), ((*nodes[:i], (1, nd[ISO] & 1, nd[TERM], 0, 0, nd[LOG], 0), *nodes[i + 1:]),
                                       clients), None, INTERNAL
            elif nd[ISO]:
                yield ("heal" if nd[ISO] == 1 else "resume", i), \
                    ((*nodes[:i], (1, 0, *nd[TERM:]), *nodes[i + 1:]), clients), None, INTERNAL
        if can_fault:
            faults = self.s.faults
            any_iso = any(nd[ISO] == 1 for nd in nodes)
            for i, nd in enumerate(nodes):
                if not nd[UP]:
                    continue
                if "crash" in faults:
                    yield ("fault", "crash", i), ((*nodes[:i], (0, nd[ISO], nd[TERM], 0, 0, nd[LOG],
                                                                nd[COMMIT] if keep_commit else 0),
                                                   *nodes[i + 1:]), clients), None, FAULT
                if nd[ISO]:
                    continue
                if "partition" in faults and not any_iso:
                    yield ("fault", "isolate", i), ((*nodes[:i], (1, 1, *nd[TERM:]), *nodes[i + 1:]), clients), \
                        None, FAULT
                if "pause" in faults:
                    yield ("fault", "pause", i), ((*nodes[:i], (1, PAUSED, *nd[TERM:]), *nodes[i + 1:]), clients), \
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
        if tag == "resume":
            stale = self.s.read_mode == "lease" and not self.revoke_paused
            return f"{node(label[1])} resumes after the pause" + (" (its lease check predates it)" if stale else "")
        return render_common(label)
