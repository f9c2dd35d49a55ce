"""Partition analysis: what each side can do, and split brain, with exact expectations."""

from __future__ import annotations

from pacelc.analysis.graph import SystemGraph
from pacelc.analysis.partitions import all_partitions
from pacelc.model import loads

MODEL = """\
system: {name: t}
regions:
  - id: eu
    zones: [{id: a}, {id: b}, {id: c}]
services:
  - id: api
    replicas: 3
    placement: {zones: [a, b, c], spread: one_per_zone}
    calls:
      - {to: cfg, operation: write, timeout: {read_ms: 100}}
      - {to: cache, operation: read, timeout: {read_ms: 10}, fallback: read cfg}
stores:
  - id: cfg
    kind: coordination
    replicas: 3
    placement: {zones: [a, b, c], spread: one_per_zone}
    replication: {topology: consensus, read_from: leader, linearizable_reads: read_index}
  - id: cache
    kind: cache
    replicas: 2
    placement: {zones: [a, b], spread: one_per_zone}
    replication: {topology: single_leader, mode: async, read_from: any, failover: {mode: automatic, fencing: none}}
domains:
  - {id: flags, owner: api, store: cfg, consistency: linearizable}
  - {id: sessions, owner: api, store: cache, consistency: eventual}
operations:
  - {id: toggle, entry: api}
scenarios:
  - {id: ab-vs-c, kind: partition, sides: [[a, b], [c]]}
"""


def outcomes():
    return {o.partition.id: o for o in all_partitions(SystemGraph(loads(MODEL).model))}


def test_partitions_generated_for_every_zone_and_the_explicit_one() -> None:
    assert sorted(outcomes()) == ["scenario:ab-vs-c", "zone:a", "zone:b", "zone:c"]


def test_majority_side_writes_minority_side_refuses() -> None:
    o = outcomes()["zone:a"]
    isolated, rest = o.sides
    assert {s.store: s.writes for s in isolated.stores} == {"cache": True, "cfg": False}
    assert {s.store: s.writes for s in rest.stores} == {"cache": True, "cfg": True}
    assert [(op, status) for op, status, _ in isolated.operations] == [("toggle", "unavailable")]
    assert [(op, status) for op, status, _ in rest.operations] == [("toggle", "available")]


def test_side_without_cache_degrades_through_the_fallback() -> None:
    o = outcomes()["scenario:ab-vs-c"]
    ab, c = o.sides
    assert [(op, status) for op, status, _ in ab.operations] == [("toggle", "available")]
    # c keeps no cfg majority: unavailable, whatever the cache does.
    assert [(op, status) for op, status, _ in c.operations] == [("toggle", "unavailable")]
    o = outcomes()["zone:c"]
    assert [(op, status) for op, status, _ in o.sides[1].operations] == [("toggle", "available")]


def test_unfenced_failover_splits_the_brain_and_loses_writes() -> None:
    o = outcomes()["zone:a"]
    assert [(b.domain, b.store, b.sides, b.outcome) for b in o.split_brains] == [
        ("sessions", "cache", ("a", "rest"), "lost")
    ]
    assert outcomes()["zone:c"].split_brains == ()  # the cache has no replica in c
