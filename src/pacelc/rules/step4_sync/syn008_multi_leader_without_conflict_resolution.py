"""SYN008 multi-leader-without-conflict-resolution."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.flows import LOG_KINDS
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("SYN008", "multi-leader-without-conflict-resolution", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A multi-leader store has no rule for concurrent writes to the same item.

    What it does:
        Flags every multi-leader store (other than logs and queues) whose conflict resolution is
        `strategy: none`, and reports as unknown those whose model does not say how conflicts are
        resolved.

    Why it matters:
        Every leader accepts writes, so two leaders will change the same item concurrently, and during
        a partition they do so for as long as it lasts. With no resolution rule the replicas keep
        different values (permanent divergence) or the replication stream stops on the first conflict;
        which one depends on the product, and both surface weeks later.

    Example:
        services: [{id: profile}]
        stores:
          - id: profile-db
            kind: database
            replicas: 2
            replication: {topology: multi_leader, mode: async, conflict_resolution: {strategy: none}}

    Fix:
        services: [{id: profile}]
        stores:
          - id: profile-db
            kind: database
            replicas: 2
            replication:
              topology: multi_leader
              mode: async
              conflict_resolution: {strategy: merge_function, merge_function: field-wise merge by version vector}

    How it is computed:
        Stores with more than one replica and `replication.topology: multi_leader`, kind not log or
        queue. Any strategy other than none (lww, crdt, merge_function, manual, siblings) passes here;
        whether it suits the data is judged by other rules.

    False positives:
        Partitioned ownership (each key written in one region only, "home region" routing) has no
        conflicts: then say so with `strategy: manual` and a justification, or model it as single-leader
        per key range. Logs and queues are exempt: per-region topics are appended, not overwritten.

    References:
        Kleppmann, "Designing Data-Intensive Applications", ch. 5 (Handling write conflicts).
        Shapiro et al., "Conflict-free Replicated Data Types" (SSS 2011).
    """
    for store in model.stores:
        rep = store.replication
        if store.replicas < 2 or rep is None or rep.topology != "multi_leader" or store.kind in LOG_KINDS:
            continue
        cr = rep.conflict_resolution
        if cr is not None and cr.strategy != "none":
            continue
        unknown = cr is None
        domains = sorted(d.id for d in facts.flows.domains_on_store.get(store.id, []))
        yield Finding(
            rule="SYN008",
            elements=(store.id,),
            message=(
                f"unknown: the model does not say how multi-leader store '{store.id}' resolves concurrent writes"
                if unknown
                else f"multi-leader store '{store.id}' ({store.replicas} leaders) has no conflict resolution: "
                "concurrent writes to one item leave replicas divergent"
            )
            + (f" (domains: {', '.join(domains)})" if domains else ""),
            fix="choose a resolution that fits the data: a CRDT, a merge function, siblings for the "
            "application to merge, or single-leader routing per key",
            where=("stores", store.id, "replication", "conflict_resolution"),
            evidence={"replicas": store.replicas, "strategy": cr.strategy if cr else None, "domains": domains},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
