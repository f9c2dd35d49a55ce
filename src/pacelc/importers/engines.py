"""What pacelc may say about well-known data-store and broker images: one documented table.

Each row names the images it matches, the kind of store (the schema's `Store.kind`), the engine,
and the defaults that matter for a review, with the engine version the row holds for and the
public documentation it was taken from. A field left `None` is a default this table does not
know: the importer reports it as unknown and never fills in a safe value.

Defaults are those of the engine as the official image starts it (no configuration file given).
Replication is never a default of a single container: a replica needs its own configuration
(a standby's connection string, a replica-set name, a cluster member list), so the importer
looks for that configuration and otherwise reports replication as unknown; `replication_note`
says what the engine would need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StoreKind = Literal["database", "cache", "log", "queue", "object_store", "search", "coordination"]
Fsync = Literal["always", "periodic", "never"]


@dataclass(frozen=True)
class Engine:
    """One row of the table: what the engine does by default, and where that is documented."""

    engine: str  # the model's `Store.engine`
    kind: StoreKind
    images: tuple[str, ...]  # image repositories, without registry host, tag or digest
    version: str  # engine version the defaults hold for
    source: str  # public documentation the defaults come from (title and URL)
    fsync: Fsync | None = None  # when an acknowledged write reaches disk, by default
    fsync_interval_ms: float | None = None  # the flush interval, when fsync is periodic
    in_memory: bool = False  # keeps nothing on disk whatever the volumes: data is lost on restart
    durability_note: str = ""  # what the default means, in a sentence (written into the draft)
    replication_note: str = ""  # what a replica would need; shown when none is found


ENGINES: tuple[Engine, ...] = (
    Engine(
        "postgres",
        "database",
        ("postgres", "bitnami/postgresql", "postgis/postgis", "timescale/timescaledb"),
        "16",
        "PostgreSQL 16 documentation, 20.5 Write Ahead Log (fsync, synchronous_commit): "
        "https://www.postgresql.org/docs/16/runtime-config-wal.html",
        fsync="always",
        durability_note="fsync=on and synchronous_commit=on: a commit is flushed to the WAL before it is acknowledged",
        replication_note="a standby needs primary_conninfo (streaming replication)",
    ),
    Engine(
        "mysql",
        "database",
        ("mysql", "bitnami/mysql", "percona", "percona/percona-server"),
        "8.0",
        "MySQL 8.0 Reference Manual, 17.14 InnoDB Startup Options and System Variables "
        "(innodb_flush_log_at_trx_commit): https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html",
        fsync="always",
        durability_note="innodb_flush_log_at_trx_commit=1: the redo log is flushed at each commit",
        replication_note="a replica needs CHANGE REPLICATION SOURCE TO (or group replication)",
    ),
    Engine(
        "mariadb",
        "database",
        ("mariadb", "bitnami/mariadb"),
        "10.11",
        "MariaDB Knowledge Base, InnoDB System Variables (innodb_flush_log_at_trx_commit): "
        "https://mariadb.com/kb/en/innodb-system-variables/",
        fsync="always",
        durability_note="innodb_flush_log_at_trx_commit=1: the redo log is flushed at each commit",
        replication_note="a replica needs CHANGE MASTER TO (or Galera)",
    ),
    Engine(
        "mongodb",
        "database",
        ("mongo", "bitnami/mongodb", "mongodb/mongodb-community-server"),
        "7.0",
        "MongoDB 7.0 manual, Configuration File Options (storage.journal.commitIntervalMs): "
        "https://www.mongodb.com/docs/v7.0/reference/configuration-options/",
        fsync="periodic",
        fsync_interval_ms=100,
        durability_note="the journal is flushed every 100 ms; a standalone acknowledges before the flush",
        replication_note="a replica set needs --replSet and members",
    ),
    Engine(
        "cassandra",
        "database",
        ("cassandra", "bitnami/cassandra"),
        "4.1",
        "Apache Cassandra 4.1 documentation, cassandra.yaml (commitlog_sync, commitlog_sync_period): "
        "https://cassandra.apache.org/doc/4.1/cassandra/configuration/cass_yaml_file.html",
        fsync="periodic",
        fsync_interval_ms=10_000,
        durability_note="commitlog_sync: periodic every 10 s: a write is acknowledged before the commit log is synced",
        replication_note="a keyspace's replication factor is set in CQL, not in the container",
    ),
    Engine(
        "redis",
        "cache",
        ("redis", "bitnami/redis", "redis/redis-stack", "redis/redis-stack-server"),
        "7.2",
        "Redis persistence (RDB and AOF; appendonly no by default): https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/",
        durability_note="appendonly no: only RDB snapshots; writes since the last snapshot are lost on a crash",
        replication_note="a replica needs --replicaof",
    ),
    Engine(
        "valkey",
        "cache",
        ("valkey/valkey", "bitnami/valkey"),
        "8.0",
        "Valkey documentation, Persistence (appendonly no by default): https://valkey.io/topics/persistence/",
        durability_note="appendonly no: only RDB snapshots; writes since the last snapshot are lost on a crash",
        replication_note="a replica needs --replicaof",
    ),
    Engine(
        "memcached",
        "cache",
        ("memcached", "bitnami/memcached"),
        "1.6",
        "memcached wiki, Overview (an in-memory key-value store): https://github.com/memcached/memcached/wiki/Overview",
        in_memory=True,
        durability_note="in memory only: every restart empties it",
        replication_note="memcached does not replicate",
    ),
    Engine(
        "elasticsearch",
        "search",
        ("elasticsearch", "elasticsearch/elasticsearch", "bitnami/elasticsearch"),
        "8.x",
        "Elasticsearch Guide 8.x, Translog (index.translog.durability: request): "
        "https://www.elastic.co/guide/en/elasticsearch/reference/8.15/index-modules-translog.html",
        fsync="always",
        durability_note="index.translog.durability=request: the translog is fsynced before a write is acknowledged",
        replication_note="replicas need more nodes (discovery.seed_hosts) and number_of_replicas",
    ),
    Engine(
        "opensearch",
        "search",
        ("opensearchproject/opensearch", "bitnami/opensearch"),
        "2.x",
        "OpenSearch documentation, Index settings (index.translog.durability: request): "
        "https://opensearch.org/docs/latest/install-and-configure/configuring-opensearch/index-settings/",
        fsync="always",
        durability_note="index.translog.durability=request: the translog is fsynced before a write is acknowledged",
        replication_note="replicas need more nodes (discovery.seed_hosts) and number_of_replicas",
    ),
    Engine(
        "etcd",
        "coordination",
        ("etcd", "coreos/etcd", "etcd-development/etcd", "bitnami/etcd"),
        "3.5",
        "etcd v3.5 documentation, Hardware recommendations (disks: the WAL is fsynced on every commit): "
        "https://etcd.io/docs/v3.5/op-guide/hardware/",
        fsync="always",
        durability_note="Raft log fsynced before a proposal commits",
        replication_note="members are listed in --initial-cluster; one container is a one-member cluster",
    ),
    Engine(
        "consul",
        "coordination",
        ("consul", "hashicorp/consul", "bitnami/consul"),
        "1.x",
        "Consul documentation, Consensus protocol (Raft): https://developer.hashicorp.com/consul/docs/architecture/consensus",
        replication_note="servers are set by -bootstrap-expect and -retry-join; one container is one server",
    ),
    Engine(
        "zookeeper",
        "coordination",
        ("zookeeper", "bitnami/zookeeper", "confluentinc/cp-zookeeper"),
        "3.8",
        "ZooKeeper 3.8 Administrator's Guide (forceSync: yes by default): "
        "https://zookeeper.apache.org/doc/r3.8.4/zookeeperAdmin.html",
        fsync="always",
        durability_note="forceSync=yes: the transaction log is fsynced before a write is acknowledged",
        replication_note="an ensemble needs server.N entries (ZOO_SERVERS)",
    ),
    Engine(
        "kafka",
        "log",
        ("apache/kafka", "bitnami/kafka", "confluentinc/cp-kafka", "confluentinc/cp-server", "wurstmeister/kafka"),
        "3.7",
        "Apache Kafka 3.7 documentation, Broker Configs (log.flush.interval.messages: Long.MAX_VALUE; "
        "durability by replication, not fsync): https://kafka.apache.org/37/documentation.html#brokerconfigs",
        fsync="never",
        durability_note="no fsync per write: the page cache holds acknowledged writes; durability comes from replicas",
        replication_note="a replication factor needs several brokers (default.replication.factor)",
    ),
    Engine(
        "rabbitmq",
        "queue",
        ("rabbitmq", "bitnami/rabbitmq"),
        "3.13",
        "RabbitMQ documentation, Reliability Guide (durability depends on queue type and message persistence): "
        "https://www.rabbitmq.com/docs/reliability",
        replication_note="replicated (quorum) queues need a cluster of nodes",
    ),
    Engine(
        "nats",
        "queue",
        ("nats", "bitnami/nats"),
        "2.10",
        "NATS documentation, JetStream (core NATS keeps no messages; JetStream is enabled with -js): "
        "https://docs.nats.io/nats-concepts/jetstream",
        replication_note="JetStream replicas need a cluster of servers (--routes)",
    ),
    Engine(
        "minio",
        "object_store",
        ("minio/minio", "bitnami/minio"),
        "RELEASE.2024",
        "MinIO documentation, Erasure Coding (a single drive has no redundancy): "
        "https://min.io/docs/minio/linux/operations/concepts/erasure-coding.html",
        replication_note="erasure coding needs several drives or servers in the server command",
    ),
)

# The Compose Specification's defaults the importer relies on, with their source.
COMPOSE_SPEC = "Compose Specification, deploy (replicas: default 1): https://github.com/compose-spec/compose-spec/blob/main/deploy.md"
HEALTHCHECK_SPEC = (
    "Dockerfile reference, HEALTHCHECK (interval 30s, timeout 30s, retries 3 by default): "
    "https://docs.docker.com/reference/dockerfile/#healthcheck"
)
HEALTHCHECK_DEFAULTS = {"interval_ms": 30_000.0, "timeout_ms": 30_000.0, "retries": 3}

_BY_IMAGE = {image: row for row in ENGINES for image in row.images}


def split_image(image: str) -> tuple[str, str | None]:
    """An image reference as (repository without registry host or `library/`, tag or None)."""
    ref = image.split("@", 1)[0]
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    parts = name.split("/")
    # A first part with a dot, a colon or "localhost" is a registry host (docker.io, ghcr.io, quay.io).
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    # `library/` is Docker Hub's namespace of official images; a registry mirror that keeps the path
    # (mcr.microsoft.com/mirror/docker/library/mongo) still names the official image.
    if "library" in parts[:-1]:
        parts = parts[len(parts) - 1 - parts[::-1].index("library") + 1 :]
    return "/".join(parts), (tag or None)


def lookup(image: str) -> Engine | None:
    """The table row for an image, matched on its repository (the tag is not a match criterion)."""
    repo, _ = split_image(image)
    # Exact repositories only: "someone/redis" may be anything, so it is not taken for Redis.
    return _BY_IMAGE.get(repo)
