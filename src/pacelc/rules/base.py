"""The rule and finding API.

A rule is a pure function from (model, facts) to findings, registered with `@rule`. Its
docstring is the single source of its documentation (`pacelc explain`, docs/rules, SARIF help)
and has fixed sections, checked by the tests.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pacelc.analysis.facts import Facts
    from pacelc.model.schema import SystemModel
    from pacelc.model.source import Loc

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

# The six steps of the review, with the code prefix of their rules.
STEPS: dict[int, tuple[str, str]] = {
    1: ("CAP", "CAP/PACELC trade-offs"),
    2: ("CNS", "Consistency patterns"),
    3: ("FLR", "Failure handling"),
    4: ("SYN", "Data synchronization"),
    5: ("TXN", "Transaction patterns"),
    6: ("OPS", "Operational readiness"),
}
PREFIX_STEP = {prefix: step for step, (prefix, _) in STEPS.items()}

DOC_SECTIONS = (
    "What it does",
    "Why it matters",
    "Example",
    "Fix",
    "How it is computed",
    "False positives",
    "References",
)
_CODE = re.compile(r"^(CAP|CNS|FLR|SYN|TXN|OPS)\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def lower(severity: Severity, steps: int = 1) -> Severity:
    """A severity `steps` levels lower (not below info): used for findings the model is silent on."""
    return SEVERITIES[max(0, SEVERITY_RANK[severity] - steps)]


@dataclass(frozen=True)
class Finding:
    """One problem found by a rule, with its evidence and the place to change."""

    rule: str
    elements: tuple[str, ...]
    message: str
    fix: str
    where: tuple[str | int, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None  # None: the rule's default
    unknown: bool = False  # True: fired because the model is silent, not because of a flaw

    @property
    def fingerprint(self) -> str:
        return "@".join((self.rule, *self.elements))


@dataclass(frozen=True)
class RuleDoc:
    summary: str
    sections: Mapping[str, str]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    check: Callable[[SystemModel, Facts], Iterable[Finding]]
    doc: RuleDoc

    @property
    def step(self) -> int:
        return PREFIX_STEP[self.code[:3]]

    def run(self, model: SystemModel, facts: Facts) -> list[Finding]:
        return list(self.check(model, facts))


REGISTRY: dict[str, Rule] = {}


def parse_doc(text: str) -> RuleDoc:
    """Split a rule docstring into its summary line and its titled sections."""
    text = inspect.cleandoc(text or "")
    summary, _, body = text.partition("\n")
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in body.splitlines():
        title = line.rstrip(":").strip()
        if line.endswith(":") and title in DOC_SECTIONS and not line.startswith(" "):
            if current is not None:
                sections[current] = inspect.cleandoc("\n".join(lines))
            current, lines = title, []
        else:
            lines.append(line)
    if current is not None:
        sections[current] = inspect.cleandoc("\n".join(lines))
    return RuleDoc(summary=summary.strip(), sections=sections)


def rule(code: str, name: str, severity: Severity) -> Callable[[Callable[..., Iterable[Finding]]], Rule]:
    """Register a rule function under a stable code and a kebab-case name."""
    if not _CODE.match(code):
        raise ValueError(f"bad rule code {code!r}")
    if not _NAME.match(name):
        raise ValueError(f"bad rule name {name!r}")

    def register(func: Callable[..., Iterable[Finding]]) -> Rule:
        if code in REGISTRY:
            raise ValueError(f"rule code {code} registered twice")
        if any(r.name == name for r in REGISTRY.values()):
            raise ValueError(f"rule name {name} registered twice")
        registered = Rule(code, name, severity, func, parse_doc(func.__doc__ or ""))
        REGISTRY[code] = registered
        return registered

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, by code (imports the rule modules on first use)."""
    from pacelc import rules as package

    package.load_all()
    return [REGISTRY[c] for c in sorted(REGISTRY)]


@dataclass(frozen=True)
class LocatedFinding:
    """A finding resolved against the rule registry and the source map (what reporters render)."""

    finding: Finding
    rule: Rule
    severity: Severity
    location: Loc | None
    suppressed_by: str | None = None  # reason, when a risk-register entry or baseline suppresses it

    @property
    def fingerprint(self) -> str:
        return self.finding.fingerprint
