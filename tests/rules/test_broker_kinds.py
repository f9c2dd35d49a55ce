"""Rules that give broker advice know which kind of broker they judge (issue 17 §1)."""

from __future__ import annotations

from pacelc.model.loader import loads
from pacelc.review.engine import ReviewOptions, review

QUEUE = """
system: {name: shop}
services: [{id: shop}, {id: mailer}]
stores: [{id: broker, kind: %s}]
topics:
  - id: order-mail
    broker: broker
    delivery: at_least_once
    producers: [{service: shop}]
    consumers: [{service: mailer, dedup: none}]
"""


def _messages(kind: str, rule: str) -> list[str]:
    result = review(loads(QUEUE % kind), ReviewOptions(select=(rule,)))
    return [f.message for f in result.findings if f.rule == rule]


def test_a_poison_message_blocks_a_partition_only_on_a_log() -> None:
    (on_log,) = _messages("log", "TXN015")
    (on_queue,) = _messages("queue", "TXN015")
    assert "blocks its partition" in on_log
    assert "partition" not in on_queue and "redelivered forever" in on_queue


def test_idempotent_producer_advice_only_on_a_log() -> None:
    assert len(_messages("log", "TXN011")) == 1
    assert _messages("queue", "TXN011") == []
