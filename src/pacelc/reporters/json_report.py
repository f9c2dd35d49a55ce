"""JSON report: the ReviewOut as JSON, keys in a fixed order (the schema ships with the package)."""

from __future__ import annotations

import json

from pacelc.review.report import ReviewOut


def render_json(review: ReviewOut) -> str:
    return json.dumps(review.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
