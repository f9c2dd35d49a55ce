"""JSON Schemas generated from the classes: the model format and the JSON report."""

from __future__ import annotations

from typing import Any

from pacelc.model.schema import SystemModel
from pacelc.review.report import ReviewOut

MODEL_SCHEMA_ID = "https://pacelc.dev/schemas/model-1.json"
REPORT_SCHEMA_ID = "https://pacelc.dev/schemas/report-1.0.json"


def model_schema() -> dict[str, Any]:
    """JSON Schema of the model files (for editors: yaml-language-server, VS Code, JetBrains)."""
    schema = SystemModel.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": MODEL_SCHEMA_ID, **schema}


def report_schema() -> dict[str, Any]:
    """JSON Schema of `pacelc review --format json` (shipped as report.schema.json): one system's
    report, or an array of them when several independent systems are reviewed in one command."""
    schema = ReviewOut.model_json_schema(mode="serialization", ref_template="#/$defs/{model}")
    defs = schema.pop("$defs", {})
    defs["ReviewOut"] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": REPORT_SCHEMA_ID,
        "title": "pacelc review report",
        "anyOf": [
            {"$ref": "#/$defs/ReviewOut"},
            {"type": "array", "items": {"$ref": "#/$defs/ReviewOut"}, "minItems": 2},
        ],
        "$defs": defs,
    }
