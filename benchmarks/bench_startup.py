"""Start-up of whole commands, as a user runs them: `pacelc --help` and validating the checkout example.

Run: .venv/bin/python benchmarks/bench_startup.py [--repeat 5]

Each command runs in a fresh process (`pacelc` beside this Python), `--repeat` times; prints the
median wall time (what `/usr/bin/time -f %e` shows), the target, and the ratio to it.
Targets (issue 17 §5): `--help` ≤ 0.2 s, validating examples/checkout ≤ 0.3 s.

Figures (2-core machine shared with a fuzz run and other test runs; medians of whole commands):
- before (743014d): `--help` 0.44-0.50 s over 5 runs (listing the commands imported the
  fault-tree and model-checking engines, the model and networkx); validate 0.24-0.26 s.
- after: `--help` 0.064 s (9 runs, load 2.6); validate 0.34 s (9 runs, same load).
- the two interleaved, 9 runs each, load 3.2: `--help` 0.897 -> 0.108 s; validate 0.452 -> 0.442 s
  (min 0.274 -> 0.286): validate is unchanged by the `--help` work and at its target only on a
  quiet machine. Its start-up is the model's import (pydantic classes, ~0.15 s quiet) and the
  importers package (~0.04-0.06 s: `pacelc.importers` imports every importer eagerly, though a
  model file needs only `detect`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACELC = Path(sys.executable).with_name("pacelc")
COMMANDS: dict[str, tuple[list[str], float]] = {
    "pacelc --help": (["--help"], 0.2),
    "pacelc validate examples/checkout/system.yaml": (["validate", "examples/checkout/system.yaml"], 0.3),
}


def wall_times(args: list[str], repeat: int) -> list[float]:
    """Seconds of `pacelc ARGS` from start to exit, once per run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([str(PACELC), *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    if not PACELC.exists():
        sys.exit(f"{PACELC} not found: install pacelc in this environment")
    wall_times(["--version"], 1)  # warm the file cache once, as a user's second run is
    print(f"{'command':<48} {'median s':>9} {'target s':>9} {'ratio':>6}   runs")
    for name, (args, target) in COMMANDS.items():
        times = wall_times(args, repeat)
        median = statistics.median(times)
        runs = " ".join(f"{t:.3f}" for t in times)
        print(f"{name:<48} {median:>9.3f} {target:>9.2f} {median / target:>6.2f}   {runs}")


if __name__ == "__main__":
    main()
