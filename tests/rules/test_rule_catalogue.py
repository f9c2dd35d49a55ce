"""The rule catalogue: documentation sections, unique codes and names, docs that do not lie, fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pacelc.analysis.facts import Facts
from pacelc.model import loads
from pacelc.rules.base import DOC_SECTIONS, REGISTRY, Rule, all_rules

FIXTURES = Path(__file__).parent / "fixtures"
RULES = all_rules()
_EXPECT = re.compile(r"^#\s*expect:\s*(.*)$", re.MULTILINE)


def fingerprints(rule: Rule, text: str, name: str) -> set[str]:
    loaded = loads(text, name)
    return {f.fingerprint for f in rule.run(loaded.model, Facts(loaded.model))}


def as_model(snippet: str) -> str:
    """A docstring example is a model fragment; give it the mandatory `system` section."""
    return snippet if re.search(r"^system:", snippet, re.MULTILINE) else "system: {name: example}\n" + snippet


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    assert set(REGISTRY) == {r.code for r in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docstring_has_every_section(rule: Rule) -> None:
    assert rule.doc.summary, f"{rule.code} has no summary line"
    missing = [s for s in DOC_SECTIONS if not rule.doc.sections.get(s)]
    assert not missing, f"{rule.code} lacks sections {missing}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docstring_example_fires_and_fix_does_not(rule: Rule) -> None:
    example = fingerprints(rule, as_model(rule.doc.sections["Example"]), f"{rule.code}-example")
    fixed = fingerprints(rule, as_model(rule.doc.sections["Fix"]), f"{rule.code}-fix")
    assert example, f"{rule.code}: its documented example does not trigger it"
    assert not fixed, f"{rule.code}: its documented fix still triggers it: {sorted(fixed)}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_fixture_folder_with_fail_and_pass(rule: Rule) -> None:
    folder = FIXTURES / rule.code
    assert folder.is_dir(), f"{rule.code} has no fixture folder {folder}"
    names = sorted(p.name for p in folder.glob("*.yaml"))
    assert any(n.startswith("fail") for n in names), f"{rule.code}: no fail*.yaml fixture"
    assert any(n.startswith("pass") for n in names), f"{rule.code}: no pass*.yaml fixture"


FIXTURE_FILES = sorted(FIXTURES.glob("*/*.yaml"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_gives_exactly_the_expected_findings(path: Path) -> None:
    """Each fixture's `# expect:` line lists the exact fingerprints (or `none`)."""
    rule = REGISTRY[path.parent.name]
    text = path.read_text(encoding="utf-8")
    match = _EXPECT.search(text)
    assert match, f"{path} has no '# expect:' line"
    expected = {e.strip() for e in match.group(1).split(",") if e.strip() and e.strip() != "none"}
    assert fingerprints(rule, text, str(path)) == expected
