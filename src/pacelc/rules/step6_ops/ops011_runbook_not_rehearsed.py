"""OPS011 runbook-not-rehearsed."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule

STALE_DAYS = 365


@rule("OPS011", "runbook-not-rehearsed", "low")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A runbook has never been exercised, or not for more than a year.

    What it does:
        Flags every runbook without `last_exercised`, and every runbook last exercised more than 365
        days before the review date.

    Why it matters:
        A runbook nobody has followed is a hypothesis: the commands changed, the dashboard moved, the
        permission it needs was removed. The first real incident is then also the first rehearsal.

    Example:
        scenarios: [{id: db-loss, kind: failure, fail: [db]}]
        stores: [{id: db, kind: database}]
        readiness:
          runbooks: [{id: rb-db-loss, scenario: db-loss, link: https://wiki/rb/db-loss}]

    Fix:
        scenarios: [{id: db-loss, kind: failure, fail: [db]}]
        stores: [{id: db, kind: database}]
        readiness:
          runbooks: [{id: rb-db-loss, scenario: db-loss, link: https://wiki/rb/db-loss, last_exercised: 2999-01-01}]

    How it is computed:
        `readiness.runbooks[].last_exercised` absent, or older than 365 days before the review date
        (today, or `--today`).

    False positives:
        Runbooks exercised as part of a chaos experiment or game day that the model does not link:
        record the date.

    References:
        Google SRE Book, ch. 28 (Accelerating SREs to On-Call, "Disaster role playing"). AWS
        Well-Architected, Operational Excellence (OPS07 game days).
    """
    for rb in model.readiness.runbooks:
        if rb.last_exercised is not None and (facts.today - rb.last_exercised).days <= STALE_DAYS:
            continue
        if rb.last_exercised is None:
            message = f"runbook '{rb.id}' (scenario {rb.scenario}) has never been exercised"
        else:
            age = (facts.today - rb.last_exercised).days
            message = (
                f"runbook '{rb.id}' (scenario {rb.scenario}) was last exercised on {rb.last_exercised.isoformat()}, "
                f"{age} days ago"
            )
        yield Finding(
            rule="OPS011",
            elements=(rb.id,),
            message=message,
            fix="rehearse it (game day or tabletop), fix what is out of date, and record `last_exercised`",
            where=("readiness", "runbooks", rb.id, "last_exercised"),
            evidence={
                "last_exercised": rb.last_exercised.isoformat() if rb.last_exercised else None,
                "stale_after_days": STALE_DAYS,
            },
        )
