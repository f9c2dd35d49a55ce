"""CAP004 availability-first-domain-on-cp-store."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import single_copy
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("CAP004", "availability-first-domain-on-cp-store", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain declares `priority: availability` but its store refuses writes on a minority side (CP).

    What it does:
        Flags domains that declare the AP choice (keep serving on a partition) whose store's
        derived CAP class is CP, unless every operation that writes the domain has a degraded mode
        that keeps it serving without the store. A store with one copy is left out: it has no
        minority side, and its loss is a single point of failure (FLR050) and a data loss
        (SYN009, SYN010).

    Why it matters:
        The product promise ("an old cart is better than no cart", "editing never stops") is not
        what the store does: on a partition, or while the store's majority is unreachable, the cut-off
        side returns errors. The gap shows up during the first zone or region incident.

    Example:
        services: [{id: carts}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: consensus, read_from: leader, linearizable_reads: lease}
        domains:
          - {id: cart, owner: carts, store: db, consistency: read_your_writes, priority: availability}
        operations:
          - {id: add-item, entry: carts, writes: [cart]}

    Fix:
        services: [{id: carts}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: consensus, read_from: leader, linearizable_reads: lease}
        domains:
          - {id: cart, owner: carts, store: db, consistency: read_your_writes, priority: availability}
        operations:
          - {id: add-item, entry: carts, writes: [cart], degraded_mode: keep the cart in the client and sync later}

    How it is computed:
        `facts.decisions` gives the store's derived `cap`; `facts.domain_writers` the operations
        writing the domain. Fires on `priority: availability` with `cap: CP` when some operation
        writes the domain and has no `degraded_mode` (an application-level way to stay available).
        Domains no operation writes (fed asynchronously, e.g. a search index) are not judged: a
        refused write there only delays.

    False positives:
        A domain that is in fact consistency-first: declare `priority: consistency`.

    References:
        Brewer, "CAP Twelve Years Later: How the 'Rules' Have Changed" (IEEE Computer, 2012).
        DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store" (SOSP 2007).
    """
    ops = {op.id: op for op in model.operations}
    for domain_id in sorted(facts.decisions):
        decision = facts.decisions[domain_id]
        domain, g = decision.domain, decision.guarantee
        if g is None or domain.priority != "availability" or g.cap != "CP":
            continue
        store = facts.graph.stores.get(g.store)
        if store is not None and single_copy(store):
            continue  # one copy has no minority side: its loss is FLR050's and SYN009/SYN010's
        writers = [w for w in facts.domain_writers.get(domain.id, []) if w in ops]
        without = [w for w in writers if not ops[w].degraded_mode]
        if not without:
            continue
        yield Finding(
            rule="CAP004",
            elements=(domain.id, g.store),
            message=(
                f"domain '{domain.id}' declares priority availability, but store '{g.store}' is CP "
                f"({g.pacelc}): a side without its majority or leader refuses writes, and "
                f"{', '.join(without)} ha{'ve' if len(without) > 1 else 's'} no degraded mode"
            ),
            fix=(
                f"give the writers of '{domain.id}' a degraded mode (queue or buffer writes, client-side copy), "
                f"move it to an AP store with a merge strategy, or declare `priority: consistency`"
            ),
            where=("domains", domain.id, "priority"),
            evidence={
                "priority": "availability",
                "cap": g.cap,
                "pacelc": g.pacelc,
                "reasons": list(g.reasons),
                "writers_without_degraded_mode": without,
            },
        )
