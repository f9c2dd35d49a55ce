"""Service-mesh rules onto the calls the Kubernetes importer found: Istio VirtualService and
DestinationRule here, Linkerd ServiceProfile in `linkerd.py`.

A rule governs a call when the host it names (short name, `svc.ns`, FQDN) resolves, through the
Kubernetes Service's selector, to the call's target workload. Every value set from a rule is
located at its line in the rule's manifest, so a finding (timeout inversion, retry storm,
ejection of every host) points at the line to change. What a mesh does when a rule sets nothing
comes only from `mesh_defaults` (version and source named in the draft), and only where the
manifests show the workloads are in that mesh; what the schema cannot say goes to the caller's
notes, never dropped.

Mapping (Istio's words to pacelc's): `timeout` is the route's overall deadline including retries
(`timeout.total_ms`); `retries.perTryTimeout` is one attempt's (`timeout.read_ms`);
`retries.attempts` counts retries after the first try, pacelc's `retry.attempts` counts the first
too (attempts + 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pacelc.importers import mesh_defaults as md
from pacelc.importers.compose import Element
from pacelc.importers.kubernetes import WORKLOADS, Resource, _matches
from pacelc.model.loader import ModelError
from pacelc.model.schema import MAX_RETRY_ATTEMPTS
from pacelc.model.source import Loc, Path

ISTIO_KINDS = ("VirtualService", "DestinationRule")

_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_MS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_HTTP_PORT = re.compile(r"^(http|http2|grpc|grpc-web)(-|$)", re.I)


def is_mesh_rule(res: Resource) -> bool:
    """An Istio VirtualService/DestinationRule or a Linkerd ServiceProfile (by API group, not name)."""
    api = str(res.data.get("apiVersion", ""))
    if res.kind in ISTIO_KINDS:
        return api.startswith("networking.istio.io/")
    return res.kind == "ServiceProfile" and api.startswith("linkerd.io/")


def duration_ms(value: Any) -> float | None:
    """A Go/protobuf duration (`1.5s`, `300ms`, `1m30s`) in ms; None when it is not one."""
    text = str(value).strip()
    if not text or isinstance(value, bool):
        return None
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_MS[match.group(2)]
        pos = match.end()
    return total if pos == len(text) else None


@dataclass
class Governed:
    """One imported call a rule applies to."""

    el: Element
    index: int
    call: dict[str, Any]

    @property
    def base(self) -> Path:
        return ("calls", self.index)

    def note(self, text: str) -> None:
        self.el.notes.append(f"call to {self.call['to']}: {text}")

    def unknown(self, text: str) -> None:
        self.el.unknowns.append(f"call to {self.call['to']}: {text}")


@dataclass
class MeshContext:
    """What every mesh rule needs: Services, workloads, the imported elements, errors and the
    defaults applied (in the order first used)."""

    resources: list[Resource]
    elements: list[Element]
    errors: list[ModelError] = field(default_factory=list)
    used: list[md.MeshDefault] = field(default_factory=list)
    applied: set[int] = field(default_factory=set)  # id() of the rules that governed an imported call
    system_notes: list[str] = field(default_factory=list)  # rules that governed nothing, and why

    def __post_init__(self) -> None:
        self.services = [r for r in self.resources if r.kind == "Service"]
        self.workloads = {r.name: r for r in self.resources if r.kind in WORKLOADS}
        self.by_id = {el.id: el for el in self.elements}

    def use(self, default: md.MeshDefault) -> None:
        if default not in self.used:
            self.used.append(default)

    def resolve(self, host: Any, namespace: str) -> list[str]:
        """Workloads a mesh host reaches: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`."""
        name = str(host).lower().rstrip(".")
        for suffix in (".svc.cluster.local", ".svc"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        parts = name.split(".")
        if len(parts) > 2 or "*" in name:
            return []  # wildcards and external hosts: no workload here
        svc, ns = parts[0], parts[1] if len(parts) == 2 else namespace
        for service in self.services:
            if service.name == svc and service.namespace == ns:
                selector = service.get("spec", "selector")
                return [
                    wl
                    for wl, res in self.workloads.items()
                    if res.namespace == ns and _matches(selector, res.get("spec", "template", "metadata", "labels"))
                ]
        return []

    def calls_to(self, targets: Iterable[str]) -> list[Governed]:
        wanted = set(targets)
        out = []
        for el in self.elements:
            for index, call in enumerate(el.data.get("calls") or []):
                if call.get("to") in wanted:
                    out.append(Governed(el, index, call))
        return out

    def http_ports(self, target: str) -> bool | None:
        """Whether the target's Services declare HTTP/gRPC ports (Istio's protocol selection by
        port name or appProtocol): True, False (declared otherwise), None (not declared)."""
        res = self.workloads.get(target)
        if res is None:
            return None
        verdicts: set[bool] = set()
        for service in self.services:
            if service.namespace != res.namespace or not _matches(
                service.get("spec", "selector"), res.get("spec", "template", "metadata", "labels")
            ):
                continue
            for port in service.get("spec", "ports") or []:
                if not isinstance(port, dict):
                    continue
                proto = port.get("appProtocol") or port.get("name")
                if proto:
                    verdicts.add(bool(_HTTP_PORT.match(str(proto))))
        if True in verdicts:
            return True
        return False if verdicts else None


def _label(res: Resource, key: str) -> Any:
    for where in (("spec", "template", "metadata", "labels"), ("spec", "template", "metadata", "annotations")):
        found = res.get(*where, key)
        if found is not None:
            return found
    return None


def istio_mesh(resources: list[Resource]) -> Loc | None:
    """Where the manifests show an Istio mesh: the first Istio rule, or injection label; else None."""
    for res in resources:
        if res.kind in ISTIO_KINDS and is_mesh_rule(res):
            return res.name_loc
        if res.kind == "Namespace" and (
            res.get("metadata", "labels", "istio-injection") == "enabled"
            or res.get("metadata", "labels", "istio.io/rev") is not None
        ):
            return res.name_loc
        if res.kind in WORKLOADS and str(_label(res, "sidecar.istio.io/inject")).lower() == "true":
            return res.name_loc
    return None


def apply_mesh(resources: list[Resource], elements: list[Element]) -> MeshContext:
    """Apply every mesh rule (and, in a mesh, its defaults) to the imported calls, in place."""
    from pacelc.importers import linkerd  # one module per mesh; linkerd needs this one's context

    ctx = MeshContext(resources, elements)
    mesh_at = istio_mesh(resources)
    if mesh_at is not None:
        _apply_istio(ctx, mesh_at)
    linkerd.apply_linkerd(ctx)
    return ctx


# ----------------------------------------------------------------------------- Istio


def _sidecar_off(ctx: MeshContext, el: Element) -> bool:
    res = ctx.workloads.get(el.id)
    return res is not None and str(_label(res, "sidecar.istio.io/inject")).lower() == "false"


def _apply_istio(ctx: MeshContext, mesh_at: Loc) -> None:
    rules = [r for r in ctx.resources if r.kind in ISTIO_KINDS and is_mesh_rule(r)]
    routed: dict[tuple[str, int], list[tuple[Resource, int]]] = {}
    for vs in (r for r in rules if r.kind == "VirtualService"):
        gateways = vs.get("spec", "gateways")
        if isinstance(gateways, list) and gateways and "mesh" not in gateways:
            ctx.applied.add(id(vs))
            ctx.system_notes.append(
                f"VirtualService {vs.name} at {vs.where('metadata', 'name')} applies at gateways "
                f"{', '.join(map(str, gateways))} only (no `mesh`): not to calls between workloads"
            )
            continue
        for i, route in enumerate(vs.get("spec", "http") or []):
            if not isinstance(route, dict):
                continue
            targets: list[str] = []
            for dest in route.get("route") or []:
                host = dest.get("destination", {}).get("host") if isinstance(dest, dict) else None
                if host is not None:
                    targets.extend(ctx.resolve(host, vs.namespace))
            for gov in ctx.calls_to(targets):
                routed.setdefault((gov.el.id, gov.index), []).append((vs, i))
    for el in ctx.elements:
        if el.section != "services":
            continue
        for index, call in enumerate(el.data.get("calls") or []):
            gov = Governed(el, index, call)
            if _sidecar_off(ctx, el):
                gov.note("no Istio rule or default applied: the caller's pod has sidecar.istio.io/inject false")
                continue
            # A route with no `match` takes every request the others leave (Istio's catch-all), so it
            # governs the call as a whole; without one, the first route in file order is used.
            routes = sorted(routed.get((el.id, index), []), key=lambda vi: "match" in vi[0].get("spec", "http", vi[1]))
            if routes:
                vs, i = routes[0]
                ctx.applied.update(id(other) for other, _ in routes)
                _route(ctx, gov, vs, i)
                for other, j in routes[1:]:
                    gov.note(
                        f"also routed by VirtualService {other.name} http[{j}] at {other.where('spec', 'http', j)}: "
                        "not applied (the model holds one policy per call: the catch-all route is used, else the first)"
                    )
            elif call["to"] in ctx.by_id and ctx.by_id[call["to"]].section == "stores":
                gov.note(
                    f"not HTTP (a {ctx.by_id[call['to']].data.get('engine')} store): Istio's HTTP retry and timeout "
                    "defaults do not apply"
                )
            elif ctx.http_ports(call["to"]) is True:
                gov.note(f"no VirtualService route; the workloads are in an Istio mesh ({mesh_at.file}:{mesh_at.line})")
                _default_retry(ctx, gov)
                _default_timeout(ctx, gov)
            else:
                gov.unknown(
                    "Istio retry and timeout defaults unknown: no VirtualService route, and the callee's Service "
                    "ports are not named http/grpc (Istio's HTTP defaults apply only to traffic it detects as HTTP)"
                )
            _destination_rules(ctx, gov, rules)
    _unused(ctx, rules)


def _unused(ctx: MeshContext, rules: list[Resource]) -> None:
    """A rule that governs no imported call is said once: usually the calls are made from code with
    host names the manifests do not show, so the rule's values have nothing to land on."""
    for rule in rules:
        if id(rule) in ctx.applied:
            continue
        ctx.system_notes.append(
            f"{rule.kind} {rule.name} at {rule.where('metadata', 'name')} governs no imported call: no env, "
            "ConfigMap or argument in the manifests names its host, so its settings are not applied"
        )


def _route(ctx: MeshContext, gov: Governed, vs: Resource, i: int) -> None:
    route = vs.get("spec", "http", i)
    at = ("spec", "http", i)
    name = f"VirtualService {vs.name} http[{i}]"
    gov.note(
        f"{name} at {vs.where(*at)} (the sidecar's timeout and retries; the application client's own are still unknown)"
    )
    if "fault" in route:
        gov.note(f"fault injection at {vs.where(*at, 'fault')} ignored (a test setting, not a resilience policy)")
    retries = route.get("retries")
    timeout: dict[str, float] = {}
    disabled_at: Loc | None = None  # the route's `timeout: 0s`: no overall deadline, on purpose
    for key, field_name, path in (
        ("timeout", "total_ms", (*at, "timeout")),
        ("perTryTimeout", "read_ms", (*at, "retries", "perTryTimeout")),
    ):
        raw = (
            route.get("timeout")
            if key == "timeout"
            else (retries or {}).get(key)
            if isinstance(retries, dict)
            else None
        )
        if raw is None:
            continue
        ms = duration_ms(raw)
        loc = vs.loc(*path) or vs.name_loc
        if ms is None:
            ctx.errors.append(ModelError(loc, f"{name}: {key} {raw!r} is not a duration (e.g. 2s, 500ms)"))
        elif ms == 0:
            gov.note(f"{key} 0s at {vs.where(*path)}: disabled on purpose")
            if key == "timeout":
                disabled_at = loc
        else:
            timeout[field_name] = ms
            gov.el.locs[(*gov.base, "timeout", field_name)] = loc
    if timeout:
        gov.call["timeout"] = {k: timeout[k] for k in ("read_ms", "total_ms") if k in timeout}
        gov.el.locs[(*gov.base, "timeout")] = (
            vs.loc(*at, "timeout") or vs.loc(*at, "retries", "perTryTimeout") or vs.name_loc
        )
    elif disabled_at is not None:
        # No deadline and no per-try timeout: the route waits as long as the callee takes, by design.
        gov.call["timeout"] = {"disabled": True}
        gov.el.locs[(*gov.base, "timeout")] = gov.el.locs[(*gov.base, "timeout", "disabled")] = disabled_at
    elif route.get("timeout") is None:
        _default_timeout(ctx, gov)
    if not isinstance(retries, dict):
        _default_retry(ctx, gov, vs.loc(*at) or vs.name_loc)
        return
    attempts = retries.get("attempts")
    retry_loc = vs.loc(*at, "retries") or vs.name_loc
    if attempts is None:
        total = md.ISTIO_RETRY.value["attempts"]
        gov.note(f"retries at {vs.where(*at, 'retries')} without attempts: {md.ISTIO_RETRY.cite()}")
        ctx.use(md.ISTIO_RETRY)
    elif isinstance(attempts, int) and not isinstance(attempts, bool) and 0 <= attempts < MAX_RETRY_ATTEMPTS:
        total = attempts + 1
    else:
        ctx.errors.append(
            ModelError(
                vs.loc(*at, "retries", "attempts") or retry_loc,
                f"{name}: retries.attempts {attempts!r} is not a whole number from 0 to {MAX_RETRY_ATTEMPTS - 1}",
            )
        )
        return
    retry: dict[str, Any] = {"attempts": total}
    retry_on = retries.get("retryOn")
    if total == 1:
        pass  # attempts 0: no retry, so what is retried does not matter
    elif retry_on is not None:
        retry["retry_on"] = [c.strip() for c in str(retry_on).split(",") if c.strip()]
    else:
        retry["retry_on"] = list(md.ISTIO_RETRY.value["retry_on"])
        gov.note(f"retryOn absent: {md.ISTIO_RETRY.cite()}")
        ctx.use(md.ISTIO_RETRY)
    if total > 1:
        retry.update(md.ENVOY_BACKOFF.value)
        ctx.use(md.ENVOY_BACKOFF)
    gov.call["retry"] = retry
    gov.el.locs[(*gov.base, "retry")] = retry_loc
    if attempts is not None:
        gov.el.locs[(*gov.base, "retry", "attempts")] = vs.loc(*at, "retries", "attempts") or retry_loc


def _default_retry(ctx: MeshContext, gov: Governed, loc: Loc | None = None) -> None:
    gov.call["retry"] = {**md.ISTIO_RETRY.value, **md.ENVOY_BACKOFF.value}
    gov.call["retry"]["retry_on"] = list(md.ISTIO_RETRY.value["retry_on"])
    if loc is not None:
        gov.el.locs[(*gov.base, "retry")] = loc
    gov.note(f"no retries set: {md.ISTIO_RETRY.cite()}; back-off: {md.ENVOY_BACKOFF.words}")
    ctx.use(md.ISTIO_RETRY)
    ctx.use(md.ENVOY_BACKOFF)


def _default_timeout(ctx: MeshContext, gov: Governed) -> None:
    gov.unknown(
        f"timeout: {md.ISTIO_TIMEOUT.cite()}: the sidecar sets none, which is the platform's default, not a "
        "choice the route states, so it is left unset; the application client's own timeout is not in the manifests"
    )
    ctx.use(md.ISTIO_TIMEOUT)


def _destination_rules(ctx: MeshContext, gov: Governed, rules: list[Resource]) -> None:
    for dr in (r for r in rules if r.kind == "DestinationRule"):
        if gov.call["to"] not in ctx.resolve(dr.get("spec", "host"), dr.namespace):
            continue
        policy = dr.get("spec", "trafficPolicy")
        base = ("spec", "trafficPolicy")
        name = f"DestinationRule {dr.name}"
        for i, subset in enumerate(dr.get("spec", "subsets") or []):
            if isinstance(subset, dict) and isinstance(subset.get("trafficPolicy"), dict):
                gov.note(
                    f"{name} subset {subset.get('name')} has its own trafficPolicy at "
                    f"{dr.where('spec', 'subsets', i, 'trafficPolicy')}: not applied (subsets are not modelled)"
                )
        if not isinstance(policy, dict):
            ctx.applied.add(id(dr))  # subsets only: nothing the model holds
            continue
        if isinstance(policy.get("portLevelSettings"), list):
            gov.note(
                f"{name} portLevelSettings at {dr.where(*base, 'portLevelSettings')}: not applied (ports are not "
                "modelled)"
            )
        _outlier(ctx, gov, dr, name, policy.get("outlierDetection"), (*base, "outlierDetection"))
        _pool(gov, dr, name, policy.get("connectionPool"), (*base, "connectionPool"))
        ctx.applied.add(id(dr))
        return  # Istio uses one DestinationRule per host


def _outlier(ctx: MeshContext, gov: Governed, dr: Resource, name: str, od: Any, at: Path) -> None:
    if not isinstance(od, dict):
        return
    data: dict[str, Any] = {}
    locs: dict[str, Loc] = {}
    errors = [(k, od[k]) for k in ("consecutive5xxErrors", "consecutiveGatewayErrors") if od.get(k) is not None]
    counted = [(k, v) for k, v in errors if isinstance(v, int) and not isinstance(v, bool) and v >= 1]
    if counted:
        key, value = min(counted, key=lambda kv: kv[1])
        data["consecutive_errors"] = value
        locs["consecutive_errors"] = dr.loc(*at, key) or dr.name_loc
        if len(counted) > 1:
            gov.note(f"{name}: both consecutive5xxErrors and consecutiveGatewayErrors set; the smaller ({key}) is used")
    percent = od.get("maxEjectionPercent")
    if percent is not None:
        if isinstance(percent, int | float) and not isinstance(percent, bool) and 0 < percent <= 100:
            data["max_ejection_percent"] = percent
            locs["max_ejection_percent"] = dr.loc(*at, "maxEjectionPercent") or dr.name_loc
        elif percent == 0:
            gov.note(f"{name}: maxEjectionPercent 0 at {dr.where(*at, 'maxEjectionPercent')}: no host is ever ejected")
        else:
            ctx.errors.append(
                ModelError(
                    dr.loc(*at, "maxEjectionPercent") or dr.name_loc,
                    f"{name}: maxEjectionPercent {percent!r} is not a percentage from 0 to 100",
                )
            )
    else:
        gov.unknown(f"{name}: maxEjectionPercent absent: Istio's default is not in the mesh defaults table")
    base_time = od.get("baseEjectionTime")
    if base_time is not None:
        ms = duration_ms(base_time)
        if ms is None or ms == 0:
            ctx.errors.append(
                ModelError(
                    dr.loc(*at, "baseEjectionTime") or dr.name_loc,
                    f"{name}: baseEjectionTime {base_time!r} is not a positive duration",
                )
            )
        else:
            data["base_ejection_s"] = ms / 1000
            locs["base_ejection_s"] = dr.loc(*at, "baseEjectionTime") or dr.name_loc
    for key in ("interval", "minHealthPercent", "splitExternalLocalOriginErrors", "consecutiveLocalOriginFailures"):
        if key in od:
            gov.note(
                f"{name}: outlierDetection {key} {od[key]} at {dr.where(*at, key)} (known, no place in the schema)"
            )
    if not data:
        return
    gov.call["outlier_ejection"] = data
    # maxEjectionPercent decides whether every host can be ejected: the line a finding points at.
    gov.el.locs[(*gov.base, "outlier_ejection")] = locs.get("max_ejection_percent") or dr.loc(*at) or dr.name_loc
    for key, loc in locs.items():
        gov.el.locs[(*gov.base, "outlier_ejection", key)] = loc
    gov.note(f"outlier ejection from {name} at {dr.where(*at)}")


def _pool(gov: Governed, dr: Resource, name: str, pool: Any, at: Path) -> None:
    if not isinstance(pool, dict):
        return
    tcp = pool.get("tcp") if isinstance(pool.get("tcp"), dict) else {}
    http = pool.get("http") if isinstance(pool.get("http"), dict) else {}
    conns, pending = tcp.get("maxConnections"), http.get("http1MaxPendingRequests")

    def count(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 1

    if count(conns) and isinstance(pending, int) and not isinstance(pending, bool) and pending >= 0:
        # With HTTP/1.1 one connection carries one request at a time: connections bound concurrency.
        gov.call["bulkhead"] = {"max_concurrent": conns, "queue": pending}
        gov.el.locs[(*gov.base, "bulkhead")] = dr.loc(*at) or dr.name_loc
        gov.el.locs[(*gov.base, "bulkhead", "max_concurrent")] = dr.loc(*at, "tcp", "maxConnections") or dr.name_loc
        gov.el.locs[(*gov.base, "bulkhead", "queue")] = dr.loc(*at, "http", "http1MaxPendingRequests") or dr.name_loc
        gov.note(f"bulkhead from {name} connectionPool at {dr.where(*at)} (maxConnections, http1MaxPendingRequests)")
    elif conns is not None or pending is not None:
        gov.unknown(
            f"bulkhead unknown: {name} connectionPool at {dr.where(*at)} sets maxConnections {conns} and "
            f"http1MaxPendingRequests {pending}; both are needed, and Istio's defaults are not in the table"
        )
    for section, values in (("tcp", tcp), ("http", http)):
        for key, value in values.items():
            if key not in ("maxConnections", "http1MaxPendingRequests"):
                gov.note(
                    f"{name}: connectionPool {section}.{key} {value} at {dr.where(*at, section, key)} "
                    "(known, no place in the schema)"
                )
