"""Issue 17 §2: leaving an optional field out never makes a verdict safer.

The test walks the pydantic schema (``model_fields``, recursively) over complete, realistic models:
the three bundled examples and ``tests/model/schema_walk/orders.yaml``, which states the optional
fields the examples leave out. For each optional field that a model states, it removes that one
field, re-validates, and compares what the review concludes with and without it:

* no domain's consistency verdict moves from violated, unknown or not checked to "holds";
* no finding disappears, unless it is about that very field (it points at the field, its message
  speaks of the field or of a field inside it, or the review without it names the field as unknown);
* no operation's availability rises (the fault tree's unavailability never falls).

To stay well under a minute, every stated field of the small fixture is removed, and each other
schema field (``Class.field``) in one place only: in the cheapest example that states it
(``PACELC_SCHEMA_WALK_ALL=1`` removes every occurrence instead, which takes several minutes).
The choice is deterministic. Fields that are exempt, and why, are listed in
``EXEMPT``; violations known and not yet fixed are listed in ``KNOWN`` (the test fails when one of
them no longer happens, so the list cannot go stale), and every other violation fails the test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pacelc.analysis.consistency.checker import HOLDS
from pacelc.analysis.facts import Facts
from pacelc.model import load, loads
from pacelc.model.loader import ModelLoadError
from pacelc.model.schema import SystemModel
from pacelc.rules.base import all_rules

REPO = Path(__file__).resolve().parents[2]
#: Cheapest first: a field is removed in the first model that states it.
MODELS = (
    REPO / "tests/model/schema_walk/orders.yaml",
    REPO / "examples/collab/system.yaml",
    REPO / "examples/platform/system.yaml",
    REPO / "examples/checkout/system.yaml",
)
TODAY = dt.date(2026, 1, 1)
META_RULES = ("OPS901", "OPS902", "OPS903")  # rules about other findings (engine.META_RULES)

#: Schema fields not walked, with the reason.
EXEMPT: dict[str, str] = {
    "SystemModel.pacelc": "the format version; the loader rejects any other, nothing is reviewed without it",
    "SystemModel.include": "a loader directive (other files to merge), gone once the model is loaded",
    "Domain.consistency": "the requirement itself: without it there is nothing to verify (CAP001 asks for it)",
    "Domain.staleness_bound_ms": "required by bounded_staleness (a loader error without it)",
    "SystemInfo.description": "prose; no rule reads it",
    "SystemInfo.owner": "prose; no rule reads it",
    # An omitted availability figure takes the stated `defaults.availability` one: a default the
    # model declares (and the report prints), which may be higher or lower than the figure removed.
    "Region.availability": "omitted: defaults.availability.region, a declared default",
    "Zone.availability": "omitted: defaults.availability.zone, a declared default",
    "Service.replica_availability": "omitted: defaults.availability.service_replica, a declared default",
    "Store.replica_availability": "omitted: defaults.availability.store_replica, a declared default",
    "Defaults.availability": "the declared defaults themselves (pacelc's published figures when omitted)",
}
#: Lists of elements (services, calls, zones, consumers, ...): leaving one out removes the elements,
#: which describes another system, not an unstated setting. Their elements' own fields are walked.
ELEMENT_LISTS = "a list of elements: leaving it out removes them (another system), not a setting"

#: Words a finding about a field's value uses for it, beyond the field's own name ("tried up to 3
#: times" is about `retry`): such a finding may go when the field goes.
SPOKEN: dict[str, tuple[str, ...]] = {
    "retry": ("retr", "tried up to", "attempts"),
    "attempts": ("retr", "tried up to", "attempts"),
    "circuit_breaker": ("breaker",),
}

_MIN = "fault trees: an omitted min_replicas is read as 1 (one replica serves), the optimistic answer"
_PLACEMENT = (
    "fault trees: a service without a stated placement is in no zone, so no zone failure takes it "
    "down (availability rises, CAP008 goes)"
)
_TRACING = (
    "OPS001/OPS003 judge trace propagation only once readiness.tracing states a standard; an unstated "
    "standard silences them rather than asking"
)
_FLR004 = (
    "FLR004 judges only calls stated to write: an unstated `operation` silences it, though a retried "
    "call of unstated kind may be a write"
)
_QUORUM_W = "availability: an omitted quorum.w is read as a smaller write quorum than the stated one"

#: Violations found and not fixed yet (outside the consistency mapping, in engines and rules another
#: change owns): (field path as walked, what broke) -> why. Each entry must still happen, or the test
#: fails, so the list cannot go stale.
KNOWN: dict[tuple[str, str], str] = {
    (
        "schema_walk/orders.yaml:services.gateway.min_replicas",
        "availability of place-order rose: unavailability 0.000107 -> 0.0001",
    ): _MIN,
    ("schema_walk/orders.yaml:services.gateway.placement", "finding CAP008@eu disappeared"): _PLACEMENT,
    (
        "schema_walk/orders.yaml:services.gateway.placement",
        "availability of place-order rose: unavailability 0.000107 -> 3e-06",
    ): _PLACEMENT,
    ("schema_walk/orders.yaml:services.gateway.placement.zones", "finding CAP008@eu disappeared"): _PLACEMENT,
    (
        "schema_walk/orders.yaml:services.gateway.placement.zones",
        "availability of place-order rose: unavailability 0.000107 -> 3e-06",
    ): _PLACEMENT,
    **{
        (
            f"schema_walk/orders.yaml:services.orders.calls.{db}.operation",
            f"finding FLR004@orders@{db} disappeared",
        ): _FLR004
        for db in ("orders-db", "audit-db")
    },
    (
        "collab/system.yaml:stores.acl-db.replication.quorum",
        "availability of share-document rose: unavailability 5.62e-11 -> 5.62e-11",
    ): _QUORUM_W,
    (
        "collab/system.yaml:stores.acl-db.replication.quorum.w",
        "availability of share-document rose: unavailability 5.62e-11 -> 5.62e-11",
    ): _QUORUM_W,
    **{
        (f"collab/system.yaml:{where}", f"finding {fp} disappeared"): _TRACING
        for where in ("readiness", "readiness.tracing", "readiness.tracing.standard")
        for fp in (
            "OPS003@edge-router@doc-sync-service",
            "OPS003@edge-router@presence-service",
            "OPS003@doc-sync-service@seat-check",
        )
    },
    **{
        (
            f"collab/system.yaml:{where}",
            f"finding OPS001@workspace-events@{svc} disappeared",
        ): _TRACING
        for where in ("readiness", "readiness.tracing", "readiness.tracing.standard")
        for svc in ("notification-service", "workspace-service")
    },
}


@dataclass(frozen=True)
class Occurrence:
    """One stated optional field: where it is in the data, and its schema name."""

    data_path: tuple[str | int, ...]  # keys and list indices into the dumped model
    name_path: tuple[str, ...]  # the same path with element ids for list items (as Finding.where)
    field: str  # Class.field
    inner: tuple[str, ...] = ()  # the fields stated inside it (a removed object takes them along)

    def label(self) -> str:
        return ".".join(self.name_path)


def _item_name(item: Any, index: int) -> str:
    for attr in ("id", "service", "to"):  # a call is named by its id, else its target (as Finding.where)
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    return str(index)


def _walk(obj: Any, data: tuple[str | int, ...], names: tuple[str, ...]) -> Iterator[Occurrence]:
    if isinstance(obj, BaseModel):
        for name, info in type(obj).model_fields.items():
            value = getattr(obj, name)
            if name in obj.model_fields_set and not info.is_required() and not _exempt(type(obj), name):
                inner = tuple(sorted({o.name_path[-1] for o in _walk(value, (), ())}))
                yield Occurrence((*data, name), (*names, name), f"{type(obj).__name__}.{name}", inner)
            yield from _walk(value, (*data, name), (*names, name))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _walk(item, (*data, i), (*names, _item_name(item, i)))


def _is_element_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return any(isinstance(a, type) and issubclass(a, BaseModel) for a in typing.get_args(annotation))
    return any(_is_element_list(a) for a in typing.get_args(annotation))


def _exempt(cls: type[BaseModel], name: str) -> str | None:
    return EXEMPT.get(f"{cls.__name__}.{name}") or (
        ELEMENT_LISTS if _is_element_list(cls.model_fields[name].annotation) else None
    )


def _schema_fields(cls: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every optional ``Class.field`` reachable from ``cls``."""
    seen = set() if seen is None else seen
    if cls in seen:
        return set()
    seen.add(cls)
    out: set[str] = set()

    def nested(t: Any) -> Iterator[type[BaseModel]]:
        for arg in typing.get_args(t):
            yield from nested(arg)
        if isinstance(t, type) and issubclass(t, BaseModel):
            yield t

    for name, info in cls.model_fields.items():
        if not info.is_required() and not _exempt(cls, name):
            out.add(f"{cls.__name__}.{name}")
        for sub in nested(info.annotation):
            out |= _schema_fields(sub, seen)
    return out


@dataclass(frozen=True)
class Outcome:
    verdicts: dict[str, str]  # domain -> consistency status
    findings: dict[str, tuple[tuple[str | int, ...], str]]  # fingerprint -> (where, message)
    unavailability: dict[str, float]  # operation -> probability the operation fails
    named: tuple[str, ...]  # what the review names as unknown: missing settings, unknown findings


def _outcome(model: SystemModel) -> Outcome:
    facts = Facts(model, today=TODAY)
    rules = all_rules()
    raw = [f for r in rules if r.code not in META_RULES for f in r.run(model, facts)]
    facts.prior_fingerprints = frozenset(f.fingerprint for f in raw)
    raw += [f for r in rules if r.code in META_RULES for f in r.run(model, facts)]
    findings: dict[str, tuple[tuple[str | int, ...], str]] = {}
    for f in raw:
        findings.setdefault(f.fingerprint, (tuple(f.where), f.message))
    verdicts = {d: v.status for d, v in facts.consistency_checks.items()}
    unavailability = {
        op: a.result.probability for op, a in facts.availability.items() if a.result.probability is not None
    }
    named = tuple(m for v in facts.consistency_checks.values() for m in v.missing) + tuple(
        f.message for f in raw if f.unknown
    )
    return Outcome(verdicts, findings, unavailability, named)


def _without(model: SystemModel, path: tuple[str | int, ...]) -> SystemModel | None:
    """The model without the field, through the loader (with its cross-field checks); None when the
    loader refuses it (an error with a location is an honest answer to an omission)."""
    data = model.model_dump(mode="json", exclude_unset=True)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    try:
        return loads(json.dumps(data), "walk.yaml").model
    except ModelLoadError:
        return None


def _about(where: tuple[str | int, ...], message: str, occ: Occurrence, after: Outcome) -> bool:
    """Whether a finding that disappeared was about the removed field: it pointed at the field (or
    inside it), its message speaks of the field, or the review without the field names it as
    unknown (a consistency verdict's missing setting, or an unknown finding's message), so the
    omission is reported, not dropped."""
    where_s = tuple(str(w) for w in where)
    if where_s[: len(occ.name_path)] == occ.name_path:
        return True
    holder, field = ".".join(occ.name_path[:-1]), occ.name_path[-1]
    for name in (field, *occ.inner):
        if any(word in message for word in (name, name.replace("_", " "), *SPOKEN.get(name, ()))):
            return True
    return any(holder in named and field in named.removeprefix(holder) for named in after.named)


def _safer(before: Outcome, after: Outcome, occ: Occurrence) -> list[str]:
    out: list[str] = []
    for domain, status in before.verdicts.items():
        if status != HOLDS and after.verdicts.get(domain) == HOLDS:
            out.append(f"consistency of {domain}: {status} -> holds")
    for fp, (where, message) in before.findings.items():
        if fp not in after.findings and not _about(where, message, occ, after):
            out.append(f"finding {fp} disappeared")
    for op, p in before.unavailability.items():
        q = after.unavailability.get(op)
        if q is not None and q < p * (1 - 1e-6):  # relative: fault-tree sums differ in the last digits
            out.append(f"availability of {op} rose: unavailability {p:.3g} -> {q:.3g}")
    return out


def _plan() -> list[tuple[Path, Occurrence]]:
    walk_all = os.environ.get("PACELC_SCHEMA_WALK_ALL") == "1"
    done: set[str] = set()
    plan: list[tuple[Path, Occurrence]] = []
    for path in MODELS:
        model = load([path]).model
        for occ in _walk(model, (), ()):
            # every occurrence in the small fixture (cheap), one per schema field in the examples
            if occ.field in EXEMPT or (occ.field in done and not walk_all and path != MODELS[0]):
                continue
            done.add(occ.field)
            plan.append((path, occ))
    return plan


def test_the_walk_covers_the_schema() -> None:
    """Every optional field of the schema is walked somewhere or exempt with a reason: a new field
    without a fixture fails here, rather than going unwalked."""
    walked = {occ.field for _, occ in _plan()}
    missing = sorted(_schema_fields(SystemModel) - walked - set(EXEMPT))
    assert not missing, f"optional fields no walked model states (add them to {MODELS[0].name}): {missing}"


def test_leaving_a_field_out_never_makes_a_verdict_safer() -> None:
    found: dict[tuple[str, str], None] = {}
    bases: dict[Path, tuple[SystemModel, Outcome]] = {}
    for path, occ in _plan():
        if path not in bases:
            model = load([path]).model
            bases[path] = (model, _outcome(model))
        model, before = bases[path]
        reduced = _without(model, occ.data_path)
        if reduced is None:
            continue  # the loader refuses the model without it: an error, not a safer verdict
        try:
            after = _outcome(reduced)
        except Exception as exc:  # a crash on an omission is a finding of this test too
            found[(f"{path.parent.name}/{path.name}:{occ.label()}", f"review raised {type(exc).__name__}: {exc}")] = (
                None
            )
            continue
        for what in _safer(before, after, occ):
            found[(f"{path.parent.name}/{path.name}:{occ.label()}", what)] = None
    unexpected = [f"{where}: {what}" for where, what in found if (where, what) not in KNOWN]
    fixed = [f"{where}: {what}" for where, what in KNOWN if (where, what) not in found]
    assert not unexpected, "leaving a field out made a verdict safer:\n" + "\n".join(unexpected)
    assert not fixed, "listed in KNOWN but no longer happens (remove it):\n" + "\n".join(fixed)
