"""CNS008 causal-without-causality-tracking."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.patterns import causality_tracking
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule


@rule("CNS008", "causal-without-causality-tracking", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain requires causal consistency but nothing tracks causality between its writes.

    What it does:
        Flags domains that require `causal` whose store neither gives causal consistency by its
        replication (e.g. leader reads) nor tracks causality: no vector clocks, no hybrid logical
        clocks (or TrueTime) ordering writes, no causal session tokens.

    Why it matters:
        Causal order is what makes "revoke after grant", "reply after the comment" and "remove
        after add" come out right. Replicas that apply writes in arrival order, or resolve them by
        wall-clock time, can show the effect before its cause or let an older write win over a
        newer one that depended on it (a revoked user keeps access).

    Example:
        services: [{id: acl}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication:
              topology: multi_leader
              conflict_resolution: {strategy: lww, clock: wall}
        domains:
          - {id: grants, owner: acl, store: db, consistency: causal}

    Fix:
        services: [{id: acl}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication:
              topology: multi_leader
              conflict_resolution: {strategy: lww, clock: hybrid_logical}
        domains:
          - {id: grants, owner: acl, store: db, consistency: causal}

    How it is computed:
        Accepted when the store's derived guarantee (`facts.guarantees`) includes causal, or
        `patterns.causality_tracking` finds a mechanism: `session_guarantees: causal_token`, or a
        conflict-resolution clock that respects causality (vector, hybrid_logical, truetime). When
        the derived guarantee is unknown and no mechanism is named, the finding is unknown.

    False positives:
        Causality tracked by the application (dependency ids on each write, checked by readers):
        describe it as a `merge_function` with `clock: vector`, or accept it in the risk register.
        Last-writer-wins on wall clocks under a causal domain is reported here, not by SYN002
        (last-writer-wins on unbounded wall clocks): a skew bound would not give causal order,
        causality tracking would.

    References:
        Lamport, "Time, Clocks, and the Ordering of Events in a Distributed System" (CACM 1978).
        Kulkarni et al., "Logical Physical Clocks" (OPODIS 2014). Lloyd et al., "Don't Settle for
        Eventual: Scalable Causal Consistency for Wide-Area Storage with COPS" (SOSP 2011).
    """
    for domain in sorted(model.domains, key=lambda d: d.id):
        if domain.consistency != "causal":
            continue
        store = facts.graph.stores.get(domain.store)
        g = facts.guarantees.get(domain.store)
        if store is None or g is None or "causal" in g.models or causality_tracking(store):
            continue
        rep = store.replication
        unknown = g.strongest is None
        clock = rep.conflict_resolution.clock if rep and rep.conflict_resolution else None
        session = rep.session_guarantees if rep else None
        yield Finding(
            rule="CNS008",
            elements=(domain.id, store.id),
            message=(
                f"{'unknown: ' if unknown else ''}domain '{domain.id}' requires causal consistency, but store "
                f"'{store.id}' gives {g.strongest or 'an unknown model'} and tracks no causality "
                f"(clock: {clock or 'not said'}, session guarantees: {session or 'not said'})"
                + (
                    ": last-writer-wins on wall clocks lets a write stamped by a fast clock beat a later "
                    "write that depended on it"
                    if clock == "wall" and rep is not None and rep.conflict_resolution.strategy == "lww"
                    else ""
                )
            ),
            fix=(
                f"order writes of '{store.id}' by vector or hybrid logical clocks, or give clients causal "
                "tokens (`session_guarantees: causal_token`)"
            ),
            where=("stores", store.id, "replication"),
            evidence={"given": g.strongest, "clock": clock, "session_guarantees": session, "reasons": list(g.reasons)},
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )
