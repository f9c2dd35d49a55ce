"""Fault trees of the operations of a system model, and their exact analysis.

For each operation the tree's top event is "the operation is unavailable". It fails when the entry
service or a dependency it waits for fails:

* a replica fails with its own basic event, or with the zone or region it runs in (zones and
  regions are shared basic events, so common causes are exact, not approximated);
* a service fails when fewer than `min_replicas` (default 1) of its replicas are up: an
  at-least-(n - m + 1)-of-n gate over the replica failures;
* a store fails for writes when fewer than its write quorum is up (consensus: a majority; leaderless:
  W; a log with min in-sync replicas: that many; single-leader with automatic failover: any replica;
  with manual failover: the leader), and for reads when fewer than its read quorum is up;
* an external service (payment provider, SaaS) fails with its own event at its promised SLA;
* a synchronous call with a fallback (on the call or its circuit breaker; "none" or "fail ..." is
  an explicit decision not to degrade, see `graph.degraded_fallback`) does not make the
  operation unavailable: it degrades it. A second tree, "the operation is impaired", includes those
  dependencies, so the report can say how often the operation runs degraded.

A placement that lists zones but leaves `spread: unspecified` does not say where the replicas run.
The trees model one placement the scheduler is free to choose, every replica in the first listed
zone (for that element alone the worst: one zone's failure takes all of it), because a figure is
more use than none; but that is an assumption, not a fact. It is recorded (`assumed_zones`), and
every single point of failure (`SinglePoint.assumed`) and cut set (`depends_on_placement`) that
exists only under it is marked as such, so the rules and tables say "if all its replicas are in
one zone" instead of naming a zone the model never gave. The figure is not a bound: other
placements can be better or (with several such elements in different zones) worse. What holds for
every placement is computed too (`any_placement`): the same tree without zone or region causes for
those elements. The trees are coherent, so removing causes can only lower the unavailability: no
placement does better than that figure, and an SLA it misses is missed wherever the replicas run.

Asynchronous calls carry no availability risk here (they carry lag and data-loss risk elsewhere).
Steady-state availability: failover and detection times are outside these trees (see the recovery
estimates); they assume a failover completes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from pacelc.analysis.deadline import Deadline
from pacelc.analysis.fta.budget import Status
from pacelc.analysis.fta.engine import FtaResult, analyze
from pacelc.analysis.fta.tree import FaultTree, Gate, GateKind
from pacelc.analysis.graph import CallNode, SystemGraph, degraded_fallback
from pacelc.analysis.placement import replica_zones
from pacelc.model.schema import Operation, Service, Store

MINUTES_PER_YEAR = 365.25 * 24 * 60
# Largest k-of-n quorum gate (by its lower bound of nodes, see `quorum_gate`) a review analyses
# exactly. Measured over replicas in three zones: a bound of 990,000 (10,000 replicas needing 100)
# built 2.3 million nodes in 15 s, 4.75 million (needing 500) 22 s and 1 GB. This bound keeps one
# such gate to a few seconds, well inside an operation's time budget; a larger one is reported
# unknown at once, with its size, instead of spending the budget to find out.
QUORUM_MAX_NODES = 250_000


@dataclass
class _Builder:
    """Accumulates basic events and gates shared by the operations of one model."""

    graph: SystemGraph
    events: dict[str, float] = field(default_factory=dict)
    gates: dict[str, Gate] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # event name -> readable text
    assumptions: set[str] = field(default_factory=set)
    # Which model element a gate or event stands for: the dependency path of a single point of failure.
    element_of: dict[str, str] = field(default_factory=dict)
    # Quorum gates too large to analyse exactly (gate name -> why), known before any work is done.
    oversized: dict[str, str] = field(default_factory=dict)
    # Elements whose zones are listed but whose spread is not: the zone their replicas are modelled in
    # (an assumption; see the module docstring).
    assumed_zones: dict[str, str] = field(default_factory=dict)
    # Build the trees with no zone or region causes for those elements instead (the best any placement
    # can do; see the module docstring).
    unplaced_when_unspecified: bool = False

    def event(self, name: str, probability: float, label: str, element: str) -> str:
        if name not in self.events:
            self.events[name] = probability
            self.labels[name] = label
            self.element_of[name] = element
        return name

    def gate(self, name: str, kind: GateKind, args: Iterable[str], k: int | None = None) -> str:
        if name not in self.gates:
            unique = tuple(dict.fromkeys(args))
            if len(unique) == 1 and kind in (GateKind.OR, GateKind.AND):
                kind, k = GateKind.NULL, None
            elif kind is GateKind.ATLEAST and k is not None and k == len(unique):
                kind, k = GateKind.AND, None
            elif kind is GateKind.ATLEAST and k == 1:
                kind, k = GateKind.OR, None
            if kind is GateKind.ATLEAST and k is not None and k > len(unique):
                kind, k = GateKind.AND, None  # defensive; cannot happen for validated models
            self.gates[name] = Gate(name, kind, unique, k)
        return name

    # ------------------------------------------------------------------ failure domains

    def zone_event(self, zone: str) -> list[str]:
        """Events that take a zone down: the zone itself and its region."""
        region_id = self.graph.zone_region.get(zone)
        defaults = self.graph.model.defaults.availability
        out = []
        for region in self.graph.model.regions:
            if region.id != region_id:
                continue
            p_region = 1 - (region.availability or defaults.region)
            out.append(self.event(f"region:{region.id}", p_region, f"region {region.id} down", region.id))
            for z in region.zones:
                if z.id == zone:
                    p_zone = 1 - (z.availability or defaults.zone)
                    out.append(self.event(f"zone:{zone}", p_zone, f"zone {zone} down", zone))
        return out

    def zone_down(self, zone: str) -> list[str]:
        """The zone's failure as one shared gate (zone or region down). Replica gates then share one
        argument instead of two: otherwise merging common arguments pairs every two replicas of a
        region (quadratic: 3,000 replicas took 10 s), and the BDD grows with each conjunct."""
        causes = self.zone_event(zone)
        if len(causes) < 2:
            return causes
        return [self.gate(f"zone-down:{zone}", GateKind.OR, causes)]

    def replica_gates(self, element: Service | Store, kind: str) -> list[str]:
        """One gate per replica: its own failure, or its zone's, or its region's."""
        defaults = self.graph.model.defaults.availability
        own = element.replica_availability or (
            defaults.service_replica if kind == "service" else defaults.store_replica
        )
        placement = element.placement
        zones = replica_zones(element.replicas, placement)
        if zones is None and placement is not None and placement.zones and self.unplaced_when_unspecified:
            self.assumed_zones[element.id] = placement.zones[0]
        elif zones is None and placement is not None and placement.zones:
            # Spread unspecified: the scheduler may put every replica in one zone. Model that case (in the
            # first listed zone) but record it, so nothing that depends on it is stated as a fact.
            zones = [placement.zones[0]] * element.replicas
            self.assumed_zones[element.id] = placement.zones[0]
            self.assumptions.add(
                f"{element.id}: spread over {', '.join(placement.zones)} unspecified; modelled with all "
                f"{element.replicas} replica{'s' if element.replicas > 1 else ''} in {placement.zones[0]}, one "
                "placement the scheduler may choose (figures and cut sets that depend on it say so)"
            )
        elif zones is None:
            self.assumptions.add(f"{element.id}: no placement, zone and region failures not modelled")
        out = []
        for i in range(element.replicas):
            name = f"{kind}:{element.id}#{i + 1}"
            ev = self.event(name, 1 - own, f"{kind} {element.id} replica {i + 1} down", element.id)
            causes = [ev, *(self.zone_down(zones[i]) if zones else [])]
            out.append(self.gate(f"replica:{element.id}#{i + 1}", GateKind.OR, causes))
        return out

    # ------------------------------------------------------------------ elements

    def service_down(self, svc: Service) -> str:
        name = f"down:{svc.id}"
        if name in self.gates or name in self.events:
            return name
        if svc.external:
            p = 1 - (svc.sla_availability or self.graph.model.defaults.availability.service_replica)
            return self.event(name, p, f"external {svc.id} down", svc.id)
        replicas = self.replica_gates(svc, "service")
        need = svc.min_replicas or 1
        self.element_of[name] = svc.id
        return self.quorum_gate(name, svc.id, replicas, need)

    def store_down(self, store: Store, write: bool) -> str:
        mode = "write" if write else "read"
        name = f"down:{store.id}:{mode}"
        if name in self.gates:
            return name
        replicas = self.replica_gates(store, "store")
        n = len(replicas)
        rep = store.replication
        topology = rep.topology if rep else "none"
        need = 1
        if n > 1 and rep is not None:
            q = rep.quorum
            if topology == "consensus":
                need = n // 2 + 1
                if not write and rep.read_from in ("followers", "any", "nearest"):
                    need = 1
            elif topology == "leaderless" and q is not None:
                need = (q.w if write else q.r) or 1
            elif store.kind == "log" and write and q is not None and q.min_in_sync_replicas:
                need = q.min_in_sync_replicas
            elif topology == "single_leader":
                leader_only = write or rep.read_from in (None, "leader")
                failover = rep.failover.mode if rep.failover else None
                if leader_only and failover != "automatic":
                    # Without automatic failover the leader's failure stops it until someone acts.
                    self.element_of[name] = store.id
                    return self.gate(name, GateKind.NULL, [replicas[0]])
        self.element_of[name] = store.id
        return self.quorum_gate(name, store.id, replicas, need)

    def quorum_gate(self, name: str, element: str, replicas: list[str], need: int) -> str:
        """The element is down when fewer than `need` of its `replicas` are up.

        A k-of-n gate over n distinct replica events has a decision diagram of at least k(n-k+1)
        nodes in any variable order (its cofactor with every zone up is the symmetric threshold
        function of the replicas' own events). Past `QUORUM_MAX_NODES` the gate is marked oversized,
        so its operations are reported unknown at once instead of after their time budget (10,000
        replicas needing a majority: 25 million nodes, 30 s to find out)."""
        n = len(replicas)
        k = n - need + 1
        nodes = k * (n - k + 1)
        if nodes > QUORUM_MAX_NODES and name not in self.oversized:
            self.oversized[name] = (
                f"{element} is down when {k:,} of its {n:,} replicas are: exact analysis needs a decision "
                f"diagram of at least {nodes:,} nodes, over the {QUORUM_MAX_NODES:,} a review allows one quorum"
            )
        return self.gate(name, GateKind.ATLEAST, replicas, k=k)

    def call_down(self, node: CallNode) -> str | None:
        """The gate for a sync call's target failing (recursing into services), or None if unknown."""
        target = node.target
        if node.target_kind == "service":
            svc = self.graph.services[target]
            own = self.service_down(svc)
            deps = [g for child in node.children if child.sync and (g := self.dependency(child)) is not None]
            if not deps:
                return own
            return self.gate(self._path_name(node.name, [own, *deps]), GateKind.OR, [own, *deps])
        if node.target_kind == "store":
            write = node.call.operation in ("write", "read_write")
            return self.store_down(self.graph.stores[target], write)
        if node.target_kind == "topic":
            broker = self.graph.stores.get(self.graph.topics[target].broker)
            return self.store_down(broker, True) if broker else None
        return None

    def _path_name(self, name: str, args: list[str]) -> str:
        """The gate name of a call path: operations whose `uses` keep different calls below the same
        hop get different gates (one name per set of arguments), never each other's."""
        base = f"path:{name}"
        candidate, n = base, 1
        while candidate in self.gates and set(self.gates[candidate].args) != set(args):
            n += 1
            candidate = f"{base}#{n}"
        return candidate

    def dependency(self, node: CallNode) -> str | None:
        """A call's contribution to unavailability: none when a fallback covers it."""
        if degraded_fallback(self.graph.effective_call(node.call)):
            return None
        return self.call_down(node)


@dataclass(frozen=True)
class OperationAvailability:
    """Exact availability of one operation with the cut sets that explain it."""

    operation: str
    tree: FaultTree
    result: FtaResult
    impaired: FtaResult | None  # including dependencies covered by a fallback (degraded operation)
    labels: dict[str, str]
    element_of: dict[str, str]
    sla: float | None
    assumptions: frozenset[str] = frozenset()
    # Element -> the zone its replicas are assumed to share (spread unspecified); see the module docstring.
    assumed_zones: dict[str, str] = field(default_factory=dict)
    # With such elements on the tree: the result without zone causes for them, which no placement beats.
    any_placement: FtaResult | None = None

    @property
    def availability(self) -> float | None:
        return None if self.result.probability is None else 1 - self.result.probability

    @property
    def degraded_fraction(self) -> float | None:
        """Probability the operation runs degraded (a fallback in use) but is not down."""
        if self.impaired is None or self.impaired.probability is None or self.result.probability is None:
            return None
        return max(0.0, self.impaired.probability - self.result.probability)

    def single_points_of_failure(self) -> list[str]:
        return [c.events[0] for c in self.result.cut_sets if c.order == 1]

    def downtime_minutes_per_year(self) -> float | None:
        return None if self.result.probability is None else self.result.probability * MINUTES_PER_YEAR


def _operation_trees(builder: _Builder, op: Operation) -> tuple[str, str | None]:
    graph = builder.graph
    tree = graph.trees[op.id]
    entry = graph.services.get(op.entry)
    hard: list[str] = [builder.service_down(entry)] if entry else []
    soft: list[str] = []
    for node in tree.calls:
        if not node.sync:
            continue
        dep = builder.dependency(node)
        if dep is not None:
            hard.append(dep)
        elif (g := builder.call_down(node)) is not None:
            soft.append(g)
    top = builder.gate(f"op:{op.id}", GateKind.OR, hard)
    impaired = builder.gate(f"op-impaired:{op.id}", GateKind.OR, [*hard, *soft]) if soft else None
    return top, impaired


def _subtree(builder: _Builder, name: str, top: str) -> FaultTree:
    """The tree of the gates reachable from `top` only (so each operation's BDD stays small)."""
    gates: dict[str, Gate] = {}
    events: dict[str, float] = {}
    stack = [top]
    while stack:
        g = stack.pop()
        if g in gates:
            continue
        gate = builder.gates[g]
        gates[g] = gate
        for a in gate.args:
            if a in builder.gates:
                stack.append(a)
            else:
                events[a] = builder.events[a]
    return FaultTree(name=name, top=top, basic_events=events, gates=gates)


def _unknown(tree: FaultTree, message: str, backend: str, status: Status = Status.TIME_BUDGET) -> FtaResult:
    """The result of an analysis not run (no time left, or a gate known to be too large): unknown, named."""
    return FtaResult(
        tree=tree.name,
        top=tree.top,
        status=status,
        message=message,
        probability=None,
        rare_event=None,
        mcub=None,
        approximation_scope=None,
        cut_set_count=None,
        order=0,
        distribution=None,
        cut_sets=[],
        coherent=True,
        backend=backend,
        bdd_nodes=None,
        zbdd_nodes=None,
        modules=None,
    )


def _analyze_within(
    builder: _Builder,
    tree: FaultTree,
    what: str,
    deadline: Deadline | None,
    order: int,
    budget_s: float,
    backend: str,
) -> FtaResult:
    """`analyze` with its budget capped by the review's deadline; a stop the deadline caused (or
    no time left at all) is reported as the review budget's, naming `what` was not computed. A
    tree with an oversized quorum gate is unknown at once, with the gate's reason."""
    oversized = sorted(builder.oversized[g] for g in tree.gates if g in builder.oversized)
    if oversized:
        return _unknown(tree, f"{what} not computed: {'; '.join(oversized)}", backend, Status.NODE_BUDGET)
    if deadline is None:
        return analyze(tree, order=order, budget_s=budget_s, backend=backend, count=False)
    if deadline.expired():
        return _unknown(tree, deadline.not_computed(what), backend)
    capped = deadline.caps(budget_s)
    result = analyze(tree, order=order, budget_s=deadline.cap(budget_s), backend=backend, count=False)
    if capped and result.status is Status.TIME_BUDGET:
        result = dataclasses.replace(result, message=deadline.not_computed(what))
    return result


def analyse_operations(
    graph: SystemGraph,
    order: int = 3,
    budget_s: float = 10.0,
    backend: str = "cudd",
    deadline: Deadline | None = None,
) -> dict[str, OperationAvailability]:
    """Exact availability and minimal cut sets (order ≤ `order`) of every operation, each within
    `budget_s` and all of them within `deadline` (what it leaves no time for is unknown)."""
    builder = _Builder(graph)
    tops = {op.id: _operation_trees(builder, op) for op in sorted(graph.model.operations, key=lambda o: o.id)}
    best: _Builder | None = None  # built only when some element's placement is assumed
    best_tops: dict[str, str] = {}
    out = {}
    for op in sorted(graph.model.operations, key=lambda o: o.id):
        top, impaired_top = tops[op.id]
        if top not in builder.gates:
            continue  # entry service unknown: the loader rejects such models
        tree = _subtree(builder, f"operation {op.id}", top)
        # The full count of cut sets is not needed here and can be huge: count=False.
        result = _analyze_within(
            builder, tree, f"availability of operation {op.id}", deadline, order, budget_s, backend
        )
        impaired = None
        if impaired_top is not None:
            impaired = _analyze_within(
                builder,
                _subtree(builder, f"operation {op.id} (impaired)", impaired_top),
                f"degraded availability of operation {op.id}",
                deadline,
                1,
                budget_s,
                backend,
            )
        any_placement = None
        if {builder.element_of.get(e) for e in tree.basic_events} & set(builder.assumed_zones):
            if best is None:
                best = _Builder(graph, unplaced_when_unspecified=True)
                best_tops = {o.id: _operation_trees(best, o)[0] for o in graph.model.operations}
            any_placement = _analyze_within(
                best,
                _subtree(best, f"operation {op.id} (any placement)", best_tops[op.id]),
                f"availability of operation {op.id} for any placement",
                deadline,
                1,
                budget_s,
                backend,
            )
        out[op.id] = OperationAvailability(
            op.id,
            tree,
            result,
            impaired,
            builder.labels,
            builder.element_of,
            op.sla.availability if op.sla else None,
            frozenset(builder.assumptions),
            builder.assumed_zones,
            any_placement,
        )
    return out


def model_fault_trees(graph: SystemGraph) -> list[FaultTree]:
    """Every operation's fault tree (for `pacelc fta --from-model` style export)."""
    builder = _Builder(graph)
    trees = []
    for op in sorted(graph.model.operations, key=lambda o: o.id):
        top, _ = _operation_trees(builder, op)
        if top in builder.gates:
            trees.append(_subtree(builder, f"operation {op.id}", top))
    return trees


@dataclass(frozen=True)
class SinglePoint:
    """An element that a single failure takes down, making an operation unavailable."""

    operation: str
    culprit: str  # the model element to change: it fails alone, or one failure takes it down
    events: tuple[str, ...]  # the basic events that alone cause it (its replica, its zone, ...)
    labels: tuple[str, ...]
    path: tuple[str, ...]  # entry service ... culprit
    probability: float  # of the union of those (independent basic) events
    # The events among `events` that take the culprit down only under the assumed placement of its
    # replicas (spread unspecified: all in one zone); their labels say so. Empty: all are facts.
    assumed: tuple[str, ...] = ()

    @property
    def only_assumed(self) -> bool:
        """Whether the element is a single point of failure only if its replicas share one zone."""
        return bool(self.assumed) and set(self.assumed) == set(self.events)


def single_points(graph: SystemGraph, op_avail: OperationAvailability, skip_regions: bool = True) -> list[SinglePoint]:
    """The order-1 cut sets of an operation, grouped by the element they take down.

    A region's failure takes every element in it down; with `skip_regions` those cut sets are left
    to the single-region rules, which say it once for the system instead of once per element.
    """
    tree = op_avail.tree
    by_culprit: dict[str, list[tuple[str, float]]] = {}
    for cut in op_avail.result.cut_sets:
        if cut.order != 1:
            continue
        event = cut.events[0]
        if skip_regions and event.startswith("region:"):
            continue
        if event.startswith("down:"):  # an external service's own event
            culprits = [op_avail.element_of.get(event, event)]
        else:
            values = tree.gate_values({event})
            down = [g for g, v in values.items() if v and g.startswith("down:")]
            # Keep the lowest: an element whose failure is not explained by a failed dependency below it.
            culprits = sorted({op_avail.element_of.get(g, g) for g in down if not _has_failed_child(tree, g, values)})
        for culprit in culprits:
            by_culprit.setdefault(culprit, []).append((event, cut.probability))
    out = []
    for culprit, events in by_culprit.items():
        names = tuple(e for e, _ in events)
        zone = op_avail.assumed_zones.get(culprit)
        # A zone's failure is a single point of the culprit's only because its replicas were assumed to
        # share that zone; its own replica's failure (one replica) is a fact wherever it runs.
        assumed = tuple(e for e in names if zone is not None and _is_domain_event(e))
        out.append(
            SinglePoint(
                op_avail.operation,
                culprit,
                names,
                tuple(
                    _assumed_label(op_avail.labels.get(e, e), culprit) if e in assumed else op_avail.labels.get(e, e)
                    for e in names
                ),
                _path_to(graph, op_avail.operation, culprit),
                _union(p for _, p in events),
                assumed,
            )
        )
    out.sort(key=lambda sp: (-sp.probability, sp.culprit))
    return out


def _is_domain_event(event: str) -> bool:
    """A zone's or region's failure (a shared basic event), as opposed to one replica's or provider's."""
    return event.startswith(("zone:", "region:"))


def _assumed_label(label: str, element: str) -> str:
    """The label of a zone or region failure that takes `element` down only under its assumed placement:
    it names the condition, and the modelled zone only as a model choice, never as where it runs."""
    return f"a zone holding all of {element}'s replicas down, if they share one (spread unspecified; modelled: {label})"


def depends_on_placement(op_avail: OperationAvailability, events: Iterable[str]) -> list[str]:
    """The elements with an assumed placement that a cut set (of `op_avail`'s tree) depends on: empty
    when it is a cut set whatever the scheduler did.

    It depends on the assumption when it contains a zone or region failure and every lowest element it
    takes down has an assumed placement: an element with a stated placement fails under it by its own
    gates, which assume nothing, and any element that fails stops the operation. The check is
    conservative: a cut set with both kinds of failure is not labelled."""
    chosen = set(events)
    if not op_avail.assumed_zones or not any(_is_domain_event(e) for e in chosen):
        return []
    tree = op_avail.tree
    values = tree.gate_values(chosen)
    down = [g for g, v in values.items() if v and g.startswith("down:") and not _has_failed_child(tree, g, values)]
    elements = sorted({op_avail.element_of.get(g, g) for g in down})
    elements += sorted({op_avail.element_of.get(e, e) for e in chosen if e.startswith("down:")})
    if elements and all(e in op_avail.assumed_zones for e in elements):
        return elements
    return []


def _union(probabilities: Iterable[float]) -> float:
    """Probability that at least one of independent events happens: 1 - Π(1 - p), not the sum
    (which can exceed 1: two zones at 0.9 each would say 1.8)."""
    survive = 1.0
    for p in probabilities:
        survive *= 1.0 - p
    return 1.0 - survive


def _has_failed_child(tree: FaultTree, gate: str, values: dict[str, bool]) -> bool:
    """Whether a failed element gate sits below `gate` (then `gate` only fails because of it)."""
    stack = [a for a in tree.gates[gate].args if a in tree.gates]
    seen: set[str] = set()
    while stack:
        g = stack.pop()
        if g in seen:
            continue
        seen.add(g)
        if g.startswith("down:") and values.get(g):
            return True
        stack.extend(a for a in tree.gates[g].args if a in tree.gates)
    return False


def _path_to(graph: SystemGraph, op_id: str, element: str) -> tuple[str, ...]:
    tree = graph.trees[op_id]
    if element == tree.entry:
        return (element,)

    def search(nodes, trail):
        for node in nodes:
            if not node.sync:
                continue
            here = (*trail, node.target)
            if node.target == element:
                return here
            found = search(node.children, here)
            if found:
                return found
        return None

    return search(tree.calls, (tree.entry,)) or (tree.entry, element)
