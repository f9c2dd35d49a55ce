"""Baselines: the fingerprints of findings accepted as they are, so a review reports only new ones."""

from __future__ import annotations

import json
from pathlib import Path

from pacelc.review.report import ReviewOut

BASELINE_FORMAT = 1
MARKER = '"pacelc_baseline"'


class BaselineError(Exception):
    """The baseline file cannot be used."""


def render_baseline(review: ReviewOut) -> str:
    fingerprints = sorted({f.fingerprint for f in review.findings if f.suppressed is None})
    return json.dumps({"pacelc_baseline": BASELINE_FORMAT, "fingerprints": fingerprints}, indent=2) + "\n"


def read_baseline(path: Path) -> frozenset[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("pacelc_baseline") != BASELINE_FORMAT:
        raise BaselineError(f"{path}:1:1: not a pacelc baseline (write one with `pacelc baseline`)")
    fingerprints = data.get("fingerprints")
    if not isinstance(fingerprints, list) or not all(isinstance(f, str) for f in fingerprints):
        raise BaselineError(f"{path}:1:1: 'fingerprints' must be a list of strings")
    return frozenset(fingerprints)
