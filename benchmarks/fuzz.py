"""Fuzz the real `pacelc review` and `pacelc validate` with mutated example models.

Run: .venv/bin/python benchmarks/fuzz.py [--count 100000] [--seconds 600] [--seed 0] [--jobs 2]
         [--classes all|safe|tag,alias,...] [--timeout 10] [--mem-mb 2048] [--out fuzz-out]

Each input is one example folder with one to three mutations (tests/model/mutations.py: the data
mutations of the property test, plus tags, aliases, merge keys, huge integers, deep nesting, raw
control characters and other encodings). Input i of seed s is `random.Random(s * 10**9 + i)`, so any
input can be regenerated from its number.

Inputs run in-process in worker processes, through click's own entry (`cli.main(args,
standalone_mode=False)`): the same commands, options and error handling as `pacelc`, whose `main()`
only adds "any other exception is exit 3", which the worker does too (keeping the traceback). A worker
runs in its own process group under an address-space limit (`--mem-mb`, so a memory bomb is a
MemoryError, exit 3, not a machine in swap) and is killed, with what it forked, when an input runs
over `--timeout` seconds.

Prints inputs per second, a histogram of exit codes (0, 1, 2, 3, timeout, died), every distinct
internal error (exception type and innermost pacelc frame) with its first input, and every input
slower than `--slow` seconds. For each distinct failure it writes a minimal reproducer to
`--out/<signature>/`: the example folder with the mutated file shrunk (chunks of lines deleted while
the failure persists), the command and the traceback.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.model.mutations

from tests.model.mutations import ALL, SAFE, example_folders, mutate  # noqa: E402

FORMATS = ("terminal", "markdown", "json", "sarif", "junit")


# --------------------------------------------------------------------------- one input, in a worker


def command_for(seed: int) -> list[str]:
    """The command line of input `seed` (its own stream, so mutants match the property test's)."""
    rnd = random.Random(seed ^ 0x5EED)
    if rnd.random() < 0.2:
        return ["validate", "system.yaml"]
    return ["review", "system.yaml", "--format", rnd.choice(FORMATS), "--today", "2026-06-01"]


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run `pacelc argv` in this process: exit code and, for an internal error, its traceback."""
    import click

    from pacelc.cli import cli

    err = io.StringIO()
    with open(os.devnull, "w") as out, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main(args=argv, prog_name="pacelc", standalone_mode=False)
            return 0, ""
        except SystemExit as exc:
            code = exc.code
            return (code if isinstance(code, int) else (0 if code is None else 1)), ""
        except click.exceptions.Exit as exc:
            return exc.exit_code, ""
        except click.exceptions.ClickException as exc:
            return exc.exit_code, ""
        except click.exceptions.Abort:
            return 1, ""
        except Exception:  # what `pacelc` reports as "internal error", exit 3
            return 3, traceback.format_exc()


def _worker(conn: Connection, classes: tuple[str, ...], mem_mb: int) -> None:
    os.setpgrp()  # the parent kills the group: this worker and the fault-tree races it forks
    if mem_mb:
        limit = mem_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    folders = example_folders()
    home = Path(tempfile.mkdtemp(prefix="pacelc-fuzz-"))
    try:
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            kind, payload = job
            if kind == "seed":
                mutant = mutate(folders, random.Random(payload), classes)
                files, argv, steps = mutant.files, command_for(payload), mutant.steps
            else:
                files, argv, steps = payload["files"], payload["argv"], []
            folder = home / "in"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            for rel, data in files.items():
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_bytes(data)
            os.chdir(folder)
            t0 = time.perf_counter()
            code, tb = run_cli(argv)
            conn.send({"code": code, "seconds": time.perf_counter() - t0, "traceback": tb, "steps": steps})
    finally:
        os.chdir("/")
        shutil.rmtree(home, ignore_errors=True)


# --------------------------------------------------------------------------- the pool


@dataclass
class Worker:
    proc: mp.process.BaseProcess
    conn: Connection
    job: Any = None
    started: float = 0.0


@dataclass
class Pool:
    jobs: int
    classes: tuple[str, ...]
    mem_mb: int
    workers: list[Worker] = field(default_factory=list)

    def spawn(self) -> Worker:
        ctx = mp.get_context("fork")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, self.classes, self.mem_mb), daemon=True)
        proc.start()
        child.close()
        return Worker(proc, parent)

    def start(self) -> Pool:
        self.workers = [self.spawn() for _ in range(self.jobs)]
        return self

    def kill(self, w: Worker) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(w.proc.pid, signal.SIGKILL)  # its own group: only what this script started
        w.proc.join(5)
        w.conn.close()

    def replace(self, w: Worker) -> Worker:
        self.kill(w)
        new = self.spawn()
        self.workers[self.workers.index(w)] = new
        return new

    def close(self) -> None:
        for w in self.workers:
            self.kill(w)

    def run_one(self, job: Any, timeout: float) -> dict[str, Any]:
        """Run one job on the first worker, waiting at most `timeout` (used by the shrinker)."""
        w = self.workers[0]
        w.conn.send(job)
        if w.conn.poll(timeout):
            try:
                return w.conn.recv()
            except EOFError:
                self.replace(w)
                return {"code": "died", "seconds": timeout, "traceback": "", "steps": []}
        self.replace(w)
        return {"code": "timeout", "seconds": timeout, "traceback": "", "steps": []}


def signature(result: dict[str, Any]) -> str | None:
    """What kind of failure a result is (None: not a failure): exception and innermost pacelc frame."""
    code = result["code"]
    if code in ("timeout", "died"):
        return str(code)
    if code != 3:
        return None
    tb = result["traceback"]
    frames = re.findall(r'File "([^"]*pacelc[^"]*)", line \d+, in (\S+)', tb) or re.findall(
        r'File "([^"]*)", line \d+, in (\S+)', tb
    )
    last = tb.strip().splitlines()[-1] if tb.strip() else "?"
    exc = last.split(":", 1)[0]
    where = f"{Path(frames[-1][0]).name}:{frames[-1][1]}" if frames else "?"
    return f"{exc}@{where}"


# --------------------------------------------------------------------------- shrinking


def shrink(
    pool: Pool, files: dict[str, bytes], argv: list[str], target: str, want: str, budget_s: float, timeout: float
) -> dict[str, bytes]:
    """Delete chunks of lines of each file (the mutated one first) while the failure stays `want`."""
    deadline = time.monotonic() + budget_s
    order = [target, *sorted(f for f in files if f != target)]
    for name in order:
        lines = files[name].split(b"\n")
        chunk = max(1, len(lines) // 2)
        while chunk >= 1 and time.monotonic() < deadline:
            i, changed = 0, False
            while i < len(lines) and time.monotonic() < deadline:
                trial = lines[:i] + lines[i + chunk :]
                candidate = {**files, name: b"\n".join(trial)}
                result = pool.run_one(("files", {"files": candidate, "argv": argv}), timeout)
                if signature(result) == want:
                    lines, files, changed = trial, candidate, True
                else:
                    i += chunk
            if not changed:
                chunk //= 2
    return files


def write_repro(out: Path, sig: str, seed: int, files: dict[str, bytes], argv: list[str], result: dict) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_.@-]+", "_", sig)[:80]
    folder = out / f"{slug}-{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    (folder / "REPRO.txt").write_text(
        f"failure: {sig}\ninput: seed {seed}\nmutations: {'; '.join(result.get('steps', []))}\n"
        f"run: cd {folder} && pacelc {' '.join(argv)}\n\n{result.get('traceback', '')}",
        encoding="utf-8",
    )
    return folder


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000, help="inputs to run (default 100,000)")
    ap.add_argument("--seconds", type=float, default=None, help="stop after this long")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--classes", default="all", help="all, safe, or a comma-separated list of mutation classes")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds before an input counts as a hang")
    ap.add_argument("--slow", type=float, default=10.0, help="report inputs slower than this")
    ap.add_argument("--mem-mb", type=int, default=2048, help="address-space limit per worker (0: none)")
    ap.add_argument("--out", type=Path, default=Path("fuzz-out"), help="folder for the reproducers")
    ap.add_argument("--shrink-s", type=float, default=60.0, help="time to shrink each distinct failure")
    ap.add_argument("--max-repro", type=int, default=20, help="reproducers to write at most")
    args = ap.parse_args()
    classes = ALL if args.classes == "all" else SAFE if args.classes == "safe" else tuple(args.classes.split(","))
    unknown = set(classes) - set(ALL)
    if unknown:
        ap.error(f"unknown mutation classes: {', '.join(sorted(unknown))} (known: {', '.join(ALL)})")

    pool = Pool(args.jobs, classes, args.mem_mb).start()
    folders = example_folders()
    codes: collections.Counter[str] = collections.Counter()
    failures: dict[str, tuple[int, dict]] = {}  # signature -> first seed, result
    slow: list[tuple[int, float]] = []
    base = args.seed * 10**9
    started = time.monotonic()
    last_print = started
    next_i = 0
    done = 0

    def record(seed: int, result: dict) -> None:
        nonlocal done
        done += 1
        codes[str(result["code"])] += 1
        sig = signature(result)
        if sig is not None and sig not in failures:
            if not result.get("steps"):  # a killed worker sends nothing: regenerate what the input was
                result = {**result, "steps": mutate(folders, random.Random(seed), classes).steps}
            failures[sig] = (seed, result)
            print(f"  new failure {sig} at input {seed}: {'; '.join(result['steps'])}", flush=True)
        if result["seconds"] > args.slow:
            slow.append((seed, result["seconds"]))

    def out_of_time() -> bool:
        return args.seconds is not None and time.monotonic() - started > args.seconds

    try:
        while done < args.count:
            for w in pool.workers:
                if w.job is None and next_i < args.count and not out_of_time():
                    w.job, w.started = base + next_i, time.monotonic()
                    next_i += 1
                    w.conn.send(("seed", w.job))
            busy = [w for w in pool.workers if w.job is not None]
            if not busy:
                break
            wait_s = max(0.0, min(w.started + args.timeout - time.monotonic() for w in busy))
            ready = wait([w.conn for w in busy], timeout=wait_s)
            now = time.monotonic()
            for w in list(busy):
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except EOFError:
                        result = {"code": "died", "seconds": now - w.started, "traceback": "", "steps": []}
                        seed = w.job
                        pool.replace(w)
                        record(seed, result)
                        continue
                    seed, w.job = w.job, None
                    record(seed, result)
                elif now - w.started > args.timeout:
                    seed = w.job
                    pool.replace(w)
                    record(seed, {"code": "timeout", "seconds": now - w.started, "traceback": "", "steps": []})
            if now - last_print > 30:
                last_print = now
                rate = done / (now - started)
                print(f"  {done} inputs, {rate:.1f}/s, exit codes {dict(sorted(codes.items()))}", flush=True)
    except KeyboardInterrupt:
        print("  interrupted", flush=True)
    finally:
        for w in pool.workers:
            if w.job is not None:
                pool.replace(w)
    elapsed = time.monotonic() - started

    print(f"\n{done} inputs in {elapsed:.0f} s: {done / max(elapsed, 1e-9):.1f} inputs/s with {args.jobs} job(s)")
    print(f"mutation classes: {', '.join(classes)}; seed {args.seed}; memory limit {args.mem_mb} MB per worker")
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items())))
    print(f"inputs over {args.slow:g} s: {len(slow)}" + (f" (first: {slow[:5]})" if slow else ""))
    print(f"distinct failures (exit 3, timeout, died): {len(failures)}")

    for sig, (seed, result) in list(failures.items())[: args.max_repro]:
        mutant = mutate(folders, random.Random(seed), classes)
        argv = command_for(seed)
        target = mutant.steps[0].split("/", 1)[1]
        small = shrink(pool, mutant.files, argv, target, sig, args.shrink_s, args.timeout)
        folder = write_repro(args.out, sig, seed, small, argv, result)
        print(f"  {sig}: input {seed}; reproducer {folder}")
        print("    " + "; ".join(result.get("steps", [])))
    for seed, seconds in slow[: args.max_repro]:
        print(f"  slow: input {seed} took {seconds:.1f} s")
    pool.close()


if __name__ == "__main__":
    main()
