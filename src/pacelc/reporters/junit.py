"""JUnit XML for CI dashboards: one suite per review step that ran rules, plus the quality checks.

A rule the review ran with no finding is a passing test case; each active finding is a failing one;
each suppressed finding is skipped with its reason. Rules are those the Review lists as run (a rule
left out by --select or --ignore did not pass, it was not tested), never the rule registry.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pacelc.review.report import FindingOut, ReviewOut


def render_junit(review: ReviewOut) -> str:
    """The review as JUnit XML (see the module docstring)."""
    root = ET.Element("testsuites", name=f"pacelc review: {review.system.name}")
    by_rule: dict[str, list[FindingOut]] = {}
    for f in review.findings:
        by_rule.setdefault(f.rule, []).append(f)
    unlisted = sorted(set(by_rule) - {r.code for r in review.rules})
    if unlisted:  # a finding must never vanish from CI because its rule is missing from the list
        raise ValueError(f"findings of rules the review does not list as run: {', '.join(unlisted)}")
    total = failures = skipped = 0
    for step in sorted({r.step for r in review.rules}):
        step_rules = sorted((r for r in review.rules if r.step == step), key=lambda r: r.code)
        suite = ET.SubElement(root, "testsuite", name=f"step {step}: {step_rules[0].step_title}")
        s_tests = s_fail = s_skip = 0
        for rule in step_rules:
            prefix = rule.code[:3]
            findings = sorted(by_rule.get(rule.code, []), key=lambda x: x.fingerprint)
            if not findings:
                ET.SubElement(suite, "testcase", classname=f"{prefix}.{rule.code}", name=rule.name)
                s_tests += 1
                continue
            for f in findings:
                case = ET.SubElement(suite, "testcase", classname=f"{prefix}.{rule.code}", name=f.fingerprint)
                s_tests += 1
                if f.suppressed is not None:
                    ET.SubElement(case, "skipped", message=f"suppressed: {f.suppressed.reason}")
                    s_skip += 1
                    continue
                where = f"{f.location.file}:{f.location.line}:{f.location.col}" if f.location else "-"
                failure = ET.SubElement(case, "failure", message=f.message, type=f.severity)
                failure.text = f"{where}: {f.message}\nFix: {f.fix}"
                s_fail += 1
        suite.set("tests", str(s_tests))
        suite.set("failures", str(s_fail))
        suite.set("skipped", str(s_skip))
        suite.set("errors", "0")
        total, failures, skipped = total + s_tests, failures + s_fail, skipped + s_skip
    checks = ET.SubElement(root, "testsuite", name="quality checks")
    c_fail = 0
    for c in review.quality_checks:
        case = ET.SubElement(checks, "testcase", classname="quality", name=f"{c.id}. {c.title}")
        if not c.passed:
            ET.SubElement(case, "failure", message=c.reason, type="quality-check")
            c_fail += 1
    checks.set("tests", str(len(review.quality_checks)))
    checks.set("failures", str(c_fail))
    checks.set("skipped", "0")
    checks.set("errors", "0")
    root.set("tests", str(total + len(review.quality_checks)))
    root.set("failures", str(failures + c_fail))
    root.set("skipped", str(skipped))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
