"""SARIF 2.1.0: findings as results, the rules the review ran as the driver's rules, locations at model lines.

The rule descriptors come from the Review (which rules ran, with their documentation), never from
the rule registry: a SARIF log of `--select FLR` describes the FLR rules only.
"""

from __future__ import annotations

import json
from typing import Any

from pacelc.review.report import ReviewOut, RuleOut

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DEFAULT_RULE_DOCS_URL = "https://pacelc.dev/rules/"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def _rule_descriptor(rule: RuleOut, docs_url: str) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.fix, "markdown": rule.help_markdown},
        "helpUri": f"{docs_url}{rule.code}.md",
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": [f"step-{rule.step}"], "pacelc-severity": rule.severity},
    }


def render_sarif(review: ReviewOut, docs_url: str = DEFAULT_RULE_DOCS_URL) -> str:
    """The review as a SARIF 2.1.0 log (see the module docstring)."""
    rules = review.rules
    index = {r.code: i for i, r in enumerate(rules)}
    unlisted = sorted({f.rule for f in review.findings} - set(index))
    if unlisted:  # a result must point at a descriptor: say which, rather than a bare KeyError
        raise ValueError(f"findings of rules the review does not list as run: {', '.join(unlisted)}")
    results = []
    for f in review.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "partialFingerprints": {"pacelcFingerprint/v1": f.fingerprint},
            "properties": {
                "severity": f.severity,
                "elements": f.elements,
                "evidence": f.evidence,
                "unknown": f.unknown,
            },
        }
        if f.location is not None:
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.location.file, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.location.line, "startColumn": f.location.col},
                    }
                }
            ]
        if f.suppressed is not None:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f.suppressed.reason,
                    "properties": {"by": f.suppressed.by, "pattern": f.suppressed.pattern},
                }
            ]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pacelc",
                        "version": review.tool["version"],
                        "informationUri": docs_url,
                        "rules": [_rule_descriptor(r, docs_url) for r in rules],
                    }
                },
                "artifacts": [{"location": {"uri": file, "uriBaseId": "%SRCROOT%"}} for file in review.system.files],
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
