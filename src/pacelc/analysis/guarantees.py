"""What a store's replication settings guarantee: consistency model, CAP side and PACELC class.

Derived, never echoed: the domain's declared requirement plays no part here. Every conclusion
carries the reasons it rests on, the assumptions it needs (bounded clock drift for leases, ...)
and what the model did not say; a missing setting makes the answer unknown, not safe.

The lattice (strongest first): linearizable ⊃ sequential ⊃ causal ⊃ {read_your_writes,
monotonic_reads, monotonic_writes, writes_follow_reads} ⊃ eventual. bounded_staleness is a real-
time bound beside it, given by linearizable reads or by follower reads whose lag is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pacelc.model.schema import Consistency, Domain, Store, SystemModel

SESSION_MODELS = frozenset({"read_your_writes", "monotonic_reads", "monotonic_writes", "writes_follow_reads"})

# What each model implies (reflexive-transitive closure over the lattice).
_IMPLIES: dict[str, frozenset[str]] = {
    "eventual": frozenset({"eventual"}),
    **{m: frozenset({m, "eventual"}) for m in SESSION_MODELS},
    "causal": frozenset({"causal", *SESSION_MODELS, "eventual"}),
    "sequential": frozenset({"sequential", "causal", *SESSION_MODELS, "eventual"}),
    "linearizable": frozenset(
        {"linearizable", "sequential", "causal", *SESSION_MODELS, "eventual", "bounded_staleness"}
    ),
}
STRENGTH = {
    "linearizable": 6,
    "sequential": 5,
    "causal": 4,
    "read_your_writes": 3,
    "monotonic_reads": 3,
    "monotonic_writes": 3,
    "writes_follow_reads": 3,
    "bounded_staleness": 2,
    "eventual": 1,
}

# A paused leader (GC, VM stall) that resumes after its lease ran out still believes it holds
# it unless it re-checks on a monotonic clock (pacelc verify shows the 8-step stale read).
_LEASE_PAUSE = "no process pause outlives the lease, or the lease is re-checked after one"


@dataclass(frozen=True)
class Guarantee:
    """The consistency a store gives its readers, with the reasoning behind it."""

    store: str
    models: frozenset[str]  # every model guaranteed (closure)
    strongest: str | None  # None: unknown
    staleness_bound_ms: float | None  # for follower reads with a known lag bound
    cap: str  # "CP", "AP" or "unknown" (what the minority side of a partition does)
    pacelc: str  # e.g. "PC/EC", "PA/EL"; parts may be "?" when unknown
    reasons: tuple[str, ...]
    assumptions: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    minority_writes: bool | None = None  # can a minority side accept writes? None: unknown
    may_lose_acked_writes: bool | None = None

    def satisfies(self, required: Consistency, staleness_bound_ms: float | None = None) -> bool | None:
        """True / False, or None when the store's guarantee is unknown."""
        if self.strongest is None:
            return None
        if required == "bounded_staleness":
            if "linearizable" in self.models:
                return True
            if self.staleness_bound_ms is None or staleness_bound_ms is None:
                return False
            return self.staleness_bound_ms <= staleness_bound_ms
        return required in self.models


def closure(model: str) -> frozenset[str]:
    return _IMPLIES.get(model, frozenset({model}))


def _fenced(store: Store) -> bool | None:
    rep = store.replication
    if rep is None or rep.failover is None:
        return None
    if rep.failover.mode != "automatic":
        return True
    if rep.failover.fencing is None:
        return None
    return rep.failover.fencing != "none"


def derive(store: Store) -> Guarantee:
    """The guarantee of one store, from its replication, quorum, routing and failover settings."""
    rep = store.replication
    reasons: list[str] = []
    assumptions: list[str] = []
    missing: list[str] = []

    def result(
        strongest: str | None,
        cap: str,
        pacelc: str,
        *,
        extra: frozenset[str] = frozenset(),
        bound: float | None = None,
        minority_writes: bool | None = None,
        lose: bool | None = None,
    ) -> Guarantee:
        models = closure(strongest) | extra if strongest else frozenset()
        return Guarantee(
            store.id,
            models,
            strongest,
            bound,
            cap,
            pacelc,
            tuple(reasons),
            tuple(assumptions),
            tuple(missing),
            minority_writes,
            lose,
        )

    if rep is None or rep.topology == "none" or store.replicas == 1:
        if rep is None and store.replicas > 1:
            missing.append(f"stores.{store.id}.replication")
            reasons.append(f"{store.replicas} replicas but no replication settings")
            return result(None, "unknown", "?/?")
        reasons.append("one copy of the data: every read sees the last write")
        reasons.append("unreachable from the other side of a partition")
        lose = None if store.durability is None else not store.durability.persistent
        return result("linearizable", "CP", "PC/EC", minority_writes=False, lose=lose)

    if rep.topology == "single_leader":
        return _single_leader(store, reasons, assumptions, missing, result)
    if rep.topology == "consensus":
        return _consensus(store, reasons, assumptions, missing, result)
    if rep.topology == "leaderless":
        return _leaderless(store, reasons, assumptions, missing, result)
    return _multi_leader(store, reasons, assumptions, missing, result)


def _session_extra(session: str | None, reasons: list[str]) -> tuple[frozenset[str], str | None]:
    if session == "sticky":
        reasons.append("sticky sessions: each client reads one replica")
        return frozenset({"read_your_writes", "monotonic_reads", "monotonic_writes"}), None
    if session == "version_token":
        reasons.append("clients present version tokens: a replica waits until it has caught up")
        return frozenset({"read_your_writes", "monotonic_reads", "monotonic_writes"}), None
    if session == "causal_token":
        reasons.append("causal tokens order reads after the writes they depend on")
        return frozenset(), "causal"
    return frozenset(), None


def _single_leader(store, reasons, assumptions, missing, result) -> Guarantee:
    rep = store.replication
    mode = rep.mode
    read_from = rep.read_from
    fenced = _fenced(store)
    failover = rep.failover.mode if rep.failover else None
    if mode is None:
        missing.append(f"stores.{store.id}.replication.mode")
    if read_from is None:
        missing.append(f"stores.{store.id}.replication.read_from")
    if failover is None:
        missing.append(f"stores.{store.id}.replication.failover")

    lose = None
    if mode == "async" and failover == "automatic":
        lose = True
        reasons.append("async replication with automatic failover: writes acknowledged but not yet copied are lost")
    elif mode in ("sync", "semi_sync"):
        lose = False if mode == "sync" else None
        if mode == "semi_sync":
            reasons.append("semi-sync falls back to async when the replica is slow: loss window on failover")
            lose = True if failover == "automatic" else None

    split_brain = failover == "automatic" and fenced is False
    minority = True if split_brain else (False if fenced else None)
    if split_brain:
        reasons.append("automatic failover without fencing: an isolated old leader keeps accepting writes")
    cap = "AP" if split_brain else ("CP" if fenced else "unknown")
    if cap == "unknown" and failover == "automatic":
        missing.append(f"stores.{store.id}.replication.failover.fencing")

    if read_from in ("followers", "any", "nearest"):
        extra, promoted = _session_extra(rep.session_guarantees, reasons)
        bound = None
        if mode == "sync":
            reasons.append("reads served by followers that acknowledged every write before the leader did")
            assumptions.append("followers apply a write before acknowledging it")
            strongest = "sequential"
        else:
            reasons.append(f"reads served by {read_from} of an {mode or 'unknown-mode'} replica set: may be stale")
            strongest = promoted or "eventual"
            if rep.lag_p99_ms is not None:
                bound = rep.lag_p99_ms
                assumptions.append(f"replication lag stays below its p99 of {rep.lag_p99_ms:g} ms")
        pacelc = ("PA" if split_brain else "PC" if fenced else "P?") + "/EL"
        return result(
            strongest if mode else None, cap, pacelc, extra=extra, bound=bound, minority_writes=minority, lose=lose
        )

    if read_from is None:
        return result(
            None, cap, ("PA" if split_brain else "PC" if fenced else "P?") + "/?", minority_writes=minority, lose=lose
        )

    # Leader reads.
    lin = rep.linearizable_reads
    if lin in ("lease", "read_index", "quorum_read"):
        reasons.append(f"reads at the leader, which confirms leadership by {lin.replace('_', ' ')}")
        if lin == "lease":
            assumptions.append("bounded clock drift between leader and followers (lease)")
            assumptions.append(_LEASE_PAUSE)
        strongest = "linearizable"
    elif failover in ("manual", "none") or fenced:
        reasons.append("reads at the leader; at most one leader accepts requests at a time")
        if failover == "automatic":
            assumptions.append("the fencing takes effect before the new leader serves")
        strongest = "linearizable"
    else:
        reasons.append("reads at the leader, but a deposed leader may still answer reads after failover")
        strongest = "sequential"
    pacelc = ("PA" if split_brain else "PC" if fenced else "P?") + "/EC"
    return result(strongest, cap, pacelc, minority_writes=minority, lose=lose)


def _consensus(store, reasons, assumptions, missing, result) -> Guarantee:
    rep = store.replication
    n = store.replicas
    reasons.append(f"consensus group of {n}: writes commit on a majority of {n // 2 + 1}")
    if n % 2 == 0:
        reasons.append(f"an even group of {n} tolerates no more failures than {n - 1} members")
    read_from = rep.read_from
    lose = False
    fsync = store.durability.fsync if store.durability else None
    if fsync in ("periodic", "never"):
        lose = True
        reasons.append(f"fsync {fsync}: a majority crashing together loses acknowledged entries")
    if read_from in ("followers", "any", "nearest"):
        extra, promoted = _session_extra(rep.session_guarantees, reasons)
        reasons.append("reads served by followers, which may lag the commit index")
        strongest = "sequential" if rep.session_guarantees in ("sticky", "version_token") else (promoted or "eventual")
        if strongest == "eventual":
            extra = extra | frozenset()
        return result(strongest, "CP", "PC/EL", extra=extra, minority_writes=False, lose=lose)
    if read_from is None:
        missing.append(f"stores.{store.id}.replication.read_from")
        return result(None, "CP", "PC/?", minority_writes=False, lose=lose)
    lin = rep.linearizable_reads
    if lin in ("lease", "read_index", "quorum_read"):
        reasons.append(f"leader reads confirmed by {lin.replace('_', ' ')}")
        if lin == "lease":
            assumptions.append("bounded clock drift (leader lease)")
            assumptions.append(_LEASE_PAUSE)
        return result("linearizable", "CP", "PC/EC", minority_writes=False, lose=lose)
    if lin is None:
        missing.append(f"stores.{store.id}.replication.linearizable_reads")
        reasons.append("leader reads; the model does not say how the leader confirms it is still leader")
        return result("sequential", "CP", "PC/EC", minority_writes=False, lose=lose)
    reasons.append("leader reads without lease or read-index: a deposed leader may serve stale reads")
    return result("sequential", "CP", "PC/EC", minority_writes=False, lose=lose)


def _leaderless(store, reasons, assumptions, missing, result) -> Guarantee:
    rep = store.replication
    q = rep.quorum
    n = (q.n if q and q.n else None) or store.replicas
    r = q.r if q else None
    w = q.w if q else None
    if r is None or w is None:
        missing.append(f"stores.{store.id}.replication.quorum.r/w")
        return result(None, "AP", "PA/?", minority_writes=None)
    majority = n // 2 + 1
    minority_writes = w < majority
    minority_reads = r < majority
    cap = "AP" if (minority_writes or minority_reads) else "CP"
    strict = r + w > n
    sloppy = bool(q.sloppy)
    reasons.append(f"N={n}, R={r}, W={w}: R+W {'>' if strict else '≤'} N")
    if q.sloppy is None and strict:
        missing.append(f"stores.{store.id}.replication.quorum.sloppy")
    if sloppy:
        reasons.append("sloppy quorum: writes may land on stand-ins outside the key's N replicas")
        cap = "AP"
        minority_writes = True
    extra, promoted = _session_extra(rep.session_guarantees, reasons)
    lose = None
    cr = rep.conflict_resolution
    if cr is not None and cr.strategy == "lww":
        lose = True
        reasons.append("last-writer-wins drops one of two concurrent writes")
    if strict and not sloppy:
        reasons.append("every read quorum overlaps every write quorum: a read sees the last acknowledged write")
        assumptions.append("failed writes are not left on a minority of replicas (no partial writes)")
        return result("read_your_writes", cap, f"P{cap[0]}/EC", extra=extra, minority_writes=minority_writes, lose=lose)
    if strict and q.sloppy is None:
        return result(None, cap, f"P{cap[0]}/EC", minority_writes=minority_writes, lose=lose)
    return result(promoted or "eventual", cap, f"P{cap[0]}/EL", extra=extra, minority_writes=minority_writes, lose=lose)


def _multi_leader(store, reasons, assumptions, missing, result) -> Guarantee:
    rep = store.replication
    reasons.append("every leader accepts writes and replicates to the others asynchronously")
    extra, promoted = _session_extra(rep.session_guarantees, reasons)
    cr = rep.conflict_resolution
    lose: bool | None = None
    if cr is None:
        missing.append(f"stores.{store.id}.replication.conflict_resolution")
    elif cr.strategy == "lww":
        lose = True
        clock = cr.clock or "unknown"
        reasons.append(f"last-writer-wins on {clock} clocks drops one of two concurrent writes")
    elif cr.strategy in ("crdt", "merge_function", "siblings", "manual"):
        lose = False
        reasons.append(f"conflicts resolved by {cr.strategy.replace('_', ' ')}: concurrent writes are kept or merged")
    return result(promoted or "eventual", "AP", "PA/EL", extra=extra, minority_writes=True, lose=lose)


@dataclass(frozen=True)
class DomainDecision:
    """A domain's requirement held against its store's guarantee."""

    domain: Domain
    guarantee: Guarantee | None  # None when the store is a topic or unknown
    met: bool | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def derive_all(model: SystemModel) -> dict[str, Guarantee]:
    """Guarantees of every store, by store id."""
    return {store.id: derive(store) for store in model.stores}


def decide(model: SystemModel, guarantees: dict[str, Guarantee]) -> dict[str, DomainDecision]:
    """Per domain: does its store give the consistency it requires?"""
    out = {}
    for domain in model.domains:
        g = guarantees.get(domain.store)
        if g is None or domain.consistency is None:
            out[domain.id] = DomainDecision(domain, g, None)
            continue
        out[domain.id] = DomainDecision(domain, g, g.satisfies(domain.consistency, domain.staleness_bound_ms))
    return out
