"""OPS902 risk-acceptance-unused."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("OPS902", "risk-acceptance-unused", "low")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A valid risk-register entry matches no finding.

    What it does:
        Flags every unexpired `risks` entry whose fingerprint pattern matches none of the review's
        findings.

    Why it matters:
        Either the risk was fixed (the entry should go, so it cannot hide a future regression), or
        the pattern has a typo and the finding it was meant for is reported anyway, or worse, the
        entry was written against a rule code that does not exist.

    Example:
        risks:
          - pattern: "FLR999@nothing"
            status: accepted
            justification: written for a finding that no longer exists
            owner: platform-team

    Fix:
        risks: []

    How it is computed:
        Matches each entry's pattern (`*` and `?` wildcards) against the fingerprints of every other
        rule's findings in the same review.

    False positives:
        When a review runs with `--select`, entries for rules that did not run look unused: review with
        all rules before deleting entries.

    References:
        ISO 31000:2018, risk monitoring and review.
    """
    for index, risk in enumerate(model.risks):
        if risk.expires is not None and risk.expires < facts.today:
            continue  # OPS901 reports it
        if not any(fnmatch.fnmatchcase(fp, risk.pattern) for fp in facts.prior_fingerprints):
            yield Finding(
                rule="OPS902",
                elements=(risk.pattern,),
                message=f"risk entry '{risk.pattern}' (owner {risk.owner}) matches no finding",
                fix="delete the entry if the risk is gone, or correct its pattern",
                where=("risks", index, "pattern"),
            )
