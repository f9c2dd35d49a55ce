"""Generated architectures for the benchmarks: N services in regions of three zones.

Services form layers; each calls two services of the next layer (one in a parallel group) and one
store; one operation enters every tenth service and follows its calls five layers deep. Stores
rotate through the replication topologies (single-leader sync and async, consensus, leaderless,
multi-leader with a CRDT), a few services publish to a topic, domains live on every store. The mix
exercises every engine: fault trees with quorums and zones, partitions, budgets and the rules.
"""

from __future__ import annotations

from pacelc.model.schema import (
    Backoff,
    Call,
    CircuitBreaker,
    ConflictResolution,
    Consumer,
    Domain,
    Failover,
    FailureDetector,
    Operation,
    Placement,
    Producer,
    Quorum,
    Region,
    Replication,
    RetryPolicy,
    Service,
    Sla,
    Store,
    SystemInfo,
    SystemModel,
    Timeouts,
    Topic,
    Zone,
)

LAYER = 10  # services per layer (per operation fan-in)
DEPTH = 5


def _replication(i: int) -> tuple[str, Replication]:
    kind = i % 5
    detector = FailureDetector(kind="heartbeat", interval_ms=1000, threshold=3)
    if kind == 0:
        return "database", Replication(
            topology="single_leader",
            mode="sync",
            read_from="leader",
            failover=Failover(mode="automatic", detector=detector, promotion_s=5, fencing="epoch"),
        )
    if kind == 1:
        return "database", Replication(
            topology="single_leader",
            mode="async",
            read_from="followers",
            lag_p99_ms=500,
            failover=Failover(mode="automatic", detector=detector, promotion_s=5, fencing="none"),
        )
    if kind == 2:
        return "coordination", Replication(
            topology="consensus",
            protocol="raft",
            read_from="leader",
            linearizable_reads="read_index",
            failover=Failover(mode="automatic", election_timeout_ms=1000),
        )
    if kind == 3:
        return "database", Replication(
            topology="leaderless",
            quorum=Quorum(n=3, r=2, w=2, sloppy=False),
            conflict_resolution=ConflictResolution(strategy="lww", clock="hybrid_logical"),
        )
    return "database", Replication(
        topology="multi_leader",
        conflict_resolution=ConflictResolution(strategy="crdt", crdt_type="or_set"),
    )


def generate(services: int, regions: int = 2) -> SystemModel:
    """A valid model of `services` services (a multiple of LAYER is best)."""
    region_list = [Region(id=f"r{r}", zones=[Zone(id=f"r{r}-z{z}") for z in range(3)]) for r in range(regions)]
    zones_of = [[z.id for z in region.zones] for region in region_list]
    n_stores = max(1, services // 4)
    stores = []
    for i in range(n_stores):
        kind, rep = _replication(i)
        stores.append(
            Store(
                id=f"store{i}",
                kind=kind,
                replicas=3,
                placement=Placement(zones=zones_of[i % regions], spread="one_per_zone"),
                replication=rep,
            )
        )
    stores.append(
        Store(
            id="broker",
            kind="log",
            replicas=3,
            placement=Placement(zones=zones_of[0], spread="one_per_zone"),
            replication=Replication(
                topology="single_leader", quorum=Quorum(min_in_sync_replicas=2), unclean_leader_election=False
            ),
        )
    )
    svc_list = []
    for i in range(services):
        calls = []
        nxt = i + LAYER
        for j, target in enumerate((nxt, nxt + 1 if (nxt + 1) % LAYER else nxt - 1)):
            if target < services:
                calls.append(
                    Call(
                        to=f"svc{target}",
                        group="fan" if j else None,
                        timeout=Timeouts(connect_ms=50, read_ms=2000 - 300 * ((i // LAYER) % DEPTH)),
                        retry=RetryPolicy(attempts=2, backoff=Backoff(base_ms=50, max_ms=400), jitter="full"),
                        idempotency="key",
                        circuit_breaker=CircuitBreaker(failure_threshold=50, threshold_kind="rate", fallback="cached")
                        if j
                        else None,
                    )
                )
        calls.append(
            Call(to=f"store{i % n_stores}", operation="write" if i % 2 else "read", timeout=Timeouts(read_ms=300))
        )
        if i % 50 == 0:
            calls.append(Call(to="events", mode="async"))
        svc_list.append(
            Service(
                id=f"svc{i}",
                replicas=3,
                min_replicas=2,
                placement=Placement(zones=zones_of[i % regions], spread="one_per_zone"),
                calls=calls,
            )
        )
    topic = Topic(
        id="events",
        broker="broker",
        delivery="at_least_once",
        producers=[
            Producer(service=f"svc{i}", acks="all", idempotent=True, via="outbox") for i in range(0, services, 50)
        ],
        consumers=[Consumer(service="svc1", ack="after_processing", dedup="dedup_table")],
    )
    domains = [
        Domain(
            id=f"d{i}",
            owner=f"svc{i % services}",
            store=f"store{i}",
            consistency=("linearizable", "eventual", "linearizable", "read_your_writes", "eventual")[i % 5],
            rpo_s=60,
            rto_s=300,
        )
        for i in range(n_stores)
    ]
    by_id = {s.id: s for s in svc_list}

    def uses_from(entry: int) -> list[str]:
        """The calls of an operation: DEPTH layers down from its entry, every call of each service reached."""
        out, frontier = [], [f"svc{entry}"]
        for _ in range(DEPTH):
            nxt = []
            for sid in frontier:
                for call in by_id[sid].calls:
                    if call.mode == "sync":
                        out.append(f"{sid}.{call.to}")
                        if call.to.startswith("svc"):
                            nxt.append(call.to)
            frontier = sorted(set(nxt))
        return sorted(set(out))

    # One operation per ten services, entering at the top five layers of a slice of the system.
    entries = [i for i in range(services) if i % LAYER == 0 or (i // LAYER) % (DEPTH + 1) == 0][
        : max(1, services // 10)
    ]
    operations = [
        Operation(id=f"op{i}", entry=f"svc{i}", uses=uses_from(i), sla=Sla(availability=0.999, p99_ms=2000))
        for i in entries
    ]
    return SystemModel(
        system=SystemInfo(name=f"generated-{services}"),
        regions=region_list,
        services=svc_list,
        stores=stores,
        topics=[topic],
        domains=domains,
        operations=operations,
    )
