"""Where leadstream's services are: Kafka, the local stack, Redis, MLflow, local state."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr

from streams.settings.part import SettingsPart


class ConnectionSettings(SettingsPart):
    """Kafka, Redis and MLflow connections; where local state lives."""

    # --- local state -------------------------------------------------------------------
    home: Path = Path(".leadstream")
    """Folder for local state: stack data and logs, MLflow store, model cache. A relative
    path is resolved once, against the working directory of the process that reads the
    settings; child processes are handed the absolute path."""

    # --- Kafka -------------------------------------------------------------------------
    bootstrap_servers: str = "127.0.0.1:9092"
    """Kafka bootstrap servers (``host:port,...``)."""
    security_protocol: str = "PLAINTEXT"
    """librdkafka ``security.protocol``: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."""
    sasl_mechanism: str | None = None
    """librdkafka ``sasl.mechanism`` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER)."""
    sasl_username: str | None = None
    """librdkafka ``sasl.username``."""
    sasl_password: SecretStr | None = None
    """librdkafka ``sasl.password`` (never printed: ``config`` and logs show ``***``)."""
    ssl_ca_location: str | None = None
    """librdkafka ``ssl.ca.location``: CA bundle (PEM) to verify the brokers; the faust
    agents' SSL context trusts the same file."""
    kafka_extra: dict[str, str] = Field(default_factory=dict)
    """Any other librdkafka settings, as JSON (e.g. ``{"client.rack": "a"}``)."""

    # --- topics ------------------------------------------------------------------------
    topic_incoming: str = "leads.incoming"
    """Lead events from the CRM."""
    topic_scored: str = "leads.scored"
    """Scores, one per accepted lead event."""
    topic_deadletter: str = "leads.deadletter"
    """Rejected lead events with reasons."""
    incoming_partitions: int = Field(6, ge=1)
    """Partitions of ``leads.incoming`` (and of ``leads.scored``) when created."""
    deadletter_retention_days: int = Field(365, ge=1)
    """Kafka retention of the dead-letter topics of lead data (``leads.deadletter``,
    ``leads.outcomes.deadletter``), in days."""

    # --- local stack ----------------------------------------------------------------------
    kafka_version: str = "4.1.1"
    """Apache Kafka version of the local broker (jars from Maven Central)."""
    kafka_port: int = 9092
    """Port of the local broker's client listener (the controller uses port + 1)."""
    kafka_heap: str = "768m"
    """JVM heap of the local broker (of each node of a cluster)."""
    kafka_brokers: int = Field(1, ge=1, le=9)
    """Nodes of the local Kafka (each broker + controller): 1, or a KRaft cluster whose node
    n listens on ``kafka_port + 2(n-1)`` (controller + 1), with replication factor 3 (or the
    node count) and ``min.insync.replicas`` 2 for every topic and internal topic."""
    redis_port: int = 6379
    """Port of the local redis-server."""
    stack_start_timeout_s: float = 90.0
    """How long ``stack up`` waits for each service to answer."""

    # --- Redis -----------------------------------------------------------------------
    redis_url: str = "redis://127.0.0.1:6379/0"
    """Redis holding the ledger, de-duplication keys and serving/monitor state; an ACL user
    goes in the URL (``redis://user:password@host:port/0``; the password is never printed)."""
    redis_timeout_s: float = 0.5
    """Socket timeout of Redis calls on the hot path; a slower Redis counts as down."""
    dedup_ttl_s: int = Field(7 * 24 * 3600, ge=0)
    """How long an ``event_id`` is remembered to drop CRM resends (0 disables)."""

    # --- MLflow ------------------------------------------------------------------------
    mlflow_tracking_uri: str | None = Field(
        None, validation_alias=AliasChoices("LEADSTREAM_MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_URI")
    )
    """MLflow tracking/registry URI; default: a sqlite store under ``home``."""
    model_name: str = "lead-scoring"
    """Registered model name in the MLflow registry."""
    experiment_name: str = "leadstream"
    """MLflow experiment that training runs are logged to."""

    # --- derived paths -----------------------------------------------------------------
    @property
    def tracking_uri(self) -> str:
        """The MLflow URI in force: the env var's, or the embedded sqlite store."""
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.home / 'mlflow' / 'mlflow.db').resolve()}"

    @property
    def artifact_root(self) -> Path:
        return (self.home / "mlflow" / "artifacts").resolve()

    @property
    def model_cache_dir(self) -> Path:
        return (self.home / "model-cache").resolve()

    @property
    def stack_dir(self) -> Path:
        return (self.home / "stack").resolve()

    @property
    def max_record_bytes(self) -> int:
        """Largest record the producers may send: librdkafka's ``message.max.bytes``."""
        return int(self.kafka_extra.get("message.max.bytes", 1_000_000))

    def kafka_config(self) -> dict[str, str]:
        """Connection settings passed through to librdkafka as they are."""
        conf = {"bootstrap.servers": self.bootstrap_servers,
                "security.protocol": self.security_protocol}
        password = self.sasl_password.get_secret_value() if self.sasl_password else None
        optional = {"sasl.mechanism": self.sasl_mechanism, "sasl.username": self.sasl_username,
                    "sasl.password": password, "ssl.ca.location": self.ssl_ca_location}
        conf.update({k: v for k, v in optional.items() if v is not None})
        conf.update(self.kafka_extra)
        return conf
