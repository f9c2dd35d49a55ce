"""The Structurizr importer: a workspace (DSL or JSON export) to pacelc services, stores, calls,
regions and zones.

A workspace is read into one small in-memory form (`Workspace`: elements, relationships,
deployment environments, each with its file:line:col) by `structurizr_dsl` (the DSL, parsed with
lark) or `read_json` (the JSON export, parsed by the located YAML reader), and `build` maps that
form to pacelc elements, so the DSL and the JSON of one system give one model.

What a workspace says is taken as written; what it does not say stays unknown and is named: a
workspace has no place for client timeouts, retries, health checks, replication settings or
backups. Engine defaults come only from `engines.ENGINES`, for a container whose technology
names an engine there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pacelc.importers import engines
from pacelc.importers.compose import SYSTEM, Element, engine_fsync
from pacelc.model.loader import ModelError
from pacelc.model.source import Loc
from pacelc.model.yamlfile import Parsed, excerpt

__all__ = ["SYSTEM", "Relationship", "Workspace", "WsElement", "build", "read_json"]


@dataclass(eq=False)
class WsElement:
    """One element of a workspace (person, software system, container, component, deployment node,
    infrastructure node, container or software system instance) as written."""

    kind: str
    name: str
    loc: Loc  # its name (an instance: its keyword)
    parent: WsElement | None = None
    environment: str | None = None  # deployment elements: their environment
    attrs: dict[str, tuple[str, Loc]] = field(default_factory=dict)  # description, technology, instances
    tags: list[str] = field(default_factory=list)
    tag_locs: dict[Loc, str] = field(default_factory=dict)
    children: list[WsElement] = field(default_factory=list)
    instance_of: WsElement | None = None  # an instance: the container or software system it deploys

    def attr(self, key: str) -> str:
        return self.attrs.get(key, ("", self.loc))[0]


@dataclass(eq=False)
class Relationship:
    source: WsElement
    destination: WsElement
    loc: Loc
    environment: str | None = None
    attrs: dict[str, tuple[str, Loc]] = field(default_factory=dict)  # description, technology
    tags: list[str] = field(default_factory=list)
    interaction: str | None = None  # JSON's interactionStyle


@dataclass
class Workspace:
    file: str
    name_loc: Loc
    fmt: str  # "dsl" or "json"
    name: str | None = None
    elements: list[WsElement] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    environments: list[tuple[str, Loc]] = field(default_factory=list)  # in the order written
    errors: list[ModelError] = field(default_factory=list)
    skipped: list[tuple[Loc, str]] = field(default_factory=list)
    included: list[str] = field(default_factory=list)  # files read through !include


# ----------------------------------------------------------------------------- JSON

# Tags Structurizr gives every element of a kind: they say nothing the kind does not.
_BUILT_IN_TAGS = {
    "element", "person", "software system", "container", "component", "deployment node", "infrastructure node",
    "container instance", "software system instance", "relationship",
}  # fmt: skip


def read_json(shown: str, parsed: Parsed) -> Workspace:
    """A JSON export as a `Workspace`, each element located at its `name` in the file."""
    data = parsed.data

    def loc(*path: str | int) -> Loc:
        return parsed.values.get(path) or parsed.keys.get(path) or Loc(shown, 1, 1)

    ws = Workspace(shown, loc("name"), "json", name=str(data["name"]) if data.get("name") else None)
    by_id: dict[str, WsElement] = {}
    raw_rels: list[tuple[dict[str, Any], tuple[str | int, ...], str | None]] = []
    instances: list[tuple[WsElement, str, tuple[str | int, ...]]] = []

    def add(
        kind: str, raw: Any, path: tuple[str | int, ...], parent: WsElement | None, env: str | None = None
    ) -> WsElement | None:
        if not isinstance(raw, dict):
            ws.errors.append(ModelError(loc(*path), f"{kind}: an element must be an object"))
            return None
        el = WsElement(
            kind, str(raw.get("name") or ""), loc(*path, "name") if "name" in raw else loc(*path), parent, env
        )
        for key in ("description", "technology", "instances"):
            if raw.get(key) not in (None, ""):
                el.attrs[key] = (str(raw[key]), loc(*path, key))
        tags = [t.strip() for t in str(raw.get("tags") or "").split(",") if t.strip()]
        el.tags = [t for t in tags if t.lower() not in _BUILT_IN_TAGS]
        if str(raw.get("location", "")).lower() == "external":
            el.tags.append("External")
        if raw.get("id") is not None:
            by_id[str(raw["id"])] = el
        for i, rel in enumerate(raw.get("relationships") or [] if isinstance(raw.get("relationships"), list) else []):
            raw_rels.append((rel, (*path, "relationships", i), env))
        if parent is not None:
            parent.children.append(el)
        ws.elements.append(el)
        return el

    def listed(node: Any, key: str) -> list[Any]:
        value = node.get(key) if isinstance(node, dict) else None
        return value if isinstance(value, list) else []

    model = data["model"]
    for i, person in enumerate(listed(model, "people")):
        add("person", person, ("model", "people", i), None)
    for i, system in enumerate(listed(model, "softwareSystems")):
        path = ("model", "softwareSystems", i)
        sys_el = add("softwareSystem", system, path, None)
        for j, container in enumerate(listed(system, "containers")):
            c_el = add("container", container, (*path, "containers", j), sys_el)
            for k, component in enumerate(listed(container, "components")):
                add("component", component, (*path, "containers", j, "components", k), c_el)

    def node(raw: Any, path: tuple[str | int, ...], parent: WsElement | None) -> None:
        env = str(raw.get("environment") or "Default") if isinstance(raw, dict) else None
        if env is not None and env not in [e for e, _ in ws.environments]:
            ws.environments.append((env, loc(*path, "environment")))
        el = add("deploymentNode", raw, path, parent, env)
        if el is None:
            return
        for i, child in enumerate(listed(raw, "children")):
            node(child, (*path, "children", i), el)
        for i, infra in enumerate(listed(raw, "infrastructureNodes")):
            add("infrastructureNode", infra, (*path, "infrastructureNodes", i), el, env)
        for key, kind, ref in (
            ("containerInstances", "containerInstance", "containerId"),
            ("softwareSystemInstances", "softwareSystemInstance", "softwareSystemId"),
        ):
            for i, inst in enumerate(listed(raw, key)):
                inst_el = add(kind, inst, (*path, key, i), el, env)
                if inst_el is not None:
                    inst_el.loc = loc(*path, key, i, ref)
                    instances.append((inst_el, str(inst.get(ref)), (*path, key, i, ref)))

    for i, raw in enumerate(listed(model, "deploymentNodes")):
        node(raw, ("model", "deploymentNodes", i), None)
    for inst_el, ref, path in instances:
        target = by_id.get(ref)
        if target is None:
            ws.errors.append(ModelError(loc(*path), f"no element has the id {excerpt(ref)}"))
            inst_el.kind = "unresolved"
        else:
            inst_el.instance_of, inst_el.name = target, target.name
    for rel, path, env in raw_rels:
        if not isinstance(rel, dict) or rel.get("linkedRelationshipId") is not None:
            continue  # implied or replicated from another relationship: that one is read
        source, dest = by_id.get(str(rel.get("sourceId"))), by_id.get(str(rel.get("destinationId")))
        if source is None or dest is None:
            ws.errors.append(ModelError(loc(*path), "relationship: its sourceId or destinationId names no element"))
            continue
        r = Relationship(source, dest, loc(*path, "sourceId"), env, interaction=rel.get("interactionStyle"))
        for key in ("description", "technology"):
            if rel.get(key):
                r.attrs[key] = (str(rel[key]), loc(*path, key))
        r.tags = [t.strip() for t in str(rel.get("tags") or "").split(",") if t.strip().lower() not in _BUILT_IN_TAGS]
        ws.relationships.append(r)
    return ws


# ----------------------------------------------------------------------------- what is what

# Technology words naming an engine of the table (`engines.ENGINES`, by its `engine`).
_ENGINE_WORDS = {
    "postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "mariadb": "mariadb", "mongodb": "mongodb",
    "mongo": "mongodb", "cassandra": "cassandra", "redis": "redis", "valkey": "valkey", "memcached": "memcached",
    "elasticsearch": "elasticsearch", "opensearch": "opensearch", "etcd": "etcd", "consul": "consul",
    "zookeeper": "zookeeper", "kafka": "kafka", "rabbitmq": "rabbitmq", "nats": "nats", "minio": "minio",
}  # fmt: skip
# Technologies that say what kind of store a container is, with no row in the engine table.
_OTHER_STORES = {
    "oracle": "database", "mssql": "database", "dynamodb": "database", "cosmosdb": "database", "neo4j": "database",
    "couchbase": "database", "cockroachdb": "database", "spanner": "database", "hbase": "database",
    "clickhouse": "database", "influxdb": "database", "sqlite": "database", "sqs": "queue", "activemq": "queue",
    "servicebus": "queue", "kinesis": "log", "pulsar": "log", "eventhubs": "log", "s3": "object_store",
    "elasticache": "cache", "hazelcast": "cache",
}  # fmt: skip
# Tags that make a container a store (lower case).
_STORE_TAGS = {
    "database": "database", "datastore": "database", "data store": "database", "db": "database",
    "database schema": "database", "cache": "cache", "queue": "queue", "message queue": "queue",
    "message broker": "queue", "broker": "queue", "topic": "log", "event stream": "log", "event log": "log",
    "object store": "object_store", "bucket": "object_store",
}  # fmt: skip
# A technology naming a language or framework is a service that uses the engine, not the engine
# ("Java and Kafka Streams", "Spring Data Redis").
_APP_WORDS = re.compile(
    r"\b(java|spring|boot|kotlin|scala|python|django|flask|node|nodejs|javascript|typescript|react|angular|go|"
    r"golang|rust|net|dotnet|ruby|rails|php|lambda|function|streams|client|connect|api|service|app|application)\b"
)


def _words(text: str) -> list[str]:
    """Lower-case words of a technology, versions kept whole ("16.2"), two-word products joined."""
    text = text.lower()
    for two, one in (
        ("sql server", "mssql"),
        ("service bus", "servicebus"),
        ("event hub", "eventhubs"),
        ("cosmos db", "cosmosdb"),
    ):
        text = text.replace(two, one)
    return re.findall(r"[a-z0-9]+(?:\.[0-9]+)*", text)


@dataclass(frozen=True)
class _StoreKind:
    kind: str
    row: engines.Engine | None
    engine: str | None
    why: str
    loc: Loc
    version: str | None  # the version written after the engine's name in the technology


def store_kind(el: WsElement) -> _StoreKind | None:
    """Whether a container is a store, and which: by its technology's words (an engine of the
    table, or another store product) unless they name a language or framework, else by its tags."""
    tech, tech_loc = el.attrs.get("technology", ("", el.loc))
    words = _words(tech)
    if tech and not _APP_WORDS.search(tech.lower()):
        for n, word in enumerate(words):
            version = words[n + 1] if n + 1 < len(words) and words[n + 1][:1].isdigit() else None
            if word in _ENGINE_WORDS:
                row = next(r for r in engines.ENGINES if r.engine == _ENGINE_WORDS[word])
                return _StoreKind(row.kind, row, row.engine, f"technology {excerpt(tech)}", tech_loc, version)
            if word in _OTHER_STORES:
                return _StoreKind(_OTHER_STORES[word], None, word, f"technology {excerpt(tech)}", tech_loc, version)
    for loc, text in el.tag_locs.items():
        for tag in text.split(","):
            if tag.strip().lower() in _STORE_TAGS:
                return _StoreKind(
                    _STORE_TAGS[tag.strip().lower()], None, None, f"tag {excerpt(tag.strip())}", loc, None
                )
    for tag in el.tags:  # from an archetype or the JSON export: located at the element
        if tag.lower() in _STORE_TAGS:
            return _StoreKind(_STORE_TAGS[tag.lower()], None, None, f"tag {excerpt(tag)}", el.loc, None)
    return None


# The relationship words and technologies that make a call asynchronous (docs/importers.md).
_ASYNC_TEXT = re.compile(
    r"\b(async\w*|asynchronous\w*|publish\w*|subscri\w*|consum\w*|enqueue\w*|emits?|events?|messages?|"
    r"kafka|amqp|jms|mqtt|sqs|sns|nats|rabbitmq|pub/?sub|stomp)\b",
    re.I,
)
_ASYNC_TAGS = {"async", "asynchronous", "asynchronous call", "async call", "event", "message"}
_PROTOCOLS = (
    ("grpc", "grpc"), ("jdbc", "sql"), ("sql", "sql"), ("mysql protocol", "sql"), ("kafka", "kafka"),
    ("amqp", "amqp"), ("redis", "redis"), ("https", "http"), ("http", "http"), ("rest", "http"), ("json", "http"),
)  # fmt: skip


def call_mode(rel: Relationship) -> tuple[str, str]:
    """("async" or "sync", why): async when the relationship's interaction style or tags say so,
    or its description or technology has a word of `_ASYNC_TEXT`; sync otherwise."""
    if (rel.interaction or "").lower() == "asynchronous":
        return "async", "interactionStyle Asynchronous"
    for tag in rel.tags:
        if tag.lower() in _ASYNC_TAGS:
            return "async", f"tag {excerpt(tag)}"
    for key in ("description", "technology"):
        text = rel.attrs.get(key, ("", rel.loc))[0]
        match = _ASYNC_TEXT.search(text)
        if match:
            return "async", f"{key} {excerpt(text)} ({match.group(0)!r})"
    return "sync", "nothing in the relationship says asynchronous"


def protocol_of(technology: str) -> str | None:
    text = technology.lower()
    for needle, protocol in _PROTOCOLS:
        if re.search(rf"(?<![a-z]){re.escape(needle)}(?![a-z])", text):
            return protocol
    return None


# Region and zone codes of AWS (`eu-west-1`, `eu-west-1a`) and Google Cloud (`europe-west1`,
# `europe-west1-b`), by their geographic prefixes, so that a host name like `db-primary-1` is not
# taken for a region.
_AWS = r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:gov-|iso-)?(?:north|south|east|west|central)[a-z]*-\d{1,2}"
_GCP = r"(?:us|europe|asia|australia|northamerica|southamerica|me|africa)-[a-z]+\d{1,2}"
_ZONE = re.compile(
    rf"(?<![a-z0-9])(?P<code>{_AWS}[a-z]|{_GCP}-[a-z])(?![a-z0-9])|\b(availability[ -]zones?|zones?|az)\b", re.I
)
_REGION = re.compile(rf"(?<![a-z0-9])(?P<code>{_AWS}|{_GCP})(?![a-z0-9-])|\bregions?\b", re.I)


def failure_domain(node: WsElement) -> tuple[str, str, Loc] | None:
    """("zone" or "region", its id, where it is said) for a deployment node whose name,
    technology or tags name a zone (`eu-west-1a`, "Availability Zone") or a region (`eu-west-1`,
    "Region"); None for any other node."""
    texts = [(node.name, node.loc)]
    texts += [(node.attr("technology"), node.attrs["technology"][1])] if "technology" in node.attrs else []
    texts += [(", ".join(node.tags), next(iter(node.tag_locs), node.loc))] if node.tags else []
    for kind, pattern in (("zone", _ZONE), ("region", _REGION)):
        for text, loc in texts:
            match = pattern.search(text)
            if match:
                code = match.group("code") or next(
                    (m.group("code") for m in pattern.finditer(node.name) if m.group("code")), None
                )
                return kind, (code.lower() if code else slug(node.name)), loc
    return None


def slug(name: str) -> str:
    """An id from a name: "API Application" -> "api-application"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ----------------------------------------------------------------------------- the model


@dataclass
class StructurizrResult:
    elements: list[Element]
    name: str | None
    system_unknowns: list[str]
    errors: list[ModelError]
    skipped: list[tuple[Loc, str]]


_PRODUCTION = ("production", "prod", "live")


def build(ws: Workspace) -> StructurizrResult:
    """A workspace's containers (and software systems with none) as services and stores, their
    relationships as calls, and the chosen deployment environment as replicas, regions and zones."""
    system_notes: list[str] = []
    imported = _imported(ws, system_notes)
    ids = _ids(imported)
    elements: dict[WsElement, Element] = {}
    for ws_el in imported:
        elements[ws_el] = _element(ws_el, ids[ws_el])
    env = _environment(ws, system_notes)
    regions = _deployment(ws, env, elements, system_notes)
    _calls(ws, env, elements, system_notes)
    people = sum(1 for e in ws.elements if e.kind == "person")
    if people:
        system_notes.append(f"{people} people: users of the system, not modelled (their relationships are not calls)")
    system_notes.append(
        "a Structurizr workspace has no place for client timeouts, retries, circuit breakers, health checks, "
        "replication settings or backups: every call's and store's are unknown; an overlay model would add them"
    )
    ordered = sorted(regions, key=lambda e: e.id) + sorted(elements.values(), key=lambda e: (e.section, e.id))
    return StructurizrResult(ordered, ws.name, system_notes, list(ws.errors), list(ws.skipped))


def _imported(ws: Workspace, system_notes: list[str]) -> list[WsElement]:
    """Containers, and software systems that have none (a system with containers is a boundary,
    not one more service)."""
    out = []
    for el in ws.elements:
        has_containers = any(c.kind == "container" for c in el.children)
        if el.kind == "container" or (el.kind == "softwareSystem" and not has_containers):
            out.append(el)
        elif el.kind == "softwareSystem":
            system_notes.append(
                f"software system {excerpt(el.name)} ({el.loc}): its containers are imported, not itself"
            )
    return out


def _ids(imported: list[WsElement]) -> dict[WsElement, str]:
    """Ids from names (the DSL's identifiers are not in the JSON export, names are in both); a
    name two elements share takes its software system's name in front."""
    first = {el: slug(el.name) or el.kind.lower() for el in imported}
    counts: dict[str, int] = {}
    for value in first.values():
        counts[value] = counts.get(value, 0) + 1
    out: dict[WsElement, str] = {}
    used: set[str] = set()
    for el, value in first.items():
        if counts[value] > 1 and el.parent is not None:
            value = f"{slug(el.parent.name)}-{value}"
        base, n = value, 2
        while value in used:
            value, n = f"{base}-{n}", n + 1
        used.add(value)
        out[el] = value
    return out


def _element(ws_el: WsElement, el_id: str) -> Element:
    kind = store_kind(ws_el) if ws_el.kind == "container" else None
    if kind is None:
        el = Element("services", el_id, {"id": el_id}, ws_el.loc)
        if "description" in ws_el.attrs:
            el.data["description"] = ws_el.attr("description")
            el.locs[("description",)] = ws_el.attrs["description"][1]
        if "External" in ws_el.tags:
            el.data["external"] = True
            el.notes.append("external: tagged External (its own SLA stands in for replicas and placement)")
        if "technology" in ws_el.attrs:
            el.notes.append(f"technology {excerpt(ws_el.attr('technology'))}")
        el.notes.append(f"{ws_el.kind} {excerpt(ws_el.name)}")
        return el
    el = Element("stores", el_id, {"id": el_id, "kind": kind.kind}, ws_el.loc)
    el.locs[("kind",)] = kind.loc
    el.notes.append(f"container {excerpt(ws_el.name)}: a {kind.kind} store by its {kind.why}")
    if kind.engine is not None:
        el.data["engine"] = kind.engine
        el.locs[("engine",)] = kind.loc
    if kind.row is not None:
        _engine_facts(el, kind)
    else:
        what = f"engine {kind.engine}" if kind.engine else "no engine named"
        el.unknowns.append(f"durability unknown: {what}, not in the engine table")
        el.unknowns.append("replication settings unknown: a workspace does not describe them")
    return el


def _engine_facts(el: Element, kind: _StoreKind) -> None:
    """The engine table's row for a store named by its technology. Not `compose.engine_store_facts`:
    that one reads an image tag and the container's mounts, and a workspace has neither (where the
    data lives is unknown here, not "no volume")."""
    row = kind.row
    assert row is not None
    version = kind.version or "none"
    el.notes.append(
        f"engine defaults from the table row {row.engine} {row.version} (technology version {version}): {row.source}"
    )
    el.unknowns.append(f"replication settings unknown: a workspace does not describe them ({row.replication_note})")
    durability: dict[str, Any] = {}
    if row.in_memory:
        durability["persistent"] = False
        el.notes.append(f"persistent: false: {row.durability_note}")
    else:
        engine_fsync(el, row, kind.version, durability, named="the technology's version")
    if not row.in_memory:
        el.unknowns.append(
            "storage unknown: a workspace does not say where the data is kept (volume, disk); "
            + ("the model's default (persistent) stands" if durability else "durability left unset")
        )
    el.unknowns.append("backups unknown: a workspace does not describe backups")
    if durability:
        el.data["durability"] = durability
        el.locs[("durability",)] = kind.loc


def _environment(ws: Workspace, system_notes: list[str]) -> str | None:
    """The deployment environment read: the one named Production or Live, else the first."""
    if not ws.environments:
        system_notes.append(
            "no deployment environment: replicas and placement of every element are unknown (the model's default "
            "of 1 replica stands), and no region or zone is known"
        )
        return None
    names = [name for name, _ in ws.environments]
    chosen = next((n for n in names if n.strip().lower() in _PRODUCTION), names[0])
    loc = dict(ws.environments)[chosen]
    others = [n for n in names if n != chosen]
    why = "named as production" if chosen.strip().lower() in _PRODUCTION else "the first written"
    also = f"; not read: {', '.join(excerpt(n) for n in others)}" if others else ""
    system_notes.append(f"deployment environment {excerpt(chosen)} ({loc}) imported ({why}){also}")
    return chosen


@dataclass
class _Placed:
    count: int | None  # instances, None when a node's `instances` is not a number
    count_loc: Loc
    zone: tuple[str, str, Loc] | None  # (region id or "", zone id, where)
    region: str | None
    loc: Loc  # the instance's line: what to change to move it
    node: WsElement  # the instance


def _deployment(
    ws: Workspace, env: str | None, elements: dict[WsElement, Element], system_notes: list[str]
) -> list[Element]:
    """Regions and zones of the environment, and each element's replicas and placement."""
    if env is None:
        for el in elements.values():
            if not el.data.get("external"):
                el.unknowns.append("replicas and placement unknown: the workspace has no deployment environment")
        return []
    regions: dict[str, Element] = {}
    zone_ids: set[str] = set()
    placed: dict[WsElement, list[_Placed]] = {}
    infra = 0

    def walk(
        node: WsElement, count: int | None, count_loc: Loc | None, region: str | None, zone: tuple[str, str, Loc] | None
    ) -> None:
        nonlocal infra
        if node.kind == "deploymentNode":
            text = node.attr("instances") or "1"
            n = _instances(text)
            if n is None:
                count = None
            elif count is not None:
                count *= n
            if "instances" in node.attrs:
                count_loc = node.attrs["instances"][1]
                if ".." in text and n is not None:
                    system_notes.append(
                        f"deployment node {excerpt(node.name)}: instances {text}: its minimum {n} counted"
                    )
            domain = failure_domain(node)
            if domain and domain[0] == "region":
                region = domain[1]
                if region not in regions:
                    regions[region] = Element("regions", region, {"id": region, "zones": []}, node.loc)
                    regions[region].notes.append(
                        f"deployment node {excerpt(node.name)}: a region by its {_said(node, domain[2])}"
                    )
            elif domain and domain[0] == "zone":
                if region is None:
                    system_notes.append(
                        f"deployment node {excerpt(node.name)} ({node.loc}) is a zone in no region node: "
                        "not imported (the model's zones belong to regions); placement in it is unknown"
                    )
                    zone = ("", domain[1], node.loc)
                else:
                    zone_id = domain[1] if domain[1] not in zone_ids else f"{region}-{domain[1]}"
                    if zone_id not in zone_ids:
                        zone_ids.add(zone_id)
                        reg = regions[region]
                        reg.locs[("zones", len(reg.data["zones"]))] = node.loc
                        reg.data["zones"].append({"id": zone_id})
                        reg.notes.append(
                            f"zone {zone_id}: deployment node {excerpt(node.name)} ({node.loc.file}:{node.loc.line})"
                        )
                    zone = (region, zone_id, node.loc)
        elif node.kind == "infrastructureNode":
            infra += 1
        elif node.kind in ("containerInstance", "softwareSystemInstance") and node.instance_of is not None:
            # Located at the `instances` that multiplied it, else at the instance's own line.
            placed.setdefault(node.instance_of, []).append(
                _Placed(count, count_loc or node.loc, zone, region, node.loc, node)
            )
        for child in node.children:
            walk(child, count, count_loc, region, zone)

    for node in ws.elements:
        if node.kind == "deploymentNode" and node.parent is None and node.environment == env:
            walk(node, 1, None, None, None)
    if infra:
        system_notes.append(f"{infra} infrastructure nodes (load balancers, DNS, gateways): not modelled")
    for ws_el, el in elements.items():
        if not (el.data.get("external") and ws_el not in placed):
            _replicas(ws_el, el, placed.get(ws_el, []), env)
        if el.section == "stores" and "engine" not in el.data:
            _engine_from_nodes(el, placed.get(ws_el, []))
    _replication_words(ws, env, elements)
    return [r for r in regions.values()]


def _engine_from_nodes(el: Element, placed: list[_Placed]) -> None:
    """A store whose container names no engine, deployed on nodes whose technology or tags name
    one of the table (`Oracle 12c`, `Amazon Web Services - RDS MySQL instance`): that engine."""
    for p in placed:
        node = p.node.parent
        while node is not None:
            text = ", ".join(t for t in (node.attr("technology"), *node.tags) if t)
            probe = WsElement("container", node.name, node.loc, attrs={"technology": (text, node.loc)})
            found = store_kind(probe) if text else None
            if found is not None and found.engine is not None:
                # The engine goes after the kind, as for a store whose container names it.
                kind = _el_kind(el, found)
                rest = {k: v for k, v in el.data.items() if k not in ("id", "kind")}
                el.data.clear()
                el.data.update({"id": el.id, "kind": kind, "engine": found.engine, **rest})
                el.locs[("engine",)] = found.loc
                el.notes.append(
                    f"engine from deployment node {excerpt(node.name)}: its technology and tags "
                    f"{found.why.removeprefix('technology ')}"
                )
                el.unknowns[:] = [u for u in el.unknowns if not u.startswith("durability unknown: no engine named")]
                if found.row is not None:
                    el.unknowns[:] = [u for u in el.unknowns if not u.startswith("replication settings unknown")]
                    _engine_facts(el, found)
                else:
                    el.unknowns.append(f"durability unknown: engine {found.engine}, not in the engine table")
                return
            node = node.parent


def _el_kind(el: Element, found: _StoreKind) -> str:
    """The kind a tag gave, unless the engine's row says otherwise (a `Database` tag on Redis)."""
    return found.row.kind if found.row is not None else el.data["kind"]


def _replication_words(ws: Workspace, env: str, elements: dict[WsElement, Element]) -> None:
    """A relationship between deployment nodes that says it replicates ("Replicates data to") is
    named on the stores deployed in those nodes: replication is described in words only."""
    for rel in ws.relationships:
        text = rel.attrs.get("description", ("", rel.loc))[0]
        if rel.environment != env or not re.search(r"replicat", text, re.I):
            continue
        for end in (rel.source, rel.destination):
            for inst in _instances_under(end):
                el = elements.get(inst.instance_of) if inst.instance_of else None
                if el is not None and el.section == "stores":
                    note = (
                        f"replication described in words at {rel.loc.file}:{rel.loc.line} ({excerpt(text)}): "
                        "how is unknown"
                    )
                    if note not in el.notes:
                        el.notes.append(note)


def _instances_under(node: WsElement) -> list[WsElement]:
    if node.kind in ("containerInstance", "softwareSystemInstance"):
        return [node]
    return [i for child in node.children for i in _instances_under(child)]


def _said(node: WsElement, loc: Loc) -> str:
    if loc == node.loc:
        return f"name {excerpt(node.name)}"
    if "technology" in node.attrs and node.attrs["technology"][1] == loc:
        return f"technology {excerpt(node.attr('technology'))}"
    return f"tags {excerpt(', '.join(node.tags))}"


def _instances(text: str) -> int | None:
    """A node's `instances`: a number, or a range's minimum ("1..3"); None for "N" or "*"."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:\.\.\s*(\d+|[Nn*])\s*)?", text)
    return int(match.group(1)) if match else None


def _replicas(ws_el: WsElement, el: Element, placed: list[_Placed], env: str) -> None:
    if not placed:
        el.unknowns.append(
            f"replicas and placement unknown: no instance in deployment environment {excerpt(env)} (the model's "
            "default of 1 replica stands)"
        )
        return
    if any(p.count is None for p in placed):
        el.unknowns.append("replicas unknown: a deployment node's instances is not a number")
    else:
        total = sum(p.count or 0 for p in placed)
        if total >= 1:
            el.data["replicas"] = total
            el.locs[("replicas",)] = placed[0].count_loc
            where = ", ".join(f"{p.count} at {p.count_loc.file}:{p.count_loc.line}" for p in placed)
            el.notes.append(f"replicas {total}: instances in {excerpt(env)} ({where})")
            if el.section == "stores" and total > 1:
                el.notes.append(
                    f"{total} instances counted as replicas; how they replicate (topology, acknowledgement) is unknown"
                )
        else:
            el.unknowns.append("replicas unknown: deployed on nodes with 0 instances")
    zoned = [p for p in placed if p.zone is not None and p.zone[0]]
    if not zoned:
        regions = sorted({p.region for p in placed if p.region})
        where = f"in region {', '.join(regions)}, no zone named" if regions else "on no node named as a zone"
        el.unknowns.append(f"placement unknown: deployed {where}")
        return
    per_zone: dict[str, int] = {}
    for p in zoned:
        assert p.zone is not None
        per_zone[p.zone[1]] = per_zone.get(p.zone[1], 0) + (p.count or 0)
    counts = set(per_zone.values())
    spread = "one_per_zone" if counts == {1} else "even" if len(counts) == 1 else "unspecified"
    el.data["placement"] = {"zones": list(per_zone), "spread": spread}
    el.locs[("placement",)] = zoned[0].loc
    el.notes.append(f"placement: {', '.join(f'{z} ({n})' for z, n in per_zone.items())}: spread {spread}")
    if len(zoned) < len(placed):
        el.unknowns.append(f"placement partly unknown: {len(placed) - len(zoned)} of its instances are on no zone node")


def _model_element(end: WsElement, elements: dict[WsElement, Element]) -> tuple[Element | None, str]:
    """The imported element a relationship's end stands for: a component's container, an
    instance's container or system; else None and why."""
    node: WsElement | None = end
    if end.kind in ("containerInstance", "softwareSystemInstance"):
        node = end.instance_of
    while node is not None and node.kind == "component":
        node = node.parent
    if node is not None and node in elements:
        return elements[node], ""
    if node is not None and node.kind == "softwareSystem":
        return None, f"software system {excerpt(node.name)} has containers: name the container"
    return None, f"{end.kind} {excerpt(end.name)} is not modelled"


# Tags of containers that run on the user's device (diagram shapes Structurizr users give them).
_CLIENT_TAGS = {"web browser", "mobile app", "single page application", "single-page application", "spa", "mobile"}


def _client_side(end: WsElement) -> bool:
    node = end.instance_of if end.kind in ("containerInstance", "softwareSystemInstance") else end
    return node is not None and node.kind == "container" and any(t.lower() in _CLIENT_TAGS for t in node.tags)


def _calls(ws: Workspace, env: str | None, elements: dict[WsElement, Element], system_notes: list[str]) -> None:
    found: dict[tuple[str, str], list[tuple[Relationship, str, str]]] = {}
    by_id = {el.id: el for el in elements.values()}
    unused = 0
    for rel in ws.relationships:
        if rel.environment is not None and rel.environment != env:
            continue
        if rel.source.kind == "person" or rel.destination.kind == "person":
            continue
        source, _ = _model_element(rel.source, elements)
        dest, why_d = _model_element(rel.destination, elements)
        if source is None or dest is None:
            if source is not None:
                source.notes.append(f"relationship at {rel.loc.file}:{rel.loc.line}: no call ({why_d})")
            else:
                unused += 1
            continue
        if source is dest:
            continue
        if _client_side(rel.destination):
            # Serving a browser or mobile app its code is not a call: the app then calls the servers.
            source.notes.append(
                f"relationship to {dest.id} at {rel.loc.file}:{rel.loc.line}: delivers a client-side app, not a call"
            )
            continue
        mode, why = call_mode(rel)
        if source.section == "stores":
            if dest.section == "services" and source.data["kind"] in ("queue", "log"):
                # A broker delivering to a consumer: the consumer depends on the broker.
                source, dest = dest, source
                why = f"{why}; written as {source.id} <- {dest.id} (delivery from the broker)"
                mode = "async"
            else:
                source.notes.append(
                    f"relationship to {dest.id} at {rel.loc.file}:{rel.loc.line}: known, unused "
                    "(a store makes no calls)"
                )
                continue
        found.setdefault((source.id, dest.id), []).append((rel, mode, why))
    if unused:
        system_notes.append(
            f"{unused} relationships between elements that are not modelled (deployment or infrastructure nodes, "
            "systems with containers): no calls"
        )
    for (src_id, dst_id), rels in sorted(found.items()):
        el = by_id[src_id]
        modes = {m for _, m, _ in rels}
        mode = "async" if modes == {"async"} else "sync"
        rel, _, why = rels[0] if mode == "async" or len(rels) == 1 else next(r for r in rels if r[1] == "sync")
        call: dict[str, Any] = {"to": dst_id, "mode": mode}
        tech = rel.attrs.get("technology", ("", rel.loc))[0]
        protocol = protocol_of(tech) if tech else None
        if protocol:
            call["protocol"] = protocol
        calls = el.data.setdefault("calls", [])
        el.locs[("calls", len(calls))] = rel.loc
        calls.append(call)
        desc = rel.attrs.get("description", ("", rel.loc))[0]
        el.notes.append(
            f"call to {dst_id} ({rel.loc.file}:{rel.loc.line}{f', {excerpt(desc)}' if desc else ''}): {mode}, {why}"
            + (f"; {len(rels)} relationships merged" if len(rels) > 1 else "")
        )
    for el in elements.values():
        if el.data.get("calls"):
            targets = ", ".join(c["to"] for c in el.data["calls"])
            el.unknowns.append(
                f"calls to {targets}: timeout, retry and operation unknown (a workspace does not configure clients)"
            )
