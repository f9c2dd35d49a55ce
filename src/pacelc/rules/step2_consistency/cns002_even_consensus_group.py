"""CNS002 even-consensus-group."""

from __future__ import annotations

from collections.abc import Iterator

from pacelc.analysis.facts import Facts
from pacelc.model.schema import SystemModel
from pacelc.rules.base import Finding, rule


@rule("CNS002", "even-consensus-group", "medium")
def check(model: SystemModel, facts: Facts) -> Iterator[Finding]:
    """A consensus group has an even number of members.

    What it does:
        Flags every store with `replication.topology: consensus` whose member count is even.

    Why it matters:
        A group of 2k members needs k+1 for a majority and so tolerates k-1 failures, exactly as
        many as 2k-1 members, while every write waits for one more acknowledgement. Worse, a
        partition into two halves of k leaves neither side with a majority: the whole group stops.

    Example:
        stores:
          - id: etcd
            kind: coordination
            replicas: 4
            replication: {topology: consensus, protocol: raft}

    Fix:
        stores:
          - id: etcd
            kind: coordination
            replicas: 5
            replication: {topology: consensus, protocol: raft}

    How it is computed:
        `stores[].replicas` of consensus stores (`quorum.n` when it is given instead): fires when
        it is even.

    False positives:
        An even count during a planned migration (adding a member before removing another): accept
        it in the risk register with an expiry date.

    References:
        Ongaro, "Consensus: Bridging Theory and Practice" (PhD thesis, 2014), chapter 4. etcd
        documentation, "FAQ: Why an odd number of cluster members?".
    """
    for store in sorted(model.stores, key=lambda s: s.id):
        rep = store.replication
        if rep is None or rep.topology != "consensus":
            continue
        n = store.replicas
        if n % 2:
            continue
        majority = n // 2 + 1
        yield Finding(
            rule="CNS002",
            elements=(store.id,),
            message=(
                f"consensus group '{store.id}' has {n} members: a majority is {majority}, so it tolerates "
                f"{n - majority} failure(s) like {n - 1} members would, and a {n // 2}/{n // 2} partition stops it"
            ),
            fix=f"run {n - 1} or {n + 1} members",
            where=("stores", store.id, "replicas"),
            evidence={"members": n, "majority": majority, "tolerated_failures": n - majority},
        )
