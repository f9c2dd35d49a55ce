"""Several independent systems reviewed in one command: their reports, one after the other.

Each system's report is rendered alone by its reporter; this only joins them in the way each format
holds several: text one after the other, JSON as an array, SARIF as one run per system, JUnit as the
suites of every system under one root. With one system the output is that system's report unchanged.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from pacelc.review.report import ReviewOut


def render_several(fmt: str, reviews: Sequence[ReviewOut], render: Callable[[ReviewOut], str]) -> str:
    texts = [render(r) for r in reviews]
    if len(texts) == 1:
        return texts[0]
    if fmt == "json":
        return json.dumps([json.loads(t) for t in texts], indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        logs = [json.loads(t) for t in texts]
        first = logs[0]
        first["runs"] = [run for log in logs for run in log["runs"]]
        return json.dumps(first, indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        roots = [ET.fromstring(t.split("\n", 1)[1]) for t in texts]  # after the XML declaration
        root = ET.Element("testsuites", name="pacelc review: " + ", ".join(r.system.name for r in reviews))
        for counter in ("tests", "failures", "skipped", "errors"):
            root.set(counter, str(sum(int(r.get(counter, "0")) for r in roots)))
        for one, review in zip(roots, reviews, strict=True):
            for suite in one:
                suite.set("name", f"{review.system.name}: {suite.get('name')}")
                root.append(suite)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return "\n".join(texts)
