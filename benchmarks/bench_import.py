"""Importing a generated estate of Kubernetes manifests, as users run it: `pacelc import FOLDER`.

Run: .venv/bin/python benchmarks/bench_import.py [--sizes 1000,10000] [--repeat 3]

Each workload is five documents, the shape of a real service's manifests: a Deployment (or, every
tenth, a PostgreSQL StatefulSet with a claim template), its Service, a ConfigMap that names the next
workload's Service (so every workload makes a call), a HorizontalPodAutoscaler and a
PodDisruptionBudget. They are written one file per 100 workloads in namespaces of 50, then imported
in fresh processes (start-up included). Prints the median wall time, peak memory (max RSS of the
command) and the growth ratio between sizes. Targets (issue 16): 1,000 workloads (5,000 documents)
≤ 1 s, 10,000 ≤ 10 s.
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

PACELC = Path(sys.executable).with_name("pacelc")
TARGET_S = {1000: 1.0, 10000: 10.0}


def workload(i: int, n: int) -> str:
    """Five documents of workload i of n."""
    ns = f"team{i // 50}"
    name = f"svc{i}"
    nxt = f"svc{(i + 1) % n}.team{((i + 1) % n) // 50}"
    if i % 10 == 9:
        kind, image = "StatefulSet", "postgres:16"
        extra = (
            f"  serviceName: {name}\n  volumeClaimTemplates:\n    - metadata: {{name: data}}\n"
            "      spec: {accessModes: [ReadWriteOnce], storageClassName: ssd}\n"
        )
        mounts = "          volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]\n"
    else:
        kind, image, extra, mounts = "Deployment", f"registry.example.com/{name}:1.{i}", "", ""
    return f"""apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}, namespace: {ns}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
{extra}  template:
    metadata: {{labels: {{app: {name}, tier: backend}}}}
    spec:
      containers:
        - name: main
          image: {image}
          envFrom: [{{configMapRef: {{name: {name}-config}}}}]
{mounts}          readinessProbe: {{httpGet: {{path: /ready, port: 8080}}, periodSeconds: 5}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 8080}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: {name}-config, namespace: {ns}}}
data:
  NEXT_URL: http://{nxt}.svc.cluster.local:8080
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: {name}, namespace: {ns}}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: {kind}, name: {name}}}
  minReplicas: 2
  maxReplicas: 10
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}, namespace: {ns}}}
spec:
  maxUnavailable: 1
  selector: {{matchLabels: {{app: {name}}}}}
"""


def write_estate(size: int, folder: Path) -> Path:
    root = folder / f"estate-{size}"
    root.mkdir()
    for start in range(0, size, 100):
        docs = [workload(i, size) for i in range(start, min(start + 100, size))]
        (root / f"part-{start // 100:03}.yaml").write_text("---\n".join(docs), encoding="utf-8")
    return root


def run_once(root: Path, out: Path) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", str(PACELC), "import", str(root), "-o", str(out), "--force"],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"pacelc import failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, int(proc.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in sizes:
            root = write_estate(size, folder)
            times, peaks = [], []
            for _ in range(args.repeat):
                wall, peak_kb = run_once(root, folder / "draft.yaml")
                times.append(wall)
                peaks.append(peak_kb)
            rows.append((size, statistics.median(times), max(peaks) / 1024))
    print(f"{'workloads':>9} {'documents':>9} {'import s':>9} {'max RSS MiB':>12} {'target s':>9}")
    for size, wall, peak in rows:
        target = TARGET_S.get(size)
        mark = "" if target is None else f"{target:>9.1f}" + ("  (over target)" if wall > target else "")
        print(f"{size:>9} {size * 5:>9} {wall:>9.2f} {peak:>12.0f} {mark}")
    for (a, ta, _), (b, tb, _) in itertools.pairwise(rows):
        print(f"{a} → {b} workloads: time × {tb / ta:.1f} (size × {b / a:.0f})")
    print(f"machine: {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
