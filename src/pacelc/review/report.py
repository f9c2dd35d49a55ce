"""The Review: the one object every reporter renders.

These classes are the JSON report's contract: `pacelc schema --report` prints the JSON Schema
generated from them, and the same schema ships as `pacelc/schemas/report.schema.json`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_SCHEMA_VERSION = "1.0"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationOut(_Out):
    """Where in the model files to look."""

    file: str = Field(..., description="Model file, as given on the command line or included.")
    line: int = Field(..., ge=1, description="1-based line.")
    col: int = Field(..., ge=1, description="1-based column.")


class SuppressionOut(_Out):
    """Why a finding does not count."""

    by: Literal["risk_register", "baseline"] = Field(..., description="What suppresses it.")
    pattern: str = Field(..., description="The matching fingerprint pattern.")
    reason: str = Field(..., description="The justification recorded with it.")
    owner: str | None = Field(None, description="Owner of the accepted risk.")
    expires: str | None = Field(None, description="Expiry date of the acceptance (ISO 8601).")


class FindingOut(_Out):
    """One finding."""

    rule: str = Field(..., description="Rule code, e.g. FLR001.")
    name: str = Field(..., description="Rule name.")
    step: int = Field(..., ge=1, le=6, description="Review step (1 CAP … 6 operational readiness).")
    severity: Literal["info", "low", "medium", "high", "critical"] = Field(..., description="Effective severity.")
    message: str = Field(..., description="What is wrong, in plain text.")
    elements: list[str] = Field(..., description="Elements involved, most important first.")
    fingerprint: str = Field(..., description="Stable id: RULE@element[@other].")
    location: LocationOut | None = Field(None, description="The line to change.")
    fix: str = Field(..., description="How to fix it.")
    evidence: dict[str, Any] = Field(default_factory=dict, description="Figures, cut sets or histories.")
    unknown: bool = Field(False, description="True when the finding comes from the model being silent.")
    suppressed: SuppressionOut | None = Field(None, description="Present when the finding is suppressed.")


class RuleOut(_Out):
    """A rule the review ran (selected, not ignored), with the documentation its reporters show."""

    code: str = Field(..., description="Rule code, e.g. FLR001.")
    name: str = Field(..., description="Rule name.")
    step: int = Field(..., ge=1, le=6, description="Review step (1 CAP … 6 operational readiness).")
    step_title: str = Field(..., description="Title of the review step, e.g. Failure handling.")
    severity: Literal["info", "low", "medium", "high", "critical"] = Field(
        ..., description="Default severity (a finding may carry another)."
    )
    summary: str = Field(..., description="One-line summary from the rule's docstring.")
    # For the SARIF reporter (a code host shows them beside an annotation). Left out of the JSON
    # report: three quarters of its size for text `pacelc explain CODE` prints.
    description: str = Field(..., exclude=True, description="The docstring's 'What it does' section.")
    fix: str = Field(..., exclude=True, description="The docstring's 'Fix' section.")
    help_markdown: str = Field(
        ..., exclude=True, description="The rule's documentation page, as `pacelc explain` prints it."
    )


class TableOut(_Out):
    """A table of the review."""

    id: str = Field(..., description="Stable table id.")
    title: str = Field(..., description="Heading.")
    columns: list[str] = Field(..., description="Column headings.")
    rows: list[list[str]] = Field(..., description="Rows, one string per column.")
    notes: list[str] = Field(default_factory=list, description="Caveats: what is approximate or unknown.")


class CheckOut(_Out):
    """One quality check of the review."""

    id: int = Field(..., ge=1, description="Check number.")
    title: str = Field(..., description="What is checked.")
    passed: bool = Field(..., description="Whether it passed.")
    reason: str = Field(..., description="Why it passed or failed.")
    findings: list[str] = Field(default_factory=list, description="Fingerprints of findings behind a failure.")


class SummaryOut(_Out):
    """Counts."""

    by_severity: dict[str, int] = Field(..., description="Active (unsuppressed) findings per severity.")
    active: int = Field(..., ge=0, description="Active findings.")
    suppressed: int = Field(..., ge=0, description="Suppressed findings.")
    checks_passed: int = Field(..., ge=0, description="Quality checks passed.")
    checks_total: int = Field(..., ge=0, description="Quality checks evaluated.")


class SystemOut(_Out):
    """The reviewed system."""

    name: str = Field(..., description="System name.")
    description: str | None = Field(None, description="System description.")
    files: list[str] = Field(..., description="Model files read.")
    sources: list[str] = Field(
        default_factory=list,
        description="Where values came from when an overlay model was merged over imported sources: the "
        "imported files, what the overlay added and which imported values it overrode (with its lines).",
    )
    counts: dict[str, int] = Field(..., description="Elements per kind.")


class ReviewOut(_Out):
    """A complete design review."""

    schema_version: Literal["1.0"] = Field(REPORT_SCHEMA_VERSION, description="Report format version.")
    tool: dict[str, str] = Field(..., description="Tool name and version.")
    system: SystemOut = Field(..., description="The reviewed system.")
    summary: SummaryOut = Field(..., description="Counts.")
    findings: list[FindingOut] = Field(..., description="Findings, most severe first.")
    tables: list[TableOut] = Field(..., description="The review tables.")
    quality_checks: list[CheckOut] = Field(..., description="The quality checks.")
    rules: list[RuleOut] = Field(..., description="The rules that ran, by code; one with no finding passed.")
