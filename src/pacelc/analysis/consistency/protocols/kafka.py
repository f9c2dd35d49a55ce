"""Replicated log in the style of a Kafka partition: leader, followers, in-sync replicas.

State: ``(brokers, leader, isr_mask, high_watermark, clients)`` with broker
``(up, log, flushed)`` (log is a tuple of record values; flushed, the length of the prefix
on disk, stays 0 with ``fsync="always"``) and client ``0`` idle, ``1`` consuming,
or ``(value, leader_at_produce, offset)`` producing (``offset == -1``: rejected with
NotEnoughReplicas).

Abstraction: a follower fetch copies the leader's log (truncating a divergent suffix,
as the leader-epoch protocol does) and rejoins the ISR when caught up; the leader may
drop a lagging or dead follower from the ISR at any time (``replica.lag.time.max.ms``).
Leader election by the controller is one atomic step, from the ISR, or from any live
broker when unclean election is enabled.

Durability (``fsync``): with ``"always"`` (the default) a crash keeps the broker's log (a
process crash, the page cache survives, or a flush before every acknowledgement). With
``"periodic"`` (Kafka's default: acknowledge from the page cache, flush when the OS or
``log.flush.interval.*`` decides) a free ``flush`` step puts a broker's log on disk at any
time, and a crash is a power loss: the broker comes back with its flushed prefix only. A
crashed leader then does not come back as leader while the controller can elect another
ISR member (the controller sees the new broker epoch, KIP-380); a follower may come back
still in the ISR, as before KIP-966 (the leader may drop it at any time).
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
    fsync: Literal["always", "periodic"] = "always"


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
            f"{'on' if settings.unclean_leader_election else 'off'}"
            f"{', fsync periodic' if settings.fsync == 'periodic' else ''})"
        )
        self.volatile = settings.fsync != "always"

    def initial(self) -> tuple[Any, ...]:
        return (((1, (), 0),) * self.n, 0, (1 << self.n) - 1, 0, (0,) * self.nc)

    def successors(self, ps: tuple[Any, ...], can_invoke: bool, can_fault: bool, value: int) -> Iterator[Step]:
        if self.volatile and not can_fault:
            # no power loss can happen any more: what is on disk no longer matters
            ps = (tuple((b[0], b[1], len(b[1])) for b in ps[0]), *ps[1:])
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
                b2 = (*brokers[:leader], (1, log2, ld[2]), *brokers[leader + 1 :])
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
                    # truncating a divergent suffix truncates what is on disk too
                    b2 = (*brokers[:j], (1, llog, min(f[2], _match(f[1], llog))), *brokers[j + 1 :])
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
        cands, unclean = self._candidates(brokers, leader, isr)
        if not lup:
            for j in cands:
                isr2 = (isr & ~(1 << leader)) | 1 << j if not unclean else 1 << j
                hw2 = min(hw, len(brokers[j][1])) if not unclean else len(brokers[j][1])
                yield ("elect", j, unclean), (brokers, j, isr2, hw2, clients), None, INTERNAL
        if self.volatile and can_fault:
            for j in range(n):
                b = brokers[j]
                if b[0] and b[2] < len(b[1]):
                    b2 = (*brokers[:j], (1, b[1], len(b[1])), *brokers[j + 1 :])
                    yield ("flush", j, len(b[1])), (b2, leader, isr, hw, clients), None, INTERNAL
        for j in range(n):
            b = brokers[j]
            if not b[0]:
                hw2 = hw
                if self.volatile and j == leader:
                    if cands:
                        continue  # the controller elects another ISR member first
                    hw2 = min(hw, len(b[1]))  # the high watermark cannot exceed the log it lost
                yield (
                    ("restart", j),
                    ((*brokers[:j], (1, b[1], b[2]), *brokers[j + 1 :]), leader, isr, hw2, clients),
                    None,
                    INTERNAL,
                )
        if can_fault:
            for j in range(n):
                b = brokers[j]
                if b[0]:
                    # a power loss keeps only the flushed prefix (always: the whole log)
                    b2 = (0, b[1][: b[2]], b[2]) if self.volatile else (0, b[1], b[2])
                    yield (
                        ("fault", "crash", j),
                        ((*brokers[:j], b2, *brokers[j + 1 :]), leader, isr, hw, clients),
                        None,
                        FAULT,
                    )

    def _candidates(self, brokers: tuple[Any, ...], leader: int, isr: int) -> tuple[list[int], bool]:
        """Brokers the controller may elect now (none while the leader is up), and whether uncleanly."""
        if brokers[leader][0]:
            return [], False
        n = self.n
        cands = [j for j in range(n) if j != leader and brokers[j][0] and isr >> j & 1]
        if not cands and self.s.unclean_leader_election:
            return [j for j in range(n) if j != leader and brokers[j][0]], True
        return cands, False

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
        if self.volatile:
            # a leader that lost records does not come back as leader while another broker can
            # be elected: show the outcome of electing the longest log (others are explored)
            cands, _ = self._candidates(brokers, leader, ps[2])
            if cands:
                return (("log", max((brokers[j][1] for j in cands), key=len) or None),)
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
        if tag == "flush":
            return f"{node(label[1])} flushes its log to disk ({label[2]} records)"
        if tag == "fault" and self.volatile:
            return f"FAULT: power loss on {node(label[2])} (records not flushed are lost)"
        if tag == "elect":
            how = "UNCLEAN election (replica outside the ISR)" if label[2] else "elected from the ISR"
            return f"controller: {node(label[1])} becomes leader, {how}"
        return render_common(label)
