"""From the system model to model-checked consistency verdicts, one per data domain.

:func:`map_store` turns a store (or a topic, through its broker and producers) of the pydantic
model into the settings of one protocol model; :func:`verify_model` runs the bounded model checker
for every domain with a declared requirement and returns a :class:`DomainVerification` each.

Soundness rules, applied everywhere (they decide what a verdict may claim):

* A setting the model does not state is filled with its *safest* value and recorded in
  ``missing``. A violation found with the safest values is a violation whatever the real values
  are; "no violation" is not a proof then, so it becomes ``unknown`` naming what is missing.
* Behaviour the protocol model leaves out and that could only add violations (fsync off,
  in-memory stores, clock skew in leaderless coordinators, ...) is recorded in ``unmodelled``:
  it turns "no violation" into ``unknown`` too, never a violation into anything else.
* Where the only faithful protocol model would be weaker than the real system (session tokens,
  CRDTs under session checkers, custom merge functions), nothing is run: the verdict is
  ``unknown`` with the reason. A counterexample must never be an artefact of the abstraction.

Output is deterministic: budgets are counted in states (the time budget is a safety net far
above what the default state budgets need), and timings are kept apart from the report data.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from pacelc.analysis.deadline import Deadline
from pacelc.model.schema import Domain, Store, SystemModel, Topic

from .api import Settings, check_protocol
from .checker import HOLDS, UNKNOWN, VIOLATED, Bounds, Budget, CheckResult
from .checkers import (
    CAUSAL,
    LINEARIZABLE,
    MONOTONIC_READS,
    MONOTONIC_WRITES,
    NO_LOST_WRITES,
    NO_STALE_READS,
    READ_YOUR_WRITES,
    SEQUENTIAL,
    WRITES_FOLLOW_READS,
)
from .counterexample import Counterexample
from .protocols.kafka import KafkaSettings
from .protocols.leaderless import LeaderlessSettings
from .protocols.multi_leader import MultiLeaderSettings
from .protocols.raft import RaftSettings
from .protocols.single_leader import SingleLeaderSettings

NOT_CHECKED = "not_checked"

#: The domain's requirement (schema vocabulary) -> the checker's model. bounded_staleness has no
#: checker of its own; an acknowledged write that is lost is stale forever, so no_lost_writes is a
#: necessary condition of it and is what gets checked. eventual constrains only infinite
#: executions (convergence): a bounded search cannot refute it, so it is not checked.
REQUIREMENTS: dict[str, str | None] = {
    "linearizable": LINEARIZABLE,
    "sequential": SEQUENTIAL,
    "causal": CAUSAL,
    "read_your_writes": READ_YOUR_WRITES,
    "monotonic_reads": MONOTONIC_READS,
    "monotonic_writes": MONOTONIC_WRITES,
    "writes_follow_reads": WRITES_FOLLOW_READS,
    "bounded_staleness": NO_LOST_WRITES,
    "eventual": None,
}
#: Requirements that a client's own session tokens or stickiness can satisfy on follower reads:
#: the protocol models have no sessions, so these are not checked on session-routed reads.
_SESSION_SENSITIVE = frozenset({SEQUENTIAL, CAUSAL, READ_YOUR_WRITES, MONOTONIC_READS, MONOTONIC_WRITES,
                                WRITES_FOLLOW_READS})
_FOLLOWER_READS = ("followers", "any", "nearest")


def _read_target(read_from: str, node: str) -> str:
    """Where reads go, as words ("reads go to any replica"), not the setting's value glued to a noun."""
    return {"followers": "followers", "any": f"any {node}", "nearest": f"the nearest {node}"}[read_from]

#: Bounds for `pacelc review` (CNS050) and `pacelc verify`: 2 faults, because one misses a real anomaly.
#: On a synchronous, fenced single leader (checkout's orders and ledger, platform's jobs) the leader
#: crashes holding a logged, unreplicated write, restarts still leader and serves it, crashes again,
#: and failover loses it (7 steps; PostgreSQL shows locally committed transactions after crash recovery
#: even when the sync standby never confirmed them). 3 ops, not Bounds()' 4: read-your-writes on lease
#: reads has no history summary and runs out of 3,000,000 states there.
REVIEW_BOUNDS = Bounds(replicas=3, clients=2, ops=3, faults=2)
#: The review only needs counterexamples (CNS050 fires on violations, never on proofs). Breadth-first
#: search meets the shortest ones early, proofs take far longer, so the review stops at 10,000 states
#: and leaves proofs to `pacelc verify` (a domain the review could not settle is simply not reported).
#: The restart-before-failover histories need 9,286 states, every other example violation under 3,300;
#: 20,000 put the 100-service review benchmark at 0.68 s, over its 0.5 s target (10,000: 0.47 s).
REVIEW_BUDGET = Budget(max_states=10_000, max_seconds=20.0)
#: `pacelc verify`: the same bounds with a budget that settles every example domain (checkout ~11 s).
VERIFY_BOUNDS = REVIEW_BOUNDS
VERIFY_BUDGET = Budget(max_states=1_000_000, max_seconds=60.0)
#: Why lease reads on a consensus store are never proved: what the search assumes about pauses.
_LEASE_AFTER_PAUSE = ("whether the leader re-checks its lease on a monotonic clock after a process pause (GC, VM "
                      "stall), which lease reads rest on: the model cannot state it (searched as re-checked); "
                      "without it a paused leader serves stale reads (8 steps: the Raft model with "
                      "lease_rechecked_after_pause off)")
#: Consensus protocols searched with the Raft model: each commits a write once a majority holds it,
#: and each elects only a leader that holds every committed write (Raft's up-to-date-log vote, ZAB's
#: highest-zxid election with synchronisation, Multi-Paxos's phase 1 adopting the highest-ballot
#: accepted values), so no acknowledged write is lost and leader-based reads behave the same.
RAFT_LIKE: tuple[str, ...] = ("raft", "multi_paxos", "zab")


def _consensus_protocol(name: str | None) -> str | None:
    """The modelled protocol a stated name stands for ("Multi-Paxos" -> multi_paxos), or None."""
    if name is None:
        return None
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    return key if key in RAFT_LIKE else None


#: Largest replica count explored; quorum properties are kept when scaling down (see _scale_quorum).
MAX_REPLICAS = 3


@dataclass(frozen=True)
class StoreMapping:
    """The protocol settings standing for one store, and what they rest on."""

    store: str
    topic: str | None
    settings: Settings | None  # None: no protocol model fits (reason says why)
    replicas: int | None = None  # replicas explored (None: the protocol decides)
    missing: tuple[str, ...] = ()  # model paths that do not say; filled with the safest value
    unmodelled: tuple[str, ...] = ()  # real behaviour left out that could only add violations
    assumptions: tuple[str, ...] = ()  # how settings were read
    reason: str = ""  # why settings is None


@dataclass(frozen=True)
class DomainVerification:
    """The model-checked verdict for one domain's consistency requirement."""

    domain: str
    store: str
    topic: str | None
    required: str  # the domain's requirement (schema vocabulary)
    checked: str | None  # the checker's model (None: not checked)
    status: str  # violated | holds_within_bounds | unknown | not_checked
    reason: str  # one sentence: why this status
    protocol: str | None = None
    anomaly: str | None = None
    bounds: Bounds | None = None
    counterexample: Counterexample | None = None
    states: int = 0
    depth: int = 0
    seconds: float = 0.0  # wall time; never part of to_dict() unless asked (reports stay byte-identical)
    missing: tuple[str, ...] = ()
    unmodelled: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()

    @property
    def violated(self) -> bool:
        return self.status == VIOLATED

    @property
    def steps(self) -> list[str]:
        """The counterexample as readable steps (empty when there is none)."""
        cx = self.counterexample
        if cx is None:
            return []
        out = [f"{s.n}. {s.text}" for s in cx.steps]
        out += [f"after quiescence (faults healed, replication drained): read({k}) -> {_fmt(v)}" for k, v in cx.final]
        return out

    def bounds_text(self) -> str:
        return self.bounds.describe() if self.bounds else ""

    def to_dict(self, timing: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "domain": self.domain,
            "store": self.store,
            "topic": self.topic,
            "required": self.required,
            "checked": self.checked,
            "status": self.status,
            "reason": self.reason,
            "protocol": self.protocol,
            "anomaly": self.anomaly,
            "bounds": self.bounds.as_dict() if self.bounds else None,
            "counterexample": self.steps or None,
            "why": self.counterexample.reason if self.counterexample else None,
            "states": self.states,
            "depth": self.depth,
            "missing": list(self.missing),
            "unmodelled": list(self.unmodelled),
            "assumptions": list(self.assumptions),
        }
        if timing:
            d["seconds"] = round(self.seconds, 3)
        return d

    def render(self) -> str:
        """Plain text: the verdict line, then the counterexample and what the verdict rests on."""
        head = f"{self.domain} ({self.required}) on {self.topic or self.store}: "
        if self.status == VIOLATED:
            head += f"VIOLATED — {self.anomaly}"
        elif self.status == HOLDS:
            head += "holds within bounds"
        elif self.status == NOT_CHECKED:
            head += "not checked"
        else:
            head += "unknown"
        lines = [head, f"  {self.reason}"]
        if self.protocol:
            lines.append(f"  protocol: {self.protocol}")
        if self.bounds and self.status in (VIOLATED, HOLDS, UNKNOWN) and self.checked:
            lines.append(f"  bounds: {self.bounds.describe()} ({self.states} states explored)")
        if self.counterexample is not None:
            lines.append(f"  shortest counterexample ({len(self.counterexample.steps)} steps):")
            lines += [f"    {s}" for s in self.steps]
            lines.append(f"  why: {self.counterexample.reason}")
        for label, items in (("not stated in the model", self.missing), ("not modelled", self.unmodelled),
                             ("assumed", self.assumptions)):
            for item in items:
                lines.append(f"  {label}: {item}")
        return "\n".join(lines)


def _fmt(v: Any) -> str:
    if v is None:
        return "⊥ (initial)"
    if isinstance(v, tuple):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v)


# --------------------------------------------------------------------------- mapping


class _Index:
    """Stores, topics and each broker's topics by id, built once per model: looking them up by a
    scan per domain made a 10,000-service review quadratic here."""

    def __init__(self, model: SystemModel) -> None:
        self.stores: dict[str, Store] = {}
        for s in model.stores:
            self.stores.setdefault(s.id, s)  # the first of duplicate ids, as the scan it replaces
        self.topics: dict[str, Topic] = {}
        self.by_broker: dict[str, list[Topic]] = {}
        for t in model.topics:
            self.topics.setdefault(t.id, t)
            self.by_broker.setdefault(t.broker, []).append(t)

    def find(self, ident: str) -> tuple[Store | None, Topic | None]:
        if ident in self.stores:
            return self.stores[ident], None
        topic = self.topics.get(ident)
        if topic is not None:
            return self.stores.get(topic.broker), topic
        return None, None


def _find_store(model: SystemModel, ident: str) -> tuple[Store | None, Topic | None]:
    return _Index(model).find(ident)


def map_store(model: SystemModel, ident: str, required: str | None = None, index: _Index | None = None) -> StoreMapping:
    """Protocol settings for the store (or topic) ``ident``; ``required`` is the checker model the
    settings will be held against (some settings only matter for some requirements)."""
    index = index or _Index(model)
    store, topic = index.find(ident)
    topic_id = topic.id if topic else None
    if store is None:
        return StoreMapping(ident, topic_id, None, reason=f"no store or topic '{ident}' in the model")
    m = _Mapper(model, store, topic, required, index)
    return m.build()


class _Mapper:
    def __init__(
        self, model: SystemModel, store: Store, topic: Topic | None, required: str | None, index: _Index
    ) -> None:
        self.model = model
        self.index = index
        self.store = store
        self.topic = topic
        self.required = required
        self.missing: list[str] = []
        self.unmodelled: list[str] = []
        self.assumptions: list[str] = []
        self.path = f"stores.{store.id}"

    def done(self, settings: Settings | None, replicas: int | None = None, reason: str = "") -> StoreMapping:
        return StoreMapping(
            self.store.id, self.topic.id if self.topic else None, settings, replicas,
            tuple(self.missing), tuple(self.unmodelled), tuple(self.assumptions), reason,
        )

    def none(self, reason: str) -> StoreMapping:
        return self.done(None, reason=reason)

    def _durability_unstated(self) -> bool:
        """Name an unstated durability as missing (once); True when it is unstated.

        Every protocol model fsyncs before acknowledging unless told otherwise. That is the safest
        value, so it may stand in for a durability the model does not state, but only as a missing
        setting: without this, a store the model says nothing about came out "holds" (issue 17 §2).
        """
        d = self.store.durability
        if d is None:
            what = f"{self.path}.durability (searched as fsync before every acknowledgement, data kept on restart)"
        elif d.persistent and d.fsync is None:
            what = f"{self.path}.durability.fsync (searched as fsync before every acknowledgement)"
        else:
            return False
        if what not in self.missing:
            self.missing.append(what)
        return True

    def _durability(self, consensus_or_replica: bool = True) -> None:
        """Record durability the protocol model leaves out (Raft, leaderless, multi-leader)."""
        d = self.store.durability
        if self._durability_unstated() or d is None:
            return
        if not d.persistent:
            self.unmodelled.append(f"{self.path}.durability.persistent is false: a restart loses the node's data "
                                   "(this protocol model keeps data across restarts)")
        elif d.fsync in ("periodic", "never") and consensus_or_replica:
            self.unmodelled.append(f"{self.path}.durability.fsync is {d.fsync}: a crash loses the last "
                                   "acknowledged writes (this protocol model fsyncs before acknowledging)")

    def _fsync(self) -> str:
        """The single-leader model's fsync setting for this store's durability settings."""
        d = self.store.durability
        p = f"{self.path}.durability"
        self._durability_unstated()  # unstated: searched as "always", named as missing
        if d is None or (d.persistent and d.fsync in (None, "always")):
            return "always"
        if not d.persistent:
            self.assumptions.append(f"{p}.persistent is false: a crash or restart loses everything the node held")
            return "never"
        if d.fsync == "never":
            self.assumptions.append(f"{p}.fsync is never: the OS writes dirty pages back when it chooses, modelled "
                                    "as fsync at any time; a machine crash loses the rest")
        else:
            self.assumptions.append(f"{p}.fsync is periodic: a machine crash loses what was not yet flushed")
        return "periodic"

    def _scaled(self, n: int, what: str) -> int:
        if n > MAX_REPLICAS:
            self.assumptions.append(f"{what}: {MAX_REPLICAS} of the {n} replicas explored (majorities and quorum "
                                    "overlaps are the same)")
            return MAX_REPLICAS
        return n

    def build(self) -> StoreMapping:
        store, rep = self.store, self.store.replication
        if not (store.kind == "log" and rep is not None and rep.topology == "single_leader" and store.replicas > 1):
            self._log_settings_unused()
        if rep is None:
            if store.replicas > 1:
                self.missing.append(f"{self.path}.replication")
                return self.none(f"{store.replicas} replicas but the model does not say how they replicate "
                                 f"({self.path}.replication)")
            return self._single_copy()
        if rep.topology != "none" and "replicas" not in store.model_fields_set:
            # The schema's default (1) would turn a replicated store into a single copy, which has
            # no failover to lose writes in and so "holds" (found by tests/model/test_schema_walk.py).
            self.missing.append(f"{self.path}.replicas")
            return self.none(f"{rep.topology.replace('_', '-')} replication without a replica count "
                             f"({self.path}.replicas)")
        if rep.topology == "none" or store.replicas == 1:
            return self._single_copy()
        if store.kind == "log" and rep.topology == "single_leader":
            return self._log()
        if rep.topology == "single_leader":
            return self._single_leader()
        if rep.topology == "consensus":
            return self._consensus()
        if rep.topology == "leaderless":
            return self._leaderless()
        return self._multi_leader()

    def _log_settings_unused(self) -> None:
        """Name log settings that only the replicated-log model reads, when another model is used.

        A queue (RabbitMQ, SQS, ...) or an unreplicated log is mapped onto the single-leader model,
        which acknowledges per ``replication.mode`` and has no in-sync set: a producer that does not
        wait for the broker (acks 0 or 1) or a min-ISR setting would otherwise be dropped without a
        word, and a pass would hide a write lost before it reached the replicas (issue 17 §2).
        """
        rep = self.store.replication
        q = rep.quorum if rep else None
        if q is not None and q.min_in_sync_replicas is not None:
            self.unmodelled.append(f"{self.path}.replication.quorum.min_in_sync_replicas "
                                   f"({q.min_in_sync_replicas}) on a {self.store.kind} that is not a replicated "
                                   "log: the protocol model used has no in-sync replica set")
        topics = [self.topic] if self.topic else self.index.by_broker.get(self.store.id, [])
        for t in topics:
            for i, prod in enumerate(t.producers):
                if prod.acks in ("0", "1"):
                    self.unmodelled.append(f"topics.{t.id}.producers[{i}].acks is {prod.acks} ({prod.service}): "
                                           "the protocol model used acknowledges per the store's replication, "
                                           "not per producer")

    # -- one copy
    def _single_copy(self) -> StoreMapping:
        self.assumptions.append("one copy of the data: modelled as a single leader without replicas")
        s = SingleLeaderSettings(replication="sync", failover="none", fencing=True, read_from="leader",
                                 visible_before_ack=False, faults=("crash",), fsync=self._fsync())
        return self.done(s, replicas=1)

    # -- sessions on follower reads
    def _sessions_block(self, session: str | None, where: str) -> str | None:
        """Reason not to run, when follower reads meet a requirement that session routing decides."""
        if self.required not in _SESSION_SENSITIVE:
            if self.required in (LINEARIZABLE, NO_STALE_READS):
                self.assumptions.append("session guarantees are irrelevant here: they order a client's own "
                                        "reads, and linearizability also binds every other client")
            return None
        if session is None:
            self.missing.append(f"{self.path}.replication.session_guarantees")
            return (f"reads go to {where} and the model does not say which session guarantees they have "
                    f"({self.path}.replication.session_guarantees)")
        if session != "none":
            self.unmodelled.append(f"session guarantees ({session})")
            return (f"reads go to {where} with session guarantees ({session}), which the protocol models do "
                    "not model; the verdict rests on them")
        return None

    def _follower_linearizable(self, read_from: str) -> str | None:
        """Reason not to run when follower reads come with a leader check (``linearizable_reads``).

        Follower reads that first confirm the leader's commit index (etcd's and TiKV's follower read)
        are neither plain follower reads nor leader reads: searching them as plain follower reads
        would print a stale read that the real system does not allow, and as leader reads would
        claim more than the model shows. Neither is modelled; the verdict is unknown, named.
        """
        lin = self.store.replication.linearizable_reads if self.store.replication else None
        if read_from not in _FOLLOWER_READS or lin in (None, "none"):
            return None
        note = (f"{self.path}.replication.linearizable_reads is {lin} with read_from {read_from}: reads served by "
                "followers after a leader check are not modelled")
        self.unmodelled.append(note)
        return note

    # -- single leader
    def _single_leader(self) -> StoreMapping:
        rep = self.store.replication
        assert rep is not None
        p = f"{self.path}.replication"
        mode = rep.mode
        if mode is None:
            self.missing.append(f"{p}.mode")
            mode = "sync"
        fo = rep.failover
        if fo is None:
            self.missing.append(f"{p}.failover")
            failover, fencing = "none", True
        else:
            failover = fo.mode
            if fo.mode == "automatic" and fo.fencing is None:
                self.missing.append(f"{p}.failover.fencing")
                fencing = True
            else:
                fencing = fo.fencing not in ("none",) if fo.mode == "automatic" else True
        if failover == "automatic" and not fencing and rep.linearizable_reads in ("lease", "read_index", "quorum_read"):
            # the leader checks it still leads before a read, but nothing stops a deposed one writing:
            # the model has one switch for both, so the safe side is taken and a pass stays unknown
            self.unmodelled.append(f"leader check on reads ({rep.linearizable_reads}) without fencing of writes "
                                   "(modelled as fencing)")
            fencing = True
        if rep.conflict_resolution is not None:
            # One leader orders every write, so the model has no conflicts to resolve; stating a strategy
            # suggests concurrent writers (active-active, writes on replicas) that the model leaves out.
            self.unmodelled.append(f"{p}.conflict_resolution ({rep.conflict_resolution.strategy}) on a single-leader "
                                   "store: the single-leader model has one writer and no conflicts to resolve")
        read_from = rep.read_from
        if read_from is None:
            self.missing.append(f"{p}.read_from")
            read_from = "leader"
        routed = "any" if read_from in _FOLLOWER_READS else "leader"
        blocked = self._follower_linearizable(read_from)
        if blocked:
            return self.none(blocked)
        if routed == "any":
            block = self._sessions_block(rep.session_guarantees, _read_target(read_from, "replica"))
            if block:
                return self.none(block)
        self.assumptions.append("a write becomes visible at the leader when it is acknowledged (PostgreSQL "
                                "synchronous commit, MySQL semi-sync AFTER_SYNC); engines that show it earlier "
                                "are weaker than modelled")
        fsync = self._fsync()
        s = SingleLeaderSettings(replication=mode, failover=failover, fencing=fencing, read_from=routed,
                                 visible_before_ack=False, fsync=fsync)
        return self.done(s, replicas=self._scaled(self.store.replicas, "single leader"))

    # -- consensus
    def _skew_bound(self) -> float | None:
        rep = self.store.replication
        cr = rep.conflict_resolution if rep else None
        if cr is not None and cr.max_clock_skew_ms is not None:
            return cr.max_clock_skew_ms
        return self.model.defaults.max_clock_skew_ms

    def _consensus(self) -> StoreMapping:
        rep = self.store.replication
        assert rep is not None
        p = f"{self.path}.replication"
        # Only protocols that behave like Raft for what the search checks map onto the Raft model
        # (docs/consistency.md says which); any other string was modelled as Raft before (issue 17 §2).
        protocol = _consensus_protocol(rep.protocol)
        if rep.protocol is None:
            self.missing.append(f"{p}.protocol (searched as Raft)")
        elif protocol is None:
            self.unmodelled.append(f"{p}.protocol {rep.protocol}: the checker models Raft and protocols that "
                                   f"behave like it here ({', '.join(RAFT_LIKE)})")
            return self.none(f"consensus protocol '{rep.protocol}' is not modelled ({p}.protocol; modelled: "
                             f"{', '.join(RAFT_LIKE)})")
        elif protocol != "raft":
            self.assumptions.append(f"{rep.protocol} modelled as Raft-like consensus (majority commit, "
                                    "leader election with up-to-date logs)")
        read_from = rep.read_from
        if read_from is None:
            self.missing.append(f"{p}.read_from")
            read_from = "leader"
        bounded = True
        blocked = self._follower_linearizable(read_from)
        if blocked:
            return self.none(blocked)
        if read_from in _FOLLOWER_READS:
            block = self._sessions_block(rep.session_guarantees, _read_target(read_from, "member"))
            if block:
                return self.none(block)
            mode = "follower"
        else:
            lin = rep.linearizable_reads
            if read_from == "quorum":
                self.assumptions.append("quorum reads modelled as read-index reads (a majority confirms leadership)")
                mode = "read_index"
            elif lin is None:
                self.missing.append(f"{p}.linearizable_reads")
                mode = "read_index"
            elif lin == "lease":
                mode = "lease"
                bound = self._skew_bound()
                if bound is None:
                    self.missing.append("defaults.max_clock_skew_ms (lease reads are safe only under bounded "
                                        "clock skew)")
                else:
                    self.assumptions.append(f"clock skew stays below {bound:g} ms and the lease margin covers it")
                # No schema field can rule out a process pause or say whether the lease is re-checked after
                # one: the search includes pauses with the safe answer (re-checked), so a pass stays unknown.
                self.unmodelled.append(_LEASE_AFTER_PAUSE)
            elif lin in ("read_index", "quorum_read"):
                mode = "read_index"
            else:
                mode = "leader_local"
        self._durability()
        if mode == "lease":
            s = RaftSettings(read_mode=mode, bounded_clock_skew=bounded, faults=("crash", "partition", "pause"),
                             lease_rechecked_after_pause=True)
        else:
            # other read paths never consult a clock: a pause is a slow crash to them
            s = RaftSettings(read_mode=mode, bounded_clock_skew=bounded)
        return self.done(s, replicas=self._scaled(self.store.replicas, "consensus group"))

    # -- leaderless
    def _leaderless(self) -> StoreMapping:
        rep = self.store.replication
        assert rep is not None
        p = f"{self.path}.replication"
        q = rep.quorum
        n = (q.n if q and q.n else None) or self.store.replicas
        if q is None or q.r is None or q.w is None:
            self.missing.append(f"{p}.quorum.r/w")
            return self.none(f"the model does not say the read and write quorums ({p}.quorum.r, .w)")
        r, w = q.r, q.w
        if r > n or w > n:
            return self.none(f"quorum larger than N (N={n}, R={r}, W={w})")
        sloppy = q.sloppy
        if sloppy is None:
            self.missing.append(f"{p}.quorum.sloppy")
            sloppy = False
        ae = rep.anti_entropy
        if ae is None:
            self.missing.append(f"{p}.anti_entropy")
            read_repair, handoff = True, True
        else:
            read_repair, handoff = ae.read_repair, ae.hinted_handoff or not sloppy
        if read_repair and self.required in (LINEARIZABLE, SEQUENTIAL):
            self.unmodelled.append("asynchronous read repair (modelled as completing before the read returns)")
        cr = rep.conflict_resolution
        if cr is not None and cr.strategy == "lww" and cr.clock != "truetime":
            self.unmodelled.append(f"clock skew between coordinators (last-writer-wins on {cr.clock or 'unstated'} "
                                   "clocks; the leaderless model stamps writes from one clock)")
        elif cr is not None and cr.strategy not in ("lww",):
            self.unmodelled.append(f"conflict resolution by {cr.strategy.replace('_', ' ')} (modelled as "
                                   "last-writer-wins on one clock)")
        n2, r2, w2 = _scale_quorum(n, r, w)
        if (n2, r2, w2) != (n, r, w):
            self.assumptions.append(f"N={n}, R={r}, W={w} explored as N={n2}, R={r2}, W={w2}: the same quorum "
                                    f"overlap (R+W {'>' if r + w > n else '≤'} N) and the same all-replica quorums")
        self._durability()
        s = LeaderlessSettings(n=n2, r=r2, w=w2, sloppy_quorum=sloppy, hinted_handoff=handoff,
                               read_repair=read_repair)
        return self.done(s)

    # -- multi-leader
    def _multi_leader(self) -> StoreMapping:
        rep = self.store.replication
        assert rep is not None
        p = f"{self.path}.replication"
        cr = rep.conflict_resolution
        if cr is None:
            self.missing.append(f"{p}.conflict_resolution")
            return self.none(f"the model does not say how concurrent writes are resolved ({p}.conflict_resolution)")
        if self.required in _SESSION_SENSITIVE:
            # every leader serves reads; stickiness or tokens decide these requirements
            block = self._sessions_block(rep.session_guarantees, "every leader")
            if block:
                return self.none(block)
        if cr.strategy == "crdt":
            if self.required in _SESSION_SENSITIVE - {SEQUENTIAL}:
                return self.none("the causal and session checkers judge read/write registers; a CRDT's merged "
                                 "state is not covered")
            self.assumptions.append(f"the CRDT ({cr.crdt_type or 'type unstated'}) modelled as an add-only set: every "
                                    "update survives the merge")
            s = MultiLeaderSettings(conflict="crdt_set")
        elif cr.strategy == "lww":
            s = MultiLeaderSettings(conflict="lww", clock_skew=self._lww_skew(cr.clock, cr.max_clock_skew_ms))
        else:
            return self.none(f"conflict resolution by {cr.strategy.replace('_', ' ')} is not modelled")
        self.assumptions.append("two of the leaders explored; writes replicate asynchronously in any order")
        self._durability()
        return self.done(s)

    def _lww_skew(self, clock: str | None, own_bound: float | None) -> tuple[int, int]:
        """Per-leader skew in ticks (one tick: the time between two client operations)."""
        if clock == "truetime":
            self.assumptions.append("TrueTime commit wait orders writes by real time (no skew)")
            return (0, 0)
        if clock in ("logical", "vector"):
            self.assumptions.append(f"{clock} clocks do not follow real time: a write that did not see an "
                                    "earlier one on another leader may get an older timestamp")
            return (0, -2)
        bound = own_bound if own_bound is not None else self.model.defaults.max_clock_skew_ms
        if bound == 0:
            self.assumptions.append("clock skew bounded at 0 ms: timestamps follow real time")
            return (0, 0)
        if bound is None:
            self.assumptions.append("no clock-skew bound stated: any bound above 0 gives the same history "
                                    "(writes closer together than the skew can be reordered)")
        else:
            self.assumptions.append(f"clock skew up to {bound:g} ms: two writes less than {bound:g} ms apart on "
                                    "different leaders can be timestamped against real time")
        return (0, -2)

    # -- replicated log
    def _log(self) -> StoreMapping:
        rep = self.store.replication
        assert rep is not None
        p = f"{self.path}.replication"
        topics = [self.topic] if self.topic else self.index.by_broker.get(self.store.id, [])
        order = {"0": 0, "1": 1, "all": 2}
        acks: list[str] = []
        for t in topics:
            for i, prod in enumerate(t.producers):
                if prod.acks is None:
                    self.missing.append(f"topics.{t.id}.producers[{i}].acks ({prod.service})")
                else:
                    acks.append(prod.acks)
        if not acks and not self.missing:
            self.missing.append(f"the producers' acks (no producer of {self.topic.id if self.topic else 'its topics'})")
        weakest = min(acks, key=order.__getitem__) if acks else "all"
        if len(set(acks)) > 1:
            self.assumptions.append(f"the weakest producer acks ({weakest}) decides what can be lost")
        rf = self._scaled(self.store.replicas, "replication factor")
        q = rep.quorum
        isr = q.min_in_sync_replicas if q else None
        if isr is None:
            self.missing.append(f"{p}.quorum.min_in_sync_replicas")
            isr = rf
        unclean = rep.unclean_leader_election
        if unclean is None:
            self.missing.append(f"{p}.unclean_leader_election")
            unclean = False
        d = self.store.durability
        fsync = "always"
        if d is not None and d.persistent and d.fsync in ("periodic", "never"):
            # Kafka's default: acknowledged from the page cache, flushed when the OS decides
            self.assumptions.append(f"{self.path}.durability.fsync is {d.fsync}: brokers acknowledge from the page "
                                    "cache; a power loss keeps only what was flushed")
            fsync = "periodic"
        self._durability(consensus_or_replica=False)
        s = KafkaSettings(replication_factor=rf, acks="all" if weakest == "all" else int(weakest),
                          min_insync_replicas=min(isr, rf), unclean_leader_election=unclean, fsync=fsync)
        return self.done(s)


def _scale_quorum(n: int, r: int, w: int) -> tuple[int, int, int]:
    """A quorum configuration over at most MAX_REPLICAS replicas with the same safety shape:
    whether read and write quorums must overlap, and whether a read or a write needs every replica."""
    if n <= MAX_REPLICAS:
        return n, r, w
    m = MAX_REPLICAS
    strict = r + w > n
    best: tuple[float, int, int] | None = None
    for r2 in range(1, m + 1):
        for w2 in range(1, m + 1):
            if (r2 + w2 > m) != strict or (r2 == m) != (r == n) or (w2 == m) != (w == n):
                continue
            cost = abs(r2 / m - r / n) + abs(w2 / m - w / n)
            if best is None or cost < best[0]:
                best = (cost, r2, w2)
    if best is None:  # no shape-preserving choice (cannot happen for m = 3); keep the overlap property
        r2 = max(1, math.ceil(r * m / n))
        return m, r2, max(1, m - r2 + 1 if strict else min(m - r2, math.ceil(w * m / n)))
    return m, best[1], best[2]


# --------------------------------------------------------------------------- verification


@functools.lru_cache(maxsize=512)
def _check(settings: Settings, requirement: str, bounds: Bounds, budget: Budget) -> tuple[CheckResult, float]:
    # Cached: a review and `pacelc verify` on the same model, and domains sharing a store, pay once.
    t0 = time.perf_counter()
    r = check_protocol(settings, requirement, bounds, budget)
    return r, time.perf_counter() - t0


#: One search's key: protocol settings, checked requirement, bounds, budget without its time limit.
_SearchKey = tuple[Settings, str, Bounds, Budget]


class _Memo:
    """What one :func:`verify_model` call shares between its domains (issue 17 §5).

    Domains on the same store (or topic) with the same checked requirement share one mapping: a
    mapping reads only the model, the store id and the requirement. Mappings that come out with
    equal protocol settings share one search: the settings (frozen dataclasses compared field by
    field), the scaled replica count (part of the bounds), the checked requirement and the state
    budget (states, memory) are everything the search reads, so they are its key. The time budget is left out of
    the key on purpose: a search that ended before its time budget gives the same result under
    any time budget, and one that ran out of time is not kept, so a review whose deadline shrinks
    the time budget domain by domain still checks each distinct configuration once.
    """

    def __init__(self, model: SystemModel) -> None:
        self.index = _Index(model)
        self.mappings: dict[tuple[str, str], StoreMapping] = {}
        self.searches: dict[_SearchKey, tuple[CheckResult, float]] = {}

    def mapping(self, model: SystemModel, ident: str, checked: str) -> StoreMapping:
        key = (ident, checked)
        found = self.mappings.get(key)
        if found is None:
            found = self.mappings[key] = map_store(model, ident, checked, self.index)
        return found

    @staticmethod
    def search_key(settings: Settings, checked: str, bounds: Bounds, budget: Budget) -> _SearchKey:
        return (settings, checked, bounds, replace(budget, max_seconds=0.0))

    def keep(self, key: _SearchKey, found: tuple[CheckResult, float]) -> None:
        # Only results the states decide: a search stopped by the clock or by memory could end
        # otherwise another time, so it is not handed to the next domain.
        result = found[0]
        if result.status != UNKNOWN or result.note.startswith("state budget"):
            self.searches[key] = found


def verify_domain(model: SystemModel, domain: Domain, bounds: Bounds = VERIFY_BOUNDS,
                  budget: Budget = VERIFY_BUDGET, deadline: Deadline | None = None,
                  memo: _Memo | None = None) -> DomainVerification:
    """The verdict for one domain (its ``consistency`` must be set); its time budget capped by a
    review's ``deadline``, which marks the domain unknown when it leaves no time. ``memo`` shares
    mappings and searches between the domains of one :func:`verify_model` call."""
    required = domain.consistency
    assert required is not None
    checked = REQUIREMENTS[required]
    memo = memo or _Memo(model)
    store, topic = memo.index.find(domain.store)
    store_id = store.id if store else domain.store
    topic_id = topic.id if topic else None
    base = {"domain": domain.id, "store": store_id, "topic": topic_id, "required": required}
    if checked is None:
        return DomainVerification(**base, checked=None, status=NOT_CHECKED,
                                  reason="eventual consistency constrains only infinite executions (replicas "
                                  "converge); a bounded search cannot refute it")
    mapping = memo.mapping(model, domain.store, checked)
    common = {**base, "checked": checked, "missing": mapping.missing, "unmodelled": mapping.unmodelled,
              "assumptions": mapping.assumptions}
    if required == "bounded_staleness":
        common["assumptions"] = (*mapping.assumptions, "bounded staleness checked through its necessary condition "
                                 "no_lost_writes (a lost acknowledged write is stale forever); the time bound "
                                 "itself is not checked")
    if mapping.settings is None:
        return DomainVerification(**common, status=UNKNOWN, reason=f"unknown: {mapping.reason}")
    b = replace(bounds, replicas=mapping.replicas) if mapping.replicas else bounds
    key = memo.search_key(mapping.settings, checked, b, budget)
    shared = memo.searches.get(key)  # the same configuration already searched: its verdict, at no cost
    capped = False
    if deadline is not None and shared is None:
        if deadline.expired():
            return DomainVerification(**common, status=UNKNOWN,
                                      reason="unknown: " + deadline.not_computed(f"model check of domain {domain.id}"))
        capped = deadline.caps(budget.max_seconds)
        budget = replace(budget, max_seconds=deadline.cap(budget.max_seconds))
    if shared is None:
        shared = _check(mapping.settings, checked, b, budget)
        memo.keep(key, shared)
    result, seconds = shared
    if deadline is not None and capped and result.status == UNKNOWN and result.note.startswith("time budget"):
        return DomainVerification(**common, protocol=result.protocol, bounds=result.bounds, states=result.states,
                                  depth=result.depth, seconds=seconds, status=UNKNOWN,
                                  reason="unknown: " + deadline.not_computed(f"model check of domain {domain.id}"))
    run = {"protocol": result.protocol, "bounds": result.bounds, "states": result.states, "depth": result.depth,
           "seconds": seconds}
    if result.status == VIOLATED:
        why = "the shortest history below breaks it"
        if mapping.missing:
            why += " even with the safest value for every setting the model does not state"
        return DomainVerification(**common, **run, status=VIOLATED, anomaly=result.anomaly,
                                  counterexample=result.counterexample,
                                  reason=f"{checked} is violated within bounds: {why}")
    if result.status == UNKNOWN:
        also = f"; and the model does not say {'; '.join(mapping.missing)}" if mapping.missing else ""
        return DomainVerification(**common, **run, status=UNKNOWN, reason=f"unknown: {result.note}{also}")
    if mapping.missing:
        return DomainVerification(**common, **run, status=UNKNOWN,
                                  reason="unknown: no violation within bounds with the safest values, but the model "
                                  "does not say " + "; ".join(mapping.missing))
    if mapping.unmodelled:
        return DomainVerification(**common, **run, status=UNKNOWN,
                                  reason="unknown: no violation within bounds, but the protocol model leaves out "
                                  + "; ".join(mapping.unmodelled))
    return DomainVerification(**common, **run, status=HOLDS,
                              reason=f"no violation of {checked} within bounds ({result.bounds.describe()})")


def verify_model(model: SystemModel, domain: str | Iterable[str] | None = None, bounds: Bounds = VERIFY_BOUNDS,
                 budget: Budget = VERIFY_BUDGET, deadline: Deadline | None = None) -> list[DomainVerification]:
    """Per data domain with a declared consistency requirement (sorted by id), the verdict.

    ``domain`` selects one domain id (or several); unknown ids raise ``KeyError``.
    """
    domains = sorted((d for d in model.domains if d.consistency is not None), key=lambda d: d.id)
    if domain is not None:
        wanted = {domain} if isinstance(domain, str) else set(domain)
        known = {d.id for d in model.domains}
        unknown = sorted(wanted - known)
        if unknown:
            raise KeyError(", ".join(unknown))
        domains = [d for d in domains if d.id in wanted]
    memo = _Memo(model)
    return [verify_domain(model, d, bounds, budget, deadline, memo) for d in domains]


def verify_for_review(facts: Any) -> dict[str, DomainVerification]:
    """Review-bounded verdicts by domain id, computed once per Facts object (rules call this until Facts
    gets a ``consistency_checks`` property of its own)."""
    cached = getattr(facts, "consistency_checks", None)
    if isinstance(cached, dict):
        return cached
    key = "_pacelc_consistency_checks"
    found = facts.__dict__.get(key)
    if found is None:
        found = {v.domain: v for v in verify_model(facts.model, bounds=REVIEW_BOUNDS, budget=REVIEW_BUDGET,
                                                   deadline=getattr(facts, "deadline", None))}
        facts.__dict__.setdefault(key, found)
    return found


__all__ = [
    "NOT_CHECKED", "REQUIREMENTS", "REVIEW_BOUNDS", "REVIEW_BUDGET", "VERIFY_BOUNDS", "VERIFY_BUDGET",
    "DomainVerification", "StoreMapping", "map_store", "verify_domain", "verify_for_review", "verify_model",
]
