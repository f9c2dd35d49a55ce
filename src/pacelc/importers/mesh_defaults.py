"""What a service mesh does when a rule sets nothing: the one table of mesh defaults.

Each row names the mesh version it holds for and the public page it was taken from. The importers
apply a row only where the manifests show the workloads are in that mesh (an Istio rule or an
injection label; a Linkerd ServiceProfile for the service); anywhere else the value stays unknown.
A default this table does not hold (Istio's outlier-detection and connection-pool defaults among
them) is never filled in: the draft names it as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MeshDefault:
    mesh: str
    version: str
    what: str
    value: Any  # in pacelc's model terms; None: "nothing", said in `words`
    words: str  # the default in the mesh's own terms
    source: str

    def cite(self) -> str:
        return f"{self.mesh} {self.version} default {self.what}: {self.words} ({self.source})"


ISTIO_VERSION = "1.22"

# Istio's default retry policy for HTTP routes: 2 retries (3 attempts in pacelc's terms, which count
# the first), on the conditions below; Envoy's own back-off applies between attempts.
ISTIO_RETRY = MeshDefault(
    "Istio",
    ISTIO_VERSION,
    "retry policy of an HTTP route with no retries",
    {
        "attempts": 3,
        "retry_on": ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"],
    },
    "attempts 2 (retries after the first try), retryOn connect-failure,refused-stream,unavailable,cancelled,"
    "retriable-status-codes (503)",
    "https://istio.io/v1.22/docs/concepts/traffic-management/#retries ; retryOn as in istio/istio "
    "pilot/pkg/networking/core/route/retry/retry.go DefaultPolicy",
)

# Envoy's retry back-off, which Istio does not override: fully jittered exponential, 25 ms base,
# capped at 10 times the base.
ENVOY_BACKOFF = MeshDefault(
    "Envoy (Istio's proxy)",
    "1.30",
    "retry back-off",
    {"backoff": {"kind": "exponential", "base_ms": 25, "max_ms": 250, "multiplier": 2}, "jitter": "full"},
    "fully jittered exponential back-off, base interval 25 ms, max interval 10 x base",
    "https://www.envoyproxy.io/docs/envoy/v1.30.0/configuration/http/http_filters/router_filter "
    "(x-envoy-max-retries) and config.core.v3.BackoffStrategy",
)

# No timeout: the schema has no "no timeout on purpose" yet (issue 16 §3), so the call's timeout stays
# unset and the draft says this in words.
ISTIO_TIMEOUT = MeshDefault(
    "Istio",
    ISTIO_VERSION,
    "timeout of an HTTP route with no timeout",
    None,
    "none (the route timeout is disabled: the sidecar waits as long as the callee takes)",
    "https://istio.io/v1.22/docs/concepts/traffic-management/#timeouts",
)

LINKERD_VERSION = "2.15"

LINKERD_TIMEOUT = MeshDefault(
    "Linkerd",
    LINKERD_VERSION,
    "timeout of a ServiceProfile route with no timeout",
    10_000,
    "10 s (including retries)",
    "https://linkerd.io/2.15/features/retries-and-timeouts/",
)

LINKERD_BUDGET = MeshDefault(
    "Linkerd",
    LINKERD_VERSION,
    "retry budget of a ServiceProfile with no retryBudget",
    {"retryRatio": 0.2, "minRetriesPerSecond": 10, "ttl": "10s"},
    "retryRatio 0.2 (retries add at most 20 % load), minRetriesPerSecond 10, ttl 10s",
    "https://linkerd.io/2.15/features/retries-and-timeouts/ ; https://linkerd.io/2.15/reference/service-profiles/",
)

TABLE = (ISTIO_RETRY, ENVOY_BACKOFF, ISTIO_TIMEOUT, LINKERD_TIMEOUT, LINKERD_BUDGET)
