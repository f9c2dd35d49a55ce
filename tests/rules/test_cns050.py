"""CNS050's fix follows the cause: writes acknowledged before disk need fsync or persistence."""

from __future__ import annotations

from pathlib import Path

from pacelc.analysis.facts import Facts
from pacelc.model import loads
from pacelc.rules.base import REGISTRY

FIXTURE = Path(__file__).parent / "fixtures" / "CNS050" / "fail-durability.yaml"


def test_lost_writes_before_disk_name_fsync_and_persistence() -> None:
    loaded = loads(FIXTURE.read_text(encoding="utf-8"), str(FIXTURE))
    found = {f.elements[0]: f for f in REGISTRY["CNS050"].run(loaded.model, Facts(loaded.model))}
    for domain in ("locks", "orders", "events"):
        assert "fsync before acknowledging" in found[domain].fix, domain
        assert "appendfsync always" in found[domain].fix
    assert found["locks"].where == ("stores", "lock-store", "durability")
    assert found["events"].where == ("topics", "stream")
    # the async, unfenced store loses its write through failover: fsync would not save it
    assert "fsync" not in found["stock"].fix and "synchronous replication or fencing" in found["stock"].fix
    assert found["stock"].where == ("stores", "inventory-db", "replication")


def test_a_leader_restarted_before_failover_gets_the_restart_fix() -> None:
    """Sync replication and fencing are already there: the fix must name the restart, not them."""
    path = FIXTURE.with_name("fail.yaml")
    loaded = loads(path.read_text(encoding="utf-8"), str(path))
    found = {f.elements[0]: f for f in REGISTRY["CNS050"].run(loaded.model, Facts(loaded.model))}
    orders = found["orders"]
    assert any("restarts" in s for s in orders.evidence["counterexample"])
    assert "restarted leader" in orders.fix and "remote_apply" in orders.fix
    assert "synchronous replication or fencing" not in orders.fix
    assert "restarted leader" not in found["stock"].fix  # async failover needs no restart
