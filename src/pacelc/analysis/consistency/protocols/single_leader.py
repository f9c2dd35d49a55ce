"""Single-leader (primary/backup) replication of one register.

State: ``(nodes, leader, epoch, clients)`` with node ``(up, isolated, value, version,
believes_leader, epoch_known, visible_value, visible_version, durable_value, durable_version)``
and client ``0`` (idle), ``1`` (read in flight), ``2`` (failed compare-and-set to report),
``(node, version, value)`` (write in flight) or ``(node, version, value, 1)`` (successful
compare-and-set in flight). Versions are ``epoch * 16 + sequence``.

Abstraction: replication ships the leader's whole state to one follower in one step
(log shipping is in order, so this loses no interleaving that matters for the
register); a follower that rejoins is overwritten by the leader (pg_rewind / truncate).
Failover is one atomic step that promotes the most up-to-date reachable follower, as
orchestrators do. A partition isolates one node from the others; clients reach both
sides, and routing may still send them to a node that believes it leads.

Durability (``fsync``): with ``"always"`` (the default) a node fsyncs before it acknowledges,
so a crash loses nothing. With ``"periodic"`` a node acknowledges from memory and a free
internal ``fsync`` step copies its state to disk at any time (the flush interval, or the OS
writing dirty pages back); with ``"never"`` nothing reaches disk (an in-memory store). A
crash is then a machine crash: the node comes back with its durable state only (a process
crash that keeps the page cache is the same as a crash right after an fsync). A leader
whose crash lost data starts a new epoch, so versions stay unique per history, and it
acknowledges only writes it still holds. Unless ``restart_before_failover`` is off, it may
restart as leader before any failover (Patroni still holding the leader key, Redis
restarting before Sentinel notices), and its followers are then overwritten with its
shorter history.

Client operations: reads and writes, and with ``"cas" in ops`` compare-and-set at the
leader, decided atomically with the invocation against the leader's state (writes visible
once acknowledged: only when nothing is pending, as a row lock would wait); a successful
one is replicated and acknowledged like a write.

Visibility at the leader: with ``visible_before_ack`` (the default) a read at the leader sees
a write as soon as the leader has it, before its replicas confirm it (MySQL semi-sync
AFTER_COMMIT); without it a write becomes visible at the leader when it is acknowledged
(PostgreSQL synchronous commit, MySQL AFTER_SYNC), and everything a node holds becomes
visible when it is promoted or restarts as leader (crash recovery replays its log). The
last two fields of a node are only used then; otherwise they stay 0 so the state space
is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .base import FAULT, INTERNAL, INVOKE, RETURN, ProtocolModel, Step, node, sort_perm

UP, ISO, VAL, VER, LEAD, EP, VVAL, VVER, DVAL, DVER = range(10)


@dataclass(frozen=True)
class SingleLeaderSettings:
    replication: Literal["sync", "semi_sync", "async"] = "async"
    failover: Literal["automatic", "manual", "none"] = "automatic"
    fencing: bool = False  # the old leader is fenced off (STONITH / epoch check) when another is promoted
    read_from: Literal["leader", "any"] = "leader"
    # a read at the leader sees a write before the replicas confirm it (see the module docstring)
    visible_before_ack: bool = True
    faults: tuple[str, ...] = ("crash", "partition")
    # when a node's state reaches disk (see the module docstring): always before the ack,
    # periodically (any time, asynchronously), or never (in-memory)
    fsync: Literal["always", "periodic", "never"] = "always"
    # with fsync periodic/never: whether a crashed leader may come back, still leader, before a
    # failover promotes another node (a quick reboot beating the failure detector). False
    # defers its restart until failover has happened whenever failover is possible.
    restart_before_failover: bool = True
    # client operations; "cas" adds compare-and-set at the leader
    ops: tuple[str, ...] = ("read", "write")


class SingleLeader(ProtocolModel):
    name = "single-leader"

    def __init__(self, settings: SingleLeaderSettings, replicas: int = 3, clients: int = 2) -> None:
        self.s = settings
        self.n = replicas
        self.nc = clients
        extra = "" if settings.visible_before_ack else ", writes visible once acknowledged"
        if settings.fsync != "always":
            extra += ", fsync periodic" if settings.fsync == "periodic" else ", in memory (no fsync)"
        if "cas" in settings.ops:
            extra += ", compare-and-set at the leader"
        # settings said as words, not enum values ("none failover", "reads from any" read badly)
        replication = {"semi_sync": "semi-sync"}.get(settings.replication, settings.replication)
        failover = "no failover" if settings.failover == "none" else f"{settings.failover} failover"
        reads = "reads from any replica" if settings.read_from == "any" else f"reads from {settings.read_from}"
        self.name = (
            f"single-leader ({replication} replication, {failover}, "
            f"{'with' if settings.fencing else 'without'} fencing, {reads}{extra})"
        )
        self.need_acks = {"sync": replicas - 1, "semi_sync": 1, "async": 0}[settings.replication]
        self.crash = "crash" in settings.faults
        self.partition = "partition" in settings.faults
        self.hide = not settings.visible_before_ack
        # durable_* stay 0 with fsync always, so that state space is unchanged
        self.volatile = settings.fsync != "always"
        self.cas = "cas" in settings.ops
        self.reads = "read" in settings.ops
        self.writes = "write" in settings.ops

    def initial(self) -> tuple[Any, ...]:
        durable = (0, 16) if self.volatile else (0, 0)
        nodes = tuple((1, 0, 0, 16, 1 if i == 0 else 0, 1, 0, 0, *durable) for i in range(self.n))
        return (nodes, 0, 1, (0,) * self.nc)

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterator[Step]:
        if self.volatile and not can_fault:
            # no crash can happen any more, so what is on disk no longer matters: count
            # every node as fsynced (merges states that differ only on disk)
            ps = (tuple((*nd[:DVAL], nd[VAL], nd[VER]) for nd in ps[0]), *ps[1:])
        nodes, leader, epoch, clients = ps
        n = self.n
        # client steps
        for c, cs in enumerate(clients):
            if cs == 0:
                if not can_invoke:
                    continue
                if self.allow_reads and self.reads:
                    cl_r = (*clients[:c], 1, *clients[c + 1 :])
                    yield (
                        ("inv", c, "read", "x", None, -1),
                        (nodes, leader, epoch, cl_r),
                        ("i", c, "read", "x", None),
                        INVOKE,
                    )
                for i, nd in enumerate(nodes):
                    if nd[UP] and nd[LEAD]:
                        ver = max(nd[VER] + 1, nd[EP] * 16 + 1)
                        if self.writes:
                            nd2 = (1, nd[ISO], value, ver, 1, nd[EP], *nd[VVAL:])
                            nodes2 = (*nodes[:i], nd2, *nodes[i + 1 :])
                            cl = (*clients[:c], (i, ver, value), *clients[c + 1 :])
                            yield (
                                ("inv", c, "write", "x", value, i),
                                (nodes2, leader, epoch, cl),
                                ("i", c, "write", "x", value),
                                INVOKE,
                            )
                        if self.cas and not (self.hide and nd[VVER] != nd[VER]):
                            yield from self._cas(ps, c, i, value, ver)
            elif cs == 1:
                cl = (*clients[:c], 0, *clients[c + 1 :])
                any_node = self.s.read_from == "any"
                for i, nd in enumerate(nodes):
                    if nd[UP] and (any_node or nd[LEAD]):
                        v = (nd[VVAL] if self.hide and nd[LEAD] else nd[VAL]) or None
                        yield ("ret", c, v, True, i), (nodes, leader, epoch, cl), ("r", c, v, True), RETURN
            elif cs == 2:
                # a compare-and-set that found another value
                cl = (*clients[:c], 0, *clients[c + 1 :])
                yield ("ret", c, False, True, -1), (nodes, leader, epoch, cl), ("r", c, False, True), RETURN
            else:
                i, ver, _v = cs[:3]
                nd = nodes[i]
                if not (nd[UP] and nd[LEAD]):
                    continue
                if self.volatile and (nd[VER] < ver or nd[VER] >> 4 != ver >> 4):
                    continue  # the leader lost the write in a crash: it cannot acknowledge it
                acks = 0
                if self.need_acks and not nd[ISO]:
                    e = ver >> 4
                    for j, f in enumerate(nodes):
                        if j != i and f[UP] and not f[ISO] and f[VER] >= ver and f[VER] >> 4 == e:
                            acks += 1
                if acks >= self.need_acks:
                    cl = (*clients[:c], 0, *clients[c + 1 :])
                    nodes2 = nodes
                    if self.hide and ver > nd[VVER] and nd[VER] >= ver and nd[VER] >> 4 == ver >> 4:
                        # the commit becomes visible when the client is told it succeeded
                        nodes2 = (*nodes[:i], (*nd[:VVAL], _v, ver, *nd[DVAL:]), *nodes[i + 1 :])
                    if len(cs) == 4:  # a successful compare-and-set
                        yield ("ret", c, True, True, i), (nodes2, leader, epoch, cl), ("r", c, True, True), RETURN
                    else:
                        yield ("ret", c, "ok", True, i), (nodes2, leader, epoch, cl), ("r", c, None, True), RETURN
        # replication from the current leader to a reachable follower
        ld = nodes[leader]
        if ld[UP] and not ld[ISO]:
            for j, f in enumerate(nodes):
                if j != leader and f[UP] and not f[ISO] and (f[VAL] != ld[VAL] or f[VER] != ld[VER]):
                    nd2 = (1, 0, ld[VAL], ld[VER], 0, epoch, *f[VVAL:])
                    yield (
                        ("repl", leader, j, ld[VAL]),
                        ((*nodes[:j], nd2, *nodes[j + 1 :]), leader, epoch, clients),
                        None,
                        INTERNAL,
                    )
        # background fsync (free): the durable state catches up with memory
        if self.s.fsync == "periodic" and can_fault:
            for i, nd in enumerate(nodes):
                if nd[UP] and (nd[DVAL], nd[DVER]) != (nd[VAL], nd[VER]):
                    nd2 = (*nd[:DVAL], nd[VAL], nd[VER])
                    nodes2 = (*nodes[:i], nd2, *nodes[i + 1 :])
                    yield ("fsync", i, nd[VAL]), (nodes2, leader, epoch, clients), None, INTERNAL
        # failover
        best = self._failover_version(nodes, leader)
        if best >= 0:
            e2 = epoch + 1
            for j, f in enumerate(nodes):
                if j == leader or not f[UP] or f[ISO] or f[VER] != best:
                    continue
                nodes2 = []
                for k, g in enumerate(nodes):
                    if k == j:
                        # a promoted node serves everything it holds
                        vis = (g[VAL], g[VER]) if self.hide else (0, 0)
                        g = (1, 0, g[VAL], g[VER], 1, e2, *vis, *g[DVAL:])
                    elif k == leader:
                        if self.s.fencing:
                            g = (*g[:LEAD], 0, *g[EP:])
                    elif g[UP] and not g[ISO]:
                        g = (1, 0, g[VAL], g[VER], 0, e2, *g[VVAL:])
                    nodes2.append(g)
                yield ("failover", leader, j, e2), (tuple(nodes2), j, e2, clients), None, INTERNAL
        # recovery (free) and faults (counted)
        hold = self.volatile and not self.s.restart_before_failover and best >= 0
        for i, nd in enumerate(nodes):
            if not nd[UP]:
                if hold and i == leader:
                    continue  # the failure detector fires before the machine is back
                lead = 1 if i == leader else 0
                # crash recovery replays the log: a restarted leader serves what it holds
                vis = (nd[VAL], nd[VER]) if self.hide and lead else (nd[VVAL], nd[VVER])
                nd2 = (1, nd[ISO], nd[VAL], nd[VER], lead, epoch if lead else nd[EP], *vis, *nd[DVAL:])
                yield ("restart", i), ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, epoch, clients), None, INTERNAL
            elif nd[ISO]:
                stale = nd[LEAD] and i != leader
                nd2 = (1, 0, nd[VAL], nd[VER], 0 if stale else nd[LEAD], epoch, *nd[VVAL:])
                yield ("heal", i), ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, epoch, clients), None, INTERNAL
        if can_fault:
            any_iso = any(nd[ISO] for nd in nodes)
            for i, nd in enumerate(nodes):
                if nd[UP] and self.crash:
                    e2 = epoch
                    if self.volatile:
                        # a machine crash: memory is gone, the node keeps what reached disk
                        lost = (nd[VAL], nd[VER]) != (nd[DVAL], nd[DVER])
                        if lost and i == leader:
                            e2 = epoch + 1  # the shorter history restarts in a new epoch
                        vis = (nd[DVAL], nd[DVER]) if self.hide else (0, 0)
                        nd2 = (0, nd[ISO], nd[DVAL], nd[DVER], 0, nd[EP], *vis, nd[DVAL], nd[DVER])
                    else:
                        nd2 = (0, *nd[ISO:LEAD], 0, *nd[EP:])
                    yield (
                        ("fault", "crash", i),
                        ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, e2, clients),
                        None,
                        FAULT,
                    )
                if nd[UP] and not any_iso and self.partition and n > 1:
                    nd2 = (1, 1, *nd[VAL:])
                    yield (
                        ("fault", "isolate", i),
                        ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, epoch, clients),
                        None,
                        FAULT,
                    )

    def _failover_version(self, nodes: tuple[Any, ...], leader: int) -> int:
        """Version a failover would promote now (-1: no failover possible)."""
        ld = nodes[leader]
        down = not ld[UP]
        if not ((self.s.failover == "automatic" and (down or ld[ISO])) or (self.s.failover == "manual" and down)):
            return -1
        best = -1
        for j, f in enumerate(nodes):
            if j != leader and f[UP] and not f[ISO] and f[VER] > best:
                best = f[VER]
        return best

    def _cas(self, ps: tuple[Any, ...], c: int, i: int, value: int, ver: int) -> Iterator[Step]:
        """Compare-and-set at leader ``i``, decided at invocation against its state.

        Expected values: the initial value and every value some node holds (a value held
        nowhere makes the operation fail exactly like an overwritten one does).
        """
        nodes, leader, epoch, clients = ps
        nd = nodes[i]
        for exp in sorted({0, *(g[VAL] for g in nodes)}):
            ev = ("i", c, "cas", "x", (exp or None, value))
            lab = ("inv", c, "cas", "x", (exp or None, value), i)
            if nd[VAL] == exp:
                nd2 = (1, nd[ISO], value, ver, 1, nd[EP], *nd[VVAL:])
                cl = (*clients[:c], (i, ver, value, 1), *clients[c + 1 :])
                yield lab, ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, epoch, cl), ev, INVOKE
            else:
                yield lab, (nodes, leader, epoch, (*clients[:c], 2, *clients[c + 1 :])), ev, INVOKE

    def canon(self, ps: tuple[Any, ...]) -> tuple[Any, ...]:
        nodes, leader, epoch, clients = ps
        order = sort_perm(nodes, leader)
        if order is None:
            return ps
        new = [0] * self.n
        for pos, old in enumerate(order):
            new[old] = pos
        cl = tuple(c if isinstance(c, int) else (new[c[0]], *c[1:]) for c in clients)
        return (tuple(nodes[o] for o in order), leader, epoch, cl)

    def final(self, ps: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
        # after healing and restarting everything, the newest leader's value wins everywhere
        nodes, leader = ps[0], ps[1]
        ld = nodes[leader]
        if self.volatile and not ld[UP]:
            # a leader that lost data would come back with less: show the failover outcome
            # when there is one (the restart outcome is reached by its own restart step)
            best = self._failover_version(nodes, leader)
            if best >= 0:
                return (("x", next(f[VAL] for f in nodes if f[VER] == best and f[UP]) or None),)
        return (("x", ld[VAL] or None),)

    def render(self, label: tuple[Any, ...]) -> str:
        if self.volatile and label[:2] == ("fault", "crash"):
            return f"FAULT: crash of {node(label[2])} (machine crash: what was not fsynced is lost)"
        return render_common(label)

    def anomaly_hint(self, labels: list[tuple[Any, ...]]) -> str | None:
        # a write acknowledged by a node that had already been replaced as leader
        leaders: set[int] = {0}
        deposed: set[int] = set()
        for lab in labels:
            if lab[0] == "failover":
                deposed.add(lab[1])
                leaders.add(lab[2])
            if lab[0] == "ret" and lab[2] in ("ok", True) and lab[4] in deposed:
                return "split-brain divergence (write acknowledged by a deposed leader is lost)"
        return None


def render_common(label: tuple[Any, ...]) -> str:
    tag = label[0]
    if tag == "inv":
        _, c, kind, key, arg, i = label
        if kind == "cas":
            what = f"cas({key}, {'⊥' if arg[0] is None else arg[0]}->{arg[1]})"
        elif kind == "read":
            what = f"read({key})"
        else:
            what = f"{kind}({key}, {arg})" if kind == "append" else f"write({key}={arg})"
        return f"client {c} invokes {what}" + (f" at {node(i)}" if i >= 0 else "")
    if tag == "ret":
        _, c, res, ok, i = label[:5]
        if isinstance(res, bool):  # compare-and-set
            if not res:
                return f"client {c}'s compare-and-set fails (the leader holds another value)"
            return f"{node(i)} acknowledges client {c}'s compare-and-set (it succeeded)"
        if res == "ok":
            return f"{node(i)} acknowledges client {c}'s write" if ok else f"{node(i)} rejects client {c}'s write"
        shown = "⊥" if res is None else res
        return f"client {c}'s read returns {shown} (served by {node(i)})"
    if tag == "fault":
        what = {
            "crash": "crash",
            "isolate": "network partition isolates",
            "pause": "process pause of",
            "skew": "clock skew on",
        }.get(label[1], label[1])
        return f"FAULT: {what} {node(label[2])}"
    if tag == "restart":
        return f"{node(label[1])} restarts (keeps fsynced data)"
    if tag == "heal":
        return f"partition heals: {node(label[1])} reachable again"
    if tag == "repl":
        return f"{node(label[1])} replicates value {label[3] or '⊥'} to {node(label[2])}"
    if tag == "fsync":
        return f"{node(label[1])} fsyncs: value {label[2] or '⊥'} is on disk"
    if tag == "failover":
        return f"failover: {node(label[2])} promoted to leader (epoch {label[3]}), {node(label[1])} was leader"
    return " ".join(map(str, label))
