"""Rule documentation rendered from the docstrings: `pacelc explain` and docs/rules/*.md."""

from __future__ import annotations

from pacelc.rules.base import DOC_SECTIONS, STEPS, Rule

_CODE_SECTIONS = ("Example", "Fix")


def render_rule(rule: Rule) -> str:
    """Markdown page of one rule."""
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"{rule.doc.summary}",
        "",
        f"Step {rule.step}, {STEPS[rule.step][1]}. Default severity: {rule.severity}.",
        "",
    ]
    for section in DOC_SECTIONS:
        body = rule.doc.sections.get(section, "")
        lines.append(f"## {section}")
        lines.append("")
        if section in _CODE_SECTIONS:
            lines += ["```yaml", body, "```"]
        else:
            lines.append(body)
        lines.append("")
    return "\n".join(lines)


def render_index(rules: list[Rule]) -> str:
    """Markdown index of every rule, grouped by step."""
    lines = ["# pacelc rules", "", "Generated from the rule docstrings by `python -m pacelc.rules.docs`.", ""]
    for step, (prefix, title) in STEPS.items():
        lines += [
            f"## Step {step}: {title} ({prefix})",
            "",
            "| Code | Name | Severity | Summary |",
            "|---|---|---|---|",
        ]
        for r in rules:
            if r.step == step:
                lines.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {r.doc.summary} |")
        lines.append("")
    return "\n".join(lines)


def generate(folder: str = "docs/rules") -> list[str]:
    """Write docs/rules/*.md and index.md; returns the files written."""
    from pathlib import Path

    from pacelc.io import write_atomic
    from pacelc.rules.base import all_rules

    out = Path(folder)
    rules = all_rules()
    written = []
    for r in rules:
        path = out / f"{r.code}.md"
        write_atomic(path, render_rule(r), force=True)
        written.append(str(path))
    write_atomic(out / "index.md", render_index(rules), force=True)
    written.append(str(out / "index.md"))
    return written


if __name__ == "__main__":
    for name in generate():
        print(name)
