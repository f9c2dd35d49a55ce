"""The collector pause: restored after the block; survivors frozen only where a command asked."""

from __future__ import annotations

import gc

import pytest

from pacelc import gcpause


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    if not was:
        gc.disable()


def test_the_collector_is_off_in_the_block_and_on_after(collector_on) -> None:
    with gcpause.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_stays_off_when_it_was_off(collector_on) -> None:
    gc.disable()
    with gcpause.gc_paused():
        pass
    assert not gc.isenabled()


def test_survivors_are_frozen_only_after_freeze_survivors(collector_on, monkeypatch) -> None:
    gc.unfreeze()
    with gcpause.gc_paused():
        kept = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == 0
    monkeypatch.setattr(gcpause, "_freeze_survivors", False)
    gcpause.freeze_survivors()
    with gcpause.gc_paused():
        kept.append([0])
    assert gc.get_freeze_count() >= len(kept)
