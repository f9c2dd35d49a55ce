"""Merging common arguments (scram's preprocessor, Rakhimov's SCRAM: `MergeCommonArgs`).

For AND gates, then OR gates: the arguments used by two or more gates of that kind are each
gate's *common* arguments; every two gates sharing at least two of them give an *option* (the
shared set, and the gates sharing it); options are grouped greedily into chains of nested sets
(scram's `GroupCommonArgs`), and each set of a chain is factored out into a new gate of that kind,
`name#mN`, which replaces the set in each of its gates. A gate left with one argument becomes a
pass-through and is bypassed in its AND/OR parents. Every gate keeps its name and its function
(property-tested against truth tables).

What it is used for: the structure FORCE reads its nets from (`bdd.force_order`). Compiling the
merged tree instead of the original changes nothing measurable (same BDD sizes and times with the
same order: CUDD's caches already share what the new gates share), but FORCE on the merged nets
finds better orders on the EDF models: force-dfs-small edf9204 105k -> 76k nodes (0.54 -> 0.26
s), edfpa15o 115k -> 24k, edfpa14b 69k -> 38k, edfpa15p 56k -> 23k (docs/fta.md).
"""

from __future__ import annotations

from operator import itemgetter

from .tree import FaultTree, Gate, GateKind, gate_postorder

_AND, _OR, _NULL = GateKind.AND, GateKind.OR, GateKind.NULL


def merge_common_args(tree: FaultTree) -> FaultTree:
    """The tree with the common arguments of its AND and OR gates merged (the same tree when
    there is nothing to merge)."""
    work = _Work(tree)
    merged = sum(_merge(work, kind) for kind in (_AND, _OR))
    return work.build() if merged else tree


class _Work:
    """A mutable copy of the gates: name -> [kind, arguments, k]."""

    def __init__(self, tree: FaultTree) -> None:
        self.tree = tree
        self.gates = {g.name: [g.kind, list(g.args), g.k] for g in tree.gates.values()}
        self.taken = set(tree.gates) | set(tree.basic_events) | set(tree.house_events)
        self.counter = 0

    def new_name(self, base: str) -> str:
        while True:
            self.counter += 1
            name = f"{base}#m{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def reachable(self) -> list[str]:
        """Gates reachable from the top, arguments first."""
        return gate_postorder(self.tree.top, self.gates, itemgetter(1))

    def bypass(self, passes: list[str]) -> None:
        """Replace the pass-through gates `passes` by their argument in AND/OR gates."""
        gates = self.gates
        through = {n for n in passes if gates[n][0] is _NULL}

        def resolve(a: str) -> str:
            while a in through:
                a = gates[a][1][0]
            return a

        for entry in gates.values():
            if entry[0] in (_AND, _OR) and any(a in through for a in entry[1]):
                entry[1] = list(dict.fromkeys(resolve(a) for a in entry[1]))
                if len(entry[1]) == 1:  # and(x, null(x)) is x
                    entry[0] = _NULL

    def build(self) -> FaultTree:
        t = self.tree
        gates = [Gate(name, kind, tuple(args), k) for name, (kind, args, k) in self.gates.items()]
        return FaultTree.build(t.name, t.top, t.basic_events, gates, t.house_events, validate=False)


def _merge(work: _Work, kind: GateKind) -> int:
    """Merge the common arguments of the gates of `kind`; the number of new gates."""
    gates = work.gates
    order = work.reachable()
    uses: dict[str, int] = {}
    for name in order:
        if gates[name][0] is kind:
            for a in set(gates[name][1]):
                uses[a] = uses.get(a, 0) + 1
    candidates: list[tuple[str, frozenset[str]]] = []
    for name in order:
        if gates[name][0] is kind:
            common = frozenset(a for a in gates[name][1] if uses.get(a, 0) > 1)
            if len(common) >= 2:
                candidates.append((name, common))
    # Every two candidates sharing at least two arguments (only pairs that share one are tried).
    with_arg: dict[str, list[int]] = {}
    for i, (_, common) in enumerate(candidates):
        for a in common:
            with_arg.setdefault(a, []).append(i)
    options: dict[frozenset[str], set[str]] = {}
    for i, (gate_i, common_i) in enumerate(candidates):
        partners = {j for a in common_i for j in with_arg[a] if j > i}
        for j in sorted(partners):
            gate_j, common_j = candidates[j]
            shared = common_i & common_j
            if len(shared) >= 2:
                options.setdefault(shared, set()).update((gate_i, gate_j))
    if not options:
        return 0
    groups = _group_options(options)
    created = 0
    passes: list[str] = []
    for group in groups:
        for at, (common, parents) in enumerate(group):
            # The grouping keeps each set within its gates' arguments; checked all the same, since
            # a gate rewritten over arguments it lacks would change its function.
            holders = [p for p in sorted(parents) if common <= set(gates[p][1])]
            if len(holders) < 2:
                continue
            new = work.new_name(holders[0])
            gates[new] = [kind, [a for a in gates[holders[0]][1] if a in common], None]
            created += 1
            for p in holders:
                gates[p][1] = [a for a in gates[p][1] if a not in common] + [new]
                if len(gates[p][1]) == 1:
                    gates[p][0] = _NULL
                    passes.append(p)
            for wider, _ in group[at + 1 :]:  # the next sets of the chain contain this one
                wider.difference_update(common)
                wider.add(new)
    work.bypass(passes)
    return created


def _group_options(options: dict[frozenset[str], set[str]]) -> list[list[tuple[set[str], set[str]]]]:
    """scram's grouping (`GroupCommonArgs`): the options by size of their shared set (stable),
    then, repeatedly, the longest chain of options, each one's set containing the previous one's
    and its gates among the previous one's (ties: the chain whose first option has fewer gates);
    its gates leave the options that overlap its widest set, and options left with fewer than two
    gates drop out.

    The sets never change, only the gates: which later options contain each option's set is
    worked out once (from the options holding each argument), and a chain is sought among those
    only. Scanning every later option instead, for each option in each round, took 15 s on
    das9701 (417 rounds over ~2,000 options)."""
    ordered = sorted(options.items(), key=lambda o: len(o[0]))
    sets = [shared for shared, _ in ordered]
    gates = [set(g) for _, g in ordered]
    holding: dict[str, set[int]] = {}
    for i, shared in enumerate(sets):
        for a in shared:
            holding.setdefault(a, set()).add(i)
    supersets = [set.intersection(*(holding[a] for a in shared)) for shared in sets]
    later_supersets = [sorted(j for j in sup if j > i) for i, sup in enumerate(supersets)]
    alive = set(range(len(sets)))  # every option starts with two gates or more
    groups: list[list[tuple[set[str], set[str]]]] = []
    while alive:
        best: list[int] = []
        for i in sorted(alive):
            chain = [i]
            last = i
            for j in later_supersets[i]:
                if j in alive and j in supersets[last] and gates[j] <= gates[last]:
                    chain.append(j)
                    last = j
            fewer_gates = best and len(gates[chain[0]]) < len(gates[best[0]])
            if len(chain) > len(best) or (len(chain) == len(best) and fewer_gates):
                best = chain
        groups.append([(set(sets[i]), set(gates[i])) for i in best])
        taken_gates, widest = gates[best[0]], sets[best[-1]]
        for i in best:
            alive.discard(i)
        for i in set().union(*(holding[a] for a in widest)) & alive:
            gates[i] -= taken_gates
            if len(gates[i]) < 2:
                alive.discard(i)
    return groups
