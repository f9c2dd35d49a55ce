"""The system as graphs: who calls whom, and the call tree of every operation.

Every other engine asks these structures instead of walking the model itself, so "which calls
are on the path of this operation" has exactly one answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from pacelc.model.schema import Call, Defaults, Operation, Service, Store, SystemModel, Timeouts, Topic


def call_name(call: Call) -> str:
    """The name a call is referred to by: its id, or its target."""
    return call.id or call.to


@dataclass(frozen=True)
class CallNode:
    """One call on an operation's path, with the calls its target makes in turn."""

    caller: str
    call: Call
    target_kind: str  # "service", "store" or "topic"
    children: tuple[CallNode, ...] = ()
    cycle: bool = False  # the target is already on the path: not expanded

    @property
    def name(self) -> str:
        return f"{self.caller}.{call_name(self.call)}"

    @property
    def target(self) -> str:
        return self.call.to

    @property
    def sync(self) -> bool:
        return self.call.mode == "sync"

    def walk(self, depth: int = 0) -> Iterator[tuple[int, CallNode]]:
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class OperationTree:
    """The call tree of an operation, rooted at its entry service."""

    operation: Operation
    entry: str
    calls: tuple[CallNode, ...]

    def walk(self) -> Iterator[tuple[int, CallNode]]:
        for node in self.calls:
            yield from node.walk(1)

    def sync_nodes(self) -> list[CallNode]:
        """Calls the operation waits for: sync calls whose callers are themselves reached synchronously."""
        out: list[CallNode] = []

        def visit(node: CallNode) -> None:
            if not node.sync:
                return
            out.append(node)
            for child in node.children:
                visit(child)

        for node in self.calls:
            visit(node)
        return out

    def services(self) -> list[str]:
        """Services the operation needs synchronously, entry first, in path order, without repeats."""
        seen = [self.entry]
        for node in self.sync_nodes():
            if node.target_kind == "service" and node.target not in seen:
                seen.append(node.target)
        return seen

    def stores(self) -> list[str]:
        """Stores reached synchronously on the path, in path order, without repeats."""
        seen: list[str] = []
        for node in self.sync_nodes():
            if node.target_kind == "store" and node.target not in seen:
                seen.append(node.target)
        return seen


@dataclass
class SystemGraph:
    """Indexes and graphs over a model; build once per review and share."""

    model: SystemModel
    services: dict[str, Service] = field(init=False)
    stores: dict[str, Store] = field(init=False)
    topics: dict[str, Topic] = field(init=False)
    zone_region: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        m = self.model
        self.services = {s.id: s for s in m.services}
        self.stores = {s.id: s for s in m.stores}
        self.topics = {t.id: t for t in m.topics}
        self.zone_region = {z.id: r.id for r in m.regions for z in r.zones}

    def kind_of(self, element: str) -> str | None:
        if element in self.services:
            return "service"
        if element in self.stores:
            return "store"
        if element in self.topics:
            return "topic"
        return None

    @cached_property
    def calls(self) -> nx.MultiDiGraph:
        """Directed graph of every call (and topic publish/consume edge), keyed by call name."""
        g = nx.MultiDiGraph()
        for sid in sorted(self.services):
            g.add_node(sid, kind="service")
        for sid in sorted(self.stores):
            g.add_node(sid, kind="store")
        for tid in sorted(self.topics):
            g.add_node(tid, kind="topic")
            g.add_edge(tid, self.topics[tid].broker, key="broker", mode="sync")
        for svc in self.model.services:
            for call in svc.calls:
                g.add_edge(svc.id, call.to, key=call_name(call), mode=call.mode, call=call)
        for topic in self.model.topics:
            for p in topic.producers:
                g.add_edge(p.service, topic.id, key=f"produce:{topic.id}", mode="async")
            for c in topic.consumers:
                g.add_edge(topic.id, c.service, key=f"consume:{topic.id}", mode="async")
        return g

    @cached_property
    def domain_owner(self) -> dict[str, str]:
        """Owner service of each domain."""
        return {d.id: d.owner for d in self.model.domains}

    @cached_property
    def domains_on(self) -> dict[str, list]:
        """Domains held by each store (or topic), sorted by id."""
        out: dict[str, list] = {}
        for domain in sorted(self.model.domains, key=lambda d: d.id):
            out.setdefault(domain.store, []).append(domain)
        return out

    @cached_property
    def callers_of(self) -> dict[str, list[tuple[str, Call]]]:
        """For each target, the (caller, call) pairs that reach it, in model order."""
        out: dict[str, list[tuple[str, Call]]] = {}
        for svc in self.model.services:
            for call in svc.calls:
                out.setdefault(call.to, []).append((svc.id, call))
        return out

    def zones_of(self, element: str) -> list[str]:
        """Zones an element's replicas may run in (empty when the model does not say)."""
        obj = self.services.get(element) or self.stores.get(element)
        if obj is None or obj.placement is None:
            return []
        return list(obj.placement.zones)

    def regions_of(self, element: str) -> list[str]:
        """Regions an element runs in, derived from its zones (sorted, without repeats)."""
        return sorted({self.zone_region[z] for z in self.zones_of(element) if z in self.zone_region})

    def effective_call(self, call: Call) -> Call:
        """The call with the model's inherited defaults (client library / mesh) filled in."""
        return inherit(call, self.model.defaults)

    def operation_tree(self, op: Operation) -> OperationTree:
        """The call tree of an operation: `uses` when given, else every sync call reachable from the entry."""
        allowed: set[str] | None = None
        if op.uses is not None:
            allowed = set(op.uses)

        def expand(service_id: str, path: tuple[str, ...]) -> tuple[CallNode, ...]:
            svc = self.services.get(service_id)
            if svc is None:
                return ()
            nodes = []
            for call in svc.calls:
                name = call_name(call)
                if (
                    allowed is not None
                    and f"{service_id}.{name}" not in allowed
                    and (f"{service_id}.{call.to}" not in allowed)
                ):
                    continue
                if allowed is None and call.mode != "sync":
                    continue
                kind = self.kind_of(call.to) or "unknown"
                if kind == "service" and call.to in path:
                    nodes.append(CallNode(service_id, call, kind, (), cycle=True))
                    continue
                children = expand(call.to, (*path, call.to)) if kind == "service" else ()
                nodes.append(CallNode(service_id, call, kind, children))
            return tuple(nodes)

        return OperationTree(op, op.entry, expand(op.entry, (op.entry,)))

    @cached_property
    def trees(self) -> dict[str, OperationTree]:
        return {op.id: self.operation_tree(op) for op in self.model.operations}


def inherit(call: Call, defaults: Defaults) -> Call:
    """Fill the fields a call leaves unset from `defaults.call` (mesh or client-library defaults)."""
    base = defaults.call
    if base is None:
        return call
    explicit = call.model_fields_set
    updates = {
        name: getattr(base, name)
        for name in base.model_fields_set
        if name not in explicit and getattr(base, name) is not None
    }
    return call.model_copy(update=updates) if updates else call


def response_timeout_stated(timeout: Timeouts | None) -> bool:
    """Whether a call's (effective) timeouts say how long it waits for a response: a read or total
    timeout, or none on purpose (`disabled`). Not so, the wait is FLR001's question."""
    return timeout is not None and (timeout.read_ms is not None or timeout.total_ms is not None or timeout.disabled)


def degraded_fallback(call: Call) -> str | None:
    """What the caller does instead when the call fails: the call's fallback or its breaker's.

    A fallback that says it is none or that the caller fails ("none; the checkout fails", "fail
    fast") is an explicit decision not to degrade, so it gives no availability.
    """
    for text in (call.fallback, call.circuit_breaker.fallback if call.circuit_breaker else None):
        if text and not text.strip().lower().startswith(("none", "fail", "no fallback")):
            return text
    return None
