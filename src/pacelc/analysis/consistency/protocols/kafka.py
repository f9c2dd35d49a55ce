"""Replicated log in the style of a Kafka partition: leader, followers, in-sync replicas.

State: ``(brokers, leader, isr_mask, high_watermark, clients)`` with broker
``(up, log)`` (log is a tuple of record values) and client ``0`` idle, ``1`` consuming,
or ``(value, leader_at_produce, offset)`` producing (``offset == -1``: rejected with
NotEnoughReplicas).

Abstraction: a follower fetch copies the leader's log (truncating a divergent suffix,
as the leader-epoch protocol does) and rejoins the ISR when caught up; the leader may
drop a lagging or dead follower from the ISR at any time (``replica.lag.time.max.ms``).
Leader election by the controller is one atomic step, from the ISR, or from any live
broker when unclean election is enabled. A crash keeps the broker's log (a process crash,
page cache survives); whole-machine power loss without fsync is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .base import FAULT, INTERNAL, INVOKE, RETURN, ProtocolModel, Step, node
from .single_leader import render_common


@dataclass(frozen=True)
class KafkaSettings:
    replication_factor: int = 3
    acks: Literal[0, 1, "all"] = "all"
    min_insync_replicas: int = 2
    unclean_leader_election: bool = False
    faults: tuple[str, ...] = ("crash",)


def _match(log: tuple[Any, ...], leader_log: tuple[Any, ...]) -> int:
    """Length of the prefix a replica shares with the leader (what the high watermark may count)."""
    k = 0
    for a, b in zip(log, leader_log, strict=False):
        if a != b:
            break
        k += 1
    return k


class Kafka(ProtocolModel):
    keys = ("log",)

    def __init__(self, settings: KafkaSettings, replicas: int | None = None, clients: int = 2) -> None:
        self.s = settings
        self.n = settings.replication_factor if replicas is None else replicas
        self.nc = clients
        self.name = (
            f"replicated log (RF={self.n}, acks={settings.acks}, min.insync.replicas="
            f"{settings.min_insync_replicas}, unclean election "
            f"{'on' if settings.unclean_leader_election else 'off'})"
        )

    def initial(self) -> tuple[Any, ...]:
        return (((1, ()),) * self.n, 0, (1 << self.n) - 1, 0, (0,) * self.nc)

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterator[Step]:
        brokers, leader, isr, hw, clients = ps
        n = self.n
        s = self.s
        ld = brokers[leader]
        lup = ld[0]
        for c, cs in enumerate(clients):
            if cs == 0:
                if not can_invoke or not lup:
                    continue
                if self.allow_reads:
                    yield (
                        ("inv", c, "read", "log", None, -1),
                        (brokers, leader, isr, hw, (*clients[:c], 1, *clients[c + 1 :])),
                        ("i", c, "read", "log", None),
                        INVOKE,
                    )
                if s.acks == "all" and isr.bit_count() < s.min_insync_replicas:
                    cl = (*clients[:c], (value, leader, -1), *clients[c + 1 :])
                    yield (
                        ("inv", c, "append", "log", value, leader),
                        (brokers, leader, isr, hw, cl),
                        ("i", c, "append", "log", value),
                        INVOKE,
                    )
                    continue
                log2 = (*ld[1], value)
                b2 = (*brokers[:leader], (1, log2), *brokers[leader + 1 :])
                cl = (*clients[:c], (value, leader, len(log2)), *clients[c + 1 :])
                yield (
                    ("inv", c, "append", "log", value, leader),
                    (b2, leader, isr, hw, cl),
                    ("i", c, "append", "log", value),
                    INVOKE,
                )
            elif cs == 1:
                if lup:
                    res = ld[1][:hw] or None
                    cl = (*clients[:c], 0, *clients[c + 1 :])
                    yield ("ret", c, res, True, leader), (brokers, leader, isr, hw, cl), ("r", c, res, True), RETURN
            else:
                v, at, off = cs
                cl = (*clients[:c], 0, *clients[c + 1 :])
                if off < 0:
                    yield ("ret", c, "ok", False, at), (brokers, leader, isr, hw, cl), ("r", c, None, False), RETURN
                    continue
                b = brokers[at]
                if s.acks == 0:
                    ok = True
                elif not b[0] or at != leader or len(b[1]) < off or b[1][off - 1] != v:
                    ok = False
                elif s.acks == 1:
                    ok = True
                else:
                    ok = hw >= off and isr.bit_count() >= s.min_insync_replicas
                if ok:
                    yield ("ret", c, "ok", True, at), (brokers, leader, isr, hw, cl), ("r", c, None, True), RETURN
        if lup:
            llog = ld[1]
            for j in range(n):
                f = brokers[j]
                if j != leader and f[0] and f[1] != llog:
                    b2 = (*brokers[:j], (1, llog), *brokers[j + 1 :])
                    isr2 = isr | 1 << j
                    hw2 = max(hw, min(_match(b2[k][1], llog) for k in range(n) if isr2 >> k & 1))
                    yield ("fetch", j, leader), (b2, leader, isr2, hw2, clients), None, INTERNAL
                elif j != leader and f[0] and not isr >> j & 1:
                    isr2 = isr | 1 << j
                    yield ("join_isr", j), (brokers, leader, isr2, hw, clients), None, INTERNAL
                if j != leader and isr >> j & 1 and (not f[0] or f[1] != llog):
                    isr2 = isr & ~(1 << j)
                    hw2 = max(hw, min(_match(brokers[k][1], llog) for k in range(n) if isr2 >> k & 1))
                    yield ("shrink_isr", j), (brokers, leader, isr2, hw2, clients), None, INTERNAL
        else:
            cands = [j for j in range(n) if j != leader and brokers[j][0] and isr >> j & 1]
            unclean = False
            if not cands and s.unclean_leader_election:
                cands = [j for j in range(n) if j != leader and brokers[j][0]]
                unclean = True
            for j in cands:
                isr2 = (isr & ~(1 << leader)) | 1 << j if not unclean else 1 << j
                hw2 = min(hw, len(brokers[j][1])) if not unclean else len(brokers[j][1])
                yield ("elect", j, unclean), (brokers, j, isr2, hw2, clients), None, INTERNAL
        for j in range(n):
            if not brokers[j][0]:
                yield (
                    ("restart", j),
                    ((*brokers[:j], (1, brokers[j][1]), *brokers[j + 1 :]), leader, isr, hw, clients),
                    None,
                    INTERNAL,
                )
        if can_fault:
            for j in range(n):
                if brokers[j][0]:
                    yield (
                        ("fault", "crash", j),
                        ((*brokers[:j], (0, brokers[j][1]), *brokers[j + 1 :]), leader, isr, hw, clients),
                        None,
                        FAULT,
                    )

    def canon(self, ps: tuple[Any, ...]) -> tuple[Any, ...]:
        # followers are symmetric, but the ISR mask and in-flight produces name brokers:
        # sort followers by (state, in ISR) and rename the references
        brokers, leader, isr, hw, clients = ps
        keyed = [(brokers[j], isr >> j & 1, j) for j in range(self.n) if j != leader]
        srt = sorted(keyed)
        if srt == keyed:
            return ps
        order = [k[2] for k in srt]
        order.insert(leader, leader)
        new = [0] * self.n
        for pos, old in enumerate(order):
            new[old] = pos
        isr2 = 0
        for j in range(self.n):
            if isr >> j & 1:
                isr2 |= 1 << new[j]
        cl = tuple(c if isinstance(c, int) else (c[0], new[c[1]], c[2]) for c in clients)
        return (tuple(brokers[o] for o in order), leader, isr2, hw, cl)

    def final(self, ps: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
        # once everything restarts, the current leader (or, if offline, the same broker
        # when it returns) holds the log everyone converges on
        brokers, leader = ps[0], ps[1]
        return (("log", brokers[leader][1] or None),)

    def render(self, label: tuple[Any, ...]) -> str:
        tag = label[0]
        if tag == "inv" and label[2] == "append":
            return f"producer {label[1]} sends record {label[4]} to leader {node(label[5])}"
        if tag == "inv":
            return f"consumer {label[1]} fetches the log"
        if tag == "ret" and label[2] == "ok":
            if not label[3]:
                return f"{node(label[4])} rejects producer {label[1]}'s record (NotEnoughReplicas)"
            return f"{node(label[4])} acknowledges producer {label[1]}'s record (acks={self.s.acks})"
        if tag == "ret":
            shown = "[]" if label[2] is None else list(label[2])
            return f"consumer {label[1]} reads {shown} up to the high watermark from {node(label[4])}"
        if tag == "fetch":
            return f"{node(label[1])} fetches from leader {node(label[2])} and is in sync"
        if tag == "join_isr":
            return f"{node(label[1])} rejoins the ISR"
        if tag == "shrink_isr":
            return f"leader drops lagging {node(label[1])} from the ISR"
        if tag == "elect":
            how = "UNCLEAN election (replica outside the ISR)" if label[2] else "elected from the ISR"
            return f"controller: {node(label[1])} becomes leader, {how}"
        return render_common(label)
