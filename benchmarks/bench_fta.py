"""Benchmark: pacelc's fault-tree engine against scram on the Aralia data set.

For each model: pacelc's exact probability + minimal cut sets of order <= 3 + the total count, and,
where scram is installed, `scram --bdd --probability 1 -l 3 FILE` (exact BDD probability and the cut
sets up to order 3), wall-clock time of each and the ratio. Run: `python benchmarks/bench_fta.py
[--budget-s S] [--no-count] [MODEL ...]`. Ratios are printed, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pacelc.analysis.fta import analyze, read_mef  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "fta"


def run_scram(path: Path, timeout: float) -> str:
    scram = shutil.which("scram")
    if scram is None:
        return "n/a"
    with tempfile.TemporaryDirectory() as tmp:
        t = time.monotonic()
        try:
            p = subprocess.run(
                [scram, "--bdd", "--probability", "1", "-l", "3", str(path), "-o", str(Path(tmp) / "out.xml")],
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return f">{timeout:.0f}"
        dt = time.monotonic() - t
        return f"{dt:.2f}" if p.returncode == 0 else f"err({dt:.2f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*")
    ap.add_argument("--budget-s", type=float, default=60.0)
    ap.add_argument("--no-count", action="store_true", help="skip the full ZBDD (count of all cut sets)")
    ap.add_argument("--no-scram", action="store_true")
    a = ap.parse_args()
    models = a.models or sorted(p.stem for p in DATA.glob("*.xml"))
    print(f"{'model':10} {'pacelc s':>9} {'scram s':>8} {'ratio':>7}  {'status':12} {'P':>12} {'#MCS':>14}  BDD")
    for m in models:
        path = DATA / f"{m}.xml"
        tree = read_mef(path).tree
        t = time.monotonic()
        r = analyze(tree, order=3, budget_s=a.budget_s, count=not a.no_count)
        ours = time.monotonic() - t
        theirs = "skip" if a.no_scram else run_scram(path, max(a.budget_s, 120.0))
        try:
            ratio = f"{ours / float(theirs):.1f}x"
        except ValueError:
            ratio = "-"
        p = "n/a" if r.probability is None else f"{r.probability:.5e}"
        n = "n/a" if r.cut_set_count is None else f"{r.cut_set_count:,}"
        print(f"{m:10} {ours:9.2f} {theirs:>8} {ratio:>7}  {r.status!s:12} {p:>12} {n:>14}  {r.bdd_nodes}", flush=True)


if __name__ == "__main__":
    main()
