"""The typed description of a distributed system.

Every class forbids unknown fields and every field carries a description: the JSON Schema
served by `pacelc schema` is generated from these classes, so the descriptions are the
editor's documentation. Units live in field names (`timeout_ms`, `rpo_s`).

`None` always means "the model does not say". Rules and tables must treat it as unknown,
never as a safe default.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FORMAT_VERSION = 1

Id = Annotated[
    str,
    Field(
        min_length=1,
        max_length=120,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="Identifier: letters, digits, '_', '.', ':' and '-'; unique within its kind.",
    ),
]
Probability = Annotated[float, Field(gt=0.0, lt=1.0)]

# ----------------------------------------------------------------------------- bounds
# Every number has a domain bound, so an engine never sees an impossible value (a 400-digit
# threshold, an infinite window, a billion replicas). Each bound lies far beyond what a real
# system uses, and low enough that the engines' arithmetic stays finite and their loops short.

# Replicas of one service or store, and the quorum sizes within them. The largest single
# deployments and clusters run a few thousand members; beyond ~1,000 replicas the fault-tree
# analysis spends its time budget and reports availability as unknown, but it stays bounded.
MAX_REPLICAS = 10_000
# Durations: ten (Julian) years covers any backup interval, RPO, lease or timeout anyone
# writes down; products of a duration with a count below stay far inside float range.
MAX_DURATION_S = 315_576_000
MAX_DURATION_MS = MAX_DURATION_S * 1_000
# A positive duration is at least a microsecond: nothing on a network waits less, and the
# floor keeps ratios such as window / timeout finite (1e-300 ms made them infinite).
MIN_DURATION_MS = 0.001
MIN_DURATION_S = 0.000_001
# Retry attempts of one call: real policies use 2-10; 100 allows anything sane while the
# retry-amplification product over a call path stays representable.
MAX_RETRY_ATTEMPTS = 100
# Backoff growth per attempt: libraries use 1.5-3; ×10 over 100 attempts is still a finite float.
MAX_BACKOFF_MULTIPLIER = 10
# Deliveries before dead-lettering: SQS caps maxReceiveCount at 1,000, the highest we know of.
MAX_DELIVERY_ATTEMPTS = 1_000
# Missed heartbeats before suspicion (3-10 in practice) and the phi-accrual level (8-16).
MAX_DETECTOR_THRESHOLD = 1_000
MAX_PHI = 1_000
# Counts of calls or failures (bulkhead slots and queue, breaker and ejection thresholds).
MAX_CALL_COUNT = 1_000_000
# Partitions of one topic: Kafka clusters hold a few hundred thousand in all.
MAX_PARTITIONS = 1_000_000

# Durations, by unit: "Positive" ones (timeouts, intervals, windows) cannot be zero.
PositiveMs = Annotated[float, Field(ge=MIN_DURATION_MS, le=MAX_DURATION_MS)]
Ms = Annotated[float, Field(ge=0, le=MAX_DURATION_MS)]
PositiveS = Annotated[float, Field(ge=MIN_DURATION_S, le=MAX_DURATION_S)]
Seconds = Annotated[float, Field(ge=0, le=MAX_DURATION_S)]

Consistency = Literal[
    "linearizable",
    "sequential",
    "causal",
    "read_your_writes",
    "monotonic_reads",
    "monotonic_writes",
    "writes_follow_reads",
    "bounded_staleness",
    "eventual",
]
Idempotency = Literal["key", "natural", "dedup_table", "none"]


class Strict(BaseModel):
    """Base for every model class: unknown fields are errors, values are frozen and finite."""

    # No infinities or NaNs: no domain value is infinite, and they poison every sum.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- failure domains


class AvailabilityDefaults(Strict):
    """Steady-state availability assumed per kind of element when the element does not say."""

    region: Probability = Field(0.99995, description="Availability of a whole region (fraction of time up).")
    zone: Probability = Field(0.9995, description="Availability of one zone within a region.")
    host: Probability = Field(0.999, description="Availability of one host.")
    service_replica: Probability = Field(
        0.999, description="Availability of one service replica (process/pod), apart from its zone."
    )
    store_replica: Probability = Field(
        0.9995, description="Availability of one data-store replica, apart from its zone."
    )


class Zone(Strict):
    """An availability zone: a failure domain inside a region."""

    id: Id
    availability: Probability | None = Field(None, description="Overrides the default zone availability.")
    hosts: list[Id] = Field(default_factory=list, description="Optional named hosts in this zone.")


class Region(Strict):
    """A region: a failure domain holding zones, reached over a wide-area network."""

    id: Id
    availability: Probability | None = Field(None, description="Overrides the default region availability.")
    zones: list[Zone] = Field(default_factory=list, description="The zones of this region.")


class Placement(Strict):
    """Where the replicas of a service or store run."""

    zones: list[Id] = Field(default_factory=list, description="Zones the replicas may be placed in.")
    spread: Literal["one_per_zone", "even", "unspecified"] = Field(
        "even",
        description=(
            "one_per_zone: at most one replica per zone (anti-affinity); even: replicas spread round-robin "
            "over the zones (topology spread); unspecified: the scheduler may place them anywhere."
        ),
    )


class DisruptionBudget(Strict):
    """How many replicas a voluntary disruption (a node drain, a cluster upgrade) may take at once:
    a Kubernetes PodDisruptionBudget, with percentages already turned into replica counts."""

    min_available: int | None = Field(
        None, ge=0, le=MAX_REPLICAS, description="Replicas that must stay up during a voluntary disruption."
    )
    max_unavailable: int | None = Field(
        None, ge=0, le=MAX_REPLICAS, description="Replicas a voluntary disruption may take down at once."
    )


DISRUPTION_BUDGET_DESCRIPTION = (
    "What voluntary disruptions (node drains, upgrades) may take down at once: a budget, or `none` when the "
    "platform evicts replicas with no budget (Kubernetes without a PodDisruptionBudget); omitted when "
    "unknown or the platform has no evictions."
)


# --------------------------------------------------------------------------- calls


class Timeouts(Strict):
    """Timeouts of one call."""

    connect_ms: PositiveMs | None = Field(None, description="Connection-establishment timeout.")
    read_ms: PositiveMs | None = Field(None, description="Per-attempt response (read) timeout.")
    total_ms: PositiveMs | None = Field(None, description="Overall deadline for the call including all retries.")
    disabled: bool = Field(
        False,
        description=(
            "No response timeout, on purpose (a stream, a long poll; Istio's `timeout: 0s`): the wait is unbounded "
            "by design, which is not the same as a timeout left unstated. read_ms and total_ms must then be absent."
        ),
    )

    @model_validator(mode="after")
    def _disabled_has_no_bound(self) -> Timeouts:
        if self.disabled and (self.read_ms is not None or self.total_ms is not None):
            raise ValueError("disabled: true says there is no response timeout; remove read_ms and total_ms")
        return self


class Backoff(Strict):
    """Wait between retry attempts. A field left out is unknown, never a library's default."""

    kind: Literal["none", "fixed", "exponential"] | None = Field(None, description="Backoff shape.")
    base_ms: Ms | None = Field(None, description="First wait (fixed: every wait).")
    max_ms: Ms | None = Field(None, description="Cap on one wait (exponential).")
    multiplier: float | None = Field(
        None, ge=1, le=MAX_BACKOFF_MULTIPLIER, description="Growth factor per attempt (exponential)."
    )


class RetryPolicy(Strict):
    """How a caller retries a failed call."""

    attempts: int = Field(
        1, ge=1, le=MAX_RETRY_ATTEMPTS, description="Total attempts including the first (1 = no retry)."
    )
    backoff: Backoff | None = Field(
        None, description="Wait between attempts; absent: not stated (`kind: none` says the retry is immediate)."
    )
    jitter: Literal["none", "full", "equal", "decorrelated"] | None = Field(
        None, description="Randomisation of the backoff, which de-synchronises retrying clients; absent: not stated."
    )
    retry_on: list[str] = Field(
        default_factory=list,
        description="Failure kinds that are retried (e.g. timeout, unavailable, 5xx, connect_error).",
    )
    budget_percent: float | None = Field(
        None, gt=0, le=100, description="Retry budget: retries allowed as a percentage of requests."
    )


class CircuitBreaker(Strict):
    """A circuit breaker in front of a call."""

    failure_threshold: float | None = Field(
        None,
        gt=0,
        le=MAX_CALL_COUNT,
        description="Failures (count, or percent when threshold_kind is rate) that open it.",
    )
    threshold_kind: Literal["count", "rate"] = Field("count", description="How failure_threshold is read.")
    window_s: PositiveS | None = Field(None, description="Window over which failures are counted.")
    half_open_after_s: PositiveS | None = Field(None, description="Time open before a trial call.")
    fallback: str | None = Field(None, description="What the caller does while the breaker is open.")


class Bulkhead(Strict):
    """Isolation of the resources used for one dependency."""

    max_concurrent: int = Field(
        ..., ge=1, le=MAX_CALL_COUNT, description="Concurrent calls allowed to this dependency."
    )
    queue: int = Field(0, ge=0, le=MAX_CALL_COUNT, description="Calls allowed to wait for a slot.")


class OutlierEjection(Strict):
    """Outlier detection: hosts of the callee are ejected from the load-balancing pool after errors."""

    consecutive_errors: int | None = Field(
        None, ge=1, le=MAX_CALL_COUNT, description="Errors in a row that eject a host."
    )
    max_ejection_percent: float | None = Field(
        None, gt=0, le=100, description="Largest share of the callee's hosts that may be ejected at once."
    )
    base_ejection_s: PositiveS | None = Field(None, description="How long an ejected host stays out.")


class Latency(Strict):
    """Latency of one attempt of a call, as measured or budgeted."""

    p50_ms: PositiveMs | None = Field(None, description="Median latency of one attempt.")
    p99_ms: PositiveMs | None = Field(None, description="99th-percentile latency of one attempt.")


class CallPolicy(Strict):
    """Resilience settings of a call; `defaults.call` gives them to every call that does not set them.

    Inheritance is per field: a call that sets `timeout` replaces the default `timeout` as a whole
    (a call with only `timeout: {connect_ms: 50}` has no read timeout, whatever the default says).
    """

    protocol: str | None = Field(None, description="Wire protocol: http, grpc, sql, kafka, amqp, redis, ...")
    timeout: Timeouts | None = Field(None, description="Timeouts; absent means the model does not say.")
    retry: RetryPolicy | None = Field(None, description="Retry policy; absent means the model does not say.")
    circuit_breaker: CircuitBreaker | None = Field(None, description="Circuit breaker on this call.")
    bulkhead: Bulkhead | None = Field(None, description="Bulkhead on this call.")
    outlier_ejection: OutlierEjection | None = Field(
        None, description="Outlier detection on the callee's hosts (service mesh or client-side load balancer)."
    )
    deadline_propagation: bool | None = Field(
        None, description="Whether the caller's remaining deadline is passed to the callee."
    )
    trace_propagation: bool | None = Field(
        None, description="Whether trace context (W3C traceparent, B3, ...) crosses this call."
    )


class Call(CallPolicy):
    """A dependency of a service: a call to another service, a data store or a topic."""

    id: Id | None = Field(None, description="Name of this call within its service; defaults to the target id.")
    to: Id = Field(..., description="Target: a service, data store or topic id.")
    mode: Literal["sync", "async"] = Field("sync", description="sync: the caller waits for the answer.")
    operation: Literal["read", "write", "read_write"] | None = Field(
        None, description="Whether the call reads or changes state at the target."
    )
    crosses_region: bool | None = Field(
        None, description="Override: whether the call crosses regions (derived from placement when absent)."
    )
    group: str | None = Field(None, description="Calls of one caller with the same group run in parallel (fan-out).")
    idempotency: Idempotency | None = Field(
        None,
        description=(
            "How repeated delivery is made safe: key (idempotency key), natural (the operation is "
            "idempotent by nature), dedup_table, or none."
        ),
    )
    fallback: str | None = Field(
        None, description="Degraded behaviour when the call fails (cached answer, default, skip, queue)."
    )
    latency: Latency | None = Field(None, description="Per-attempt latency of the call.")


class CoordinationNeed(Strict):
    """Something a service needs agreement on: a leader, a lock, configuration."""

    kind: Literal["leader_election", "lock", "config", "membership"] = Field(..., description="What must be agreed on.")
    via: Id | None = Field(None, description="The store that provides it (ideally consensus-backed).")
    fencing_tokens: bool | None = Field(
        None, description="Whether holders present a monotonically increasing token the resource checks."
    )
    lease_ms: PositiveMs | None = Field(None, description="Lease length, if the grant expires by itself.")
    hold_ms: PositiveMs | None = Field(
        None, description="Longest time the holder works under the lock or leadership before renewing."
    )
    justification: str | None = Field(None, description="Why this coordination is needed at all.")


class Service(Strict):
    """A deployable service."""

    id: Id
    description: str | None = Field(None, description="What the service does.")
    stateful: bool = Field(False, description="Whether replicas hold state that is not in a data store.")
    external: bool = Field(
        False,
        description=(
            "A third-party dependency (payment provider, SaaS API) outside the modelled failure domains: its "
            "own SLA stands in for replicas and placement."
        ),
    )
    sla_availability: Probability | None = Field(
        None, description="Availability the provider promises (for external services)."
    )
    replicas: int = Field(1, ge=1, le=MAX_REPLICAS, description="Number of replicas.")
    min_replicas: int | None = Field(
        None, ge=1, le=MAX_REPLICAS, description="Replicas needed to serve the load; fewer means the service is down."
    )
    placement: Placement | None = Field(None, description="Where the replicas run.")
    disruption_budget: DisruptionBudget | Literal["none"] | None = Field(
        None, description=DISRUPTION_BUDGET_DESCRIPTION
    )
    replica_availability: Probability | None = Field(
        None, description="Overrides the default availability of one replica."
    )
    calls: list[Call] = Field(default_factory=list, description="What this service depends on.")
    coordination: list[CoordinationNeed] = Field(
        default_factory=list, description="Leader election, locks or configuration it relies on."
    )
    failure_detector: FailureDetector | None = Field(
        None, description="How failed replicas are detected (health checks, load-balancer probes)."
    )
    failover: Literal["automatic", "manual", "none"] | None = Field(
        None, description="How traffic moves away from a failed zone or region."
    )


# --------------------------------------------------------------------------- stores


class FailureDetector(Strict):
    """How a failure is noticed."""

    kind: Literal["heartbeat", "phi_accrual", "swim", "lease", "health_check"] = Field(
        ..., description="Detector family."
    )
    interval_ms: PositiveMs | None = Field(None, description="Heartbeat / probe interval.")
    threshold: int | None = Field(
        None, ge=1, le=MAX_DETECTOR_THRESHOLD, description="Missed heartbeats before suspicion (heartbeat)."
    )
    phi_threshold: float | None = Field(None, gt=0, le=MAX_PHI, description="Suspicion level phi (phi-accrual).")
    timeout_ms: PositiveMs | None = Field(None, description="Fixed suspicion timeout, if that is the rule.")


class Failover(Strict):
    """How a new leader or primary takes over."""

    mode: Literal["automatic", "manual", "none"] = Field(..., description="Who promotes a new leader.")
    detector: FailureDetector | None = Field(None, description="How the old leader's failure is detected.")
    election_timeout_ms: PositiveMs | None = Field(None, description="Election / promotion delay.")
    promotion_s: Seconds | None = Field(None, description="Time from decision to the new leader accepting writes.")
    fencing: Literal["epoch", "stonith", "lease", "token", "none"] | None = Field(
        None, description="How the old leader is stopped from accepting writes after failover."
    )
    manual_response_s: Seconds | None = Field(
        None, description="Time for an operator to react, when failover is manual."
    )
    client_reconnect_s: Seconds | None = Field(
        None,
        description=(
            "Time for clients to reach the new leader once it serves: DNS TTL, connection-pool refresh, proxy "
            "or service-discovery health checks."
        ),
    )


class Quorum(Strict):
    """Quorum settings of a replicated store."""

    n: int | None = Field(None, ge=1, le=MAX_REPLICAS, description="Replicas per key (leaderless).")
    r: int | None = Field(None, ge=1, le=MAX_REPLICAS, description="Replicas that must answer a read.")
    w: int | None = Field(None, ge=1, le=MAX_REPLICAS, description="Replicas that must acknowledge a write.")
    sloppy: bool | None = Field(None, description="Whether writes may land on stand-in nodes (sloppy quorum).")
    min_in_sync_replicas: int | None = Field(
        None, ge=1, le=MAX_REPLICAS, description="Replicas that must be in sync for a write to be accepted (logs)."
    )


class ConflictResolution(Strict):
    """How concurrent writes to the same item are reconciled."""

    strategy: Literal["lww", "crdt", "merge_function", "manual", "siblings", "none"] = Field(
        ..., description="Reconciliation strategy."
    )
    clock: Literal["wall", "hybrid_logical", "logical", "vector", "truetime"] | None = Field(
        None, description="Clock that orders writes (LWW)."
    )
    max_clock_skew_ms: Ms | None = Field(None, description="Bound on clock skew between nodes, if enforced.")
    crdt_type: str | None = Field(None, description="CRDT type: g_counter, pn_counter, or_set, lww_register, ...")
    merge_function: str | None = Field(None, description="Name or description of the merge function.")


class AntiEntropy(Strict):
    """Mechanisms that repair divergent replicas."""

    read_repair: bool = Field(False, description="Reads fix stale replicas they notice.")
    hinted_handoff: bool = Field(False, description="Writes for a down replica are held and replayed.")
    merkle_trees: bool = Field(False, description="Background comparison of replicas by Merkle tree.")


class Backups(Strict):
    """Backups of a store."""

    interval_s: PositiveS = Field(..., description="Time between backups (RPO of a restore).")
    restore_s: PositiveS | None = Field(None, description="Time to restore a backup.")
    offsite: bool | None = Field(None, description="Whether backups live outside the store's region.")


class Durability(Strict):
    """When an acknowledged write is durable."""

    fsync: Literal["always", "periodic", "never"] | None = Field(
        None, description="When the write-ahead log is flushed relative to the acknowledgement."
    )
    fsync_interval_ms: PositiveMs | None = Field(None, description="Flush interval when periodic.")
    persistent: bool = Field(True, description="False for in-memory stores that lose data on restart.")
    storage: Literal["ephemeral", "node_local", "network", "replicated"] | None = Field(
        None,
        description=(
            "Where the data directory lives. ephemeral: lost when the pod or container is removed (emptyDir, a "
            "container's own layer); node_local: lost with the host (hostPath, local volumes, a compose volume on "
            "its docker host); network: network-attached block storage, which outlives a host; replicated: "
            "storage that keeps copies across hosts or zones. Omitted: unknown."
        ),
    )
    backups: Backups | None = Field(None, description="Backups.")
    rebuilt_from: Literal["image", "source"] | None = Field(
        None,
        description=(
            "The data is rebuilt at every start and nothing else writes it: from the container image (a seeded "
            "read-only catalogue) or from another system of record. Losing it loses nothing."
        ),
    )


class Replication(Strict):
    """How a store keeps copies of its data."""

    topology: Literal["none", "single_leader", "multi_leader", "leaderless", "consensus"] = Field(
        ..., description="Replication topology."
    )
    protocol: str | None = Field(None, description="Consensus protocol: raft, multi_paxos, zab, ...")
    mode: Literal["sync", "semi_sync", "async"] | None = Field(
        None, description="When a write is acknowledged relative to its replication."
    )
    quorum: Quorum | None = Field(None, description="Quorum settings.")
    read_from: Literal["leader", "followers", "any", "nearest", "quorum"] | None = Field(
        None, description="Where reads are served."
    )
    session_guarantees: Literal["none", "sticky", "version_token", "causal_token"] | None = Field(
        None,
        description=(
            "Per-client guarantees when reading from followers: sticky sessions, version/LSN tokens, or "
            "causal consistency tokens."
        ),
    )
    linearizable_reads: Literal["lease", "read_index", "quorum_read", "none"] | None = Field(
        None, description="How a leader proves it is still leader before serving a read."
    )
    conflict_resolution: ConflictResolution | None = Field(None, description="Conflict resolution.")
    anti_entropy: AntiEntropy | None = Field(None, description="Repair mechanisms.")
    failover: Failover | None = Field(None, description="Leader failover.")
    lag_p99_ms: Ms | None = Field(None, description="Observed or expected p99 replication lag.")
    unclean_leader_election: bool | None = Field(
        None, description="Whether an out-of-sync replica may become leader (logs)."
    )


class Store(Strict):
    """A data store: database, cache, log/broker, object store."""

    id: Id
    kind: Literal["database", "cache", "log", "queue", "object_store", "search", "coordination"] = Field(
        ..., description="What kind of store it is."
    )
    engine: str | None = Field(None, description="Product or engine: postgres, cassandra, kafka, etcd, ...")
    replicas: int = Field(1, ge=1, le=MAX_REPLICAS, description="Number of replicas (or members).")
    placement: Placement | None = Field(None, description="Where the replicas run.")
    disruption_budget: DisruptionBudget | Literal["none"] | None = Field(
        None, description=DISRUPTION_BUDGET_DESCRIPTION
    )
    replica_availability: Probability | None = Field(
        None, description="Overrides the default availability of one replica."
    )
    replication: Replication | None = Field(None, description="Replication settings.")
    durability: Durability | None = Field(None, description="Durability settings.")


# --------------------------------------------------------------------------- messaging


class Consumer(Strict):
    """A consumer (group) of a topic or queue."""

    service: Id = Field(..., description="The consuming service.")
    group: str | None = Field(None, description="Consumer group name.")
    ack: Literal["before_processing", "after_processing"] | None = Field(
        None, description="Whether the message is acknowledged before or after its effects are done."
    )
    dedup: Idempotency | None = Field(None, description="How redelivered messages are made harmless.")
    dead_letter: Id | None = Field(None, description="Where poison messages go (topic id).")
    max_attempts: int | None = Field(
        None, ge=1, le=MAX_DELIVERY_ATTEMPTS, description="Delivery attempts before dead-lettering."
    )
    trace_propagation: bool | None = Field(None, description="Whether trace context is read from headers.")


class Producer(Strict):
    """A producer of a topic."""

    service: Id = Field(..., description="The producing service.")
    acks: Literal["0", "1", "all"] | None = Field(None, description="Broker acknowledgements awaited.")
    idempotent: bool | None = Field(None, description="Idempotent producer (broker-side dedup of retries).")
    via: Literal["direct", "outbox", "cdc"] | None = Field(
        None,
        description=(
            "direct: the service writes its store and publishes separately (a dual write); outbox: the "
            "event is written in the same local transaction and relayed; cdc: the store's change log is "
            "published."
        ),
    )
    trace_propagation: bool | None = Field(None, description="Whether trace context is put in headers.")


class Topic(Strict):
    """A topic or queue."""

    id: Id
    broker: Id = Field(..., description="The store (kind log or queue) that holds it.")
    delivery: Literal["at_most_once", "at_least_once", "exactly_once"] | None = Field(
        None, description="Delivery semantics claimed."
    )
    ordering_key: str | None = Field(None, description="Key that orders messages (partition key).")
    ordering_required: bool = Field(False, description="Whether consumers need per-key order.")
    total_order_required: bool = Field(False, description="Whether consumers need one global order.")
    partitions: int | None = Field(None, ge=1, le=MAX_PARTITIONS, description="Number of partitions.")
    producers: list[Producer] = Field(default_factory=list, description="Producers.")
    consumers: list[Consumer] = Field(default_factory=list, description="Consumers.")


# --------------------------------------------------------------------------- data domains


class EventSourcing(Strict):
    """Event-sourcing settings of a domain."""

    versioning: Literal["schema_registry", "upcasters", "version_field", "none"] | None = Field(
        None, description="How old events stay readable as the schema evolves."
    )
    projection_rebuild: bool | None = Field(None, description="Whether projections can be rebuilt from the log.")
    snapshots: bool | None = Field(None, description="Whether aggregates are snapshotted.")


class Domain(Strict):
    """A data domain: a set of data with one owner and one consistency requirement."""

    id: Id
    description: str | None = Field(None, description="What the data is.")
    owner: Id = Field(..., description="The service that owns (writes) this data.")
    store: Id = Field(..., description="The store holding it.")
    consistency: Consistency | None = Field(None, description="Consistency model the domain requires.")
    staleness_bound_ms: PositiveMs | None = Field(
        None, description="Maximum staleness, when consistency is bounded_staleness."
    )
    priority: Literal["consistency", "availability"] | None = Field(
        None, description="Declared CAP choice on partition: refuse (consistency) or serve (availability)."
    )
    data_type: Literal["register", "counter", "set", "map", "document", "log", "sequence"] | None = Field(
        None, description="Shape of the data, which decides which merge strategies are sound."
    )
    rpo_s: Seconds | None = Field(None, description="Recovery point objective: data loss allowed.")
    rto_s: PositiveS | None = Field(None, description="Recovery time objective: downtime allowed.")
    lag_tolerance_ms: Ms | None = Field(None, description="Replication lag the domain tolerates.")
    event_sourcing: EventSourcing | None = Field(None, description="Present when the domain is event-sourced.")
    justification: str | None = Field(None, description="Why this consistency and CAP choice.")


# --------------------------------------------------------------------------- operations


class SagaStep(Strict):
    """One step of a saga or distributed transaction."""

    id: Id
    participant: Id = Field(..., description="Service that performs the step.")
    action: str | None = Field(None, description="What the step does.")
    compensation: str | None = Field(None, description="The action that undoes it; absent means none.")
    idempotency: Idempotency | None = Field(None, description="How a repeated step is made harmless.")
    compensation_idempotency: Idempotency | None = Field(
        None, description="How a repeated compensation is made harmless."
    )
    pivot: bool = Field(False, description="The go/no-go step: after it the saga only moves forward.")
    retriable: bool | None = Field(None, description="Steps after the pivot must be retriable until done.")


class Transaction(Strict):
    """How an operation that writes several domains stays consistent."""

    pattern: Literal["local", "saga_orchestrated", "saga_choreographed", "two_phase_commit", "outbox", "none"] = Field(
        ..., description="Transaction pattern."
    )
    coordinator: Id | None = Field(None, description="Orchestrator or 2PC coordinator service.")
    steps: list[SagaStep] = Field(default_factory=list, description="Steps in order.")
    justification: str | None = Field(None, description="Why this pattern (required for 2PC).")


class Sla(Strict):
    """Service-level objective of an operation."""

    availability: Probability | None = Field(None, description="Required availability (e.g. 0.999).")
    p99_ms: PositiveMs | None = Field(None, description="Required 99th-percentile latency.")


class Operation(Strict):
    """A user-facing or cross-boundary operation."""

    id: Id
    description: str | None = Field(None, description="What the user does.")
    entry: Id = Field(..., description="The service that receives the request.")
    uses: list[str] | None = Field(
        None,
        description=(
            "Calls on the path, as 'service.call' (call id or target id). Absent: every sync call reachable "
            "from the entry is on the path."
        ),
    )
    reads: list[Id] = Field(default_factory=list, description="Domains read.")
    writes: list[Id] = Field(default_factory=list, description="Domains written.")
    sla: Sla | None = Field(None, description="Availability and latency objectives.")
    transaction: Transaction | None = Field(None, description="Transaction pattern when several domains change.")
    idempotency: Idempotency | None = Field(None, description="How a client retry of the operation is safe.")
    degraded_mode: str | None = Field(None, description="What the operation still does when dependencies fail.")
    exactly_once_claimed: bool = Field(False, description="Whether the design claims end-to-end exactly-once.")


# --------------------------------------------------------------------------- readiness


class Tracing(Strict):
    """Distributed tracing."""

    standard: Literal["w3c", "b3", "jaeger", "xray", "none"] | None = Field(None, description="Context format.")
    propagated_by_default: bool | None = Field(
        None, description="Whether every sync call propagates trace context unless it says otherwise."
    )


class Runbook(Strict):
    """A runbook for a failure scenario."""

    id: Id
    scenario: Id = Field(..., description="The scenario id this runbook handles.")
    link: str | None = Field(None, description="Where it lives.")
    last_exercised: dt.date | None = Field(None, description="When it was last rehearsed.")


class ChaosExperiment(Strict):
    """A chaos experiment the team runs."""

    id: Id
    kind: Literal[
        "partition", "node_failure", "zone_failure", "region_failure", "clock_skew", "latency", "packet_loss"
    ] = Field(..., description="Fault injected.")
    targets: list[Id] = Field(default_factory=list, description="Elements it targets.")
    schedule: str | None = Field(None, description="How often it runs (e.g. weekly, in CI).")
    last_run: dt.date | None = Field(None, description="When it last ran.")


class Alarm(Strict):
    """An alarm on a signal."""

    id: Id
    kind: Literal[
        "replication_lag",
        "failover",
        "error_rate",
        "latency",
        "saturation",
        "consumer_lag",
        "clock_skew",
        "dead_letter",
        "split_brain",
    ] = Field(..., description="Signal alarmed on.")
    targets: list[Id] = Field(default_factory=list, description="Elements it watches.")
    threshold: str | None = Field(None, description="Threshold, as written in the alerting config.")


class Readiness(Strict):
    """Operational readiness."""

    tracing: Tracing | None = Field(None, description="Distributed tracing.")
    runbooks: list[Runbook] = Field(default_factory=list, description="Runbooks.")
    chaos: list[ChaosExperiment] = Field(default_factory=list, description="Chaos experiments.")
    alarms: list[Alarm] = Field(default_factory=list, description="Alarms.")


# --------------------------------------------------------------------------- scenarios, risks


class Scenario(Strict):
    """A failure or partition the team wants analysed."""

    id: Id
    description: str | None = Field(None, description="What happens.")
    kind: Literal["failure", "partition"] = Field(..., description="failure: elements down; partition: cut.")
    fail: list[Id] = Field(
        default_factory=list, description="Failed elements: regions, zones, hosts, services, stores."
    )
    sides: list[list[Id]] = Field(default_factory=list, description="Partition sides, each a list of regions or zones.")
    leader_loss: list[Id] = Field(
        default_factory=list,
        description="Stores whose current leader or primary fails (one replica lost; a failover follows).",
    )


class Risk(Strict):
    """An accepted or tracked risk: suppresses matching findings while it is valid."""

    pattern: str = Field(
        ..., min_length=1, description="Finding fingerprint pattern, '*' and '?' as wildcards (e.g. S3-002@*)."
    )
    status: Literal["accepted", "mitigating", "false_positive"] = Field(..., description="Decision.")
    justification: str = Field(..., min_length=10, description="Why, in a sentence a reviewer can check.")
    owner: str = Field(..., min_length=1, description="Who owns the risk.")
    expires: dt.date | None = Field(None, description="After this date the entry stops suppressing.")


# --------------------------------------------------------------------------- the system


class SystemInfo(Strict):
    """Name and context of the system."""

    name: str = Field(..., min_length=1, description="System name.")
    description: str | None = Field(None, description="What the system does.")
    owner: str | None = Field(None, description="Owning team.")


class Defaults(Strict):
    """Values inherited by elements that do not state their own."""

    availability: AvailabilityDefaults = Field(
        default_factory=AvailabilityDefaults, description="Availability per kind of failure domain."
    )
    call: CallPolicy | None = Field(
        None,
        description="Settings every call inherits unless it sets its own (client library or service mesh defaults).",
    )
    max_clock_skew_ms: Ms | None = Field(None, description="Enforced bound on clock skew, if any.")


class SystemModel(Strict):
    """A whole system description (the merge of a file and its includes)."""

    pacelc: Literal[1] = Field(FORMAT_VERSION, description="Model format version.")
    include: list[str] = Field(
        default_factory=list, description="Files merged into this one (paths relative to this file)."
    )
    system: SystemInfo = Field(..., description="Name and context of the system.")
    defaults: Defaults = Field(default_factory=Defaults, description="Inherited defaults.")
    regions: list[Region] = Field(default_factory=list, description="Regions and their zones.")
    services: list[Service] = Field(default_factory=list, description="Services.")
    stores: list[Store] = Field(default_factory=list, description="Data stores.")
    topics: list[Topic] = Field(default_factory=list, description="Topics and queues.")
    domains: list[Domain] = Field(default_factory=list, description="Data domains.")
    operations: list[Operation] = Field(default_factory=list, description="Operations.")
    readiness: Readiness = Field(default_factory=Readiness, description="Operational readiness.")
    scenarios: list[Scenario] = Field(default_factory=list, description="Failure and partition scenarios.")
    risks: list[Risk] = Field(default_factory=list, description="Risk register.")


Service.model_rebuild()

# Top-level sections that are lists of elements with an `id`, in the order the loader checks them.
ELEMENT_SECTIONS: dict[str, type[Strict]] = {
    "regions": Region,
    "services": Service,
    "stores": Store,
    "topics": Topic,
    "domains": Domain,
    "operations": Operation,
    "scenarios": Scenario,
}
