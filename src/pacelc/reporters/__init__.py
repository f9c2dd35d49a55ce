"""Reporters: pure renderers of one ReviewOut. No logic lives here."""

from __future__ import annotations

from pacelc.reporters.json_report import render_json
from pacelc.reporters.junit import render_junit
from pacelc.reporters.markdown import render_markdown
from pacelc.reporters.sarif import render_sarif
from pacelc.reporters.terminal import render_terminal

__all__ = ["render_json", "render_junit", "render_markdown", "render_sarif", "render_terminal"]
