"""Data-flow facts for the synchronization, transaction and readiness rules (steps 4-6).

Where each domain physically lives (a domain kept in a topic lives on the topic's broker), which
services write which stores, which topics an operation publishes to and who consumes them, which
alarms watch which elements, and what in the design relies on synchronized clocks. Rules ask these
instead of walking the model, so "does this service also write a store" has one answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pacelc.analysis.graph import SystemGraph
from pacelc.model.schema import (
    Consumer,
    DisruptionBudget,
    Domain,
    Idempotency,
    Operation,
    Producer,
    SagaStep,
    Store,
    SystemModel,
    Topic,
    Transaction,
)

# Consistency models that need more than eventual convergence from the read path: a session
# guarantee (read-your-writes and its siblings) or anything stronger.
SESSION_OR_STRONGER = frozenset(
    {
        "read_your_writes",
        "monotonic_reads",
        "monotonic_writes",
        "writes_follow_reads",
        "causal",
        "sequential",
        "linearizable",
    }
)
STRONG = frozenset({"sequential", "linearizable"})
SAFE_IDEMPOTENCY: frozenset[Idempotency] = frozenset({"key", "natural", "dedup_table"})
FOLLOWER_READS = frozenset({"followers", "any", "nearest"})
SAGAS = frozenset({"saga_orchestrated", "saga_choreographed"})
LOG_KINDS = frozenset({"log", "queue"})


def replicated(store: Store) -> bool:
    """More than one copy, with a replication topology other than none."""
    rep = store.replication
    return store.replicas > 1 and rep is not None and rep.topology != "none"


def single_copy(store: Store) -> bool:
    rep = store.replication
    return store.replicas == 1 or (rep is not None and rep.topology == "none")


# What takes the data of a single-copy store with it, by where its data directory lives.
LOST_WITH = {
    "ephemeral": "each time its pod or container is removed (a reschedule, a drain, a recreate)",
    "node_local": "when its host fails or is replaced",
}


def storage_loss(store: Store) -> str | None:
    """What loses a store's data for good when its storage is ephemeral or node-local and it keeps
    one copy (when, in words); None when another copy survives (replication),
    the storage outlives a host, or the model does not say where the data lives. One fact for the
    rule that reports the storage (SYN010) and the rule that then leaves the store to it (SYN009)."""
    durability = store.durability
    if durability is None or durability.storage not in LOST_WITH or not single_copy(store):
        return None
    if durability.rebuilt_from is not None:
        return None  # rebuilt at every start from its image or its source: nothing of its own is lost
    return LOST_WITH[durability.storage]


def evictable_at_once(replicas: int, budget: DisruptionBudget | Literal["none"] | None) -> bool:
    """Whether voluntary disruptions may take every one of `replicas` (at least two) down at once:
    the platform evicts with no budget (`none`), or the budget allows all of them."""
    if replicas < 2 or budget is None:
        return False
    if budget == "none":
        return True
    if budget.min_available is not None:
        return budget.min_available == 0
    return budget.max_unavailable is not None and budget.max_unavailable >= replicas


def safe(idempotency: Idempotency | None) -> bool:
    return idempotency in SAFE_IDEMPOTENCY


@dataclass(frozen=True)
class ClockDependency:
    """Something whose correctness rests on bounded clock skew."""

    element: str
    reason: str


@dataclass
class Flows:
    """Indexes over domains, topics, producers, consumers, sagas and alarms."""

    model: SystemModel
    graph: SystemGraph

    # ----------------------------------------------------------------- domains and stores

    def store_of(self, domain: Domain) -> Store | None:
        """The store that physically holds a domain: its store, or the broker of its topic."""
        g = self.graph
        if domain.store in g.stores:
            return g.stores[domain.store]
        topic = g.topics.get(domain.store)
        if topic is not None:
            return g.stores.get(topic.broker)
        return None

    @cached_property
    def domains_on_store(self) -> dict[str, list[Domain]]:
        """Domains held by each store (directly or in one of its topics), by store id."""
        out: dict[str, list[Domain]] = {s: [] for s in self.graph.stores}
        for d in self.model.domains:
            store = self.store_of(d)
            if store is not None:
                out[store.id].append(d)
        return out

    @cached_property
    def domains_in_topic(self) -> dict[str, list[Domain]]:
        """Domains whose data is the content of a topic, by topic id."""
        out: dict[str, list[Domain]] = {t: [] for t in self.graph.topics}
        for d in self.model.domains:
            if d.store in out:
                out[d.store].append(d)
        return out

    @cached_property
    def store_domains_owned(self) -> dict[str, list[str]]:
        """Domains each service owns in a store that is not a log or queue (its system of record)."""
        out: dict[str, list[str]] = {}
        for d in self.model.domains:
            store = self.graph.stores.get(d.store)
            if store is not None and store.kind not in LOG_KINDS:
                out.setdefault(d.owner, []).append(d.id)
        return {k: sorted(v) for k, v in out.items()}

    @cached_property
    def store_writes(self) -> dict[str, list[str]]:
        """Stores (not logs or queues) each service writes through a call, by service id."""
        out: dict[str, list[str]] = {}
        for svc in self.model.services:
            for call in svc.calls:
                store = self.graph.stores.get(call.to)
                if store is None or store.kind in LOG_KINDS:
                    continue
                if call.operation in ("write", "read_write"):
                    out.setdefault(svc.id, []).append(call.to)
        return {k: sorted(set(v)) for k, v in out.items()}

    def writes_elsewhere(self, service: str) -> list[str]:
        """Stores (not logs or queues) a service changes: those of the domains it owns and those it writes."""
        owned = {d.store for d in self.model.domains if d.id in self.store_domains_owned.get(service, [])}
        return sorted(owned | set(self.store_writes.get(service, [])))

    # ----------------------------------------------------------------- messaging

    def producers(self) -> Iterator[tuple[Topic, Producer]]:
        for topic in self.model.topics:
            for p in topic.producers:
                yield topic, p

    def consumers(self) -> Iterator[tuple[Topic, Consumer]]:
        for topic in self.model.topics:
            for c in topic.consumers:
                yield topic, c

    def partitioned_log(self, topic: Topic) -> bool | None:
        """Whether the topic lives on a partitioned log (Kafka-like: `kind: log`), where a producer can
        be idempotent and a stuck message blocks its partition; False on a queue broker; None when
        the broker is not in the model."""
        broker = self.graph.stores.get(topic.broker)
        return None if broker is None else broker.kind == "log"

    @cached_property
    def dead_letter_topics(self) -> frozenset[str]:
        return frozenset(c.dead_letter for _, c in self.consumers() if c.dead_letter)

    @cached_property
    def operation_topics(self) -> dict[str, list[str]]:
        """Topics each operation publishes to: calls to topics on its path (async ones included)."""
        out: dict[str, list[str]] = {}
        g = self.graph
        for op in self.model.operations:
            tree = g.trees[op.id]
            found = [node.target for _, node in tree.walk() if node.target_kind == "topic"]
            if op.uses is None:
                for sid in tree.services():
                    svc = g.services.get(sid)
                    for call in svc.calls if svc else ():
                        if call.to in g.topics:
                            found.append(call.to)
            out[op.id] = list(dict.fromkeys(found))
        return out

    def saga_participants_fed(self, topic: Topic) -> list[tuple[str, str]]:
        """(operation, step) pairs of sagas whose participant consumes this topic on the saga's path."""
        out = []
        consumers = {c.service for c in topic.consumers}
        for op in self.model.operations:
            tx = op.transaction
            if tx is None or tx.pattern not in SAGAS or topic.id not in self.operation_topics.get(op.id, []):
                continue
            out.extend((op.id, s.id) for s in tx.steps if s.participant in consumers)
        return sorted(out)

    # ----------------------------------------------------------------- transactions

    def owners_written(self, op: Operation) -> dict[str, list[str]]:
        """Services owning the domains an operation writes: owner -> domains."""
        by_id = {d.id: d for d in self.model.domains}
        out: dict[str, list[str]] = {}
        for dom in op.writes:
            d = by_id.get(dom)
            if d is not None:
                out.setdefault(d.owner, []).append(dom)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def stores_written(self, op: Operation) -> list[str]:
        by_id = {d.id: d for d in self.model.domains}
        return sorted({by_id[d].store for d in op.writes if d in by_id})

    def call_idempotency(self, caller: str | None, callee: str) -> Idempotency | None:
        """The idempotency a caller's call to a service declares (None when no such call or silent)."""
        svc = self.graph.services.get(caller or "")
        for call in svc.calls if svc else ():
            if call.to == callee and call.idempotency is not None:
                return call.idempotency
        return None

    def step_writes(self, op: Operation, step: SagaStep) -> bool | None:
        """Whether a transaction step changes data, by the operation's reads and writes of the
        participant's domains: True when it writes one, False when it only reads them (a read-only
        step, which needs no compensation), None when the model does not tell."""
        owned = {d.id for d in self.model.domains if d.owner == step.participant}
        if owned & set(op.writes):
            return True
        if owned & set(op.reads):
            return False
        return None

    def step_reruns(self, tx: Transaction, caller: str, step: SagaStep) -> list[str]:
        """What makes a transaction step run again, in words (empty: nothing the model shows): the
        saga retrying it until done, message redelivery in a choreography, or retries of the
        caller's call to the participant (its own policy or `defaults.call`)."""
        out = []
        if step.retriable:
            out.append("the saga retries it until it succeeds (retriable: true)")
        if tx.pattern == "saga_choreographed":
            out.append("it runs on a delivered message, and delivery is at least once")
        svc = self.graph.services.get(caller)
        for call in svc.calls if svc and step.participant != caller else ():
            if call.to != step.participant:
                continue
            if call.mode == "async":
                out.append(f"{caller} → {step.participant} is asynchronous (redelivered on failure)")
                continue
            retry = self.graph.effective_call(call).retry
            if retry is not None and retry.attempts > 1:
                out.append(f"{caller} → {step.participant} makes up to {retry.attempts} attempts")
        return out

    # ----------------------------------------------------------------- readiness

    @property
    def chaos_described(self) -> bool:
        """Whether the model lists its chaos experiments at all (`readiness.chaos`, even empty). When
        it does not (an import, a model silent on testing), "no experiment" is unknown, not a fact."""
        return "chaos" in self.model.readiness.model_fields_set

    @cached_property
    def alarm_targets(self) -> dict[str, frozenset[str]]:
        """Elements watched by alarms of each kind."""
        out: dict[str, set[str]] = {}
        for alarm in self.model.readiness.alarms:
            out.setdefault(alarm.kind, set()).update(alarm.targets)
        return {k: frozenset(v) for k, v in out.items()}

    def alarmed(self, kind: str, *elements: str) -> bool:
        targets = self.alarm_targets.get(kind, frozenset())
        return any(e in targets for e in elements)

    @cached_property
    def clock_dependencies(self) -> list[ClockDependency]:
        """What in the design is only correct while clocks stay within a bound."""
        out: list[ClockDependency] = []
        for store in self.model.stores:
            rep = store.replication
            if rep is None:
                continue
            cr = rep.conflict_resolution
            if cr is not None and cr.strategy == "lww" and cr.clock in (None, "wall"):
                out.append(ClockDependency(store.id, "last-writer-wins on wall-clock timestamps"))
            if rep.linearizable_reads == "lease":
                out.append(ClockDependency(store.id, "leader-lease reads"))
            if rep.failover is not None and rep.failover.fencing == "lease":
                out.append(ClockDependency(store.id, "lease fencing of the old leader"))
        for svc in self.model.services:
            for need in svc.coordination:
                if need.lease_ms is not None:
                    out.append(ClockDependency(svc.id, f"{need.kind.replace('_', ' ')} lease of {need.lease_ms:g} ms"))
        return out

    @cached_property
    def zones_used(self) -> list[str]:
        """Zones any service or store runs in."""
        zones = {z for e in (*self.graph.services, *self.graph.stores) for z in self.graph.zones_of(e)}
        return sorted(zones)
