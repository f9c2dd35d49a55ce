"""Time and node-count budgets shared by the BDD and ZBDD stages.

A budget is enforced three ways, because no single one covers every stage:

* inside CUDD, through its own time limit and live-node limit (set by `bdd.py`), so that one long
  C-level operation returns NULL instead of running on;
* by an interval timer (SIGALRM) when running on the main thread, whose handler raises
  `BudgetExceeded` in the middle of pure-Python recursions (the ZBDD stage, the dd.autoref
  backend);
* by cooperative `check()` calls between operations, which also catch the case where the timer's
  exception was swallowed (e.g. raised inside a Cython `__dealloc__`): the handler sets `expired`
  first.

Memory is bounded before it is allocated: a manager's variables are counted against `max_bytes`
before CUDD is asked for them (`check_variables`), and CUDD's own hard memory limit (`bdd.py`)
stops a compilation whose unique table and cache would grow past it.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """How a computation ended."""

    OK = "ok"
    TIME_BUDGET = "time-budget"
    NODE_BUDGET = "node-budget"
    MEMORY_BUDGET = "memory-budget"


class BudgetExceeded(Exception):
    """A computation ran out of its time or node budget."""

    def __init__(
        self, status: Status, stage: str, nodes: int, elapsed: float, limit: float, variables: int = 0
    ) -> None:
        self.status, self.stage, self.nodes, self.elapsed, self.limit = status, stage, nodes, elapsed, limit
        self.variables = variables
        if status is Status.NODE_BUDGET:
            what = f"{stage} exceeded {int(limit):,} nodes after {elapsed:.1f} s"
        elif status is Status.MEMORY_BUDGET and variables:
            need = variables * BYTES_PER_VARIABLE / 2**20
            what = (
                f"{stage} needs {variables:,} variables, about {need:,.0f} MiB before its first node: "
                f"over the memory budget of {limit / 2**20:,.0f} MiB"
            )
        elif status is Status.MEMORY_BUDGET:
            what = f"{stage} exceeded the memory budget of {limit / 2**20:,.0f} MiB (at {nodes:,} nodes)"
        else:
            what = f"{stage} exceeded the time budget of {limit:g} s (at {nodes:,} nodes)"
        super().__init__(f"stopped: {what}")


#: Default node budget of each decision diagram. CUDD holds a live node in about 180 bytes of the
#: process (its unique table and cache included: das9701's dfs-large order peaks at 5.48M nodes in
#: 1.0 GB), so this is ~1.4 GB per diagram; scram itself holds 5.6M vertices on das9701.
DEFAULT_MAX_NODES = 8_000_000
#: Default memory budget of the decision diagrams, in bytes: CUDD's own count of what it holds
#: (unique tables, nodes, cache), a hard limit it checks before it allocates. Forked workers share
#: it (each gets its part), so with the Python side of a large tree (~150 MB for 200,000 events)
#: the command stays under 2 GiB.
DEFAULT_MAX_BYTES = 1536 * 2**20
#: What one variable costs CUDD before any node (its unique subtable of 256 slots, its entries in
#: the per-level arrays, its projection function): 2.4-2.7 KB measured (dd 0.6, 50,000-100,000
#: variables created at once), rounded up.
BYTES_PER_VARIABLE = 3_000


@dataclass(slots=True)
class Budget:
    """Limits for one computation. `seconds` is wall-clock time from `start()`; `max_nodes` bounds
    the live nodes of each decision diagram (BDD, ZBDD) separately."""

    seconds: float = 60.0
    max_nodes: int = DEFAULT_MAX_NODES
    max_bytes: int = DEFAULT_MAX_BYTES
    started: float = field(default=0.0, init=False)
    expired: bool = field(default=False, init=False)
    stage: str = field(default="BDD", init=False)
    nodes: int = field(default=0, init=False)

    def start(self) -> Budget:
        self.started = time.monotonic()
        self.expired = False
        return self

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def time_out(self, nodes: int | None = None) -> BudgetExceeded:
        self.expired = True
        return BudgetExceeded(
            Status.TIME_BUDGET, self.stage, self.nodes if nodes is None else nodes, self.elapsed(), self.seconds
        )

    def too_many(self, nodes: int) -> BudgetExceeded:
        return BudgetExceeded(Status.NODE_BUDGET, self.stage, nodes, self.elapsed(), self.max_nodes)

    def check_variables(self, variables: int) -> None:
        """Raise the memory budget if a manager of `variables` variables would not fit in it
        (called before the manager is created: CUDD allocates every variable's table at once)."""
        if variables * BYTES_PER_VARIABLE > self.max_bytes:
            raise BudgetExceeded(
                Status.MEMORY_BUDGET, self.stage, 0, self.elapsed(), self.max_bytes, variables=variables
            )

    def out_of_memory(self, nodes: int) -> BudgetExceeded:
        return BudgetExceeded(Status.MEMORY_BUDGET, self.stage, nodes, self.elapsed(), self.max_bytes)

    def check(self, nodes: int) -> None:
        """Raise if either limit is exceeded (cheap: call it between operations)."""
        self.nodes = nodes
        if nodes > self.max_nodes:
            raise self.too_many(nodes)
        if self.expired or time.monotonic() - self.started > self.seconds:
            raise self.time_out(nodes)

    @contextmanager
    def alarm(self) -> Iterator[None]:
        """Arm SIGALRM for the remaining time when on the main thread (no-op elsewhere)."""
        if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
            yield
            return

        def handler(signum: int, frame: object) -> None:
            raise self.time_out()

        previous = signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, max(self.remaining(), 0.001))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
