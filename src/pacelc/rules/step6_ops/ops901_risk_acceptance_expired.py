"""OPS901 risk-acceptance-expired."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("OPS901", "risk-acceptance-expired", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A risk-register entry has passed its expiry date and no longer suppresses anything.

    What it does:
        Flags every `risks` entry whose `expires` date is before the review date. The findings it
        matched are reported again, unsuppressed.

    Why it matters:
        An accepted risk is a decision with a shelf life: the system, the load and the people change.
        An acceptance that silently outlives its review date turns a conscious trade-off into a
        forgotten one.

    Example:
        risks:
          - pattern: "FLR001@*"
            status: accepted
            justification: internal batch callers tolerate hangs
            owner: platform-team
            expires: 2020-01-31

    Fix:
        risks:
          - pattern: "FLR001@*"
            status: accepted
            justification: internal batch callers tolerate hangs
            owner: platform-team
            expires: 2999-12-31

    How it is computed:
        Compares each entry's `expires` with the review date (today, or `--today`).

    False positives:
        None: renew the entry with a new date and justification, or fix the findings.

    References:
        ISO 31000:2018, risk monitoring and review.
    """
    for index, risk in enumerate(model.risks):
        if risk.expires is not None and risk.expires < facts.today:
            yield Finding(
                rule="OPS901",
                elements=(risk.pattern,),
                message=(
                    f"risk acceptance '{risk.pattern}' (owner {risk.owner}) expired on {risk.expires.isoformat()}; "
                    "the findings it covered count again"
                ),
                fix="review the risk: fix the findings, or renew the entry with a new expiry and justification",
                where=("risks", index, "expires"),
                evidence={"expired": risk.expires.isoformat(), "review_date": facts.today.isoformat()},
            )
