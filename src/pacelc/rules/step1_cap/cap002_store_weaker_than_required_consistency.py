"""CAP002 store-weaker-than-required-consistency."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, Rule, rule
from pacelc.rules.step1_cap.cap005_cp_domain_accepts_minority_writes import check as cap005
from pacelc.rules.step2_consistency.cns004_linearizable_reads_without_leader_check import check as cns004
from pacelc.rules.step3_failure.flr008_automatic_failover_without_fencing import check as flr008
from pacelc.rules.step4_sync.syn001_session_reads_from_lagging_followers import check as syn001
from pacelc.rules.step4_sync.syn004_read_write_quorums_do_not_overlap import check as syn004
from pacelc.rules.step4_sync.syn005_sloppy_quorum_for_strong_reads import check as syn005
from pacelc.rules.step4_sync.syn006_async_replication_with_zero_rpo import check as syn006

#: Rules that name the setting behind a weaker guarantee; where one of them reports a domain (or its
#: store), this rule stays quiet and the Consistency Decisions table keeps the required-vs-given verdict.
SPECIFIC: tuple[Rule, ...] = (cap005, cns004, flr008, syn001, syn004, syn005, syn006)


@rule("CAP002", "store-weaker-than-required-consistency", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A domain requires a consistency model its store's replication settings do not give.

    What it does:
        Holds each domain's `consistency` requirement against the guarantee derived from its
        store's replication settings (topology, mode, read routing, quorum, session guarantees,
        failover and fencing) and flags the domains whose store gives a weaker model.

    Why it matters:
        The requirement is what the business logic relies on (no oversold stock, no double
        redemption, a user sees their own write). If the store's settings give less, the code is
        correct only until the first failover, lagging replica or concurrent write, and the bug
        shows up in production as a rare, unreproducible anomaly.

    Example:
        services: [{id: shop}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: async, read_from: followers, failover: {mode: manual}}
        domains:
          - {id: orders, owner: shop, store: db, consistency: sequential}

    Fix:
        services: [{id: shop}]
        stores:
          - id: db
            kind: database
            replicas: 3
            replication: {topology: single_leader, mode: sync, read_from: leader, failover: {mode: manual}}
        domains:
          - {id: orders, owner: shop, store: db, consistency: sequential}

    How it is computed:
        `facts.decisions`: for every domain with a requirement, the store's derived guarantee
        (`guarantees.py`, with its reasons) either implies the required model or not. Fires when it
        does not. Unknown guarantees are CAP006's; `causal` requirements are judged by CNS008, which
        also accepts causality tracking (vector or hybrid logical clocks, causal tokens) the
        derivation cannot see. Skipped where a rule that names the setting behind the shortfall
        reports the same domain or its store: CAP005, CNS004, FLR008, SYN001, SYN004, SYN005, SYN006.

    False positives:
        A store whose real settings are stronger than the model says: correct the model. A domain
        whose requirement is stronger than it needs: lower `consistency` and give a `justification`.
        This is the catch-all verdict: a shortfall with a specific cause is reported once, by the
        specific rule (R + W ≤ N by SYN004, unconfirmed linearizable reads by CNS004, an unfenced
        failover by FLR008, async replication under rpo 0 by SYN006, stale session reads by SYN001,
        sloppy quorums by SYN005, minority writes under a CP claim by CAP005).

    References:
        Abadi, "Consistency Tradeoffs in Modern Distributed Database System Design" (IEEE Computer, 2012).
        Kleppmann, "Designing Data-Intensive Applications", chapters 5 and 9. Jepsen, "Consistency Models".
    """
    explained: set[tuple[str, ...]] = {f.elements for r in SPECIFIC for f in r.run(model, facts)}
    for domain_id in sorted(facts.decisions):
        decision = facts.decisions[domain_id]
        domain, g = decision.domain, decision.guarantee
        if decision.met is not False or g is None or domain.consistency in (None, "causal"):
            continue
        if (domain.id, g.store) in explained or (g.store,) in explained:
            continue
        required = domain.consistency
        if required == "bounded_staleness":
            bound = f"{g.staleness_bound_ms:g} ms" if g.staleness_bound_ms is not None else "no bound"
            given = f"{g.strongest} with a staleness of {bound}"
            wanted = f"bounded_staleness ≤ {domain.staleness_bound_ms:g} ms" if domain.staleness_bound_ms else required
        else:
            given, wanted = str(g.strongest), required
        yield Finding(
            rule="CAP002",
            elements=(domain.id, g.store),
            message=(
                f"domain '{domain.id}' requires {wanted}, but store '{g.store}' gives {given} "
                f"({g.pacelc}): {'; '.join(g.reasons)}"
            ),
            fix=(
                f"strengthen '{g.store}' (leader reads with lease or read-index, synchronous replication, "
                "quorums with R+W > N, session tokens) or lower the domain's requirement with a justification"
            ),
            where=("stores", g.store, "replication"),
            evidence={
                "required": required,
                "given": g.strongest,
                "guaranteed_models": sorted(g.models),
                "cap": g.cap,
                "pacelc": g.pacelc,
                "reasons": list(g.reasons),
                "assumptions": list(g.assumptions),
                "staleness_bound_ms": g.staleness_bound_ms,
                "required_staleness_bound_ms": domain.staleness_bound_ms,
            },
        )
