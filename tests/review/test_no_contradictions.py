"""The report never contradicts itself: checks and tables come from the same facts as the findings."""

from __future__ import annotations

import re

import pytest

from pacelc.analysis.facts import Facts
from pacelc.model import load
from pacelc.review.checks import CHECK_RULES
from pacelc.review.engine import ReviewOptions, review
from tests.helpers import REPO
from tests.review.test_review import EXAMPLE_FILES, IMPORTED_EXAMPLES, TODAY, _review, _review_imported

NAMES = sorted(EXAMPLE_FILES) + sorted(IMPORTED_EXAMPLES)


def _result(name: str, monkeypatch):
    monkeypatch.chdir(REPO)
    if name in EXAMPLE_FILES:
        return _review(EXAMPLE_FILES[name].relative_to(REPO))
    return _review_imported(name)


@pytest.mark.parametrize("name", NAMES)
def test_a_check_fails_exactly_when_its_rules_have_active_findings(name: str, monkeypatch) -> None:
    result = _result(name, monkeypatch)
    active = [f for f in result.findings if f.suppressed is None]
    for check, (_, codes) in zip(result.quality_checks, CHECK_RULES, strict=True):
        behind = [f.fingerprint for f in active if f.rule in codes]
        assert check.findings == behind
        assert check.passed == (not behind), (check.title, behind)


@pytest.mark.parametrize("name", NAMES)
def test_no_domain_is_met_in_the_table_when_a_counterexample_stands(name: str, monkeypatch) -> None:
    result = _result(name, monkeypatch)
    decisions = next(t for t in result.tables if t.id == "consistency_decisions")
    verdict = {row[0].removeprefix("domain "): row[6] for row in decisions.rows if row[0].startswith("domain ")}
    broken = {f.elements[0] for f in result.findings if f.rule == "CNS050"}
    for domain in broken:
        assert verdict[domain] == "NOT met", domain


# ---------------------------------------------------------------- tables state only what the model does


def _loaded(name: str, monkeypatch):
    """The loaded model of an example (the review's input), so a table can be held against it."""
    monkeypatch.chdir(REPO)
    if name in EXAMPLE_FILES:
        return load([EXAMPLE_FILES[name].relative_to(REPO)])
    from pacelc.importers import import_paths
    from pacelc.model.overlay import load_overlay

    sources, overlay = IMPORTED_EXAMPLES[name]
    imported = import_paths(sources)
    return load_overlay(imported.data, imported.sources, imported.files, overlay)


def _tables(name: str, monkeypatch):
    loaded = _loaded(name, monkeypatch)
    result = review(loaded, ReviewOptions(today=TODAY))
    return loaded.model, Facts(loaded.model), result, {t.id: t for t in result.tables}


def _listed(cell: str, prefix: str) -> set[str]:
    """The ids after `prefix` in a cell, up to the next clause: 'compensations stated for a, b, no ...'."""
    if prefix not in cell:
        return set()
    ids = set()
    for part in re.split(r", |; ", cell.split(prefix, 1)[1]):
        if not part or " " in part:  # ids have no spaces: the next clause starts
            break
        ids.add(part)
    return ids


@pytest.mark.parametrize("name", NAMES)
def test_coordination_protocols_claim_only_what_the_model_states(name: str, monkeypatch) -> None:
    model, facts, _, tables = _tables(name, monkeypatch)
    rows = {row[0]: row for row in tables["coordination_protocols"].rows}
    for op in model.operations:
        tx = op.transaction
        if op.id not in rows or tx is None:
            continue
        on_partition, on_timeout, recovery = rows[op.id][3:]
        if tx.pattern.startswith("saga"):
            # The model has no field for saga state or its recovery: no recovery may be claimed.
            assert recovery.startswith("not stated"), (op.id, recovery)
            assert "resumes from" not in recovery and "persisted" not in recovery
            compensated = {s.id for s in tx.steps if s.compensation}
            claimed = _listed(on_partition, "compensations stated for ")
            assert claimed <= compensated, (op.id, claimed, compensated)
            if not compensated:
                assert "compensations stated" not in on_partition
            for step in tx.steps:
                if step.idempotency in (None, "none"):
                    # Only steps that state idempotency are called harmless to repeat.
                    assert f"{step.idempotency or 'not stated'}: " in on_timeout, (op.id, step.id)
        if tx.pattern == "two_phase_commit":
            assert recovery.startswith("not stated"), (op.id, recovery)
        if tx.pattern == "outbox":
            for topic in model.topics:
                for consumer in topic.consumers:
                    if f"{consumer.service} on {topic.id}: dedup" in on_timeout:
                        assert f"dedup {consumer.dedup or 'not stated'}" in on_timeout
        if tx.pattern == "local" and op.idempotency is None:
            assert "harmless" not in on_timeout or "not stated" in on_timeout, (op.id, on_timeout)
    stores = {s.id: s for s in model.stores}
    for svc in model.services:
        for need in svc.coordination:
            row = rows[f"{svc.id}: {need.kind.replace('_', ' ')}"]
            store = stores.get(need.via) if need.via else None
            if "majority" in row[3]:
                # Only a replicated store whose minority side refuses writes gives a majority rule.
                assert store is not None and store.replicas > 1
                assert facts.guarantees[store.id].minority_writes is False, row
            if "lease" in row[5] and not row[5].startswith("not stated"):
                assert need.lease_ms, row
            if "fencing tokens reject" in row[4]:
                assert need.fencing_tokens is True, row


@pytest.mark.parametrize("name", NAMES)
def test_every_pattern_in_the_matrix_is_in_the_model(name: str, monkeypatch) -> None:
    model, _, _, tables = _tables(name, monkeypatch)
    table = tables["pattern_selection"]
    assert table.columns[4:] == ["Rationale (the pattern in general)", "Trade-off (the pattern in general)"]
    ops = {o.id: o for o in model.operations}
    stores = {s.id: s for s in model.stores}
    for concern, pattern, where, in_model, _rationale, _trade in table.rows:
        key = pattern.replace(" ", "_")
        for place in where.split(", "):
            if concern == "transactions" or (concern == "messaging" and place in ops):
                tx = ops[place].transaction
                assert tx is not None and tx.pattern == key, (pattern, place)
            elif concern in ("replication", "consensus"):
                rep = stores[place].replication
                assert rep is not None and rep.topology == key, (pattern, place)
            elif concern == "conflict resolution":
                rep = stores[place].replication
                assert rep is not None and rep.conflict_resolution is not None
                assert rep.conflict_resolution.strategy == key, (pattern, place)
        if key.startswith("saga"):
            for op_id in where.split(", "):
                compensated = {s.id for s in ops[op_id].transaction.steps if s.compensation}
                part = next(p for p in in_model.split("; ") if p.startswith(f"{op_id}: "))
                if compensated:
                    assert _listed(part, "compensations for ") == compensated, part
                else:
                    assert "no compensation defined" in part or "steps not stated" in part, part
                assert "saga state store not stated" in part


@pytest.mark.parametrize("name", NAMES)
def test_no_table_states_an_assumed_placement_as_fact(name: str, monkeypatch) -> None:
    _, facts, result, tables = _tables(name, monkeypatch)
    availability = {row[0]: row for row in tables["availability"].rows}
    scenarios = tables["failure_scenarios"].rows
    for op_id, a in facts.availability.items():
        if a.result.probability is None:
            continue
        on_tree = {a.element_of.get(e, e) for e in a.tree.basic_events} & set(a.assumed_zones)
        for element in on_tree:
            assert f"{element} in {a.assumed_zones[element]}" in availability[op_id][1]
        for sp in facts.single_points.get(op_id, []):
            if not sp.only_assumed:
                continue
            assert f"{sp.culprit} (if its replicas share a zone)" in availability[op_id][5]
            (row,) = [r for r in scenarios if r[1].endswith(f"{op_id} (path {' → '.join(sp.path)})")]
            assert "possible single point of failure" in row[0] and row[2].startswith("unknown"), row
    for finding in result.findings:
        if finding.rule != "FLR050" or "cut_sets_if_replicas_share_a_zone" not in finding.evidence:
            continue
        for (event,) in finding.evidence["cut_sets_if_replicas_share_a_zone"]:
            # The zone is only the modelled case: never "fails when zone X down" as a plain fact.
            assert f"fails when {event.replace(':', ' ')} down" not in finding.message
