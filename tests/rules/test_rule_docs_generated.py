"""docs/rules/*.md are generated from the docstrings and must be up to date."""

from __future__ import annotations

from pacelc.rules.base import all_rules
from pacelc.rules.docs import render_index, render_rule
from tests.helpers import REPO

DOCS = REPO / "docs" / "rules"


def test_every_rule_page_is_current() -> None:
    """Regenerate with `python -m pacelc.rules.docs` after changing a rule's docstring."""
    rules = all_rules()
    stale = [
        r.code
        for r in rules
        if not (DOCS / f"{r.code}.md").is_file()
        or (DOCS / f"{r.code}.md").read_text(encoding="utf-8") != render_rule(r)
    ]
    assert not stale, f"stale or missing rule docs: {stale}"
    assert (DOCS / "index.md").read_text(encoding="utf-8") == render_index(rules)
    extra = sorted(p.stem for p in DOCS.glob("*.md") if p.stem != "index" and p.stem not in {r.code for r in rules})
    assert not extra, f"docs for rules that no longer exist: {extra}"
