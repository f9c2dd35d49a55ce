"""Whole-model checks the classes cannot do alone: ids, references and impossible values."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pacelc.model.source import Loc, SourceMap

if TYPE_CHECKING:
    from pacelc.model.loader import ModelError
    from pacelc.model.schema import CircuitBreaker, Placement, SystemModel

# Services, stores and topics share one namespace: a call's `to` must name exactly one of them.
_TARGET_SECTIONS = ("services", "stores", "topics")


class _Checker:
    def __init__(self, model: SystemModel, raw_ids: dict[str, list[tuple[str, Loc | None]]], sources: SourceMap):
        self.model = model
        self.sources = sources
        self.errors: list[ModelError] = []
        self.ids = {section: {i for i, _ in pairs} for section, pairs in raw_ids.items()}
        self.raw_ids = raw_ids
        self.zones = {z.id for r in model.regions for z in r.zones}
        self.regions = {r.id for r in model.regions}
        self.hosts = {h for r in model.regions for z in r.zones for h in z.hosts}

    def error(self, name_path: tuple[str | int, ...], message: str) -> None:
        from pacelc.model.loader import ModelError

        self.errors.append(ModelError(self.sources.locate(name_path), message))

    def _known(self, kind: str) -> set[str]:
        return getattr(self, kind) if kind in ("zones", "regions", "hosts") else self.ids.get(kind, set())

    def ref(self, where: tuple[str, ...], value: str, kinds: Iterable[str], label: str) -> bool:
        kinds = tuple(kinds)
        if any(value in self._known(kind) for kind in kinds):
            return True  # no union built: a union per reference made a 10,000-service model quadratic
        known = set().union(*(self._known(kind) for kind in kinds))
        match = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
        hint = f" (did you mean '{match[0]}'?)" if match else ""
        self.error(where, f"{label} '{value}' does not exist{hint}")
        return False

    # ------------------------------------------------------------------ checks

    def duplicate_ids(self) -> None:
        seen: dict[str, tuple[str, Loc | None]] = {}
        groups = [("regions",), _TARGET_SECTIONS, ("domains",), ("operations",), ("scenarios",)]
        for group in groups:
            seen = {}
            for section in group:
                for ident, loc in self.raw_ids.get(section, []):
                    if ident in seen:
                        first_section, first_loc = seen[ident]
                        self._dup(loc, ident, first_section, first_loc)
                    else:
                        seen[ident] = (section, loc)
        domains: dict[str, tuple[str, Loc | None]] = {}
        for region in self.model.regions:
            for name, loc in [(region.id, self.sources.locate(("regions", region.id, "id")))] + [
                (z.id, self.sources.locate(("regions", region.id, "zones", z.id, "id"))) for z in region.zones
            ]:
                if name in domains and name != region.id:
                    self._dup(loc, name, "failure domains", domains[name][1])
                domains.setdefault(name, ("failure domains", loc))

    def _dup(self, loc: Loc | None, ident: str, section: str, first: Loc | None) -> None:
        from pacelc.model.loader import ModelError

        self.errors.append(ModelError(loc, f"duplicate id '{ident}' (first defined in {section} at {first})"))

    def placement(self, where: tuple[str, ...], replicas: int, placement: Placement | None) -> None:
        if placement is None:
            return
        for zone in placement.zones:
            self.ref((*where, "placement", "zones"), zone, ["zones"], "zone")
        if len(set(placement.zones)) != len(placement.zones):
            self.error((*where, "placement", "zones"), "a zone is listed twice in the placement")
        if placement.spread == "one_per_zone" and placement.zones and replicas > len(set(placement.zones)):
            self.error(
                (*where, "replicas"),
                f"{replicas} replicas cannot be placed one per zone in {len(set(placement.zones))} zone(s)",
            )

    def services(self) -> None:
        for svc in self.model.services:
            where = ("services", svc.id)
            self.placement(where, svc.replicas, svc.placement)
            if svc.min_replicas is not None and svc.min_replicas > svc.replicas:
                self.error((*where, "min_replicas"), f"min_replicas {svc.min_replicas} exceeds replicas {svc.replicas}")
            call_names: set[str] = set()
            for call in svc.calls:
                name = call.id or call.to
                cw = (*where, "calls", name)
                if name in call_names:
                    self.error(cw, f"service '{svc.id}' has two calls named '{name}'; give one an id")
                call_names.add(name)
                self.ref((*cw, "to"), call.to, _TARGET_SECTIONS, "call target")
                if call.to == svc.id:
                    self.error((*cw, "to"), f"service '{svc.id}' calls itself")
                self.breaker((*cw, "circuit_breaker"), call.circuit_breaker)
                t = call.timeout
                if t and t.total_ms and t.read_ms and call.retry is None and t.total_ms < t.read_ms:
                    self.error((*cw, "timeout"), "total_ms is shorter than read_ms of the single attempt")
            for index, need in enumerate(svc.coordination):
                if need.via is not None:
                    self.ref((*where, "coordination", index), need.via, ["stores"], "coordination store")

    def breaker(self, where: tuple[str | int, ...], cb: CircuitBreaker | None) -> None:
        # The schema bounds the threshold as a count; read as a rate it is a percentage.
        if cb is None or cb.threshold_kind != "rate" or cb.failure_threshold is None:
            return
        if cb.failure_threshold > 100:
            self.error(
                (*where, "failure_threshold"),
                f"failure_threshold {cb.failure_threshold:g} is a rate: it must be at most 100 (percent)",
            )

    def defaults(self) -> None:
        call = self.model.defaults.call
        if call is not None:
            self.breaker(("defaults", "call", "circuit_breaker"), call.circuit_breaker)

    def stores(self) -> None:
        for store in self.model.stores:
            where = ("stores", store.id)
            self.placement(where, store.replicas, store.placement)
            rep = store.replication
            if rep is None:
                continue
            if rep.topology == "none" and store.replicas > 1:
                self.error((*where, "replication", "topology"), "topology 'none' with more than one replica")
            q = rep.quorum
            if q is None:
                continue
            n = q.n or store.replicas
            if q.n is not None and q.n > store.replicas:
                self.error((*where, "replication", "quorum", "n"), f"n={q.n} exceeds the {store.replicas} replicas")
            for field in ("r", "w"):
                value = getattr(q, field)
                if value is not None and value > n:
                    self.error((*where, "replication", "quorum", field), f"{field}={value} exceeds n={n}")
            if q.min_in_sync_replicas is not None and q.min_in_sync_replicas > store.replicas:
                self.error(
                    (*where, "replication", "quorum", "min_in_sync_replicas"),
                    f"min_in_sync_replicas={q.min_in_sync_replicas} exceeds the {store.replicas} replicas",
                )

    def topics(self) -> None:
        stores = {s.id: s for s in self.model.stores}
        for topic in self.model.topics:
            where = ("topics", topic.id)
            if self.ref((*where, "broker"), topic.broker, ["stores"], "broker"):
                broker = stores.get(topic.broker)
                if broker is not None and broker.kind not in ("log", "queue"):
                    self.error((*where, "broker"), f"broker '{topic.broker}' is a {broker.kind}, not a log or queue")
            for p in topic.producers:
                self.ref((*where, "producers", p.service, "service"), p.service, ["services"], "producer service")
            for c in topic.consumers:
                cw = (*where, "consumers", c.service)
                self.ref((*cw, "service"), c.service, ["services"], "consumer service")
                if c.dead_letter is not None:
                    self.ref((*cw, "dead_letter"), c.dead_letter, ["topics"], "dead-letter topic")

    def domains(self) -> None:
        for domain in self.model.domains:
            where = ("domains", domain.id)
            self.ref((*where, "owner"), domain.owner, ["services"], "owner service")
            self.ref((*where, "store"), domain.store, ["stores", "topics"], "store")
            if domain.consistency == "bounded_staleness" and domain.staleness_bound_ms is None:
                self.error((*where, "consistency"), "bounded_staleness needs staleness_bound_ms")

    def operations(self) -> None:
        services = {s.id: s for s in self.model.services}
        for op in self.model.operations:
            where = ("operations", op.id)
            self.ref((*where, "entry"), op.entry, ["services"], "entry service")
            for index, use in enumerate(op.uses or []):
                self._use((*where, "uses", index), use, services)
            for field in ("reads", "writes"):
                for domain in getattr(op, field):
                    self.ref((*where, field), domain, ["domains"], "domain")
            tx = op.transaction
            if tx is None:
                continue
            if tx.coordinator is not None:
                self.ref((*where, "transaction", "coordinator"), tx.coordinator, ["services"], "coordinator")
            step_ids: set[str] = set()
            for step in tx.steps:
                sw = (*where, "transaction", "steps", step.id)
                if step.id in step_ids:
                    self.error(sw, f"duplicate saga step id '{step.id}'")
                step_ids.add(step.id)
                self.ref((*sw, "participant"), step.participant, ["services"], "participant")
            pivots = [s.id for s in tx.steps if s.pivot]
            if len(pivots) > 1:
                self.error((*where, "transaction"), f"a saga has one pivot step; found {', '.join(pivots)}")

    def _use(self, where: tuple[str | int, ...], use: str, services: dict) -> None:
        service_id, _, call_name = use.partition(".")
        if not call_name:
            self.error(where, f"'{use}' must be 'service.call'")
            return
        if not self.ref(where, service_id, ["services"], "service"):
            return
        svc = services.get(service_id)
        if svc is None:
            return
        names = {c.id or c.to for c in svc.calls} | {c.to for c in svc.calls}
        if call_name not in names:
            match = difflib.get_close_matches(call_name, sorted(names), n=1, cutoff=0.6)
            hint = f" (did you mean '{match[0]}'?)" if match else ""
            self.error(where, f"service '{service_id}' has no call '{call_name}'{hint}")

    def readiness(self) -> None:
        r = self.model.readiness
        everything = ["services", "stores", "topics", "domains", "operations", "zones", "regions", "hosts"]
        for rb in r.runbooks:
            self.ref(("readiness", "runbooks", rb.id, "scenario"), rb.scenario, ["scenarios"], "scenario")
        for exp in r.chaos:
            for target in exp.targets:
                self.ref(("readiness", "chaos", exp.id, "targets"), target, everything, "chaos target")
        for alarm in r.alarms:
            for target in alarm.targets:
                self.ref(("readiness", "alarms", alarm.id, "targets"), target, everything, "alarm target")

    def scenarios(self) -> None:
        for sc in self.model.scenarios:
            where = ("scenarios", sc.id)
            for target in sc.fail:
                self.ref((*where, "fail"), target, ["services", "stores", "zones", "regions", "hosts"], "element")
            if sc.kind == "partition" and len(sc.sides) < 2:
                self.error((*where, "sides"), "a partition needs at least two sides")
            for target in sc.leader_loss:
                self.ref((*where, "leader_loss"), target, ["stores"], "store")
            if sc.kind == "failure" and not sc.fail and not sc.leader_loss:
                self.error((*where, "fail"), "a failure scenario must name what fails")
            seen: set[str] = set()
            for side in sc.sides:
                for member in side:
                    if self.ref((*where, "sides"), member, ["zones", "regions"], "zone or region"):
                        if member in seen:
                            self.error((*where, "sides"), f"'{member}' is on two sides of the partition")
                        seen.add(member)


def check_model(
    model: SystemModel, raw_ids: dict[str, list[tuple[str, Loc | None]]], sources: SourceMap
) -> list[ModelError]:
    """Every reference, id and impossible-value error of a model (empty when it is sound)."""
    checker = _Checker(model, raw_ids, sources)
    checker.duplicate_ids()
    checker.defaults()
    checker.services()
    checker.stores()
    checker.topics()
    checker.domains()
    checker.operations()
    checker.readiness()
    checker.scenarios()
    return checker.errors
