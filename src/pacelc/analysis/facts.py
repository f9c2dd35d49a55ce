"""Facts: everything the engines compute about one model, computed once and on demand.

Rules read facts; they never walk the graph themselves. Each property is computed the first time a
rule or a table asks for it, so a review that selects a few rules pays only for what they need.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from pacelc.analysis.budgets import BudgetFacts, compute_budgets
from pacelc.analysis.consistency.from_model import REVIEW_BOUNDS, REVIEW_BUDGET, DomainVerification, verify_model
from pacelc.analysis.deadline import Deadline
from pacelc.analysis.faulttrees import OperationAvailability, SinglePoint, analyse_operations, single_points
from pacelc.analysis.flows import Flows
from pacelc.analysis.graph import SystemGraph
from pacelc.analysis.guarantees import DomainDecision, Guarantee, decide, derive_all
from pacelc.analysis.isolation import SharedCapacity, shared_capacity
from pacelc.analysis.partitions import PartitionOutcome, all_partitions
from pacelc.analysis.scenarios import ScenarioOutcome, all_outcomes
from pacelc.analysis.topology import Spread, required_elements, spread_of
from pacelc.model.schema import SystemModel


class Facts:
    """Lazily computed facts about a model."""

    def __init__(self, model: SystemModel, today: dt.date | None = None, deadline: Deadline | None = None) -> None:
        self.model = model
        # The whole review's time budget: the engines' own budgets are capped by it, and what it
        # leaves no time for is unknown (named in the facts), never dropped.
        self.deadline = deadline
        # The date risk-register expiry is judged against (fixed by the caller for reproducible reviews).
        self.today = today or dt.date.today()
        # Fingerprints of the ordinary rules' findings, set by the review before the risk-register
        # rules run (they judge which register entries match nothing).
        self.prior_fingerprints: frozenset[str] = frozenset()
        # Thresholds a team may tune in its configuration (pacelc.toml); rules read them from here.
        self.retry_amplification_limit: float = 10.0

    @cached_property
    def graph(self) -> SystemGraph:
        return SystemGraph(self.model)

    @cached_property
    def guarantees(self) -> dict[str, Guarantee]:
        """Consistency, CAP and PACELC class of every store, derived from its settings."""
        return derive_all(self.model)

    @cached_property
    def decisions(self) -> dict[str, DomainDecision]:
        """Per domain: its requirement against its store's guarantee."""
        return decide(self.model, self.guarantees)

    @cached_property
    def domain_writers(self) -> dict[str, list[str]]:
        """Operations writing each domain, by domain id (sorted)."""
        out: dict[str, list[str]] = {d.id: [] for d in self.model.domains}
        for op in self.model.operations:
            for domain in op.writes:
                out.setdefault(domain, []).append(op.id)
        return {k: sorted(v) for k, v in out.items()}

    @cached_property
    def scenario_outcomes(self) -> list[ScenarioOutcome]:
        """Impact of every single zone/region failure and explicit failure scenario on each operation."""
        return all_outcomes(self.graph)

    @cached_property
    def spreads(self) -> dict[str, Spread]:
        """Zones, regions and per-zone/per-region replica counts of every service and store."""
        g = self.graph
        out = {e: spread_of(g, e) for e in sorted({*g.services, *g.stores})}
        return {k: v for k, v in out.items() if v is not None}

    @cached_property
    def required_elements(self) -> dict[str, list[str]]:
        """Per operation: the services and stores it waits for without a fallback, entry first."""
        return {op.id: required_elements(self.graph, op) for op in self.model.operations}

    @cached_property
    def flows(self) -> Flows:
        """Where domains live, who writes and publishes what, alarms and clock dependencies (steps 4-6)."""
        return Flows(self.model, self.graph)

    @cached_property
    def availability(self) -> dict[str, OperationAvailability]:
        """Per operation: exact availability from its fault tree (BDD) and minimal cut sets of order ≤ 3."""
        return analyse_operations(self.graph, deadline=self.deadline)

    @cached_property
    def single_points(self) -> dict[str, list[SinglePoint]]:
        """Per operation: elements a single failure takes down (order-1 cut sets), worst first."""
        return {op: single_points(self.graph, a) for op, a in self.availability.items()}

    @cached_property
    def sla_missed_by_single_points(self) -> dict[str, tuple[float, float]]:
        """Operations whose availability SLA their single points of failure alone already break
        (each a fact, not an assumed placement): operation -> (SLA, designed availability). One
        cause: FLR050 names the elements and says the SLA is missed; FLR010 leaves these."""
        out: dict[str, tuple[float, float]] = {}
        for op in self.model.operations:
            sla = op.sla.availability if op.sla else None
            avail = self.availability.get(op.id)
            if sla is None or avail is None or avail.availability is None:
                continue
            survive = 1.0
            points = [sp for sp in self.single_points.get(op.id, []) if not sp.only_assumed]
            for sp in points:
                survive *= 1.0 - sp.probability
            if points and (1.0 - survive) > (1.0 - sla) * 1.01:
                out[op.id] = (sla, avail.availability)
        return out

    @cached_property
    def availability_assumptions(self) -> frozenset[str]:
        """What the fault trees had to assume because the model is silent (placement, spread)."""
        return frozenset().union(*(a.assumptions for a in self.availability.values()))

    @cached_property
    def partitions(self) -> list[PartitionOutcome]:
        """Per partition (explicit, and every zone and region cut off): what each side can still do."""
        return all_partitions(self.graph)

    @cached_property
    def budgets(self) -> BudgetFacts:
        """Timeout, retry, amplification and latency budgets of every operation."""
        return compute_budgets(self.graph)

    @cached_property
    def shared_capacity(self) -> dict[str, SharedCapacity]:
        """Per sync call reached by an operation: the operations that make it, and those its caller
        also serves that would be starved when its target hangs."""
        return shared_capacity(self.budgets)

    @cached_property
    def consistency_checks(self) -> dict[str, DomainVerification]:
        """Per domain with a requirement: the model-checked verdict within the review bounds."""
        found = verify_model(self.model, bounds=REVIEW_BOUNDS, budget=REVIEW_BUDGET, deadline=self.deadline)
        return {v.domain: v for v in found}

    @cached_property
    def counterexamples(self) -> dict[str, DomainVerification]:
        """The model checker's counterexamples that stand against a domain's requirement: CNS050's
        findings and the Consistency Decisions verdicts both come from these. Left out: a derived
        cache (eventual or bounded-staleness data on a store of kind cache: a lost write costs a
        refill) and a lost or split-brain write when the domain's rpo_s accepts losing data."""
        stores = {s.id: s for s in self.model.stores}
        domains = {d.id: d for d in self.model.domains}
        out = {}
        for domain_id, v in sorted(self.consistency_checks.items()):
            domain = domains[domain_id]
            if not v.violated or v.counterexample is None:
                continue
            store = stores.get(v.store)
            if store is not None and store.kind == "cache" and domain.consistency in ("eventual", "bounded_staleness"):
                continue
            anomaly = (v.anomaly or "").lower()
            if domain.rpo_s is not None and domain.rpo_s > 0 and ("lost" in anomaly or "split-brain" in anomaly):
                continue
            out[domain_id] = v
        return out
