"""CAP006 store-guarantee-unknown."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("CAP006", "store-guarantee-unknown", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain's store has an unknown consistency or CAP class because settings are missing.

    What it does:
        Flags each store holding a data domain whose derived consistency model or CAP class is
        unknown, and names the settings the model is missing. Always an "unknown" finding at a
        lower severity: the model is silent, not wrong.

    Why it matters:
        Whether the domain's requirement is met, and what happens on a partition, cannot be told
        until these settings are written down. They are also the settings most often left at a
        default nobody chose (read routing, fencing, quorum sizes).

    Example:
        services: [{id: shop}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: sync}
        domains:
          - {id: orders, owner: shop, store: db, consistency: linearizable}

    Fix:
        services: [{id: shop}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication:
              topology: single_leader
              mode: sync
              read_from: leader
              failover: {mode: automatic, fencing: lease}
        domains:
          - {id: orders, owner: shop, store: db, consistency: linearizable}

    How it is computed:
        `facts.guarantees` for every store named by a domain: fires when the derived strongest
        model is unknown or the CAP class is unknown, listing `missing` (the settings the
        derivation needed). One finding per store, listing its domains.

    False positives:
        None: the finding goes away once the settings are stated (even when they are defaults).

    References:
        Abadi, "Consistency Tradeoffs in Modern Distributed Database System Design" (IEEE Computer, 2012).
    """
    domains_by_store: dict[str, list[str]] = {}
    for d in model.domains:
        domains_by_store.setdefault(d.store, []).append(d.id)
    for store_id in sorted(domains_by_store):
        g = facts.guarantees.get(store_id)
        if g is None or (g.strongest is not None and g.cap != "unknown"):
            continue
        unknown_parts = [
            p for p, bad in (("consistency model", g.strongest is None), ("CAP class", g.cap == "unknown")) if bad
        ]
        missing = list(g.missing) or [f"stores.{store_id}.replication"]
        yield Finding(
            rule="CAP006",
            elements=(store_id,),
            message=(
                f"unknown: the model does not say {', '.join(missing)}, so the {' and '.join(unknown_parts)} "
                f"of store '{store_id}' (domains {', '.join(sorted(domains_by_store[store_id]))}) cannot be derived"
            ),
            fix="state " + ", ".join(f"`{m}`" for m in missing),
            where=("stores", store_id, "replication"),
            evidence={
                "missing": missing,
                "unknown": unknown_parts,
                "domains": sorted(domains_by_store[store_id]),
                "pacelc": g.pacelc,
                "reasons": list(g.reasons),
            },
            severity=lower("medium"),
            unknown=True,
        )
