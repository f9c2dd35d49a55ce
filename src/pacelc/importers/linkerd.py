"""Linkerd ServiceProfile (`linkerd.io/v1alpha2`) onto the calls to the service it names.

A profile's routes give a timeout (the whole request, retries included: `timeout.total_ms`) and
say whether a route may be retried. A retryable route is retried until its timeout or the
profile's retry budget runs out: Linkerd bounds retries by the budget, never by a count, so the
model's `retry.attempts` (a count) is left unset and the budget is written in the notes; a route
that is not retryable is not retried by the proxy (`retry.attempts: 1`, located at the route).
"""

from __future__ import annotations

from typing import Any

from pacelc.importers import mesh_defaults as md
from pacelc.importers.istio import Governed, MeshContext, _unused, duration_ms, is_mesh_rule
from pacelc.importers.kubernetes import Resource
from pacelc.model.loader import ModelError


def _disabled(ctx: MeshContext, gov: Governed) -> bool:
    res = ctx.workloads.get(gov.el.id)
    return res is not None and res.get("spec", "template", "metadata", "annotations", "linkerd.io/inject") == "disabled"


def apply_linkerd(ctx: MeshContext) -> None:
    profiles = [r for r in ctx.resources if r.kind == "ServiceProfile" and is_mesh_rule(r)]
    done: set[tuple[str, int]] = set()
    for sp in profiles:
        targets = ctx.resolve(sp.name, sp.namespace)
        for gov in ctx.calls_to(targets):
            if (gov.el.id, gov.index) in done or _disabled(ctx, gov):
                continue
            if "timeout" in gov.call or "retry" in gov.call:
                gov.note(f"ServiceProfile {sp.name} at {sp.where('metadata', 'name')} not applied: an Istio rule is")
                continue
            done.add((gov.el.id, gov.index))
            ctx.applied.add(id(sp))
            _profile(ctx, gov, sp)
    _unused(ctx, profiles)


def _profile(ctx: MeshContext, gov: Governed, sp: Resource) -> None:
    routes = [(i, r) for i, r in enumerate(sp.get("spec", "routes") or []) if isinstance(r, dict)]
    name = f"ServiceProfile {sp.name}"
    if not routes:
        gov.note(f"{name} at {sp.where('metadata', 'name')} has no routes: Linkerd applies no timeout or retry")
        return
    i, route = routes[0]
    at = ("spec", "routes", i)
    gov.note(
        f"{name} route {route.get('name')!r} at {sp.where(*at)} (the proxy's timeout and retries; the application "
        "client's own are still unknown)"
    )
    raw = route.get("timeout")
    if raw is None:
        gov.call["timeout"] = {"total_ms": md.LINKERD_TIMEOUT.value}
        gov.el.locs[(*gov.base, "timeout")] = sp.loc(*at) or sp.name_loc
        gov.note(f"no timeout on the route: {md.LINKERD_TIMEOUT.cite()}")
        ctx.use(md.LINKERD_TIMEOUT)
    else:
        ms = duration_ms(raw)
        loc = sp.loc(*at, "timeout") or sp.name_loc
        if ms is None or ms == 0:
            ctx.errors.append(ModelError(loc, f"{name}: route timeout {raw!r} is not a positive duration (e.g. 300ms)"))
        else:
            gov.call["timeout"] = {"total_ms": ms}
            gov.el.locs[(*gov.base, "timeout")] = loc
    if route.get("isRetryable") is True:
        gov.unknown(
            f"retry attempts unknown: route {route.get('name')!r} is retryable ({sp.where(*at, 'isRetryable')}): "
            f"Linkerd retries until the timeout or the retry budget runs out ({_budget(ctx, sp)}); "
            "the schema's attempts is a count and cannot say that, so retry is left unset"
        )
    else:
        gov.call["retry"] = {"attempts": 1}
        gov.el.locs[(*gov.base, "retry")] = sp.loc(*at, "isRetryable") or sp.loc(*at) or sp.name_loc
        gov.note(f"route {route.get('name')!r} is not retryable: the proxy does not retry it")
    for j, other in routes[1:]:
        retryable = "yes" if other.get("isRetryable") is True else "no"
        gov.note(
            f"{name} route {other.get('name')!r} at {sp.where('spec', 'routes', j)} (timeout {other.get('timeout')}, "
            f"retryable: {retryable}): not applied (the model holds one policy per call; the first route is used)"
        )
    extra = {k for k in route if k not in ("name", "condition", "responseClasses", "timeout", "isRetryable")}
    for key in sorted(extra):
        gov.note(
            f"{name} route field {key} at {sp.where(*at, key)}: not a ServiceProfile route field Linkerd reads; ignored"
        )


def _budget(ctx: MeshContext, sp: Resource) -> str:
    budget: Any = sp.get("spec", "retryBudget")
    if not isinstance(budget, dict):
        ctx.use(md.LINKERD_BUDGET)
        return f"no retryBudget: {md.LINKERD_BUDGET.cite()}"
    parts = [f"{k} {budget.get(k)}" for k in ("retryRatio", "minRetriesPerSecond", "ttl") if k in budget]
    return f"retryBudget {', '.join(parts)} at {sp.where('spec', 'retryBudget')}"
