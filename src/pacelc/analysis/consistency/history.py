"""Histories of client operations, as observed by clients, plus faults for display.

A history is a sequence of events: invocations, returns and faults. Operations
are built from matching invocation/return pairs per client (a client has at most
one outstanding operation). Times are event positions, so real-time order is
``a.ret < b.invoke``.

Values: registers start at ``None``. Writes in a checked history should carry
unique values per key (the model checker guarantees it) so that every read can
be traced to the write it observed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

READ = "read"
WRITE = "write"
CAS = "cas"
APPEND = "append"
OP_KINDS = (READ, WRITE, CAS, APPEND)

PENDING = None  # Op.ret for an operation that never returned (indeterminate)


@dataclass(frozen=True, slots=True)
class Op:
    """One client operation.

    ``arg`` is the written value (write), the appended element (append) or a pair
    ``(expected, new)`` (cas). ``result`` is the value read (read) or a bool (cas).
    ``ret is None`` means the operation is pending: it may or may not have taken
    effect. ``ok=False`` means it definitely failed (no effect), as when a
    producer gets NotEnoughReplicas.
    """

    index: int
    client: int
    kind: str
    key: str
    arg: Any
    result: Any
    invoke: int
    ret: int | None
    ok: bool = True
    replica: str | None = None
    final: bool = False  # a read made after quiescence (all faults healed, replication drained)

    @property
    def pending(self) -> bool:
        return self.ret is None

    @property
    def acked(self) -> bool:
        return self.ret is not None and self.ok

    def describe(self) -> str:
        if self.kind == READ:
            return f"read({self.key})"
        if self.kind == WRITE:
            return f"write({self.key}={self.arg!r})"
        if self.kind == APPEND:
            return f"append({self.key}, {self.arg!r})"
        return f"cas({self.key}, {self.arg[0]!r}->{self.arg[1]!r})"


@dataclass(frozen=True, slots=True)
class Fault:
    time: int
    description: str


@dataclass(frozen=True)
class History:
    ops: tuple[Op, ...]
    faults: tuple[Fault, ...] = ()
    length: int = 0  # number of event positions used

    def by_key(self) -> dict[str, list[Op]]:
        out: dict[str, list[Op]] = {}
        for op in self.ops:
            out.setdefault(op.key, []).append(op)
        return dict(sorted(out.items()))

    def by_client(self) -> dict[int, list[Op]]:
        out: dict[int, list[Op]] = {}
        for op in sorted(self.ops, key=lambda o: o.invoke):
            out.setdefault(op.client, []).append(op)
        return dict(sorted(out.items()))

    def effective(self) -> list[Op]:
        """Operations that may have had an effect: failed ones and pending reads drop out."""
        return [o for o in self.ops if o.ok and not (o.pending and o.kind == READ)]


@dataclass
class HistoryBuilder:
    """Builds a history event by event (used by tests and the model checker)."""

    _ops: list[dict[str, Any]] = field(default_factory=list)
    _open: dict[int, int] = field(default_factory=dict)
    _faults: list[Fault] = field(default_factory=list)
    _t: int = 0

    def invoke(
        self, client: int, kind: str, key: str = "x", arg: Any = None, replica: str | None = None, final: bool = False
    ) -> int:
        if kind not in OP_KINDS:
            raise ValueError(f"unknown op kind {kind!r}")
        if client in self._open:
            raise ValueError(f"client {client} already has an outstanding operation")
        self._open[client] = len(self._ops)
        self._ops.append(
            dict(
                client=client,
                kind=kind,
                key=key,
                arg=arg,
                result=None,
                invoke=self._t,
                ret=None,
                ok=True,
                replica=replica,
                final=final,
            )
        )
        self._t += 1
        return len(self._ops) - 1

    def ret(self, client: int, result: Any = None, ok: bool = True, replica: str | None = None) -> None:
        i = self._open.pop(client)
        d = self._ops[i]
        d["result"], d["ret"], d["ok"] = result, self._t, ok
        if replica is not None:
            d["replica"] = replica
        self._t += 1

    def op(
        self,
        client: int,
        kind: str,
        key: str = "x",
        arg: Any = None,
        result: Any = None,
        ok: bool = True,
        final: bool = False,
    ) -> None:
        """An operation that runs without overlap: invoke immediately followed by return."""
        self.invoke(client, kind, key, arg, final=final)
        self.ret(client, result, ok)

    def fault(self, description: str) -> None:
        self._faults.append(Fault(self._t, description))
        self._t += 1

    def build(self) -> History:
        ops = tuple(Op(index=i, **d) for i, d in enumerate(self._ops))
        return History(ops, tuple(self._faults), self._t)


def history_from_events(events: Iterable[Sequence[Any]]) -> History:
    """Build a history from compact event tuples used by the model checker.

    ``("i", client, kind, key, arg)`` invokes, ``("r", client, result, ok)`` returns,
    ``("q", key, result)`` is a final read after quiescence (by an observer client -1).
    """
    b = HistoryBuilder()
    for ev in events:
        tag = ev[0]
        if tag == "i":
            b.invoke(ev[1], ev[2], ev[3], ev[4])
        elif tag == "r":
            b.ret(ev[1], ev[2], ev[3])
        elif tag == "q":
            b.invoke(-1, READ, ev[1], None, final=True)
            b.ret(-1, ev[2])
        else:
            raise ValueError(f"unknown event tag {tag!r}")
    return b.build()
