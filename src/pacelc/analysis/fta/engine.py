"""One call that runs the whole fault-tree analysis under a budget: `analyze(tree, ...)`."""

from __future__ import annotations

import math
import operator
import time
from dataclasses import dataclass, field
from typing import Any

from pacelc.gcpause import gc_paused

from .bdd import compile_tree, probability
from .budget import DEFAULT_MAX_BYTES, DEFAULT_MAX_NODES, Budget, BudgetExceeded, Status
from .mcs import CutSet, Zbdd, mcub, mcub_of, minimal_cut_sets, named, named_family
from .tree import FaultTree


@dataclass(frozen=True, slots=True)
class FtaResult:
    """What the analysis found. Fields are None where the budget stopped it before."""

    tree: str
    top: str
    status: Status
    message: str | None  # the budget message when status is not OK
    probability: float | None  # exact (BDD)
    rare_event: float | None  # approximation: sum of the cut sets' probabilities
    mcub: float | None  # approximation: 1 - prod(1 - P(cut set))
    approximation_scope: str | None  # which cut sets the two approximations sum over
    cut_set_count: int | None  # all minimal cut sets, counted on the ZBDD
    order: int  # the order limit of `cut_sets` and `distribution`
    distribution: list[int] | None  # number of minimal cut sets of each order 0..order
    cut_sets: list[CutSet]  # sorted by order, probability (descending), names
    coherent: bool
    backend: str
    bdd_nodes: int | None  # over all modules
    zbdd_nodes: int | None
    modules: int | None  # modules the tree was cut into and compiled separately (1: whole)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, keys in a fixed order, floats as given (repr round-trips)."""
        return {
            "tree": self.tree,
            "top": self.top,
            "status": str(self.status),
            "message": self.message,
            "probability": self.probability,
            "approximations": {
                "rare_event": self.rare_event,
                "mcub": self.mcub,
                "scope": self.approximation_scope,
            },
            "minimal_cut_sets": {
                "count": self.cut_set_count,
                "order_limit": self.order,
                "distribution": self.distribution,
                "listed": [
                    {"order": c.order, "probability": c.probability, "events": list(c.events)} for c in self.cut_sets
                ],
            },
            "coherent": self.coherent,
            "backend": self.backend,
            "bdd_nodes": self.bdd_nodes,
            "bdd_modules": self.modules,
            "zbdd_nodes": self.zbdd_nodes,
        }


def analyze(
    tree: FaultTree,
    *,
    order: int = 3,
    top_n: int | None = None,
    budget_s: float = 60.0,
    max_nodes: int = DEFAULT_MAX_NODES,
    backend: str = "cudd",
    variable_order: str = "auto",
    count: bool = True,
    workers: int | None = None,
    modules: bool | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FtaResult:
    """Exact probability, approximations and minimal cut sets of `tree` within a budget.

    The stages run cheapest first, so that a budget stop keeps what was already found: BDD and
    exact probability; cut sets up to `order` (a ZBDD bounded by the order, cheap); then the full
    ZBDD of all minimal cut sets for the count and the approximations. With `top_n`, the listed
    cut sets are the `top_n` most probable ones (of any order when the full ZBDD was built, else of
    order <= `order`), still displayed sorted by order, probability and names. `workers` caps the
    processes the BDD race may use (None: the CPUs available; 1: this process only). `modules`
    decides whether the tree is cut into independent modules first (None: for large trees; see
    `bdd.compile_tree`). `max_bytes` bounds each CUDD manager's memory, checked before it
    allocates (a stop on it is `Status.MEMORY_BUDGET`).
    """
    # The pure-Python stages allocate millions of small tuples and no reference cycles: the cyclic
    # garbage collector would only rescan the growing heap (10-30% of the cut-set stage).
    with gc_paused():
        budget = Budget(budget_s, max_nodes, max_bytes)
        return _analyze(tree, order, top_n, budget, backend, variable_order, count, workers, modules)


def _analyze(
    tree: FaultTree,
    order: int,
    top_n: int | None,
    budget: Budget,
    backend: str,
    variable_order: str,
    count: bool,
    workers: int | None,
    modules: bool | None,
) -> FtaResult:
    budget.start()
    seconds: dict[str, float] = {}
    coherent = tree.is_coherent()
    status, message = Status.OK, None
    prob = re = ub = None
    scope = None
    n_sets = None
    dist = None
    listed: list[CutSet] = []
    bdd_nodes = zbdd_nodes = n_modules = None
    used_backend = backend
    try:
        t = time.monotonic()
        comp = compile_tree(tree, budget, backend=backend, order=variable_order, workers=workers, modules=modules)
        used_backend = comp.backend
        bdd_nodes = comp.nodes
        n_modules = 1 + len(comp.modules)
        prob = probability(comp.graph, comp.probs)
        seconds["bdd"] = time.monotonic() - t
        names, probs = comp.graph.order, comp.probs

        t = time.monotonic()
        z = Zbdd(len(names), budget)
        lim = minimal_cut_sets(z, comp, order)
        dist = z.distribution(lim, order)
        n_lim = sum(dist)
        if top_n is None:
            listed = named_family(z, lim, names, probs, size=n_lim)
            # Sums over the listed sets, correctly rounded: independent of the variable order.
            ps = list(map(operator.itemgetter(1), listed))  # the probabilities
            re = math.fsum(ps)
            ub = mcub_of(ps)
        else:
            re = z.sum_products(lim, probs)
            listed = named(names, probs, [s for _, s in z.most_probable(lim, probs, top_n)])
            ub = mcub(z, lim, probs, n_lim)
        scope = f"cut sets of order <= {order} only"
        seconds["cut_sets_up_to_order"] = time.monotonic() - t
        del z

        if count:
            t = time.monotonic()
            z = Zbdd(len(names), budget)
            full = minimal_cut_sets(z, comp)
            zbdd_nodes = z.size(full)
            n_sets = z.count(full)
            re = z.sum_products(full, probs)
            ub = mcub(z, full, probs, n_sets)
            scope = "all minimal cut sets"
            if top_n is not None:
                listed = named(names, probs, [s for _, s in z.most_probable(full, probs, top_n)])
            seconds["all_cut_sets"] = time.monotonic() - t
    except BudgetExceeded as e:
        status, message = e.status, str(e)
    return FtaResult(
        tree=tree.name,
        top=tree.top,
        status=status,
        message=message,
        probability=prob,
        rare_event=re,
        mcub=ub,
        approximation_scope=scope,
        cut_set_count=n_sets,
        order=order,
        distribution=dist,
        cut_sets=listed,
        coherent=coherent,
        backend=used_backend,
        bdd_nodes=bdd_nodes,
        zbdd_nodes=zbdd_nodes,
        modules=n_modules,
        seconds=seconds,
    )
