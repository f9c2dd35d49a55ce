"""The Compose Specification importer: compose services to pacelc services and stores.

What a compose file says is taken as written; what it does not say stays unknown and is named in
the element's unknowns (client timeouts and retries, replication, failure domains). Engine
defaults come only from `engines.ENGINES`. Variables (`${VAR}`) are resolved only through their
own `:-default`: pacelc reads neither `.env` files nor the environment, so that one file gives
one draft on every machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pacelc.importers import engines
from pacelc.model.loader import ModelError
from pacelc.model.source import Loc, Path
from pacelc.model.yamlfile import Parsed, excerpt

SYSTEM = "(system)"  # the label of unknowns that belong to the whole project, not one element


@dataclass
class Element:
    """One imported element: its model data, where it came from, and what the sources left open."""

    section: str  # "services" or "stores"
    id: str
    data: dict[str, Any]
    loc: Loc  # the compose service's name
    locs: dict[Path, Loc] = field(default_factory=dict)  # paths inside `data` with a more precise place
    unknowns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # known from the sources, with no place in the model


@dataclass
class ComposeResult:
    """The elements of every compose document, in file order, and the project-wide unknowns."""

    elements: list[Element]
    name: str | None  # the top-level `name:` of the first file that has one
    system_unknowns: list[str]
    errors: list[ModelError]


# ----------------------------------------------------------------------------- values

_VAR = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
UNRESOLVED = "\0"  # stands for a variable's unknown value; no host name can contain it


def interpolate(value: Any) -> str | None:
    """A scalar as compose would see it, with `${VAR:-default}`/`${VAR-default}` taken as the
    default and any other variable as UNRESOLVED; None for a missing value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        op, default = match.group(2), match.group(3)
        if op in (":-", "-") and "$" not in (default or ""):
            return default or ""
        return UNRESOLVED

    return _VAR.sub(substitute, text)


def resolved(value: Any) -> str | None:
    """The interpolated value when it holds no unresolved variable, else None."""
    text = interpolate(value)
    return None if text is None or UNRESOLVED in text else text


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def duration_ms(value: Any) -> float | None:
    """A compose duration (`1m30s`, `500ms`) in milliseconds; None when it is not one."""
    text = resolved(value)
    if text is None or not text or _DURATION.sub("", text) != "":
        return None
    return sum(float(n) * _UNIT_MS[unit] for n, unit in _DURATION.findall(text))


# Keys whose bare value (no port, no scheme) names a host.
_HOST_KEYS = re.compile(
    r"(HOST|HOSTNAME|HOSTS|ADDR|ADDRESS|SERVER|SERVERS|URL|URI|ENDPOINT|ENDPOINTS|BROKER|BROKERS|DSN|SEEDS)$", re.I
)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#\s]*)")
_HOST_PORT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*):(\d{1,5})$")


def hosts_in(key: str | None, value: str) -> list[str]:
    """Host names a setting's value names: URL authorities (several for `a:1,b:2` lists, with
    credentials dropped), `host:port` tokens, and the whole value when the key names a host."""
    found: list[str] = []
    for match in _URL.finditer(value):
        for hostport in match.group(1).rsplit("@", 1)[-1].split(","):
            found.append(hostport.rsplit(":", 1)[0] if ":" in hostport else hostport)
    if found:
        return found
    for token in re.split(r"[\s,;]+", value):
        m = _HOST_PORT.match(token)
        if m:
            found.append(m.group(1))
    bare = value.strip()
    if not found and key is not None and _HOST_KEYS.search(key) and _HOST_PORT.match(f"{bare}:1"):
        found.append(bare)
    return found


# ----------------------------------------------------------------------------- the importer


@dataclass
class _Source:
    shown: str
    parsed: Parsed
    name: str
    entry: dict[str, Any]
    # Locations of a service merged from several files (an override file over its base): path inside
    # the service -> where the merged value was last written. Empty for a service from one file.
    merged: dict[Path, Loc] = field(default_factory=dict)

    def loc(self, *path: str | int) -> Loc | None:
        if self.merged:
            return self.merged.get(tuple(path))
        full = ("services", self.name, *path)
        return self.parsed.values.get(full) or self.parsed.keys.get(full)

    @property
    def key_loc(self) -> Loc:
        return self.parsed.keys[("services", self.name)]

    def located(self) -> dict[Path, Loc]:
        """Every path inside the service with its location (for a merge)."""
        if self.merged:
            return dict(self.merged)
        prefix = ("services", self.name)
        n = len(prefix)
        out: dict[Path, Loc] = {}
        for table in (self.parsed.keys, self.parsed.values):
            for path, loc in table.items():
                if path[:n] == prefix and path[n:] not in out:
                    out[path[n:]] = loc
        return out


# Keys whose sequence form is merged by an identity, as Compose merges an override file over its base
# (Compose Specification, "Merge and override"): environment and labels by name, volumes by target.
_REPLACED = {"command", "entrypoint", "healthcheck.test"}


def _pairs(value: Any) -> dict[str, Any] | None:
    """`KEY=VALUE` list items (environment, labels) as a mapping; None when not that shape."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return {item.split("=", 1)[0]: item.split("=", 1)[1] if "=" in item else None for item in value}
    return None


def _merge(
    base: Any, over: Any, base_locs: dict[Path, Loc], over_locs: dict[Path, Loc], path: Path, out: dict[Path, Loc]
) -> Any:
    """`over` merged onto `base` with Compose's rules, filling `out` with each merged path's location."""

    def take(value: Any, locs: dict[Path, Loc], source: Path, target: Path) -> Any:
        n = len(source)
        for p, loc in locs.items():
            if p[:n] == source:
                out[(*target, *p[n:])] = loc
        return value

    dotted = ".".join(str(p) for p in path)
    if isinstance(base, dict) and isinstance(over, dict) and dotted not in _REPLACED:
        merged = {}
        if path in base_locs:
            out[path] = base_locs[path]
        for key in base:
            if key not in over:
                merged[key] = take(base[key], base_locs, (*path, key), (*path, key))
        for key, value in over.items():
            if key in base:
                merged[key] = _merge(base[key], value, base_locs, over_locs, (*path, key), out)
            else:
                merged[key] = take(value, over_locs, (*path, key), (*path, key))
        if path in over_locs:
            out[path] = over_locs[path]
        return merged
    if path and path[-1] in ("environment", "labels") and len(path) == 1:
        a, b = _pairs(base), _pairs(over)
        if a is not None and b is not None:
            # Merged by name; the result is a mapping, each entry located where it was last written.
            merged_env: dict[str, Any] = {}
            for source, pairs, locs in ((base, a, base_locs), (over, b, over_locs)):
                for index, (key, value) in enumerate(pairs.items()):
                    merged_env[key] = value
                    where = (*path, key) if isinstance(source, dict) else (*path, index)
                    if where in locs:
                        out[(*path, key)] = locs[where]
            out[path] = over_locs.get(path) or base_locs.get(path) or next(iter(out.values()))
            return merged_env
    if isinstance(base, list) and isinstance(over, list) and dotted not in _REPLACED:
        # Sequences are appended (volumes with the same target: the override's replaces the base's).
        def target(item: Any) -> str | None:
            if isinstance(item, dict):
                return str(item.get("target")) if item.get("target") is not None else None
            if isinstance(item, str) and path == ("volumes",):
                parts = item.split(":")
                return parts[1] if len(parts) > 1 else parts[0]
            return None

        replaced = {target(item) for item in over} - {None}
        merged_list = []
        for source, items, locs in (("base", base, base_locs), ("over", over, over_locs)):
            for index, item in enumerate(items):
                if source == "base" and target(item) in replaced:
                    continue
                merged_list.append(take(item, locs, (*path, index), (*path, len(merged_list))))
        out[path] = over_locs.get(path) or base_locs.get(path) or Loc("<merged>", 1, 1)
        return merged_list
    return take(over, over_locs, path, path)


def import_compose(
    documents: Iterable[tuple[str, Parsed]], mergeable: Callable[[str], bool] = lambda shown: True
) -> ComposeResult:
    """Import compose documents (file shown name, parsed document) into pacelc elements. A service a
    later document defines again is merged over the first (Compose's override rules) when that
    document's file is `mergeable` (an override file, or files given by name); else it is an error."""
    sources: dict[str, _Source] = {}
    errors: list[ModelError] = []
    name: str | None = None
    volumes_top: dict[str, tuple[Any, Loc | None]] = {}
    overrides: list[str] = []
    for shown, parsed in documents:
        data = parsed.data
        if name is None and resolved(data.get("name")):
            name = resolved(data.get("name"))
        for vol, spec in (data.get("volumes") or {}).items() if isinstance(data.get("volumes"), dict) else ():
            volumes_top.setdefault(str(vol), (spec, parsed.keys.get(("volumes", vol))))
        for svc, entry in data["services"].items():
            svc = str(svc)
            loc = parsed.keys[("services", svc)]
            if not isinstance(entry, dict):
                errors.append(ModelError(loc, f"service {excerpt(svc)}: a compose service must be a mapping"))
                continue
            if svc in sources and not mergeable(shown):
                first = sources[svc].key_loc
                errors.append(
                    ModelError(
                        loc,
                        f"service {excerpt(svc)} is also defined at {first}: found in a folder, the two files are "
                        "not merged (only a *.override.yml file is); give the files to merge by name, base first",
                    )
                )
                continue
            if svc in sources:
                # A later file overrides the service, as `docker compose -f base -f override` does.
                base = sources[svc]
                over = _Source(shown, parsed, svc, entry)
                locs: dict[Path, Loc] = {}
                merged = _merge(base.entry, entry, base.located(), over.located(), (), locs)
                merged_source = _Source(base.shown, base.parsed, svc, merged, locs)
                merged_source.merged.setdefault((), base.key_loc)
                sources[svc] = merged_source
                overrides.append(f"service {svc}: {base.key_loc} overridden by {loc}")
                continue
            sources[svc] = _Source(shown, parsed, svc, entry)

    aliases = _aliases(sources)
    elements: dict[str, Element] = {}
    for svc, src in sources.items():
        elements[svc] = _element(src, volumes_top)
    for svc, src in sources.items():
        _calls(src, elements[svc], elements, aliases)
    system_unknowns = [
        "failure domains unknown: a compose project names no hosts, zones or regions, so no element has a "
        "placement (availability per zone or region cannot be derived); an overlay model would add them",
        *(f"merged: {text}" for text in overrides),
    ]
    return ComposeResult(list(elements.values()), name, system_unknowns, errors)


def _aliases(sources: dict[str, _Source]) -> dict[str, str]:
    """Every name another container may use to reach a service: its name, container_name,
    hostname and network aliases."""
    names: dict[str, str] = {}
    for svc, src in sources.items():
        names.setdefault(svc, svc)
        for key in ("container_name", "hostname"):
            value = resolved(src.entry.get(key))
            if value:
                names.setdefault(value, svc)
        networks = src.entry.get("networks")
        if isinstance(networks, dict):
            for net in networks.values():
                if isinstance(net, dict) and isinstance(net.get("aliases"), list):
                    for alias in net["aliases"]:
                        if resolved(alias):
                            names.setdefault(str(resolved(alias)), svc)
    return names


def _image(src: _Source) -> tuple[str | None, str | None]:
    """(image reference, raw text when it holds an unresolved variable)."""
    raw = src.entry.get("image")
    if raw is None:
        return None, None
    value = resolved(raw)
    return (value, None) if value else (None, str(raw))


def _element(src: _Source, volumes_top: dict[str, tuple[Any, Loc | None]]) -> Element:
    image, unresolved_image = _image(src)
    row = engines.lookup(image) if image else None
    if row is None:
        el = Element("services", src.name, {"id": src.name}, src.key_loc)
        _service_replicas(src, el)
        _healthcheck(src, el, as_detector=True)
    else:
        el = Element("stores", src.name, {"id": src.name, "kind": row.kind, "engine": row.engine}, src.key_loc)
        _store(src, el, row, image or "", volumes_top)
        _healthcheck(src, el, as_detector=False)
    if unresolved_image is not None:
        el.unknowns.append(
            f"image unknown: {excerpt(unresolved_image)} holds a variable with no default (pacelc reads neither "
            ".env files nor the environment); imported as a service"
        )
    elif image is None:
        el.notes.append("built from source (build:, no image): imported as a service")
    if row is None:
        _stateful_unknown(src, el, image, volumes_top)
    profiles = src.entry.get("profiles")
    if isinstance(profiles, list) and profiles:
        el.notes.append(f"runs only with profile(s) {', '.join(map(str, profiles))}")
    return el


def _replicas(src: _Source, el: Element) -> int | None:
    """deploy.replicas (or the legacy `scale`); 1 when absent, as the Compose Specification says."""
    deploy = src.entry.get("deploy")
    if isinstance(deploy, dict) and deploy.get("mode") == "global":
        el.unknowns.append("replicas unknown: deploy.mode global runs one per Swarm node; the nodes are not named")
        return None
    for path in (("deploy", "replicas"), ("scale",)):
        node: Any = src.entry
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            continue
        text = resolved(node)
        if text is not None and text.isdigit() and int(text) >= 1:
            el.locs[("replicas",)] = src.loc(*path) or el.loc
            return int(text)
        if text is not None and text.isdigit():  # replicas: 0 means the service is not started
            el.notes.append(f"{'.'.join(path)}: {text}: not started by default")
            return None
        el.unknowns.append(f"replicas unknown: {'.'.join(path)} is {excerpt(str(node))} (unresolved)")
        return None
    el.notes.append("replicas: 1 container (no deploy.replicas: the Compose Specification's default)")
    return 1


def _service_replicas(src: _Source, el: Element) -> None:
    replicas = _replicas(src, el)
    if replicas is not None and replicas != 1:
        el.data["replicas"] = replicas


def _healthcheck(src: _Source, el: Element, *, as_detector: bool) -> None:
    check = src.entry.get("healthcheck")
    if not isinstance(check, dict) or check.get("disable") is True or check.get("test") in (["NONE"], "NONE"):
        if as_detector:
            el.unknowns.append("health check: none in the compose file (the image may define one)")
        return
    detector: dict[str, Any] = {"kind": "health_check"}
    defaults = engines.HEALTHCHECK_DEFAULTS
    for key, target in (("interval", "interval_ms"), ("timeout", "timeout_ms")):
        if key in check:
            value = duration_ms(check[key])
            if value is None:
                el.unknowns.append(f"health check {key} unknown: {excerpt(str(check[key]))}")
                continue
            detector[target] = value
        else:
            detector[target] = defaults[target]
    if "retries" in check:
        retries = resolved(check["retries"])
        if retries is not None and retries.isdigit() and int(retries) >= 1:
            detector["threshold"] = int(retries)
        else:
            el.unknowns.append(f"health check retries unknown: {excerpt(str(check['retries']))}")
    else:
        detector["threshold"] = defaults["retries"]
    loc = src.loc("healthcheck") or el.loc
    if as_detector:
        el.data["failure_detector"] = detector
        el.locs[("failure_detector",)] = loc
        el.notes.append("failure_detector from the healthcheck (Docker's defaults where it sets none)")
    else:
        el.notes.append(
            f"health check at {loc.file}:{loc.line}: known, unused (a store has no failure detector in the model)"
        )


@dataclass(frozen=True)
class _Mount:
    kind: str  # volume, bind, tmpfs, anonymous
    source: str
    target: str
    read_only: bool
    loc: Loc


def _mounts(src: _Source) -> list[_Mount]:
    out: list[_Mount] = []
    volumes = src.entry.get("volumes")
    for index, spec in enumerate(volumes if isinstance(volumes, list) else []):
        loc = src.loc("volumes", index) or src.key_loc
        if isinstance(spec, dict):
            kind = str(spec.get("type", "volume"))
            source = resolved(spec.get("source")) or ""
            target = resolved(spec.get("target")) or ""
            read_only = spec.get("read_only") is True
            if kind == "volume" and not source:
                kind = "anonymous"
        else:
            text = interpolate(spec) or ""
            parts = text.split(":")
            if len(parts) == 1:
                kind, source, target, read_only = "anonymous", "", parts[0], False
            else:
                source, target = parts[0], parts[1]
                read_only = len(parts) > 2 and "ro" in parts[2].split(",")
                kind = "bind" if source.startswith((".", "/", "~")) or UNRESOLVED in source else "volume"
        out.append(_Mount(kind, source, target, read_only, loc))
    tmpfs = src.entry.get("tmpfs")
    for index, target in enumerate([tmpfs] if isinstance(tmpfs, str) else tmpfs if isinstance(tmpfs, list) else []):
        out.append(_Mount("tmpfs", "", str(target), False, src.loc("tmpfs", index) or src.loc("tmpfs") or src.key_loc))
    return out


def _volume_words(mount: _Mount, volumes_top: dict[str, tuple[Any, Loc | None]]) -> tuple[str, str | None]:
    """A mount in words, and the storage it gives (the model's durability.storage; None: unknown)."""
    if mount.kind == "bind":
        source = excerpt(mount.source.replace(UNRESOLVED, "${?}"))
        return f"bind mount {source} (a folder on one Docker host)", "node_local"
    if mount.kind == "tmpfs":
        return f"tmpfs {mount.target} (memory: lost when the container stops)", "ephemeral"
    if mount.kind == "anonymous":
        return f"anonymous volume {mount.target} (not reattached once the container is removed)", "ephemeral"
    spec = volumes_top.get(mount.source, (None, None))[0]
    driver = "local"
    if isinstance(spec, dict):
        if spec.get("external"):
            return f"external volume {excerpt(mount.source)} (managed outside this project: storage unknown)", None
        driver = str(spec.get("driver") or "local")
        opts = spec.get("driver_opts")
        if isinstance(opts, dict) and opts.get("type"):
            kind = str(opts["type"])
            if driver == "local" and kind in ("nfs", "nfs4", "cifs"):
                return f"named volume {excerpt(mount.source)} (driver local, type {kind}: a network share)", "network"
            return f"named volume {excerpt(mount.source)} (driver {driver}, type {kind}: storage unknown)", None
    if driver == "local":
        return f"named volume {excerpt(mount.source)} (driver local: on one Docker host)", "node_local"
    return f"named volume {excerpt(mount.source)} (driver {driver}: storage unknown)", None


_REPLICA_MARKERS = re.compile(
    r"replicaof|slaveof|replset|replica_set|replication|primary_conninfo|initial[-_]cluster|zoo_servers|"
    r"seed_hosts|bootstrap[-_]expect|retry[-_]join|--routes|galera|wsrep",
    re.I,
)


def _replica_hint(src: _Source) -> Loc | None:
    """Where the service's own command or environment mentions replica configuration, if anywhere."""
    for key in ("command", "environment", "entrypoint"):
        node = src.entry.get(key)
        items: list[tuple[Path, Any]]
        if isinstance(node, dict):
            items = [((key, k), f"{k}={v}") for k, v in node.items()]
        elif isinstance(node, list):
            items = [((key, i), v) for i, v in enumerate(node)]
        elif node is not None:
            items = [((key,), node)]
        else:
            items = []
        for path, value in items:
            if _REPLICA_MARKERS.search(str(value)):
                return src.loc(*path) or src.key_loc
    return None


def _store(
    src: _Source, el: Element, row: engines.Engine, image: str, volumes_top: dict[str, tuple[Any, Loc | None]]
) -> None:
    replicas = _replicas(src, el)
    if replicas is not None and replicas > 1:
        el.notes.append(
            f"deploy.replicas: {replicas} starts {replicas} independent {row.engine} containers; with no replica "
            "configuration they are not copies of one data set, so the store counts 1 replica"
        )
    hint = _replica_hint(src)
    mounts = []
    for m in _mounts(src):
        if not m.read_only:
            words, storage = _volume_words(m, volumes_top)
            mounts.append(StoreMount(m.loc, words, m.kind in ("volume", "bind"), storage))
    engine_store_facts(
        el,
        row,
        image,
        hint,
        mounts,
        mount_word="target",
        no_volume="no volume, so the data lives in the container (or an anonymous volume the image declares) "
        "and is lost when the container is removed or recreated",
        backups="compose does not describe backups",
    )
    for dep in _dependency_names(src):
        el.notes.append(f"depends on {dep}: known, unused (the model has no calls from a store)")


@dataclass(frozen=True)
class StoreMount:
    """Somewhere a store's container writes, as an importer found it: where, in words, and whether
    the data outlives the container (a named volume, a bind mount, a persistent volume claim)."""

    loc: Loc
    words: str
    kept: bool
    storage: str | None = None  # the model's durability.storage; None: unknown


def engine_store_facts(
    el: Element,
    row: engines.Engine,
    image: str,
    hint: Loc | None,
    mounts: list[StoreMount],
    *,
    mount_word: str,
    no_volume: str,
    backups: str,
) -> None:
    """What the engine table and the mounts say of a store, for every importer: the table row used,
    replication unknown (or where its configuration was seen), fsync for the documented major
    version, and whether the data outlives its container."""
    _, tag = engines.split_image(image)
    el.notes.append(
        f"engine defaults from the table row {row.engine} {row.version} (image tag {tag or 'none: latest'}): "
        f"{row.source}"
    )
    if hint is not None:
        el.unknowns.append(
            f"replication settings unknown: replica configuration at {hint.file}:{hint.line} is not read yet "
            f"(image {image})"
        )
    else:
        el.unknowns.append(
            f"replication settings unknown: image {image}, no replica configuration found ({row.replication_note})"
        )
    durability: dict[str, Any] = {}
    engine_fsync(el, row, tag, durability)
    kept = [m for m in mounts if m.kept]
    if row.in_memory:
        durability["persistent"] = False
        el.locs[("durability",)] = el.loc
        el.notes.append(f"persistent: false: {row.durability_note}")
    elif kept:
        durability["persistent"] = True
        el.locs[("durability",)] = kept[0].loc
        el.notes.extend(f"data on {m.words}" for m in kept)
        el.unknowns.append(
            f"data directory unknown: the mount {mount_word} is not checked against the engine's data directory"
        )
        if kept[0].storage is not None:
            durability["storage"] = kept[0].storage
            el.locs[("durability", "storage")] = kept[0].loc
        else:
            el.unknowns.append(f"storage unknown: {kept[0].words}")
    else:
        durability["persistent"] = False
        durability["storage"] = "ephemeral"
        if mounts:
            el.locs[("durability",)] = el.locs[("durability", "storage")] = mounts[0].loc
            el.notes.extend(f"persistent: false: data on {m.words}" for m in mounts)
        else:
            el.locs[("durability",)] = el.locs[("durability", "storage")] = el.loc
            el.notes.append(f"persistent: false: {no_volume}")
    el.unknowns.append(f"backups unknown: {backups}")
    el.data["durability"] = durability


def engine_fsync(
    el: Element, row: engines.Engine, tag: str | None, durability: dict[str, Any], *, named: str = "image tag"
) -> None:
    """The table row's fsync default into `durability`, only for the major version it documents
    (`tag`: the version the source names, an image tag or a technology's version, said as `named`)."""
    row_major, tag_major = _major(row.version), _major(tag or "")
    if row.fsync is not None and row_major and tag_major and row_major != tag_major:
        # The row's defaults are documented for one major version: another one's are not known here.
        el.unknowns.append(
            f"fsync unknown: {named} {tag} is not the major version the engine table documents "
            f"({row.engine} {row.version})"
        )
    elif row.fsync is not None:
        durability["fsync"] = row.fsync
        if row.fsync_interval_ms is not None:
            durability["fsync_interval_ms"] = row.fsync_interval_ms
        el.notes.append(f"fsync: {row.fsync}: {row.durability_note}")
    else:
        extra = f" ({row.durability_note})" if row.durability_note else ""
        el.unknowns.append(f"fsync unknown: the engine table holds no fsync default for {row.engine}{extra}")


def _major(version: str) -> str:
    """The leading number of a version or tag ("16" of "16.2-alpine", "" of "latest" or "8.x")."""
    match = re.match(r"v?(\d+)", version)
    return match.group(1) if match else ""


def _stateful_unknown(
    src: _Source, el: Element, image: str | None, volumes_top: dict[str, tuple[Any, Loc | None]]
) -> None:
    """A service with a writable named volume may hold state: the model cannot tell."""
    mounts = [m for m in _mounts(src) if not m.read_only]
    for m in mounts:
        if m.kind == "volume":
            what = f"image {image}" if image else "built from source"
            el.unknowns.append(
                f"stateful unknown: writes to {_volume_words(m, volumes_top)[0]} at {m.loc.file}:{m.loc.line}; "
                f"{what} is not in the engine table, so it is imported as a service"
            )
        else:
            el.notes.append(f"mounts {_volume_words(m, volumes_top)[0]}")


def _dependency_names(src: _Source) -> list[str]:
    deps = src.entry.get("depends_on")
    names = [str(d) for d in deps] if isinstance(deps, list | dict) else []
    links = src.entry.get("links")
    for link in links if isinstance(links, list) else []:
        names.append(str(link).split(":", 1)[0])
    return names


def _calls(src: _Source, el: Element, elements: dict[str, Element], aliases: dict[str, str]) -> None:
    """Calls of a service: to every compose service its environment names, that it depends on,
    or links to. Nothing about the call itself (timeout, retry, mode) is in compose."""
    if el.section != "services":
        return
    env_files = src.entry.get("env_file")
    env_files = [env_files] if isinstance(env_files, str | dict) else env_files if isinstance(env_files, list) else []
    if env_files:
        shown = ", ".join(str(f.get("path") if isinstance(f, dict) else f) for f in env_files)
        el.unknowns.append(f"env_file {shown} not read (it may hold secrets): calls named only there are unknown")
    evidence: dict[str, tuple[int, Loc, str]] = {}  # target -> (rank, location, what)

    def found(target: str | None, rank: int, loc: Loc | None, what: str) -> None:
        if target is None or target == src.name or target not in elements:
            return
        loc = loc or src.key_loc
        if target not in evidence or (rank, loc.line, loc.col) < (evidence[target][0], *evidence[target][1][1:]):
            evidence[target] = (rank, loc, what)

    env = src.entry.get("environment")
    items: list[tuple[str | None, Any, Loc | None]] = []
    if isinstance(env, dict):
        items = [(str(k), v, src.loc("environment", k)) for k, v in env.items()]
    elif isinstance(env, list):
        for index, item in enumerate(env):
            key, _, value = str(item).partition("=")
            items.append((key, value, src.loc("environment", index)))
    for key, value, loc in items:
        text = interpolate(value)
        if text:
            for host in hosts_in(key, text):
                found(aliases.get(host), 0, loc, f"environment {key}")
    deps = src.entry.get("depends_on")
    if isinstance(deps, list):
        for index, dep in enumerate(deps):
            found(str(dep), 1, src.loc("depends_on", index), "depends_on")
    elif isinstance(deps, dict):
        for dep in deps:
            found(str(dep), 1, src.parsed.keys.get(("services", src.name, "depends_on", dep)), "depends_on")
    links = src.entry.get("links")
    for index, link in enumerate(links if isinstance(links, list) else []):
        found(aliases.get(str(link).split(":", 1)[0]), 2, src.loc("links", index), "links")
    if not evidence:
        return
    calls = []
    for position, target in enumerate(sorted(evidence)):
        calls.append({"to": target})
        el.locs[("calls", position)] = evidence[target][1]
        loc = evidence[target][1]
        el.notes.append(f"call to {target} from {evidence[target][2]} ({loc.file}:{loc.line})")
    el.data["calls"] = calls
    el.unknowns.append(
        f"calls to {', '.join(sorted(evidence))}: timeout, retry, mode (sync or async) and operation unknown: "
        "compose does not configure clients (not set, never guessed)"
    )
