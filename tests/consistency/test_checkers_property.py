"""Property tests: each checker agrees with brute-force enumeration on small histories."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacelc.analysis.consistency.checkers import (
    MONOTONIC_READS,
    MONOTONIC_WRITES,
    READ_YOUR_WRITES,
    WRITES_FOLLOW_READS,
    check_causal,
    check_linearizable,
    check_sequential,
    check_session,
)
from pacelc.analysis.consistency.history import History, HistoryBuilder

from . import bruteforce as bf


@st.composite
def histories(draw: st.DrawFn, max_ops: int = 6, kinds: tuple[str, ...] = ("read", "write"),
              keys: tuple[str, ...] = ("x", "y"), clients: int = 3) -> History:
    """Random concurrent histories: unique written values, read results drawn from values
    that were written (or the initial one, or occasionally a value nobody wrote)."""
    n = draw(st.integers(1, max_ops))
    b = HistoryBuilder()
    open_: dict[int, tuple[str, str]] = {}
    invoked = 0
    written: dict[str, list[int]] = {k: [] for k in keys}
    nextval = 1
    while invoked < n or open_:
        idle = [c for c in range(clients) if c not in open_]
        choices = [("inv", c) for c in idle] if invoked < n else []
        choices += [("ret", c) for c in sorted(open_)]
        if invoked >= n and draw(st.integers(0, 9)) == 0:
            break  # leave the rest pending
        what, c = draw(st.sampled_from(choices))
        if what == "inv":
            kind = draw(st.sampled_from(kinds))
            key = draw(st.sampled_from(keys))
            if kind == "write":
                arg = nextval
                written[key].append(nextval)
                nextval += 1
            elif kind == "cas":
                arg = (draw(st.sampled_from([None, *range(1, nextval)])), nextval)
                written[key].append(nextval)
                nextval += 1
            else:
                arg = None
            b.invoke(c, kind, key, arg)
            open_[c] = (kind, key)
            invoked += 1
        else:
            kind, key = open_.pop(c)
            if kind == "read":
                b.ret(c, draw(st.sampled_from([None, *written[key], 99])))
            elif kind == "cas":
                b.ret(c, draw(st.booleans()))
            else:
                b.ret(c, None)
    return b.build()


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories(kinds=("read", "write", "cas")))
def test_linearizable_matches_bruteforce(h: History) -> None:
    assert check_linearizable(h).ok == bf.linearizable(h)


@SETTINGS
@given(histories(kinds=("read", "write", "cas")))
def test_sequential_matches_bruteforce(h: History) -> None:
    assert check_sequential(h).ok == bf.sequential(h)


@SETTINGS
@given(histories(max_ops=5))
def test_causal_matches_bruteforce(h: History) -> None:
    assert check_causal(h).ok == bf.causal(h)


@SETTINGS
@given(histories(clients=2), st.sampled_from([READ_YOUR_WRITES, MONOTONIC_READS, MONOTONIC_WRITES,
                                              WRITES_FOLLOW_READS]))
def test_session_matches_bruteforce(h: History, model: str) -> None:
    assert check_session(h, model).ok == bf.session(h, model)


@SETTINGS
@given(histories(clients=2))
def test_joint_session_guarantees_match_bruteforce(h: History) -> None:
    allm = (READ_YOUR_WRITES, MONOTONIC_READS, MONOTONIC_WRITES, WRITES_FOLLOW_READS)
    assert check_session(h, allm).ok == bf.session(h, allm)


@SETTINGS
@given(histories())
def test_lattice_is_respected(h: History) -> None:
    # stronger models accept fewer histories
    lin, seq, cau = check_linearizable(h).ok, check_sequential(h).ok, check_causal(h).ok
    assert not lin or seq
    assert not seq or cau
    if cau:
        allm = (READ_YOUR_WRITES, MONOTONIC_READS, MONOTONIC_WRITES, WRITES_FOLLOW_READS)
        assert check_session(h, allm).ok


def _sequential_histories(max_ops: int, clients: int) -> Iterator[History]:
    """Every history of up to ``max_ops`` non-overlapping reads and writes on one key: the
    divergent histories that separate causal memory from causal+ are too rare for the
    random strategy to meet reliably."""
    for n in range(1, max_ops + 1):
        for steps in itertools.product(itertools.product(range(clients), ("read", "write")), repeat=n):
            nwrites = sum(kind == "write" for _, kind in steps)
            nreads = n - nwrites
            # a read may return any value written anywhere in the history (or the initial one)
            for results in itertools.product([None, *range(1, nwrites + 1)], repeat=nreads):
                b = HistoryBuilder()
                val, res = 0, iter(results)
                for c, kind in steps:
                    if kind == "write":
                        val += 1
                        b.op(c, "write", arg=val)
                    else:
                        b.op(c, "read", result=next(res))
                yield b.build()


def test_causal_matches_bruteforce_on_every_small_history() -> None:
    allm = (READ_YOUR_WRITES, MONOTONIC_READS, MONOTONIC_WRITES, WRITES_FOLLOW_READS)
    for h in _sequential_histories(4, 2):
        cau = check_causal(h).ok
        assert cau == bf.causal(h), h
        assert not cau or check_session(h, allm).ok, h
