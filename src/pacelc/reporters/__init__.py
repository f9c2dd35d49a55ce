"""Reporters: pure renderers of one ReviewOut. No logic lives here."""

from __future__ import annotations

from pacelc.reporters.json_report import render_json
from pacelc.reporters.markdown import render_markdown
from pacelc.reporters.terminal import render_terminal

RENDERERS = {"markdown": render_markdown, "json": render_json, "terminal": render_terminal}

__all__ = ["RENDERERS", "render_json", "render_markdown", "render_terminal"]
