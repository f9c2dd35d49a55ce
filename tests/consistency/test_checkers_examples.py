"""Hand-written histories with known verdicts (the classic anomalies)."""

from __future__ import annotations

from pacelc.analysis.consistency.checkers import (
    CAUSAL,
    LINEARIZABLE,
    MONOTONIC_READS,
    MONOTONIC_WRITES,
    NO_LOST_WRITES,
    NO_STALE_READS,
    READ_YOUR_WRITES,
    SEQUENTIAL,
    WRITES_FOLLOW_READS,
    check,
    check_session,
    lost_writes,
)
from pacelc.analysis.consistency.history import History, HistoryBuilder


def test_stale_read_is_sequential_but_not_linearizable() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(1, "read", result=None)
    h = b.build()
    assert not check(h, LINEARIZABLE)
    assert not check(h, NO_STALE_READS)
    assert check(h, SEQUENTIAL)
    assert check(h, CAUSAL)


def test_concurrent_read_may_see_either_value() -> None:
    b = HistoryBuilder()
    b.invoke(0, "write", arg=1)
    b.op(1, "read", result=1)
    b.op(1, "read", result=1)
    b.ret(0)
    assert check(b.build(), LINEARIZABLE)


def test_new_old_inversion_is_not_linearizable() -> None:
    b = HistoryBuilder()
    b.invoke(0, "write", arg=1)
    b.op(1, "read", result=1)
    b.op(2, "read", result=None)
    b.ret(0)
    h = b.build()
    assert not check(h, LINEARIZABLE)
    assert check(h, NO_STALE_READS)  # the write never completed: a weaker recency bound holds


def test_pending_write_may_take_effect() -> None:
    b = HistoryBuilder()
    b.invoke(0, "write", arg=1)  # never returns
    b.op(1, "read", result=1)
    assert check(b.build(), LINEARIZABLE)


def test_read_your_writes_violation() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(0, "read", result=None)
    h = b.build()
    assert not check(h, READ_YOUR_WRITES)
    assert check(h, MONOTONIC_READS)
    assert not check(h, CAUSAL)


def test_monotonic_reads_violation() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(0, "write", arg=2)
    b.op(1, "read", result=2)
    b.op(1, "read", result=1)
    h = b.build()
    # alone, MR can be met by arbitrating 2 before 1; with MW (writer's order) it cannot
    assert check(h, MONOTONIC_READS)
    assert not check_session(h, (MONOTONIC_READS, MONOTONIC_WRITES))
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(1, "read", result=1)
    b.op(1, "read", result=None)
    assert not check(b.build(), MONOTONIC_READS)


def test_monotonic_writes_violation() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(0, "write", arg=2)
    b.op(1, "read", result=2)
    b.op(1, "read", result=1)
    assert check(b.build(), MONOTONIC_WRITES)  # the reader broke MR+MW jointly, not MW alone
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(0, "write", arg=2)
    b.op(1, "read", result=1)
    b.op(1, "write", arg=3)  # WFR: 1 ≺ 3
    b.op(0, "write", arg=4)
    b.op(2, "read", result=2)
    b.op(2, "read", result=1)  # MR: 2 ⪯ 1, but MW says 1 ≺ 2
    h = b.build()
    assert not check_session(h, (MONOTONIC_WRITES, MONOTONIC_READS))


def test_writes_follow_reads_violation() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(1, "read", result=1)
    b.op(1, "write", arg=2)
    b.op(0, "write", arg=3)
    b.op(2, "read", result=2)
    b.op(2, "read", result=1)  # 2 then 1: arbitration 2 ≺ 1, but WFR needs 1 ≺ 2
    h = b.build()
    assert check(h, WRITES_FOLLOW_READS)  # each guarantee on its own is satisfiable
    assert not check_session(h, (WRITES_FOLLOW_READS, MONOTONIC_READS))


ALL_SESSION = (READ_YOUR_WRITES, MONOTONIC_READS, MONOTONIC_WRITES, WRITES_FOLLOW_READS)


def _two_writers(read0: int, read1: int) -> History:
    """Clients 0 and 1 write y=1 and y=2, then read y."""
    b = HistoryBuilder()
    b.op(0, "write", "y", arg=1)
    b.op(1, "write", "y", arg=2)
    b.op(0, "read", "y", result=read0)
    b.op(1, "read", "y", result=read1)
    return b.build()


def test_clients_seeing_concurrent_writes_in_opposite_orders_is_not_causal() -> None:
    # Each client sees its own write overwritten by the other's: causal memory (Ahamad et
    # al.) accepts this, since each client may serialize the concurrent writes its own way,
    # but no single arbitration order fits both, so read-your-writes fails; causal must
    # therefore include convergence for the lattice (causal ⇒ session guarantees) to hold.
    h = _two_writers(2, 1)
    v = check(h, CAUSAL)
    assert not v
    assert "different orders" in v.reason
    assert not check(h, READ_YOUR_WRITES)
    assert not check_session(h, ALL_SESSION)
    assert check(h, MONOTONIC_READS)
    assert not check(h, SEQUENTIAL)


def test_clients_agreeing_on_concurrent_writes_is_causal() -> None:
    h = _two_writers(2, 2)
    assert check(h, CAUSAL)
    assert check_session(h, ALL_SESSION)


def test_lost_acknowledged_write() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.fault("crash n1")
    b.op(-1, "read", result=None, final=True)
    h = b.build()
    assert [o.arg for o in lost_writes(h)] == [1]
    assert not check(h, NO_LOST_WRITES)
    assert not check(h, LINEARIZABLE)


def test_overwritten_write_is_not_lost() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(1, "write", arg=2)
    b.op(-1, "read", result=2, final=True)
    assert check(b.build(), NO_LOST_WRITES)


def test_concurrent_lww_loser_is_not_lost() -> None:
    b = HistoryBuilder()
    b.invoke(0, "write", arg=1)
    b.op(1, "write", arg=2)
    b.ret(0)
    b.op(-1, "read", result=1, final=True)
    assert check(b.build(), NO_LOST_WRITES)


def test_lost_update_by_older_write() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=1)
    b.op(1, "write", arg=2)
    b.op(-1, "read", result=1, final=True)
    assert not check(b.build(), NO_LOST_WRITES)


def test_lost_append() -> None:
    b = HistoryBuilder()
    b.op(0, "append", arg="a")
    b.op(1, "append", arg="b")
    b.op(-1, "read", result=("b",), final=True)
    h = b.build()
    assert [o.arg for o in lost_writes(h)] == ["a"]
    assert not check(h, LINEARIZABLE)


def test_cas_lost_update() -> None:
    b = HistoryBuilder()
    b.op(0, "write", arg=0)
    b.op(1, "cas", arg=(0, 1), result=True)
    b.op(2, "cas", arg=(0, 2), result=True)  # both increments won: one update is lost
    assert not check(b.build(), LINEARIZABLE)
    assert not check(b.build(), SEQUENTIAL)
