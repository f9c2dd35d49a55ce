"""Independent sub-trees (modules): found in linear time, compiled separately behind a proxy.

A *module* is a gate whose descendants are reachable from the rest of the tree only through it,
so its function shares no basic event with anything else (Dutuit and Rauzy, "A linear-time
algorithm to find modules of fault trees", IEEE Trans. Reliability 45(3), 1996: one depth-first
traversal stamps every visit with a time; a gate is a module when every visit to its descendants
falls inside its own first visit and exit). Before detection, the arguments of each AND/OR gate
that share nothing with the gate's other arguments are grouped under a new gate of the same kind
(scram's "modular-argument grouping"): `or(a, b, x, y)` with `a`, `b` independent of everything
else becomes `or(or(a, b), x, y)`, and `or(a, b)` is a module.

The decomposition replaces every reference to a module by a *proxy* basic event. Each module is
then compiled with a variable order of its own, and its parent's BDD sees one variable for it: the
diagrams stay small. Results compose exactly because modules are independent: the proxy's
probability is the module's; the minimal cut sets are substituted (`mcs.Zbdd.substitute`), which
needs the module to be false when no event has failed, so modules that are true then (e.g.
`not(...)` at their root) stay inside their parent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .tree import FaultTree, Gate, GateKind

#: Trees with fewer gates are not decomposed: the per-operation trees of system models compile in
#: about a millisecond, less than the decomposition and the per-module work would cost.
MIN_GATES = 64

# Gate kind -> kind of the new gate grouping some of its arguments (nand(a, b, c) = nand(and(a, b), c)).
_GROUPABLE = {
    GateKind.AND: GateKind.AND,
    GateKind.OR: GateKind.OR,
    GateKind.NAND: GateKind.AND,
    GateKind.NOR: GateKind.OR,
}


@dataclass(frozen=True, slots=True)
class Decomposition:
    """A tree cut into modules.

    `tree` is the input with module references replaced by proxy basic events (probability 0.0
    in the tree: the real value is the module's, computed bottom-up) and with modular arguments
    grouped under new gates. `roots` lists the module gates, each after every module it uses; the
    last one is the top. `proxies` maps each proxy event to its module gate.
    """

    tree: FaultTree
    roots: tuple[str, ...]
    proxies: Mapping[str, str]

    @classmethod
    def trivial(cls, tree: FaultTree) -> Decomposition:
        """The tree as one module."""
        return cls(tree, (tree.top,), MappingProxyType({}))

    def module_tree(self, root: str) -> FaultTree:
        """The module rooted at `root` as a tree of its own (sharing this tree's maps: no copy)."""
        t = self.tree
        return FaultTree(t.name, root, t.basic_events, t.gates, t.house_events)


def decompose(tree: FaultTree, *, force: bool = False) -> Decomposition:
    """Group modular arguments, find the modules and put proxies in their place.

    Trees under `MIN_GATES` gates come back whole unless `force` (used by the tests)."""
    if not force and len(tree.gates) < MIN_GATES:
        return Decomposition.trivial(tree)
    grouped = _group_modular_arguments(tree)
    timing = _Timing(grouped)
    # A coherent tree whose house events are all false has every gate false when nothing failed.
    if grouped.is_coherent() and not any(grouped.house_events.values()):
        true_when_nothing_failed: Mapping[str, bool] = {}
    else:
        true_when_nothing_failed = grouped.gate_values(frozenset())
    modules = [
        g
        for g in timing.postorder
        if g != grouped.top and timing.is_module(g) and not true_when_nothing_failed.get(g, False)
    ]
    if not modules:
        return Decomposition.trivial(tree)
    taken = set(grouped.gates) | set(grouped.basic_events) | set(grouped.house_events)
    proxy_of: dict[str, str] = {}
    for m in modules:
        name = f"{m}#module"
        while name in taken:
            name += "#"
        taken.add(name)
        proxy_of[m] = name
    gates = [
        Gate(g.name, g.kind, tuple(proxy_of.get(a, a) for a in g.args), g.k)
        if any(a in proxy_of for a in g.args)
        else g
        for g in grouped.gates.values()
    ]
    events = dict(grouped.basic_events)
    events.update((p, 0.0) for p in proxy_of.values())
    rewritten = FaultTree.build(tree.name, tree.top, events, gates, grouped.house_events)
    return Decomposition(rewritten, (*modules, tree.top), MappingProxyType({p: m for m, p in proxy_of.items()}))


class _Timing:
    """Dutuit-Rauzy visit times of one depth-first traversal, and each gate's descendant window.

    Every encounter of a node (first or repeated) advances the clock; a gate also stamps its exit.
    House events are constants: sharing one creates no dependence, so they are left out.
    """

    def __init__(self, tree: FaultTree) -> None:
        gates, events = tree.gates, tree.basic_events
        first: dict[str, int] = {tree.top: 1}
        last: dict[str, int] = {tree.top: 1}
        exit_: dict[str, int] = {}
        postorder: list[str] = []
        clock = 1
        stack: list[tuple[str, Iterator[str]]] = [(tree.top, iter(gates[tree.top].args))]
        while stack:
            name, it = stack[-1]
            for a in it:
                if a in gates:
                    clock += 1
                    if a in first:
                        last[a] = clock
                        continue
                    first[a] = last[a] = clock
                    stack.append((a, iter(gates[a].args)))
                    break
                if a in events:
                    clock += 1
                    first.setdefault(a, clock)
                    last[a] = clock
            else:
                clock += 1
                exit_[name] = clock
                postorder.append(name)
                stack.pop()
        # Window of each gate's descendants: earliest and latest visit of any node below it.
        low: dict[str, int] = {}
        high: dict[str, int] = {}
        for g in postorder:
            lo, hi = clock + 1, 0
            for a in gates[g].args:
                if a in gates:
                    lo = min(lo, first[a], low[a])
                    hi = max(hi, last[a], exit_[a], high[a])
                elif a in events:
                    lo = min(lo, first[a])
                    hi = max(hi, last[a])
            low[g], high[g] = lo, hi
        self.gates, self.first, self.last, self.exit = gates, first, last, exit_
        self.low, self.high, self.postorder = low, high, postorder

    def is_module(self, g: str) -> bool:
        return self.first[g] < self.low[g] and self.high[g] < self.exit[g]

    def span(self, a: str) -> tuple[int, int]:
        """Earliest and latest visit of `a` and everything below it."""
        if a in self.gates:
            return min(self.first[a], self.low[a]), max(self.last[a], self.exit[a], self.high[a])
        return self.first[a], self.last[a]


def _group_modular_arguments(tree: FaultTree) -> FaultTree:
    """Put the arguments of each AND/OR (NAND/NOR) gate that share nothing with the rest of the tree
    under new gates: one per group of arguments that share something among themselves, one for all
    the single independent ones. The function is unchanged (associativity)."""
    timing = _Timing(tree)
    gates = dict(tree.gates)
    taken = set(gates) | set(tree.basic_events) | set(tree.house_events)
    changed = False
    for g in timing.postorder:
        gate = gates[g]
        if gate.kind not in _GROUPABLE or len(gate.args) < 3:
            continue
        enter, leave = timing.first[g], timing.exit[g]
        inside: list[tuple[int, int, str]] = []
        outside: list[tuple[int, int, str]] = []
        for a in gate.args:
            if a in tree.house_events:
                outside.append((0, 0, a))  # constants stay where they are
                continue
            lo, hi = timing.span(a)
            (inside if enter < lo and hi < leave else outside).append((lo, hi, a))
        # An argument whose window overlaps one that reaches outside the gate may share with it.
        reach = [(lo, hi) for lo, hi, a in outside if a not in tree.house_events]
        moved = True
        while moved and inside and reach:
            moved = False
            keep = []
            for lo, hi, a in inside:
                if any(lo <= r_hi and r_lo <= hi for r_lo, r_hi in reach):
                    reach.append((lo, hi))
                    outside.append((lo, hi, a))
                    moved = True
                else:
                    keep.append((lo, hi, a))
            inside = keep
        if not inside:
            continue
        # Arguments with overlapping windows may share: they stay together.
        inside.sort()
        groups: list[list[str]] = []
        end = -1
        for lo, hi, a in inside:
            if groups and lo <= end:
                groups[-1].append(a)
            else:
                groups.append([a])
            end = max(end, hi)
        singles = [grp[0] for grp in groups if len(grp) == 1]
        new_groups = [grp for grp in groups if len(grp) > 1]
        if len(singles) > 1:
            new_groups.append(singles)
            singles = []
        args = [a for _, _, a in outside] + singles
        if not new_groups or (len(new_groups) == 1 and not args):
            continue  # the group would be the whole gate: nothing to gain
        kind = _GROUPABLE[gate.kind]
        for i, grp in enumerate(new_groups):
            name = f"{g}#group{i}"
            while name in taken:
                name += "#"
            taken.add(name)
            gates[name] = Gate(name, kind, tuple(grp))
            args.append(name)
        gates[g] = Gate(g, gate.kind, tuple(args), gate.k)
        changed = True
    if not changed:
        return tree
    return FaultTree.build(tree.name, tree.top, tree.basic_events, gates.values(), tree.house_events, validate=False)
