"""CNS004 linearizable-reads-without-leader-check."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.analysis.patterns import linearizable_read_path
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, lower, rule
from pacelc.rules.step3_failure.flr008_automatic_failover_without_fencing import unfenced_failover


@rule("CNS004", "linearizable-reads-without-leader-check", "high")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A linearizable domain is read from followers, or from a leader that does not confirm it still leads.

    What it does:
        For every domain that requires `linearizable`, checks the read path of its (single-leader
        or consensus) store: reads from followers, or leader reads without a lease, read-index or
        quorum read where a deposed leader could still answer, are flagged. A read path the model
        does not describe is reported as unknown.

    Why it matters:
        Consensus makes writes safe, not reads. A follower may lag the commit index, and a leader
        cut off by a partition keeps answering reads until it notices a newer term: both return
        values that were already overwritten, which breaks compare-and-set logic, uniqueness checks
        and "read your own deploy" in exactly the situations where it matters.

    Example:
        services: [{id: api}]
        stores:
          - id: etcd
            kind: coordination
            replicas: 3
            replication: {topology: consensus, read_from: followers}
        domains:
          - {id: specs, owner: api, store: etcd, consistency: linearizable}

    Fix:
        services: [{id: api}]
        stores:
          - id: etcd
            kind: coordination
            replicas: 3
            replication: {topology: consensus, read_from: leader, linearizable_reads: read_index}
        domains:
          - {id: specs, owner: api, store: etcd, consistency: linearizable}

    How it is computed:
        `patterns.linearizable_read_path` on the domain's store. Accepted: one copy; quorum reads;
        leader reads confirmed by `lease`, `read_index` or `quorum_read`; for a single leader, leader
        reads with manual or no failover, or with fenced automatic failover (one leader at a time).
        Multi-leader and leaderless stores are judged by CAP002 from their quorums.

    False positives:
        A store that confirms leadership by a mechanism the model does not name: state it as
        `linearizable_reads: lease` or `read_index`. Leader reads of a single leader that fails over
        automatically without fencing are left to FLR008 (automatic failover without fencing): the
        deposed leader that answers them is the one FLR008 asks to fence, and fencing it makes the
        leader reads safe too. Follower reads are reported here whatever the fencing.

    References:
        Ongaro, "Consensus: Bridging Theory and Practice" (2014), section 6.4 ("Processing read-only
        queries more efficiently"). etcd, "API guarantees" (serializable vs linearizable reads).
    """
    held: dict[str, list[tuple[str, str | None]]] = {}
    for d in model.domains:
        held.setdefault(d.store, []).append((d.id, d.priority))
    for domain in sorted(model.domains, key=lambda d: d.id):
        if domain.consistency != "linearizable":
            continue
        store = facts.graph.stores.get(domain.store)
        if store is None:
            continue
        path = linearizable_read_path(store)
        if path.verdict not in ("flaw", "unknown"):
            continue
        if _leader_reads(store) and unfenced_failover(store, held.get(store.id, [])):
            continue  # FLR008: the deposed leader that answers these reads is an unfenced one
        unknown = path.verdict == "unknown"
        yield Finding(
            rule="CNS004",
            elements=(domain.id, store.id),
            message=(
                f"{'unknown: ' if unknown else ''}domain '{domain.id}' requires linearizable reads, "
                f"but on store '{store.id}' {path.reason}"
            ),
            fix=(
                f"read '{domain.id}' from the leader of '{store.id}' and confirm leadership per read "
                "(`linearizable_reads: read_index`, `lease` with bounded clock drift, or `quorum_read`)"
            ),
            where=("stores", store.id, *path.setting),
            evidence={
                "read_from": store.replication.read_from if store.replication else None,
                "linearizable_reads": store.replication.linearizable_reads if store.replication else None,
                "reason": path.reason,
            },
            severity=lower("high") if unknown else None,
            unknown=unknown,
        )


def _leader_reads(store) -> bool:
    rep = store.replication
    return rep is not None and rep.topology == "single_leader" and rep.read_from in (None, "leader")
