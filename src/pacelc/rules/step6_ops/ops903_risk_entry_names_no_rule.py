"""OPS903 risk-entry-names-no-rule."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import REGISTRY, Finding, rule


@rule("OPS903", "risk-entry-names-no-rule", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A risk-register entry's pattern cannot match any rule's findings.

    What it does:
        Flags every `risks` entry whose rule part (the text before the first `@`) matches no rule code
        pacelc knows, such as a misspelt or retired code.

    Why it matters:
        Such an entry suppresses nothing and never will: the finding it was written for is reported
        anyway, or the entry was copied from another tool's codes. Either way the register says a risk
        is accepted when nothing in the review reflects that decision.

    Example:
        risks:
          - pattern: "FRL001@api@*"
            status: accepted
            justification: misspelt rule code, meant FLR001
            owner: platform-team

    Fix:
        risks:
          - pattern: "FLR001@api@*"
            status: accepted
            justification: internal callers only, they set their own deadlines
            owner: platform-team

    How it is computed:
        Matches the pattern's rule part (wildcards allowed) against every registered rule code.

    False positives:
        None.

    References:
        ISO 31000:2018, risk monitoring and review.
    """
    codes = sorted(REGISTRY)
    for index, risk in enumerate(model.risks):
        rule_part = risk.pattern.split("@", 1)[0]
        if not any(fnmatch.fnmatchcase(code, rule_part) for code in codes):
            yield Finding(
                rule="OPS903",
                elements=(risk.pattern,),
                message=f"risk entry '{risk.pattern}': '{rule_part}' matches no rule code, so it suppresses nothing",
                fix="use a code from `pacelc rules` (patterns look like FLR001@service@call)",
                where=("risks", index, "pattern"),
            )
