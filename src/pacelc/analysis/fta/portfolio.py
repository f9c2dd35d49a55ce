"""Run alternative computations in forked worker processes and keep the first that succeeds.

The BDD compiler races variable orders whose costs differ by 10-100x on the same tree (see
`bdd.compile_tree`). On one core the race costs about as many times the best order's time as there
are candidates; with a second core, two groups of candidates run side by side and the wall time
drops to about the best group's. Workers are forked (Linux only): the CUDD manager a candidate has
already built in the parent is inherited, so a candidate can continue where it was, and nothing
has to be pickled on the way in. Results come back pickled through a pipe.

Budgets: every worker enforces the shared `Budget` itself (its deadline is wall-clock time from the
same start); the parent also waits no longer than the budget plus a short grace, then kills the
workers and reports the time budget.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .budget import Budget, BudgetExceeded, Status

_SUCCEEDED, _FAILED = b"+", b"-"  # the first byte a worker sends
GRACE_S = 0.5  # time a worker gets after the deadline to report its own (more precise) budget stop
_CHUNK = 1 << 20


def available_workers() -> int:
    """How many workers the portfolio may use here: 1 means "do not fork".

    Forking is only safe and cheap on Linux, and only from a single-threaded process (a fork of a
    threaded process can deadlock on a lock another thread held).
    """
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 1
    if threading.active_count() != 1:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, cpus)


def first_result(
    jobs: Sequence[Callable[[], Any]], budget: Budget, after_fork: Callable[[], None] | None = None
) -> Any:
    """Run each job in its own forked process; return the first successful job's (picklable) result.

    A job that raises `BudgetExceeded` has failed on its budget; when every job failed, the parent
    raises the time budget if any job hit it, else the node budget of the last job to stop (its
    time is the analysis's), else `RuntimeError` with the first worker's error. The other workers
    are killed as soon as one succeeds. `after_fork` runs in the parent once every worker is
    forked, while they work (e.g. to free what only they need).
    """
    _reap()
    workers: dict[int, int] = {}  # read end of the result pipe -> pid
    chunks: dict[int, list[bytes]] = {}
    failures: list[tuple[str, Any]] = []
    try:
        for job in jobs:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the caller's code
                os.close(read_fd)
                _run_worker(job, write_fd)
            os.close(write_fd)
            workers[read_fd] = pid
            chunks[read_fd] = []
        if after_fork is not None:
            after_fork()
        while workers:
            wait = budget.remaining() + GRACE_S
            ready = select.select(list(workers), [], [], max(wait, 0.0))[0] if wait > 0 else []
            if not ready:
                raise budget.time_out()
            for fd in ready:
                data = os.read(fd, _CHUNK)
                if data:
                    if not chunks[fd] and data[:1] == _SUCCEEDED:  # the others yield to the parent
                        _lower_priority(pid for other, pid in workers.items() if other != fd)
                    chunks[fd].append(data)
                    continue
                # The worker closed its end before exiting; its exit (tearing down its CUDD
                # manager: milliseconds to tens of them) is not waited for.
                _unreaped.append(workers.pop(fd))
                os.close(fd)
                payload = b"".join(chunks.pop(fd))[1:]  # past the status byte
                kind, value = pickle.loads(payload) if payload else ("error", "worker exited without a result")
                if kind == "ok":
                    return value
                failures.append((kind, value))
    finally:
        for fd, pid in workers.items():
            os.kill(pid, signal.SIGKILL)
            os.close(fd)
            _unreaped.append(pid)
        _reap()
    budget_stops = [BudgetExceeded(Status(v[0]), *v[1:]) for kind, v in failures if kind == "budget"]
    for stop in budget_stops:
        if stop.status is Status.TIME_BUDGET:
            budget.expired = True
            raise stop
    if budget_stops:
        raise budget_stops[-1]  # the last to give up: its time is the stop's
    raise RuntimeError(f"fault-tree worker failed: {failures[0][1] if failures else 'no worker ran'}")


# Killed workers not yet reaped. A killed worker takes 3-15 ms to tear its memory down (its CUDD
# manager); the caller need not wait for that, so they are reaped when they are gone, here or at
# the next call.
_unreaped: list[int] = []


def _reap() -> None:
    for pid in list(_unreaped):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere already
            done = pid
        if done == pid:
            _unreaped.remove(pid)


def _lower_priority(pids: Iterable[int]) -> None:
    """Nice 19 for these processes (0: this one): what they still do (a losing worker's
    compilation, a finished worker's exit) runs on the CPU the parent leaves, not on its share."""
    for pid in pids:
        # Gone already, or not permitted: it only costs the parent some time.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 19)


def _run_worker(job: Callable[[], Any], write_fd: int) -> None:
    """Run `job` in the forked child, write its outcome to the pipe and exit without cleanup
    (the parent's atexit handlers, test fixtures and open files are not the child's to run)."""
    try:
        try:
            outcome: tuple[str, Any] = ("ok", job())
        except BudgetExceeded as e:
            outcome = ("budget", (str(e.status), e.stage, e.nodes, e.elapsed, e.limit, e.variables))
        except BaseException as e:  # reported to the parent, which decides
            outcome = ("error", f"{type(e).__name__}: {e}")
        # A status byte first, so that the parent can let a success slow the others down at once.
        status = _SUCCEEDED if outcome[0] == "ok" else _FAILED
        data = status + pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
        # End of file for the parent now: the exit's release of memory comes before the kernel
        # closes the files, and would keep the parent waiting for it. That release then runs at
        # the lowest priority, not competing with the parent, which carries on with the result.
        os.close(write_fd)
        _lower_priority([0])
    finally:
        os._exit(0)
