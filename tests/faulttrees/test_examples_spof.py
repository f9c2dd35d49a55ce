"""The single points of failure a reviewer would name on the examples, and no other."""

from __future__ import annotations

import pytest

from pacelc.analysis.facts import Facts
from pacelc.model import load
from tests.helpers import EXAMPLES

EXPECTED = {
    # The payment provider is external and payment-service has no fallback for it.
    "checkout": {("psp-gateway", "place-order"), ("psp-gateway", "refund-order")},
    # entitlement-db is one replica in one zone; doc-sync-service leaves its spread unspecified, so all its
    # replicas may land in us-east-1a.
    "collab": {("entitlement-db", "edit-document"), ("doc-sync-service", "edit-document")},
    # meta-store has 2 of its 4 members in fra-az1 (losing it loses the majority); lock-redis is one instance.
    "platform": {("meta-store", "deploy"), ("lock-redis", "execute-job")},
}


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_single_points_of_failure(example: str) -> None:
    facts = Facts(load([EXAMPLES / example / "system.yaml"]).model)
    found = {(sp.culprit, op) for op, points in facts.single_points.items() for sp in points}
    assert found == EXPECTED[example]
