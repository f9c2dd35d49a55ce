"""Domain bounds on every number of the model: impossible values are located load errors, and the
largest (and smallest) values the schema accepts run through the whole review without a crash."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from pacelc.model import ModelLoadError, load
from pacelc.model import schema as s
from pacelc.reporters import render_json, render_junit, render_markdown, render_sarif, render_terminal
from pacelc.review.engine import review

# A 400-digit integer: larger than any float, so float arithmetic on it overflows.
HUGE = "1" + "0" * 400


def numeric_properties() -> list[tuple[str, dict[str, typing.Any]]]:
    """Every number and integer in the model's JSON Schema (what editors and the validator see)."""
    out = []
    for cls, spec in sorted(s.SystemModel.model_json_schema(mode="validation")["$defs"].items()):
        for name, prop in spec.get("properties", {}).items():
            for option in prop.get("anyOf", [prop]):
                if option.get("type") in ("number", "integer"):
                    out.append((f"{cls}.{name}", option))
    return out


def test_every_number_in_the_schema_has_a_lower_and_an_upper_bound() -> None:
    props = numeric_properties()
    assert len(props) > 50  # the walk found the fields (a refactor must not make this vacuous)
    unbounded = [
        name
        for name, option in props
        if not {"minimum", "exclusiveMinimum"} & option.keys() or not {"maximum", "exclusiveMaximum"} & option.keys()
    ]
    assert unbounded == []


def test_no_model_class_accepts_infinity_or_nan() -> None:
    assert s.Strict.model_config.get("allow_inf_nan") is False


def test_the_json_schema_shows_the_bounds() -> None:
    defs = s.SystemModel.model_json_schema(mode="validation")["$defs"]
    assert defs["Service"]["properties"]["replicas"]["maximum"] == s.MAX_REPLICAS
    read_ms = defs["Timeouts"]["properties"]["read_ms"]["anyOf"][0]
    assert (read_ms["minimum"], read_ms["maximum"]) == (s.MIN_DURATION_MS, s.MAX_DURATION_MS)
    assert defs["Timeouts"]["properties"]["read_ms"]["description"] == "Per-attempt response (read) timeout."


def says(error: str, bound: float | str) -> bool:
    """Whether the message names the bound, however the loader writes the number (1000, 1,000)."""
    if isinstance(bound, str):
        return bound in error
    return any(text in error for text in (str(bound), f"{bound:,}", f"{bound:g}"))


def load_errors(write, text: str) -> list[str]:
    path = write("m.yaml", text)
    with pytest.raises(ModelLoadError) as info:
        load(path)
    return [str(e) for e in info.value.errors]


# Each of these validated before and then crashed or hung the review (issue 15).
DETECTOR = f"""\
pacelc: 1
system: {{name: t}}
stores:
  - id: db
    kind: database
    replicas: 3
    replication:
      topology: single_leader
      mode: sync
      failover: {{mode: automatic, detector: {{kind: heartbeat, interval_ms: 1000, threshold: {HUGE}}}}}
"""
BREAKER = """\
pacelc: 1
system: {name: t}
services:
  - id: api
    calls:
      - to: pricing
        timeout: {read_ms: %s}
        bulkhead: {max_concurrent: 10}
        circuit_breaker: {failure_threshold: 20, window_s: %s, fallback: list prices}
  - {id: pricing}
"""
REPLICAS = """\
pacelc: 1
system: {name: t}
regions: [{id: r, zones: [{id: a}, {id: b}]}]
services:
  - {id: api, replicas: %s, placement: {zones: [a, b]}}
"""


@pytest.mark.parametrize(
    ("text", "where", "field", "bound"),
    [
        (DETECTOR, ":10:", "threshold", s.MAX_DETECTOR_THRESHOLD),  # was OverflowError in recovery.py
        (BREAKER % ("2000", ".inf"), ":9:", "window_s", "finite"),  # was OverflowError in FLR016
        (BREAKER % ("2000", ".nan"), ":9:", "window_s", "finite"),
        (BREAKER % ("1e-300", "10"), ":7:", "read_ms", s.MIN_DURATION_MS),  # window / timeout overflowed
        (BREAKER % ("2000", "1e300"), ":9:", "window_s", s.MAX_DURATION_S),
        (REPLICAS % "1000000000", ":5:", "replicas", s.MAX_REPLICAS),  # was MemoryError after 52 s
        (REPLICAS % HUGE, ":5:", "replicas", s.MAX_REPLICAS),  # hung in placement.py
    ],
)
def test_an_impossible_number_is_a_located_load_error(write, monkeypatch, tmp_path, text, where, field, bound) -> None:
    monkeypatch.chdir(tmp_path)
    (error,) = load_errors(write, text)
    assert re.match(r"m\.yaml:\d+:\d+: ", error), error
    assert where in error and field in error and says(error, bound), error


def test_a_rate_threshold_above_100_percent_is_an_error(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    text = BREAKER.replace("failure_threshold: 20,", "failure_threshold: 150, threshold_kind: rate,") % ("2000", "10")
    (error,) = load_errors(write, text)
    assert error.startswith("m.yaml:9:") and "failure_threshold" in error and "100" in error, error


def test_a_rate_threshold_in_the_defaults_above_100_percent_is_an_error(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        "pacelc: 1\nsystem: {name: t}\n"
        "defaults: {call: {circuit_breaker: {failure_threshold: 101, threshold_kind: rate}}}\n"
    )
    (error,) = load_errors(write, text)
    assert error.startswith("m.yaml:3:") and "100" in error, error


# Every numeric field at its largest or smallest accepted value, so each engine's arithmetic meets it.
EXTREMES = f"""\
pacelc: 1
system: {{name: extremes}}
regions: [{{id: r, availability: 0.000001, zones: [{{id: a, availability: 0.999999}}, {{id: b}}]}}]
defaults:
  max_clock_skew_ms: {s.MAX_DURATION_MS}
  availability: {{region: 0.000001, zone: 0.999999999, host: 0.5, service_replica: 0.000001, store_replica: 0.999999}}
  call:
    timeout: {{connect_ms: {s.MIN_DURATION_MS}, read_ms: {s.MIN_DURATION_MS}, total_ms: {s.MAX_DURATION_MS}}}
    retry:
      attempts: {s.MAX_RETRY_ATTEMPTS}
      backoff: {{kind: exponential, base_ms: {s.MAX_DURATION_MS}, multiplier: {s.MAX_BACKOFF_MULTIPLIER}}}
      retry_on: [timeout]
      budget_percent: 100
    circuit_breaker: {{failure_threshold: {s.MAX_CALL_COUNT}, window_s: {s.MAX_DURATION_S},
                      half_open_after_s: {s.MAX_DURATION_S}}}
    bulkhead: {{max_concurrent: {s.MAX_CALL_COUNT}, queue: {s.MAX_CALL_COUNT}}}
    outlier_ejection: {{consecutive_errors: {s.MAX_CALL_COUNT}, max_ejection_percent: 100,
                       base_ejection_s: {s.MAX_DURATION_S}}}
services:
  - id: api
    replicas: 2
    min_replicas: 2
    placement: {{zones: [a, b], spread: one_per_zone}}
    replica_availability: 0.000001
    failure_detector: {{kind: heartbeat, interval_ms: {s.MAX_DURATION_MS}, threshold: {s.MAX_DETECTOR_THRESHOLD}}}
    coordination:
      - {{kind: lock, via: db, lease_ms: {s.MAX_DURATION_MS}, hold_ms: {s.MIN_DURATION_MS}}}
    calls:
      - to: db
        operation: write
        latency: {{p50_ms: {s.MAX_DURATION_MS}, p99_ms: {s.MAX_DURATION_MS}}}
      - to: slow
        timeout: {{read_ms: {s.MAX_DURATION_MS}}}
        retry: {{attempts: {s.MAX_RETRY_ATTEMPTS}, backoff: {{kind: fixed, base_ms: {s.MAX_DURATION_MS}}}}}
      - to: events
        mode: async
  - id: slow
    external: true
    sla_availability: 0.000001
  - id: worker
stores:
  - id: db
    kind: database
    replicas: 2
    placement: {{zones: [a, b]}}
    replication:
      topology: single_leader
      mode: async
      lag_p99_ms: {s.MAX_DURATION_MS}
      failover:
        mode: automatic
        detector: {{kind: phi_accrual, interval_ms: {s.MAX_DURATION_MS}, phi_threshold: {s.MAX_PHI}}}
        election_timeout_ms: {s.MAX_DURATION_MS}
        promotion_s: {s.MAX_DURATION_S}
        client_reconnect_s: {s.MAX_DURATION_S}
      conflict_resolution: {{strategy: lww, clock: wall, max_clock_skew_ms: {s.MAX_DURATION_MS}}}
    durability: {{fsync: periodic, fsync_interval_ms: {s.MAX_DURATION_MS},
                 backups: {{interval_s: {s.MAX_DURATION_S}, restore_s: {s.MAX_DURATION_S}}}}}
  - id: kv
    kind: database
    replicas: 3
    replication:
      topology: leaderless
      quorum: {{n: 3, r: 3, w: 3}}
      failover: {{mode: manual, manual_response_s: {s.MAX_DURATION_S}}}
  - id: log
    kind: log
    replicas: 3
    replication: {{topology: single_leader, quorum: {{min_in_sync_replicas: 3}},
                  failover: {{mode: automatic, detector: {{kind: heartbeat, timeout_ms: {s.MIN_DURATION_MS}}}}}}}
  - id: hb
    kind: database
    replicas: 2
    replication:
      topology: single_leader
      mode: sync
      failover:
        mode: automatic
        detector: {{kind: heartbeat, interval_ms: {s.MAX_DURATION_MS}, threshold: {s.MAX_DETECTOR_THRESHOLD}}}
        promotion_s: 0
topics:
  - id: events
    broker: log
    partitions: {s.MAX_PARTITIONS}
    producers: [{{service: api}}]
    consumers: [{{service: worker, max_attempts: {s.MAX_DELIVERY_ATTEMPTS}}}]
domains:
  - {{id: d, owner: api, store: db, consistency: bounded_staleness, staleness_bound_ms: {s.MIN_DURATION_MS},
     rpo_s: {s.MAX_DURATION_S}, rto_s: {s.MIN_DURATION_S}, lag_tolerance_ms: {s.MAX_DURATION_MS}}}
  - {{id: d2, owner: api, store: kv, consistency: linearizable, rpo_s: 0, rto_s: {s.MAX_DURATION_S}}}
operations:
  - {{id: op, entry: api, writes: [d, d2], sla: {{availability: 0.999999, p99_ms: {s.MIN_DURATION_MS}}}}}
  - {{id: op2, entry: api, sla: {{availability: 0.000001, p99_ms: {s.MAX_DURATION_MS}}}}}
scenarios:
  - {{id: lose-db, kind: failure, leader_loss: [db, log, hb, kv]}}
  - {{id: zone-a, kind: failure, fail: [a]}}
  - {{id: cut, kind: partition, sides: [[a], [b]]}}
"""


def test_the_extremes_the_schema_accepts_review_without_error(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = load(write("m.yaml", EXTREMES))
    result = review(loaded)
    assert result.findings  # a model this strange has findings; the point is that the review finished
    # Ten-year durations times a thousand heartbeats, ×10 backoff over 100 attempts: every report prints them.
    json.loads(render_json(result))
    for render in (render_markdown, render_sarif, render_junit, render_terminal):
        assert render(result)


@pytest.mark.parametrize(
    ("window", "read_ms"), [(s.MAX_DURATION_S, s.MIN_DURATION_MS), (s.MIN_DURATION_S, s.MAX_DURATION_MS)]
)
def test_flr016_at_the_duration_bounds(write, monkeypatch, tmp_path, window, read_ms) -> None:
    monkeypatch.chdir(tmp_path)
    text = BREAKER.replace("failure_threshold: 20", f"failure_threshold: {s.MAX_CALL_COUNT}") % (read_ms, window)
    text = text.replace("max_concurrent: 10", f"max_concurrent: {s.MAX_CALL_COUNT}")
    result = review(load(write("m.yaml", text)))
    flr016 = [f for f in result.findings if f.rule == "FLR016"]
    # The long window holds ~3e17 timeouts, enough to trip; the 1 µs window holds none.
    assert len(flr016) == (window == s.MIN_DURATION_S)


def test_the_largest_replica_counts_place_and_partition(write, monkeypatch, tmp_path) -> None:
    """Replica-by-replica engines (placement, spreads, scenarios, partitions) at MAX_REPLICAS.

    No operation here: the fault trees of an operation over this many replicas spend their own time
    budget (benchmarks/fuzz.py and the budget tests cover that)."""
    monkeypatch.chdir(tmp_path)
    n = s.MAX_REPLICAS
    text = f"""\
pacelc: 1
system: {{name: big}}
regions: [{{id: r, zones: [{{id: a}}, {{id: b}}, {{id: c}}]}}]
services:
  - {{id: api, replicas: {n}, min_replicas: {n // 2}, placement: {{zones: [a, b, c]}}, calls: [{{to: db}}]}}
stores:
  - id: db
    kind: database
    replicas: {n}
    placement: {{zones: [a, b, c]}}
    replication: {{topology: leaderless, quorum: {{n: {n}, r: {n}, w: {n}, min_in_sync_replicas: {n}}}}}
scenarios:
  - {{id: zone-a, kind: failure, fail: [a]}}
  - {{id: cut, kind: partition, sides: [[a], [b, c]]}}
"""
    loaded = load(write("m.yaml", text))
    assert loaded.model.services[0].replicas == n
    review(loaded)


def test_one_more_than_the_largest_replica_count_is_refused(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    (error,) = load_errors(write, REPLICAS % (s.MAX_REPLICAS + 1))
    assert error.startswith("m.yaml:5:") and says(error, s.MAX_REPLICAS)


def test_the_examples_are_inside_the_bounds() -> None:
    from tests.helpers import EXAMPLES

    for system in sorted(Path(EXAMPLES).glob("*/system.yaml")):
        load(system)
