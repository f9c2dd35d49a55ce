"""The review: select rules, run them on the facts, apply suppressions, order, build tables and checks."""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pacelc import __version__
from pacelc.analysis.deadline import DEFAULT_REVIEW_BUDGET_S, Deadline
from pacelc.analysis.facts import Facts
from pacelc.model.loader import LoadedModel
from pacelc.review import checks, tables
from pacelc.review.report import (
    FindingOut,
    LocationOut,
    ReviewOut,
    RuleOut,
    SummaryOut,
    SuppressionOut,
    SystemOut,
)
from pacelc.rules.base import SEVERITIES, SEVERITY_RANK, STEPS, Rule, Severity, all_rules
from pacelc.rules.docs import render_rule

# Rules that judge the other rules' findings (the risk register); they run last.
META_RULES = ("OPS901", "OPS902", "OPS903")


@dataclass(frozen=True)
class ReviewOptions:
    """What to run and how to judge it."""

    select: Sequence[str] = ()  # codes or prefixes; empty: all
    ignore: Sequence[str] = ()
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    today: dt.date | None = None  # risk-register expiry is judged against this date
    baseline: frozenset[str] = frozenset()  # fingerprints accepted by a baseline
    retry_amplification_limit: float = 10.0  # FLR012's threshold
    # Seconds for the whole review, shared by the engines; what it leaves undone is unknown.
    budget_s: float | None = DEFAULT_REVIEW_BUDGET_S


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(code == p or code.startswith(p) for p in patterns)


def selected_rules(options: ReviewOptions) -> list[Rule]:
    rules = all_rules()
    if options.select:
        rules = [r for r in rules if _matches(r.code, options.select)]
    return [r for r in rules if not _matches(r.code, options.ignore)]


def _rule_out(rule: Rule) -> RuleOut:
    """What the reporters say of a rule that ran: they read the Review, never the registry."""
    return RuleOut(
        code=rule.code,
        name=rule.name,
        step=rule.step,
        step_title=STEPS[rule.step][1],
        severity=rule.severity,
        summary=rule.doc.summary,
        description=rule.doc.sections.get("What it does", rule.doc.summary),
        fix=rule.doc.sections.get("Fix", ""),
        help_markdown=render_rule(rule),
    )


def _suppression(fingerprint: str, model_risks, today: dt.date, baseline: frozenset[str]) -> SuppressionOut | None:
    for risk in model_risks:
        if risk.expires is not None and risk.expires < today:
            continue
        if fnmatch.fnmatchcase(fingerprint, risk.pattern):
            return SuppressionOut(
                by="risk_register",
                pattern=risk.pattern,
                reason=f"{risk.status.replace('_', ' ')}: {risk.justification}",
                owner=risk.owner,
                expires=risk.expires.isoformat() if risk.expires else None,
            )
    if fingerprint in baseline:
        return SuppressionOut(by="baseline", pattern=fingerprint, reason="present in the baseline")
    return None


def review(loaded: LoadedModel, options: ReviewOptions | None = None) -> ReviewOut:
    """Run the review of a loaded model."""
    options = options or ReviewOptions()
    model = loaded.model
    today = options.today or dt.date.today()
    deadline = Deadline.start(options.budget_s) if options.budget_s is not None else None
    facts = Facts(model, today=today, deadline=deadline)
    facts.retry_amplification_limit = options.retry_amplification_limit
    rules = selected_rules(options)
    normal = [r for r in rules if r.code not in META_RULES]
    meta = [r for r in rules if r.code in META_RULES]

    raw = [(r, f) for r in normal for f in r.run(model, facts)]
    facts.prior_fingerprints = frozenset(f.fingerprint for _, f in raw)
    raw += [(r, f) for r in meta for f in r.run(model, facts)]

    findings: list[FindingOut] = []
    seen: set[str] = set()
    for rule, f in raw:
        if f.fingerprint in seen:
            continue  # one finding per fingerprint: the first (rules run in code order)
        seen.add(f.fingerprint)
        severity = options.severity_overrides.get(rule.code) or f.severity or rule.severity
        loc = loaded.sources.locate(f.where) if f.where else None
        suppressed = None
        if rule.code not in META_RULES:
            suppressed = _suppression(f.fingerprint, model.risks, today, options.baseline)
        findings.append(
            FindingOut(
                rule=rule.code,
                name=rule.name,
                step=rule.step,
                severity=severity,
                message=f.message,
                elements=list(f.elements),
                fingerprint=f.fingerprint,
                location=LocationOut(file=loc.file, line=loc.line, col=loc.col) if loc else None,
                fix=f.fix,
                evidence=dict(f.evidence),
                unknown=f.unknown,
                suppressed=suppressed,
            )
        )
    findings.sort(key=lambda x: (x.suppressed is not None, -SEVERITY_RANK[x.severity], x.step, x.rule, x.fingerprint))

    active = [f for f in findings if f.suppressed is None]
    quality = checks.evaluate(model, active, [r.code for r in rules])
    counts = {
        "regions": len(model.regions),
        "zones": sum(len(r.zones) for r in model.regions),
        "services": len(model.services),
        "stores": len(model.stores),
        "topics": len(model.topics),
        "domains": len(model.domains),
        "operations": len(model.operations),
    }
    return ReviewOut(
        tool={"name": "pacelc", "version": __version__},
        system=SystemOut(
            name=model.system.name,
            description=model.system.description,
            files=list(loaded.files),
            sources=list(loaded.provenance),
            counts=counts,
        ),
        summary=SummaryOut(
            by_severity={s: sum(1 for f in active if f.severity == s) for s in reversed(SEVERITIES)},
            active=len(active),
            suppressed=len(findings) - len(active),
            checks_passed=sum(1 for c in quality if c.passed),
            checks_total=len(quality),
        ),
        findings=findings,
        tables=tables.build_tables(model, facts),
        quality_checks=quality,
        rules=[_rule_out(r) for r in rules],
    )


def exit_code(result: ReviewOut, fail_on: Severity | None) -> int:
    """1 when an active finding is at or above `fail_on`, else 0."""
    if fail_on is None:
        return 0
    bar = SEVERITY_RANK[fail_on]
    return int(any(f.suppressed is None and SEVERITY_RANK[f.severity] >= bar for f in result.findings))
