"""Recovery time and data-loss window when a store loses its leader or its copies.

recovery = detection (heartbeat interval × threshold, a fixed timeout, or the phi-accrual
threshold against the heartbeat interval) + election + promotion + client reconnection (DNS TTL,
pools) + the callers' circuit-breaker half-open wait. Manual failover: the operator's response time
instead of detection and election. Each part the model does not give is named as missing; the total
is then a lower bound, labelled so.

data-loss window = what an acknowledged write can lose when the leader dies: 0 with synchronous
replication, the replication lag (p99) with asynchronous or semi-synchronous replication (semi-sync
degrades to async when the standby is slow), and the backup interval when the only copy is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from pacelc.analysis.graph import SystemGraph
from pacelc.model.schema import Store

LN10 = 2.302585092994046


@dataclass(frozen=True)
class Recovery:
    store: str
    mode: str  # automatic / manual / none / unknown
    detect_s: float | None
    elect_s: float | None
    promote_s: float | None
    reconnect_s: float | None
    breaker_s: float | None
    missing: tuple[str, ...]

    @property
    def failover_s(self) -> float | None:
        """Detection + election + promotion (manual: the operator's response); None when nothing is known."""
        parts = [p for p in (self.detect_s, self.elect_s, self.promote_s) if p is not None]
        return sum(parts) if parts else None

    @property
    def total_s(self) -> float | None:
        parts = [
            p for p in (self.detect_s, self.elect_s, self.promote_s, self.reconnect_s, self.breaker_s) if p is not None
        ]
        return sum(parts) if parts else None

    @property
    def lower_bound(self) -> bool:
        """True when parts are missing: the real recovery takes at least `total_s`."""
        return bool(self.missing)


@dataclass(frozen=True)
class DataLoss:
    store: str
    window_s: float | None  # None: unknown
    reason: str


def detection_s(store: Store) -> float | None:
    rep = store.replication
    det = rep.failover.detector if rep and rep.failover else None
    if det is None:
        return None
    if det.timeout_ms is not None:
        return det.timeout_ms / 1000
    if det.interval_ms is not None and det.threshold is not None:
        return det.interval_ms * det.threshold / 1000
    if det.interval_ms is not None and det.phi_threshold is not None:
        # Phi-accrual with exponentially distributed inter-arrival times: phi = t / (mean · ln 10), so
        # suspicion comes phi · ln 10 mean intervals after the last heartbeat (Hayashibara et al., 2004).
        return det.interval_ms * det.phi_threshold * LN10 / 1000
    return None


def recovery(store: Store, graph: SystemGraph | None = None) -> Recovery:
    """The recovery estimate of a store after losing its leader; with `graph`, callers' breakers count too."""
    rep = store.replication
    fo = rep.failover if rep else None
    missing: list[str] = []
    where = f"stores.{store.id}.replication.failover"
    breaker = None
    if graph is not None:
        # Callers whose breaker opened keep failing fast until its half-open trial: that wait adds up.
        breaker = max(
            (
                c.circuit_breaker.half_open_after_s
                for _, c in graph.callers_of.get(store.id, [])
                if c.circuit_breaker and c.circuit_breaker.half_open_after_s
            ),
            default=None,
        )
    if fo is None:
        missing.append(where)
        return Recovery(store.id, "unknown", None, None, None, None, breaker, tuple(missing))
    reconnect = fo.client_reconnect_s
    if reconnect is None:
        missing.append(f"{where}.client_reconnect_s")
    if fo.mode == "manual":
        if fo.manual_response_s is None:
            missing.append(f"{where}.manual_response_s")
        return Recovery(
            store.id, "manual", fo.manual_response_s, None, fo.promotion_s, reconnect, breaker, tuple(missing)
        )
    if fo.mode == "none":
        return Recovery(store.id, "none", None, None, None, reconnect, breaker, tuple(missing))
    detect = detection_s(store)
    elect = fo.election_timeout_ms / 1000 if fo.election_timeout_ms is not None else None
    if detect is None and elect is not None and rep is not None and rep.topology == "consensus":
        detect = elect  # Raft: followers suspect the leader after one election timeout
    if detect is None:
        missing.append(f"{where}.detector")
    if elect is None and fo.promotion_s is None:
        missing.append(f"{where}.election_timeout_ms or promotion_s")
    return Recovery(store.id, "automatic", detect, elect, fo.promotion_s, reconnect, breaker, tuple(missing))


def data_loss(store: Store, all_copies_lost: bool = False) -> DataLoss:
    """What acknowledged data can be lost when the leader (or, with `all_copies_lost`, every copy) goes."""
    rep = store.replication
    durability = store.durability
    if all_copies_lost or store.replicas == 1 or rep is None or rep.topology == "none":
        backups = durability.backups if durability else None
        if backups is None:
            return DataLoss(store.id, None, "the only copy is gone and no backup is described")
        return DataLoss(store.id, backups.interval_s, f"restore from the last backup (every {backups.interval_s:g} s)")
    if durability is not None and not durability.persistent and rep.topology == "single_leader":
        return DataLoss(store.id, None, "in-memory store: what the new leader had not received is gone")
    if rep.topology in ("consensus", "leaderless", "multi_leader"):
        return DataLoss(store.id, 0.0, f"{rep.topology.replace('_', '-')}: acknowledged writes live on other replicas")
    if store.kind == "log":
        if rep.unclean_leader_election:
            return DataLoss(store.id, None, "unclean leader election: an out-of-sync replica may lead and truncate")
        return DataLoss(store.id, 0.0, "acks from the in-sync replicas")
    mode = rep.mode
    if mode == "sync":
        return DataLoss(store.id, 0.0, "synchronous replication: the standby has every acknowledged write")
    lag = rep.lag_p99_ms
    label = "asynchronous" if mode == "async" else "semi-synchronous (async when the standby lags)"
    if mode is None:
        return DataLoss(store.id, None, "replication mode not given")
    if lag is None:
        return DataLoss(store.id, None, f"{label} replication; lag not given")
    return DataLoss(store.id, lag / 1000, f"{label} replication: up to the lag (p99 {lag:g} ms)")
