"""Where leadstream's services are, for every process: Kafka, Redis, MLflow, local state."""

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
    consumer_prefetch_kbytes: int = Field(4096, ge=1, le=2_097_151)
    """Most record bytes (KB) the scorer's and the sink's consumers fetch ahead of the batch
    in hand (librdkafka ``queued.max.messages.kbytes``, default 65,536 there): 4 MB holds
    ~14 batches of 1,000 lead events of ~300 bytes, while a process slower than the broker
    keeps its prefetch full, in RSS (~2.5 times the payload: 16 MB cost ~40 MB)."""

    # --- Redis -----------------------------------------------------------------------
    redis_url: str = "redis://127.0.0.1:6379/0"
    """Redis holding the ledger, de-duplication keys and serving/monitor state; an ACL user
    goes in the URL (``redis://user:password@host:port/0``; the password is never printed)."""
    redis_timeout_s: float = 0.5
    """Socket timeout of Redis calls on the hot path; a slower Redis counts as down."""

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
