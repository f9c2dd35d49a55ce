"""Loading a model as users do: `pacelc validate FILE` as a whole command, start-up included.

Run: .venv/bin/python benchmarks/bench_load.py [--sizes 1000,2000,4000,10000] [--repeat 3]

Each size is generated (benchmarks/generate.py), written as one YAML file and as the same model
split over ten files joined by `include:` (the merge path with offsets), then validated in fresh
processes, the two layouts alternating. Prints the median wall time, peak memory (max RSS of the
command), and the growth ratio between sizes, which is ~ the size ratio when loading is linear.
Target (issue 15): a 10,000-service model file loads in ≤ 5 s; before, 1,000 / 2,000 / 4,000
services took 1.6 / 8.6 / 47 s (the merge was quadratic).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACELC = Path(sys.executable).with_name("pacelc")
TARGET_S = {10000: 5.0}


def write_models(size: int, folder: Path) -> dict[str, Path]:
    """The generated model as one file and as eleven (a top file including ten parts)."""
    sys.path.insert(0, str(HERE))
    from ruamel.yaml import YAML

    from generate import generate

    data = {"pacelc": 1, **generate(size).model_dump(mode="json", exclude_none=True, exclude_defaults=True)}
    yaml = YAML()
    yaml.default_flow_style = False
    one = folder / f"one-{size}.yaml"
    with one.open("w") as handle:
        yaml.dump(data, handle)
    split_dir = folder / f"split-{size}"
    split_dir.mkdir()
    services = data.pop("services")
    parts = []
    for index in range(10):
        part = split_dir / f"services-{index}.yaml"
        with part.open("w") as handle:
            yaml.dump({"services": services[index::10]}, handle)
        parts.append(part.name)
    top = split_dir / "system.yaml"
    with top.open("w") as handle:
        yaml.dump({**data, "include": parts}, handle)
    return {"one file": one, "11 files": top}


def run(path: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one `pacelc validate`."""
    start = time.perf_counter()
    process = subprocess.Popen([str(PACELC), "validate", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"pacelc validate {path} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,2000,4000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            paths = write_models(size, Path(tmp))
            times: dict[str, list[float]] = {name: [] for name in paths}
            rss: dict[str, int] = dict.fromkeys(paths, 0)
            for _ in range(args.repeat):  # the layouts alternate, so drift on the machine hits both
                for name, path in paths.items():
                    seconds, peak = run(path)
                    times[name].append(seconds)
                    rss[name] = max(rss[name], peak)
            mib = paths["one file"].stat().st_size / 2**20
            for name in paths:
                rows.append((size, name, mib, statistics.median(times[name]), rss[name]))
    print(f"{'services':>9} {'layout':>9} {'MiB':>6} {'validate s':>11} {'max RSS MiB':>12} {'target s':>9}")
    for size, name, mib, seconds, peak in rows:
        target = TARGET_S.get(size)
        over = "  (over target)" if target is not None and seconds > target else ""
        print(f"{size:>9} {name:>9} {mib:>6.1f} {seconds:>11.2f} {peak:>12} {target or '':>9}{over}")
    for name in ("one file", "11 files"):
        mine = [r for r in rows if r[1] == name]
        for a, b in itertools.pairwise(mine):
            print(f"{name}: {a[0]} → {b[0]} services: time × {b[3] / a[3]:.1f} (size × {b[0] / a[0]:g})")


if __name__ == "__main__":
    main()
