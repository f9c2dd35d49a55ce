"""`pacelc verify`: verdicts, counterexamples, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pacelc.commands.verify import verify

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PLATFORM = str(EXAMPLES / "platform" / "system.yaml")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(verify, list(args))


def test_violation_prints_the_counterexample_and_exits_1() -> None:
    r = run(PLATFORM, "--domain", "desired-state")
    assert r.exit_code == 1, r.output
    assert "desired-state (linearizable) on meta-store: VIOLATED — stale read" in r.output
    assert "shortest counterexample (5 steps):" in r.output
    assert "client 0's read returns ⊥ (served by" in r.output
    assert "bounds: 3 replicas, 2 clients, up to 3 client operations, up to 2 faults" in r.output


def test_nothing_violated_exits_0() -> None:
    r = run(PLATFORM, "--domain", "secrets", "--domain", "usage")
    assert r.exit_code == 0, r.output
    assert "secrets (linearizable) on vault-raft: holds within bounds" in r.output
    assert "usage (eventual) on usage-events: not checked" in r.output


def test_json_output_is_reproducible() -> None:
    a = run(PLATFORM, "--format", "json", "--max-states", "20000")
    b = run(PLATFORM, "--format", "json", "--max-states", "20000")
    assert a.exit_code == 1 and a.output == b.output
    doc = json.loads(a.output)
    audit = next(d for d in doc["domains"] if d["domain"] == "audit-log")
    assert audit["status"] == "violated" and audit["topic"] == "audit-events" and audit["counterexample"]


def test_bounds_options_are_stated() -> None:
    r = run(PLATFORM, "--domain", "jobs", "--max-ops", "2", "--max-faults", "0", "--format", "json")
    doc = json.loads(r.output)
    assert doc["domains"][0]["bounds"] == {"replicas": 3, "clients": 2, "ops": 2, "faults": 0}


def test_model_errors_exit_2_with_locations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("system: {name: x}\nstores:\n  - {id: s, kind: databse}\n", encoding="utf-8")
    r = run(str(bad))
    assert r.exit_code == 2
    assert f"{bad}:3:" in r.output and "Traceback" not in r.output


def test_unknown_domain_exits_2() -> None:
    r = run(PLATFORM, "--domain", "nope")
    assert r.exit_code == 2 and "no domain nope" in r.output


def test_missing_file_exits_2(tmp_path: Path) -> None:
    assert run(str(tmp_path / "absent.yaml")).exit_code == 2


def test_settings_are_said_in_words_not_enum_values() -> None:
    r = run(PLATFORM, "--domain", "job-locks")  # lock-redis: one copy, so no failover
    assert "single-leader (sync replication, no failover, with fencing, reads from leader" in r.output
    assert "bounds: 1 replica, 2 clients, up to 3 client operations, up to 2 faults" in r.output


FOLLOWER_READS = """\
system: {name: reads}
services: [{id: api}]
stores:
  - id: kv
    kind: database
    replicas: 3
    replication: {topology: consensus, protocol: raft, mode: sync, read_from: followers}
  - id: db
    kind: database
    replicas: 2
    replication: {topology: single_leader, mode: sync, read_from: any, failover: {mode: automatic}}
  - id: near
    kind: database
    replicas: 3
    replication: {topology: consensus, protocol: raft, mode: sync, read_from: nearest}
domains:
  - {id: a, owner: api, store: kv, consistency: read_your_writes}
  - {id: b, owner: api, store: db, consistency: read_your_writes}
  - {id: c, owner: api, store: near, consistency: read_your_writes}
"""


def test_where_follower_reads_go_reads_as_english(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    model.write_text(FOLLOWER_READS)
    out = run(str(model)).output
    assert "reads go to followers and the model does not say which session guarantees" in out
    assert "reads go to any replica and the model does not say" in out
    assert "reads go to the nearest member and the model does not say" in out


def test_verify_and_baseline_take_imported_sources_with_an_overlay(tmp_path: Path, monkeypatch) -> None:
    # A manifest folder with its overlay, as `pacelc review` takes them: imported, then checked.
    from tests.helpers import run as run_pacelc

    manifests, overlay = str(EXAMPLES / "k8s-istio" / "manifests"), str(EXAMPLES / "k8s-istio" / "overlay.yaml")
    r = run(manifests, overlay, "--domain", "carts")
    assert r.exit_code in (0, 1), r.output
    assert "carts (eventual) on cart-cache" in r.output
    monkeypatch.chdir(tmp_path)
    code, _, err = run_pacelc("baseline", manifests, overlay)
    assert code == 0, err
    assert json.loads((tmp_path / "pacelc-baseline.json").read_text())["fingerprints"]
