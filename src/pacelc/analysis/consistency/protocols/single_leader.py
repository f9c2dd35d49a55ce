"""Single-leader (primary/backup) replication of one register.

State: ``(nodes, leader, epoch, clients)`` with node ``(up, isolated, value, version,
believes_leader, epoch_known, visible_value, visible_version)`` and client ``0`` (idle), ``1`` (read in flight) or
``(node, version, value)`` (write in flight). Versions are ``epoch * 16 + sequence``.

Abstraction: replication ships the leader's whole state to one follower in one step
(log shipping is in order, so this loses no interleaving that matters for the
register); a follower that rejoins is overwritten by the leader (pg_rewind / truncate).
Failover is one atomic step that promotes the most up-to-date reachable follower, as
orchestrators do. Writes are fsynced before they are acknowledged, so a restart keeps
the node's data. A partition isolates one node from the others; clients reach both
sides, and routing may still send them to a node that believes it leads.

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

UP, ISO, VAL, VER, LEAD, EP, VVAL, VVER = range(8)


@dataclass(frozen=True)
class SingleLeaderSettings:
    replication: Literal["sync", "semi_sync", "async"] = "async"
    failover: Literal["automatic", "manual", "none"] = "automatic"
    fencing: bool = False  # the old leader is fenced off (STONITH / epoch check) when another is promoted
    read_from: Literal["leader", "any"] = "leader"
    # a read at the leader sees a write before the replicas confirm it (see the module docstring)
    visible_before_ack: bool = True
    faults: tuple[str, ...] = ("crash", "partition")


class SingleLeader(ProtocolModel):
    name = "single-leader"

    def __init__(self, settings: SingleLeaderSettings, replicas: int = 3, clients: int = 2) -> None:
        self.s = settings
        self.n = replicas
        self.nc = clients
        self.name = (
            f"single-leader ({settings.replication} replication, {settings.failover} failover, "
            f"{'with' if settings.fencing else 'without'} fencing, reads from {settings.read_from}"
            f"{'' if settings.visible_before_ack else ', writes visible once acknowledged'})"
        )
        self.need_acks = {"sync": replicas - 1, "semi_sync": 1, "async": 0}[settings.replication]
        self.crash = "crash" in settings.faults
        self.partition = "partition" in settings.faults
        self.hide = not settings.visible_before_ack

    def initial(self) -> tuple[Any, ...]:
        nodes = tuple((1, 0, 0, 16, 1 if i == 0 else 0, 1, 0, 0) for i in range(self.n))
        return (nodes, 0, 1, (0,) * self.nc)

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterator[Step]:
        nodes, leader, epoch, clients = ps
        n = self.n
        # client steps
        for c, cs in enumerate(clients):
            if cs == 0:
                if not can_invoke:
                    continue
                if self.allow_reads:
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
                        nd2 = (1, nd[ISO], value, ver, 1, nd[EP], nd[VVAL], nd[VVER])
                        nodes2 = (*nodes[:i], nd2, *nodes[i + 1 :])
                        cl = (*clients[:c], (i, ver, value), *clients[c + 1 :])
                        yield (
                            ("inv", c, "write", "x", value, i),
                            (nodes2, leader, epoch, cl),
                            ("i", c, "write", "x", value),
                            INVOKE,
                        )
            elif cs == 1:
                cl = (*clients[:c], 0, *clients[c + 1 :])
                any_node = self.s.read_from == "any"
                for i, nd in enumerate(nodes):
                    if nd[UP] and (any_node or nd[LEAD]):
                        v = (nd[VVAL] if self.hide and nd[LEAD] else nd[VAL]) or None
                        yield ("ret", c, v, True, i), (nodes, leader, epoch, cl), ("r", c, v, True), RETURN
            else:
                i, ver, _v = cs
                nd = nodes[i]
                if not (nd[UP] and nd[LEAD]):
                    continue
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
                        nodes2 = (*nodes[:i], (*nd[:VVAL], _v, ver), *nodes[i + 1 :])
                    yield ("ret", c, "ok", True, i), (nodes2, leader, epoch, cl), ("r", c, None, True), RETURN
        # replication from the current leader to a reachable follower
        ld = nodes[leader]
        if ld[UP] and not ld[ISO]:
            for j, f in enumerate(nodes):
                if j != leader and f[UP] and not f[ISO] and (f[VAL] != ld[VAL] or f[VER] != ld[VER]):
                    nd2 = (1, 0, ld[VAL], ld[VER], 0, epoch, f[VVAL], f[VVER])
                    yield (
                        ("repl", leader, j, ld[VAL]),
                        ((*nodes[:j], nd2, *nodes[j + 1 :]), leader, epoch, clients),
                        None,
                        INTERNAL,
                    )
        # failover
        down = not ld[UP]
        if (self.s.failover == "automatic" and (down or ld[ISO])) or (self.s.failover == "manual" and down):
            best = -1
            for j, f in enumerate(nodes):
                if j != leader and f[UP] and not f[ISO] and f[VER] > best:
                    best = f[VER]
            if best >= 0:
                e2 = epoch + 1
                for j, f in enumerate(nodes):
                    if j == leader or not f[UP] or f[ISO] or f[VER] != best:
                        continue
                    nodes2 = []
                    for k, g in enumerate(nodes):
                        if k == j:
                            # a promoted node serves everything it holds
                            g = (1, 0, g[VAL], g[VER], 1, e2, *((g[VAL], g[VER]) if self.hide else (0, 0)))
                        elif k == leader:
                            if self.s.fencing:
                                g = (g[UP], g[ISO], g[VAL], g[VER], 0, g[EP], g[VVAL], g[VVER])
                        elif g[UP] and not g[ISO]:
                            g = (1, 0, g[VAL], g[VER], 0, e2, g[VVAL], g[VVER])
                        nodes2.append(g)
                    yield ("failover", leader, j, e2), (tuple(nodes2), j, e2, clients), None, INTERNAL
        # recovery (free) and faults (counted)
        for i, nd in enumerate(nodes):
            if not nd[UP]:
                lead = 1 if i == leader else 0
                # crash recovery replays the log: a restarted leader serves what it holds
                vis = (nd[VAL], nd[VER]) if self.hide and lead else (nd[VVAL], nd[VVER])
                nd2 = (1, nd[ISO], nd[VAL], nd[VER], lead, epoch if lead else nd[EP], *vis)
                yield ("restart", i), ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, epoch, clients), None, INTERNAL
            elif nd[ISO]:
                stale = nd[LEAD] and i != leader
                nd2 = (1, 0, nd[VAL], nd[VER], 0 if stale else nd[LEAD], epoch, nd[VVAL], nd[VVER])
                yield ("heal", i), ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, epoch, clients), None, INTERNAL
        if can_fault:
            any_iso = any(nd[ISO] for nd in nodes)
            for i, nd in enumerate(nodes):
                if nd[UP] and self.crash:
                    nd2 = (0, nd[ISO], nd[VAL], nd[VER], 0, nd[EP], nd[VVAL], nd[VVER])
                    yield (
                        ("fault", "crash", i),
                        ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, epoch, clients),
                        None,
                        FAULT,
                    )
                if nd[UP] and not any_iso and self.partition and n > 1:
                    nd2 = (1, 1, nd[VAL], nd[VER], nd[LEAD], nd[EP], nd[VVAL], nd[VVER])
                    yield (
                        ("fault", "isolate", i),
                        ((*nodes[:i], nd2, *nodes[i + 1 :]), leader, epoch, clients),
                        None,
                        FAULT,
                    )

    def canon(self, ps: tuple[Any, ...]) -> tuple[Any, ...]:
        nodes, leader, epoch, clients = ps
        order = sort_perm(nodes, leader)
        if order is None:
            return ps
        new = [0] * self.n
        for pos, old in enumerate(order):
            new[old] = pos
        cl = tuple(c if isinstance(c, int) else (new[c[0]], c[1], c[2]) for c in clients)
        return (tuple(nodes[o] for o in order), leader, epoch, cl)

    def final(self, ps: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
        # after healing and restarting everything, the newest leader's value wins everywhere
        nodes, leader = ps[0], ps[1]
        return (("x", nodes[leader][VAL] or None),)

    def render(self, label: tuple[Any, ...]) -> str:
        return render_common(label)

    def anomaly_hint(self, labels: list[tuple[Any, ...]]) -> str | None:
        # a write acknowledged by a node that had already been replaced as leader
        leaders: set[int] = {0}
        deposed: set[int] = set()
        for lab in labels:
            if lab[0] == "failover":
                deposed.add(lab[1])
                leaders.add(lab[2])
            if lab[0] == "ret" and lab[2] == "ok" and lab[4] in deposed:
                return "split-brain divergence (write acknowledged by a deposed leader is lost)"
        return None


def render_common(label: tuple[Any, ...]) -> str:
    tag = label[0]
    if tag == "inv":
        _, c, kind, key, arg, i = label
        what = (
            f"read({key})" if kind == "read" else f"{kind}({key}, {arg})" if kind == "append" else f"write({key}={arg})"
        )
        return f"client {c} invokes {what}" + (f" at {node(i)}" if i >= 0 else "")
    if tag == "ret":
        _, c, res, ok, i = label
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
    if tag == "failover":
        return f"failover: {node(label[2])} promoted to leader (epoch {label[3]}), {node(label[1])} was leader"
    return " ".join(map(str, label))
