"""Full review (all engines and rules, tables and the Markdown report) of generated architectures.

Run: .venv/bin/python benchmarks/bench_review.py [--sizes 100,1000,10000]
Each size runs in a fresh process so its peak memory (max RSS) is its own. Prints seconds per
stage, peak memory, and the growth ratio between sizes. Targets (issue 4): ≤ 0.5 s for 100 services,
≤ 3 s for 1,000 and ≤ 30 s for 10,000, under 2 GiB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one(size: int) -> dict:
    sys.path.insert(0, str(HERE))
    from generate import generate
    from pacelc.model.loader import LoadedModel
    from pacelc.model.source import SourceMap
    from pacelc.reporters import render_markdown
    from pacelc.review.engine import ReviewOptions, review

    t0 = time.perf_counter()
    model = generate(size)
    t1 = time.perf_counter()
    loaded = LoadedModel(model=model, sources=SourceMap(), files=("generated",))
    result = review(loaded, ReviewOptions())
    t2 = time.perf_counter()
    text = render_markdown(result)
    t3 = time.perf_counter()
    return {
        "services": size,
        "operations": len(model.operations),
        "findings": len(result.findings),
        "generate_s": round(t1 - t0, 3),
        "review_s": round(t2 - t1, 3),
        "render_s": round(t3 - t2, 3),
        "report_kib": len(text) // 1024,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    targets = {100: 0.5, 1000: 3.0, 10000: 30.0}
    print(
        f"{'services':>9} {'ops':>5} {'findings':>8} {'review s':>9} {'render s':>9} {'target s':>9}"
        f" {'max RSS MiB':>12}"
    )
    for r in rows:
        total = r["review_s"] + r["render_s"]
        print(
            f"{r['services']:>9} {r['operations']:>5} {r['findings']:>8} {r['review_s']:>9.3f} {r['render_s']:>9.3f} "
            f"{targets.get(r['services'], float('nan')):>9} {r['max_rss_mib']:>12}"
            + ("" if total <= targets.get(r["services"], float("inf")) else "  (over target)")
        )
    for a, b in itertools.pairwise(rows):
        ratio = (b["review_s"] + b["render_s"]) / max(1e-9, a["review_s"] + a["render_s"])
        print(
            f"{a['services']} → {b['services']} services: time × {ratio:.1f} (size × {b['services'] / a['services']:g})"
        )


if __name__ == "__main__":
    main()
