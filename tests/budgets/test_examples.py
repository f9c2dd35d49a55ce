"""Budget facts of small models, every figure worked out by hand in the comments."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pacelc.analysis.budgets import Backoffs, Duration, backoffs
from pacelc.model import load
from pacelc.model.schema import (
    MAX_BACKOFF_MULTIPLIER,
    MAX_DURATION_MS,
    MAX_RETRY_ATTEMPTS,
    Backoff,
    Call,
    CallPolicy,
    RetryPolicy,
    Timeouts,
)

from .builders import call, facts, hop, model, op


def test_chain_of_three_hops() -> None:
    m = model(
        {
            "gw": [call("a", read=1000, connect=100, attempts=2, backoff={"kind": "fixed", "base_ms": 100})],
            "a": [call("b", read=300, attempts=3, backoff={"kind": "exponential", "base_ms": 50, "max_ms": 80})],
            "b": [call("db", read=100, connect=20, attempts=2)],
        },
        stores=("db",),
    )
    ob = op(m)
    # b.db: per attempt 100 + 20 = 120; leaf, so each attempt lasts its timeout; no backoff (immediate
    # retry): 2 × 120 = 240.
    db = hop(ob, "b.db")
    assert db.per_attempt_timeout == Duration(120)
    assert db.worst_case == Duration(240)
    # a.b: timeout 300 > callee b's 240, so an attempt lasts 240; waits 50, then min(100, 80) = 80:
    # 3 × 240 + 130 = 850.
    b = hop(ob, "a.b")
    assert b.callee_worst == Duration(240)
    assert b.attempt_time == Duration(240)
    assert (b.backoff.lower_ms, b.backoff.upper_ms) == (130, 130)
    assert b.worst_case == Duration(850)
    assert not b.inverted
    # gw.a: timeout 1000 + 100 = 1100 > 850; one fixed wait of 100: 2 × 850 + 100 = 1800.
    a = hop(ob, "gw.a")
    assert a.worst_case == Duration(1800)
    assert ob.worst_case == Duration(1800)
    # Slack = caller's per-attempt timeout − hop worst case: 1100 − 850 = 250; 300 − 240 = 60.
    assert [(r.hop, r.depth, r.slack_ms) for r in ob.rows] == [("gw.a", 1, None), ("a.b", 2, 250), ("b.db", 3, 60)]
    assert ob.inversions == ()
    # Amplification: 2 × 3 × 2 = 12 calls reach db; b gets 2 × 3 = 6, a gets 2.
    (path,) = ob.paths
    assert path.hops == ("gw.a", "a.b", "b.db")
    assert path.attempts == (2, 3, 2)
    assert path.product == 12
    assert path.retrying_layers == ("gw.a", "a.b", "b.db")
    assert [(x.element, x.calls, x.worst) for x in ob.loads] == [("db", 1, 12), ("b", 1, 6), ("a", 1, 2)]


def test_chain_of_four_hops_with_inversions_and_total_cap() -> None:
    m = model(
        {
            "gw": [call("a", total=2000, attempts=1)],
            "a": [
                call(
                    "b",
                    read=400,
                    total=700,
                    attempts=2,
                    backoff={"kind": "exponential", "base_ms": 100},
                    jitter="full",
                )
            ],
            "b": [call("c", read=500, attempts=1, deadline=True)],
            "c": [call("db", read=200, attempts=3, backoff={"kind": "fixed", "base_ms": 50})],
        },
        stores=("db",),
    )
    ob = op(m)
    # c.db: 3 × 200 + 2 × 50 = 700.
    assert hop(ob, "c.db").worst_case == Duration(700)
    # b.c: timeout 500 < callee c's 700: inversion, 200 ms over; the attempt ends at 500.
    bc = hop(ob, "b.c")
    assert bc.inverted and bc.worst_case == Duration(500)
    # a.b: timeout 400 < callee b's 500: inversion, 100 ms over. Full jitter on one wait of 100:
    # in [0, 100]. 2 × 400 + 100 = 900, capped by total_ms: 700.
    ab = hop(ob, "a.b")
    assert ab.inverted
    assert (ab.backoff.lower_ms, ab.backoff.upper_ms, ab.best_case_backoff_ms) == (0, 100, 0)
    assert ab.worst_case == Duration(700)
    # gw.a: total_ms only, so it is the per-attempt timeout too: 2000 > 700, no inversion; 700.
    ga = hop(ob, "gw.a")
    assert ga.per_attempt_timeout == Duration(2000)
    assert not ga.inverted and ga.worst_case == Duration(700)
    assert [
        (i.hop, i.caller_timeout_ms, i.callee_worst.ms, i.excess_ms, i.deadline_propagation) for i in ob.inversions
    ] == [
        ("a.b", 400, 500, 100, None),
        ("b.c", 500, 700, 200, True),
    ]
    # Slack of b.c: a.b's per-attempt timeout 400 − 500 = −100; of c.db: 500 − 700 = −200.
    assert hop(ob, "b.c").slack_ms == -100
    assert hop(ob, "c.db").slack_ms == -200


def test_chain_of_five_hops_with_timeout_inside_callee() -> None:
    # gw → a → b → c → d → db, every hop 1 attempt; only the bottom call is slow.
    m = model(
        {
            "gw": [call("a", read=5000, attempts=1)],
            "a": [call("b", read=4000, attempts=1)],
            "b": [call("c", read=3000, attempts=1)],
            "c": [call("d", read=100, attempts=2)],
            "d": [call("db", read=1000, attempts=1)],
        },
        stores=("db",),
    )
    ob = op(m)
    # d.db: 1000. c.d: timeout 100 < 1000: inversion; 2 × 100 = 200. b.c: 200 < 3000, 200; and up.
    assert [h.worst_case.ms for h in ob.hops] == [200, 200, 200, 200, 1000]
    assert [i.hop for i in ob.inversions] == ["c.d"]
    assert ob.paths[0].product == 2


def test_fan_out_group_and_latency() -> None:
    m = model(
        {
            "gw": [
                call("x", read=100, attempts=1, group="g", latency=(10, 50)),
                call("y", read=200, attempts=1, group="g", latency=(20, 80)),
                call("w", read=300, attempts=1, latency=(40, 100)),
                call("z", read=150, attempts=2, group="g", latency=(5, 30)),
            ]
        },
        stores=("x", "y", "z", "w"),
        sla_p99=150,
    )
    ob = op(m)
    # The group sits where its first call is: [x, y, z] in parallel, then w.
    # Worst: max(100, 200, 2 × 150) = 300; then 300: 600.
    assert ob.worst_case == Duration(600)
    lat = ob.latency
    g, w = lat.steps
    assert g.hops == ("gw.x", "gw.y", "gw.z") and g.group == "g"
    # Group p50 = max(10, 20, 5) = 20, p99 = max(50, 80, 30) = 80; at least one of 3 slow: 1 − 0.99³ = 0.029701.
    assert (g.p50_ms, g.p99_ms) == (20, 80)
    assert g.slow_probability == pytest.approx(0.029701)
    assert w.slow_probability == pytest.approx(0.01)
    # Sequential: p50 = 20 + 40 = 60; p99 estimate = 80 + 100 = 180; sound lower bound = max(80, 100) = 100.
    assert (lat.p50_ms, lat.p99_ms, lat.p99_lower_ms) == (60, 180, 100)
    # SLA 150 − 180 = −30.
    assert lat.sla_margin_ms == -30
    assert lat.missing == () and lat.reason == ""


def test_latency_unknown_names_the_missing_hops() -> None:
    m = model(
        {"gw": [call("a", read=100, attempts=1, latency=(10, None)), call("db", read=100, attempts=1, latency=(1, 5))]},
        stores=("a", "db"),
    )
    lat = op(m).latency
    assert lat.p50_ms == 11
    assert lat.p99_ms is None
    assert lat.p99_lower_ms == 5
    assert lat.missing == ("gw.a: latency.p99_ms",)
    assert "gw.a: latency.p99_ms" in lat.reason
    assert lat.hops_without_latency == ("gw.a",)


@pytest.mark.parametrize(
    ("jitter", "lower", "upper"),
    [
        # Nominal waits with base 100, ×2, cap 300 and 5 attempts: 100, 200, 300, 300 = 900.
        ("none", 900, 900),
        ("full", 0, 900),  # each wait in [0, b]
        ("equal", 450, 900),  # each wait in [b/2, b]
        # min(300, 100·3^i): 300, 300, 300, 300 = 1200; each at least min(base, cap) = 100: 400.
        ("decorrelated", 400, 1200),
    ],
)
def test_exponential_backoff_with_cap_and_jitter(jitter: str, lower: float, upper: float) -> None:
    c = call("x", attempts=5, backoff={"kind": "exponential", "base_ms": 100, "max_ms": 300}, jitter=jitter)
    b = backoffs(c)
    assert (b.waits, b.lower_ms, b.upper_ms) == (4, lower, upper)


def test_backoff_shapes() -> None:
    # Exponential ×3 without cap, 4 attempts: 10 + 30 + 90 = 130.
    assert (
        backoffs(call("x", attempts=4, backoff={"kind": "exponential", "base_ms": 10, "multiplier": 3})).upper_ms == 130
    )
    # Decorrelated without cap: waits up to 30, 90, 270 = 390; at least 10 each = 30.
    b = backoffs(call("x", attempts=4, backoff={"kind": "exponential", "base_ms": 10}, jitter="decorrelated"))
    assert (b.lower_ms, b.upper_ms) == (30, 390)
    # Fixed: 2 waits of 50.
    assert backoffs(call("x", attempts=3, backoff={"kind": "fixed", "base_ms": 50})).upper_ms == 100
    # No backoff section: immediate retries.
    assert backoffs(call("x", attempts=3)).upper_ms == 0
    assert backoffs(call("x", attempts=3, backoff={"kind": "none"})).upper_ms == 0


def test_backoff_overflow_is_unbounded_and_serialisable() -> None:
    # The schema caps the multiplier (MAX_BACKOFF_MULTIPLIER), so only a model built without validation
    # reaches this; the engine still must not overflow on it.
    backoff = Backoff.model_construct(kind="exponential", base_ms=1, max_ms=None, multiplier=1e10)
    m = model({"gw": [call("db", read=10, attempts=100, backoff=backoff)]}, stores=("db",))
    h = op(m).hops[0]
    assert h.backoff.upper_ms is None
    assert h.worst_case.status == "unbounded"
    json.dumps(facts(m).to_jsonable(), allow_nan=False)


def test_backoff_at_the_schema_bounds_stays_finite() -> None:
    backoff = {"kind": "exponential", "base_ms": MAX_DURATION_MS, "multiplier": MAX_BACKOFF_MULTIPLIER}
    m = model({"gw": [call("db", read=MAX_DURATION_MS, attempts=MAX_RETRY_ATTEMPTS, backoff=backoff)]}, stores=("db",))
    h = op(m).hops[0]
    # 99 waits growing ×10 from ten years: absurd, but a finite number the report can print.
    assert h.backoff.upper_ms is not None and math.isfinite(h.backoff.upper_ms)
    assert h.worst_case.status == "exact" and math.isfinite(h.worst_case.ms)
    json.dumps(facts(m).to_jsonable(), allow_nan=False)


def test_inherited_defaults() -> None:
    # A mesh that retries twice on unavailable (3 attempts) with a 1 s read timeout.
    mesh = CallPolicy(timeout=Timeouts(read_ms=1000), retry=RetryPolicy(attempts=3, retry_on=["unavailable"]))
    m = model(
        {"gw": [call("a")], "a": [call("db", attempts=1)]},
        stores=("db",),
        defaults=mesh,
    )
    ob = op(m)
    a, db = ob.hops
    # a.db sets its own retry (1 attempt) and inherits the timeout: 1000.
    assert (db.per_attempt_timeout.ms, db.attempts, db.worst_case.ms, db.unknown) == (1000, 1, 1000, ())
    # gw.a inherits both: timeout 1000 = callee 1000, no inversion; 3 × 1000 = 3000. The mesh policy
    # states no backoff or jitter: unknown, not "immediate", so 3000 is a lower bound of the worst case.
    assert (a.per_attempt_timeout.ms, a.attempts, a.worst_case.ms) == (1000, 3, 3000)
    assert a.unknown == ("retry.backoff", "retry.jitter") and a.worst_case.status == "at_least"
    assert a.retry_on == ("unavailable",)
    assert ob.paths[0].product == 3


def test_unknown_timeout_and_retry_are_not_safe() -> None:
    m = model({"gw": [call("a")], "a": [call("db")]}, stores=("db",))
    ob = op(m)
    a, db = ob.hops
    assert db.unknown == ("timeout", "retry")
    assert db.per_attempt_timeout.status == "unknown"
    assert db.worst_case.status == "unbounded" and db.worst_case.ms is None
    assert "a.db" in db.worst_case.reason
    # No timeout on gw.a either: it waits as long as a does, which is unbounded.
    assert a.worst_case.status == "unbounded"
    assert ob.worst_case.status == "unbounded"
    # Unknown attempts count as 1, and say so.
    assert ob.paths[0].product == 1
    assert ob.paths[0].unknown_attempts == ("gw.a", "a.db")
    assert all(x.at_least for x in ob.loads)
    # A caller without a timeout is not an inversion: it never gives up.
    assert ob.inversions == ()


def test_unknown_retry_makes_worst_case_a_lower_bound() -> None:
    m = model({"gw": [call("a", read=100, attempts=1)], "a": [call("db", read=200)]}, stores=("db",))
    ob = op(m)
    a, db = ob.hops
    # a.db: timeout 200, attempts unknown (1 assumed): at least 200.
    assert db.worst_case == Duration(200, "at_least", "a.db: retry not stated, 1 attempt assumed")
    # gw.a: timeout 100 < callee's at least 200: a definite inversion.
    assert a.inverted and ob.inversions[0].excess_ms == 100


def test_connect_timeout_alone_does_not_bound_a_read() -> None:
    m = model({"gw": [call("db", connect=50, attempts=1)]}, stores=("db",))
    h = op(m).hops[0]
    assert h.unknown == ("timeout.read_ms",)
    assert h.worst_case.status == "unbounded"


def test_retry_budget_and_breaker_cap_amplification() -> None:
    m = model(
        {
            "gw": [call("a", read=5000, attempts=3, budget=10)],
            "a": [call("b", read=1000, attempts=4, breaker=True)],
            "b": [call("db", read=100, attempts=2)],
        },
        stores=("db",),
    )
    ob = op(m)
    # Uncapped 3 × 4 × 2 = 24. Capped: min(3, 1.1) × min(4, 1) × 2 = 2.2.
    (p,) = ob.paths
    assert p.product == 24
    assert p.capped == pytest.approx(2.2)
    assert [(h.name, h.capped_factor) for h in ob.hops] == [("gw.a", pytest.approx(1.1)), ("a.b", 1.0), ("b.db", 2.0)]
    db = next(x for x in ob.loads if x.element == "db")
    assert (db.worst, db.capped) == (24, pytest.approx(2.2))


def test_load_multiplier_sums_over_paths() -> None:
    # Both a and b call db; gw retries a twice and b three times; a and b each retry db twice.
    m = model(
        {
            "gw": [call("a", read=1000, attempts=2), call("b", read=1000, attempts=3)],
            "a": [call("db", read=10, attempts=2)],
            "b": [call("db", read=10, attempts=2)],
        },
        stores=("db",),
    )
    ob = op(m)
    # db: 2 × 2 + 3 × 2 = 10 calls from 2 call sites.
    assert [(x.element, x.calls, x.worst) for x in ob.loads] == [("db", 2, 10), ("b", 1, 3), ("a", 1, 2)]
    assert facts(m).loads == ob.loads


def test_cycle_is_unbounded() -> None:
    m = model({"gw": [call("a", read=100, attempts=1)], "a": [call("gw", read=50, attempts=1)]})
    ob = op(m)
    # a.gw goes back to the entry: not expanded; a leaf for budgets, bounded by its own timeout.
    assert [h.worst_case.ms for h in ob.hops] == [50, 50]


YAML = """\
pacelc: 1
system: {name: yaml}
defaults:
  call:
    timeout: {read_ms: 800}
services:
  - id: web
    calls:
      - to: api
        retry: {attempts: 2, backoff: {kind: fixed, base_ms: 100}}
  - id: api
    calls:
      - to: db
        timeout: {read_ms: 300, connect_ms: 50}
        retry: {attempts: 3}
stores:
  - {id: db, kind: database}
operations:
  - {id: read, entry: web}
"""


def test_yaml_model(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(YAML)
    ob = facts(load([f]).model).operations["read"]
    # api.db: 350 per attempt × 3 = 1050. web.api inherits 800 < 1050: inversion by 250; 2 × 800 + 100 = 1700.
    assert [(h.name, h.worst_case.ms) for h in ob.hops] == [("web.api", 1700), ("api.db", 1050)]
    assert [(i.hop, i.excess_ms) for i in ob.inversions] == [("web.api", 250)]


def test_checkout_fixture_is_deterministic_and_serialisable() -> None:
    path = Path(__file__).parents[1] / "fixtures" / "flat" / "checkout.yaml"
    m = load([path]).model
    one = json.dumps(facts(m).to_jsonable(), allow_nan=False, sort_keys=False)
    two = json.dumps(facts(m).to_jsonable(), allow_nan=False, sort_keys=False)
    assert one == two
    ob = facts(m).operations["add-to-cart"]
    # cart-service.cart-store: (100 + 100) × 3 + waits (25 + 50) = 675, capped by total 400.
    assert hop(ob, "cart-service.cart-store").worst_case == Duration(400)
    assert not any(math.isinf(x) for x in _numbers(json.loads(one)))


def _numbers(obj: object) -> list[float]:
    if isinstance(obj, dict):
        return [n for v in obj.values() for n in _numbers(v)]
    if isinstance(obj, list):
        return [n for v in obj for n in _numbers(v)]
    return [obj] if isinstance(obj, float) else []


def test_collector_state_is_restored() -> None:
    import gc

    m = model({"gw": [call("db", read=10, attempts=1)]}, stores=("db",))
    assert gc.isenabled()
    facts(m).to_jsonable()
    assert gc.isenabled()
    gc.disable()
    try:
        facts(m)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_unstated_backoff_or_jitter_is_unknown_never_none() -> None:
    # No backoff stated: the waits are not assumed to be zero, the worst case is only a lower bound.
    bare = Call(to="x", retry=RetryPolicy(attempts=3))
    waits = backoffs(bare)
    assert (waits.kind, waits.jitter, waits.stated) == ("unknown", "unknown", False)
    # A stated exponential backoff without jitter: as low as full jitter, at least the nominal waits.
    policy = RetryPolicy(attempts=3, backoff=Backoff(kind="exponential", base_ms=100, multiplier=2))
    waits = backoffs(Call(to="x", retry=policy))
    assert (waits.lower_ms, waits.upper_ms, waits.stated) == (0.0, 300.0, False)
    # An exponential backoff without its multiplier: its growth is unknown.
    policy = RetryPolicy(attempts=3, backoff=Backoff(kind="exponential", base_ms=100), jitter="none")
    assert backoffs(Call(to="x", retry=policy)).stated is False
    # Stated in full: exact.
    policy = RetryPolicy(attempts=3, backoff=Backoff(kind="fixed", base_ms=100), jitter="none")
    assert backoffs(Call(to="x", retry=policy)) == Backoffs(2, "fixed", "none", 200.0, 200.0)
