"""Benchmark: pacelc's fault-tree engine against scram on the Aralia data set, like with like.

Per model, both sides do the same work: read the file, exact (BDD) top-event probability and the
minimal cut sets of order <= 3:

* pacelc: `read_mef` + `analyze(tree, order=3, count=False)`, with the BDD stage on two processes
  where the machine has two CPUs (`pacelc s`) and in one process (`1-proc s`, `--workers 1`);
* scram:  `scram --bdd --probability 1 -l 3 FILE`, one process (its time also includes writing its
  XML report).

The probability and the number of cut sets of order <= 3 of both sides are compared (`agree`).
Counting *all* minimal cut sets is extra work scram does not do with `-l 3`; it is timed
separately (`all-MCS s`, `#MCS (all)`) and never enters the ratio.

pacelc runs in this (warm) process: its imports, dd's and numpy's are done before the first model,
as in a service or a batch of analyses; scram's times include starting its process (~0.05 s). The
cold start is printed at the end: `pacelc fta` and scram as commands on the smallest model. With
`--repeat N` each side runs N times per model and the median counts (timings on this machine move
by +-20% from run to run). Run:
`python benchmarks/bench_fta.py [--budget-s S] [--repeat N] [--no-count] [--no-scram] [--no-single] [MODEL ...]`.
Ratios are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pacelc.analysis.fta import FtaResult, analyze, read_mef  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "fta"


def run_scram(path: Path, timeout: float) -> tuple[str, float | None, int | None]:
    """(time or error text, probability, number of cut sets of order <= 3) of scram's run; the
    time unrounded (the caller compares medians, then rounds for display)."""
    scram = shutil.which("scram")
    if scram is None:
        return "n/a", None, None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.xml"
        t = time.monotonic()
        try:
            p = subprocess.run(
                [scram, "--bdd", "--probability", "1", "-l", "3", str(path), "-o", str(out)],
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return f">{timeout:.0f}", None, None
        dt = time.monotonic() - t
        if p.returncode != 0:
            return f"err({dt:.2f})", None, None
        head = re.search(r"<sum-of-products [^>]*>", out.read_text())
        if head is None:
            return repr(dt), None, None
        attrs = dict(re.findall(r'(\S+)="([^"]*)"', head.group(0)))
        prob = float(attrs["probability"]) if "probability" in attrs else None
        return repr(dt), prob, int(attrs["products"]) if "products" in attrs else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*")
    ap.add_argument("--budget-s", type=float, default=60.0)
    ap.add_argument("--no-count", action="store_true", help="skip the separate count of all minimal cut sets")
    ap.add_argument("--no-scram", action="store_true")
    ap.add_argument("--no-single", action="store_true", help="skip the one-process run")
    ap.add_argument("--repeat", type=int, default=1, help="runs per model and side; the median counts")
    a = ap.parse_args()
    models = a.models or sorted(p.stem for p in DATA.glob("*.xml"))
    # Warm-up, untimed: the first analysis pays for lazy imports and CUDD's first manager; numpy
    # is imported on the first large tree (see the docstring: pacelc is measured warm).
    analyze(read_mef(DATA / "chinese.xml").tree, order=3, count=False)
    import numpy  # noqa: F401

    print(
        f"{'model':10} {'pacelc s':>9} {'1-proc s':>9} {'scram s':>8} {'ratio':>7} {'1-proc':>7}  {'status':12} "
        f"{'P':>12} {'#MCS<=3':>9} "
        f"{'agree':>6}  {'all-MCS s':>9} {'#MCS (all)':>14}"
    )
    under = {"2 proc": 0, "1 proc": 0}
    compared = 0
    for m in models:
        path = DATA / f"{m}.xml"

        def ours_once(workers: int | None = None, path: Path = path) -> tuple[float, FtaResult]:
            t = time.monotonic()
            result = analyze(read_mef(path).tree, order=3, budget_s=a.budget_s, count=False, workers=workers)
            return time.monotonic() - t, result

        runs = [ours_once() for _ in range(a.repeat)]
        ours = statistics.median(dt for dt, _ in runs)
        r = runs[0][1]
        tree = read_mef(path).tree
        single = None if a.no_single else statistics.median(ours_once(1)[0] for _ in range(a.repeat))
        scram_runs: list[tuple[str, float | None, int | None]] = []
        if a.no_scram:
            theirs, sp, sn = "skip", None, None
        else:
            scram_runs = [run_scram(path, max(a.budget_s, 120.0)) for _ in range(a.repeat)]
            theirs, sp, sn = scram_runs[0]
        theirs_s: float | None = None  # compared unrounded: "0.06" could be 0.055 or 0.0649
        with contextlib.suppress(ValueError):  # a failed or timed-out run: report the first as it is
            theirs_s = statistics.median(float(run[0]) for run in scram_runs)
            theirs = f"{theirs_s:.2f}"
        ratio = ratio1 = "-"
        if theirs_s is not None:
            compared += 1
            under["2 proc"] += ours <= theirs_s
            under["1 proc"] += single is not None and single <= theirs_s
            ratio = f"{ours / theirs_s:.2f}x"
            ratio1 = "-" if single is None else f"{single / theirs_s:.2f}x"
        p = "n/a" if r.probability is None else f"{r.probability:.5e}"
        n_lim = None if r.distribution is None else sum(r.distribution)
        n3 = "n/a" if n_lim is None else f"{n_lim:,}"
        if sp is None or r.probability is None:
            agree = "-"
        else:
            # "P only": scram -l k drops products longer than k *before* removing their negative
            # literals, so on non-coherent trees it undercounts (das9701: -l 3 gives 2,721 cut sets
            # of order 3, -l 4 gives 5,497 of order 3, as we do).
            same_p = math.isclose(sp, r.probability, rel_tol=1e-5)
            agree = ("yes" if sn == n_lim else "P only") if same_p else "NO"
        full_s, full_n = "-", "-"
        if not a.no_count and r.probability is not None:
            t = time.monotonic()
            f = analyze(tree, order=3, budget_s=a.budget_s, count=True)
            full_s = f"{time.monotonic() - t:.2f}"
            full_n = f"{f.cut_set_count:,}" if f.cut_set_count is not None else str(f.status)
        print(
            f"{m:10} {ours:9.2f} {'-' if single is None else f'{single:.2f}':>9} {theirs:>8} {ratio:>7} {ratio1:>7}  "
            f"{r.status!s:12} {p:>12} {n3:>9} {agree:>6}  "
            f"{full_s:>9} {full_n:>14}",
            flush=True,
        )
    if compared:
        print(
            f"at or under scram's time: {under['2 proc']} of {compared} models (2 proc)"
            + ("" if a.no_single else f", {under['1 proc']} of {compared} (1 proc)")
        )
    cold_start(a.no_scram)


def cold_start(no_scram: bool) -> None:
    """`pacelc fta` as a command, from a fresh interpreter, on the smallest model (median of 3)."""
    path = DATA / "chinese.xml"
    pacelc = [sys.executable, "-m", "pacelc.cli", "fta", str(path)]

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

    def timed(cmd: list[str]) -> float:
        times = []
        for _ in range(3):
            t = time.monotonic()
            subprocess.run(cmd, capture_output=True, check=False, cwd=ROOT, env=env)
            times.append(time.monotonic() - t)
        return statistics.median(times)

    line = f"cold start on {path.name}: pacelc fta {timed(pacelc):.2f} s"
    scram = shutil.which("scram")
    if scram and not no_scram:
        with tempfile.TemporaryDirectory() as tmp:
            out = str(Path(tmp) / "out.xml")
            line += f", scram {timed([scram, '--bdd', '--probability', '1', '-l', '3', str(path), '-o', out]):.2f} s"
    print(line + " (interpreter start and imports: not in the table above)")


if __name__ == "__main__":
    main()
