"""Fault-tree representation: a small frozen structure shared by the readers and the engines.

A tree is three name spaces that must not overlap (basic events, house events, gates) and one top
gate. Gate arguments are plain names, resolved against those maps. Plain dicts and tuples keep
construction cheap: the system model builds trees for architectures of 10,000 services, so
validation is linear and iterative (no recursion on the tree depth).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter
from types import MappingProxyType
from typing import TypeVar

G = TypeVar("G")
_ARGS = attrgetter("args")  # a `Gate`'s arguments, for `gate_postorder`


class GateKind(StrEnum):
    """Boolean connective of a gate."""

    AND = "and"
    OR = "or"
    ATLEAST = "atleast"  # k-of-n, k in Gate.k
    NOT = "not"
    XOR = "xor"  # odd parity of the arguments (the exclusive or for two)
    NAND = "nand"
    NOR = "nor"
    NULL = "null"  # pass-through of its single argument


class FaultTreeError(ValueError):
    """A fault tree is malformed (dangling reference, cycle, bad gate).

    `subject` names the gate or event at fault, so that readers can point at its definition.
    """

    def __init__(self, message: str, subject: str | None = None) -> None:
        super().__init__(message)
        self.subject = subject


#: Name prefix of the two constant house events that nested `<constant>` formulas resolve to.
CONSTANT_TRUE = "#true"
CONSTANT_FALSE = "#false"

_UNARY = frozenset({GateKind.NOT, GateKind.NULL})


@dataclass(frozen=True, slots=True)
class Gate:
    """A gate: `kind` applied to `args` (names of gates, basic events or house events)."""

    name: str
    kind: GateKind
    args: tuple[str, ...]
    k: int | None = None  # only for ATLEAST

    def __post_init__(self) -> None:
        if self.kind is GateKind.ATLEAST:
            if self.k is None or not 1 <= self.k <= len(self.args):
                raise FaultTreeError(
                    f"gate {self.name!r}: atleast needs 1 <= k <= {len(self.args)} arguments, got k={self.k}",
                    self.name,
                )
        elif self.k is not None:
            raise FaultTreeError(f"gate {self.name!r}: only an atleast gate takes k", self.name)
        if self.kind in _UNARY and len(self.args) != 1:
            raise FaultTreeError(f"gate {self.name!r}: {self.kind} takes exactly one argument", self.name)
        if not self.args:
            raise FaultTreeError(f"gate {self.name!r}: no argument", self.name)

    @property
    def anonymous(self) -> bool:
        """True for gates made from nested formulas (their names contain '#'); writers inline them."""
        return "#" in self.name


@dataclass(frozen=True, slots=True)
class FaultTree:
    """A validated fault tree. Build it with `FaultTree.build` (which validates) or the constructor
    followed by `validate()`."""

    name: str
    top: str
    basic_events: Mapping[str, float]
    gates: Mapping[str, Gate]
    house_events: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def build(
        cls,
        name: str,
        top: str,
        basic_events: Mapping[str, float],
        gates: Iterable[Gate],
        house_events: Mapping[str, bool] | None = None,
        *,
        validate: bool = True,
    ) -> FaultTree:
        """Freeze the maps and validate the whole tree.

        `validate=False` is for the engine's own rewrites of a valid tree (modules, merged
        arguments), which keep it valid by construction and whose tests validate them: ~0.5 ms a
        tree of 450 gates, three times on each large tree analysed."""
        gate_map: dict[str, Gate] = {}
        if validate:
            for g in gates:
                if g.name in gate_map:
                    raise FaultTreeError(f"gate {g.name!r} defined twice", g.name)
                gate_map[g.name] = g
        else:
            gate_map = {g.name: g for g in gates}
        tree = cls(
            name=name,
            top=top,
            basic_events=MappingProxyType(dict(basic_events)),
            gates=MappingProxyType(gate_map),
            house_events=MappingProxyType(dict(house_events or {})),
        )
        if validate:
            tree.validate()
        return tree

    def validate(self) -> None:
        """Check probabilities, name clashes, dangling references and cycles (linear time)."""
        for be, p in self.basic_events.items():
            if not 0.0 <= p <= 1.0:  # also rejects NaN
                raise FaultTreeError(f"basic event {be!r}: probability {p} is not in [0, 1]", be)
        for n in self.gates:
            if n in self.basic_events or n in self.house_events:
                raise FaultTreeError(f"name {n!r} is both a gate and an event", n)
        for n in self.house_events:
            if n in self.basic_events:
                raise FaultTreeError(f"name {n!r} is both a basic event and a house event", n)
        if self.top not in self.gates:
            raise FaultTreeError(f"top gate {self.top!r} is not defined")
        for g in self.gates.values():
            for a in g.args:
                if a not in self.gates and a not in self.basic_events and a not in self.house_events:
                    raise FaultTreeError(f"gate {g.name!r}: argument {a!r} is not defined", g.name)
        self._check_acyclic()

    def _check_acyclic(self) -> None:
        # Iterative three-colour DFS over all gates: deep chains must not hit the recursion limit.
        gates = self.gates
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        for root in gates:
            if root in state:
                continue
            stack: list[tuple[str, Iterator[str]]] = [(root, iter(gates[root].args))]
            state[root] = 1
            while stack:
                name, it = stack[-1]
                for a in it:
                    if a not in gates:
                        continue
                    s = state.get(a)
                    if s == 1:
                        cycle = [n for n, _ in stack]
                        cycle = [*cycle[cycle.index(a) :], a]
                        raise FaultTreeError("cycle through gates: " + " -> ".join(cycle), a)
                    if s is None:
                        state[a] = 1
                        stack.append((a, iter(gates[a].args)))
                        break
                else:
                    state[name] = 2
                    stack.pop()

    def postorder(self, root: str | None = None) -> list[str]:
        """Gates reachable from `root` (default: the top), every gate after all the gates it uses."""
        return gate_postorder(self.top if root is None else root, self.gates, _ARGS)

    def events_in_dfs_order(self) -> list[str]:
        """Basic events reachable from the top, in depth-first order of first appearance."""
        gates, bes = self.gates, self.basic_events
        seen: set[str] = set()
        out: list[str] = []
        stack: list[Iterator[str]] = [iter(gates[self.top].args)]
        seen_gates = {self.top}
        while stack:
            for a in stack[-1]:
                if a in gates:
                    if a not in seen_gates:
                        seen_gates.add(a)
                        stack.append(iter(gates[a].args))
                        break
                elif a in bes and a not in seen:
                    seen.add(a)
                    out.append(a)
            else:
                stack.pop()
        return out

    def gate_values(self, failed: Set[str]) -> dict[str, bool]:
        """Each gate's value (reachable from the top) when exactly the basic events in `failed`
        have occurred, house events at their values."""
        value: dict[str, bool] = dict(self.house_events)
        for name in self.postorder():
            gate = self.gates[name]
            args = [value.get(a, a in failed) for a in gate.args]
            n = sum(args)
            kind = gate.kind
            if kind is GateKind.AND:
                v = n == len(args)
            elif kind is GateKind.OR:
                v = n > 0
            elif kind is GateKind.ATLEAST:
                v = n >= (gate.k or 1)
            elif kind is GateKind.NAND:
                v = n < len(args)
            elif kind is GateKind.NOR:
                v = n == 0
            elif kind is GateKind.XOR:
                v = n % 2 == 1
            elif kind is GateKind.NOT:
                v = not args[0]
            else:  # NULL
                v = args[0]
            value[name] = v
        return value

    def is_coherent(self) -> bool:
        """No NOT, XOR, NAND, NOR gate reachable from the top (monotone structure function)."""
        bad = {GateKind.NOT, GateKind.XOR, GateKind.NAND, GateKind.NOR}
        return not any(self.gates[g].kind in bad for g in self.postorder())


def gate_postorder(start: str, gates: Mapping[str, G], args_of: Callable[[G], Iterable[str]]) -> list[str]:
    """Names of `gates` reachable from the gate `start`, every gate after all the gates it uses
    (iterative: trees can be deep); `args_of(gate)` gives a gate's arguments. `FaultTree.postorder`
    and the mutable gates of `merge.py` share this walk."""
    seen: set[str] = {start}
    out: list[str] = []
    stack: list[tuple[str, Iterator[str]]] = [(start, iter(args_of(gates[start])))]
    while stack:
        name, it = stack[-1]
        for a in it:
            if a in gates and a not in seen:
                seen.add(a)
                stack.append((a, iter(args_of(gates[a]))))
                break
        else:
            out.append(name)
            stack.pop()
    return out
