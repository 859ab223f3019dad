"""Every setting of leadstream, read once from environment variables at start.

Each field is read from ``LEADSTREAM_<FIELD>`` (e.g. ``LEADSTREAM_BATCH_SIZE=500``); a
``.env`` file in the working directory is read too. Build one :class:`Settings` at the
entry point and pass it in; nothing else reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.payload import PayloadPolicy
from scoring.grades import DEFAULT_GRADES, GradeScale

if TYPE_CHECKING:
    from scoring.training import TrainConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEADSTREAM_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        use_attribute_docstrings=True,
    )

    # --- local state -------------------------------------------------------------------
    home: Path = Path(".leadstream")
    """Folder for local state: stack data and logs, MLflow store, model cache. A relative
    path is resolved once, against the working directory of the process that reads the
    settings; child processes are handed the absolute path."""

    @field_validator("home", "spec_path", "monitor_guardrails_path", "control_allowlist_path",
                     "operator_key_path", "controller_key_path", "controller_public_key_path")
    @classmethod
    def _absolute(cls, path: Path | None) -> Path | None:
        """Relative paths mean the starting directory, also in child processes."""
        return None if path is None else path.expanduser().resolve()

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
    """JVM heap of the local broker."""
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

    # --- scorer ------------------------------------------------------------------------
    consumer_group: str = "leadstream-scorer"
    """Consumer group of the scorers."""
    transactional_id: str = "leadstream-scorer-0"
    """Transactional id of this scorer process; unique per process, stable across restarts."""
    batch_size: int = Field(1000, ge=1, le=100_000)
    """Most events consumed, scored and committed in one transaction."""
    batch_timeout_s: float = Field(0.05, gt=0)
    """Longest wait for a batch to fill before processing what has arrived."""
    batch_timeout_idle_s: float = Field(0.005, gt=0)
    """Wait used instead while the consumer has no backlog (the last batch was not full):
    a short wait keeps latency low at moderate load; a full batch restores the long one."""
    max_payload_bytes: int = Field(64 * 1024, ge=256)
    """Larger lead events are dead-lettered as ``payload_too_large``."""
    deadletter_payload_max_bytes: int = Field(256 * 1024, ge=0, le=512 * 1024)
    """A dead letter keeps a rejected event's bytes up to this size; beyond it the first
    this many bytes, the full size and the SHA-256 (base64 grows the bytes by 4/3, and the
    record must stay under the producer's ``message.max.bytes``, 1 MB by default)."""
    transaction_timeout_ms: int = Field(10_000, ge=1000)
    """Kafka ``transaction.timeout.ms`` of the scorer's producer. A scorer that dies in the
    middle of a batch leaves its transaction open, and every ``read_committed`` reader
    (monitor agents, CRM sinks) of the partitions it wrote is held at that transaction
    until a restarted scorer with the same transactional id aborts it at once, or else
    until the broker aborts it after this timeout (plus up to the broker's
    ``transaction.abort.timed.out.transaction.cleanup.interval.ms``: 10 s by default,
    1 s in the local stack). Too short: a batch that takes longer (a loaded machine, a
    broker restart under way) is aborted by the broker and processed again with a fresh
    producer; if most batches do, throughput collapses. A batch normally takes 20-150 ms."""
    spec_path: Path | None = None
    """Feature spec for training; ``None`` uses the packaged default spec."""

    # --- grades and reasons (issue 9) ---------------------------------------------------
    grades: str = DEFAULT_GRADES
    """Grade names, best first, each with the lowest score it takes (``NAME=BOUND,...``):
    bounds strictly decreasing, the last 0; a score equal to a bound gets the higher grade.
    Grades replaced the buckets (``LEADSTREAM_BUCKET_HOT|WARM|COOL`` are refused)."""
    reasons_k: int = Field(3, ge=0, le=20)
    """Reasons per direction on every score: the k strongest up and the k strongest down
    (0: no reasons)."""
    reasons_exact_grades: str | None = None
    """Comma-separated grades whose leads get exact TreeSHAP reasons (the leads a rep acts
    on); the others get approximate (Saabas) reasons. Unset: the best grade (A); empty:
    approximate for all; ``*``: exact for all (about 130x a prediction: see
    ``bench/reasons_agreement.py``)."""
    reasons_threads: int = Field(1, ge=1, le=64)
    """Threads of the explainer's own copy of each serving model (contributions)."""
    serving_threads: int = Field(1, ge=1, le=64)
    """OpenMP threads of each serving model's predictions. One by default: a prediction of a
    1,000-lead batch takes ~1.3 ms on one thread, and on all cores of a machine that also
    runs Kafka and Redis its p99 grows to ~25 ms while threads wait for a busy core
    (``bench/README.md``)."""

    @field_validator("grades")
    @classmethod
    def _grade_scale(cls, text: str) -> str:
        return GradeScale.parse(text).text()

    @model_validator(mode="before")
    @classmethod
    def _no_buckets(cls, data: Any) -> Any:
        """The bucket settings are gone: say which setting replaced them."""
        old = sorted(k for k in os.environ if k.upper().startswith("LEADSTREAM_BUCKET_"))
        if old:
            raise ValueError(f"{', '.join(old)}: buckets were replaced by grades; set "
                             f"LEADSTREAM_GRADES instead (default {DEFAULT_GRADES!r}, "
                             f"best grade first, e.g. A=0.8,B=0.5,C=0.3,D=0)")
        return data

    @model_validator(mode="after")
    def _exact_grades_exist(self) -> Settings:
        unknown = sorted(self.exact_grades - set(self.grade_scale.names))
        if unknown:
            raise ValueError(f"LEADSTREAM_REASONS_EXACT_GRADES names {', '.join(unknown)}, "
                             f"not a grade of LEADSTREAM_GRADES={self.grades!r}")
        return self

    @property
    def grade_scale(self) -> GradeScale:
        return GradeScale.parse(self.grades)

    @property
    def exact_grades(self) -> frozenset[str]:
        """The grades explained exactly (all of them for ``*``)."""
        if self.reasons_exact_grades is None:
            return frozenset(self.grade_scale.names[:1])
        text = self.reasons_exact_grades.strip()
        names = self.grade_scale.names if text == "*" else text.split(",")
        return frozenset(n.strip() for n in names if n.strip())

    # --- score history and trend (issue 9) ----------------------------------------------
    history_max_entries: int = Field(20, ge=0, le=1000)
    """Scores kept per lead in ``leadstream:history:<lead>`` (newest first); 0 turns the
    history off, and with it the trend (published as null)."""
    history_ttl_days: int = Field(90, ge=1)
    """A lead's history expires this long after its last score (the ledger's default)."""
    trend_delta: float = Field(0.05, ge=0, le=1)
    """Absolute score change (probability units) beyond which a trend is improving or
    declining; within it (inclusive) steady."""

    # --- monitors (issue 4) -----------------------------------------------------------
    topic_monitor_samples: str = "monitor.samples"
    """Per-batch mergeable monitor counts from the scorers."""
    topic_monitor_drift: str = "monitor.drift"
    """Drift reports, one per closed window and model role/version."""
    topic_monitor_performance: str = "monitor.performance"
    """Performance reports, one per closed window and model role/version."""
    topic_monitor_guardrails: str = "monitor.guardrails"
    """Guardrail states, per closed window and model role/version."""
    topic_monitor_windows: str = "monitor.windows"
    """Internal: samples and clock ticks routed to the window agent (one partition)."""
    topic_models_retrain: str = "models.retrain"
    """Retrain triggers from the monitors."""
    monitor_window_s: float = Field(60.0, gt=0)
    """Length of the monitors' event-time tumbling windows, in seconds."""
    monitor_lateness_s: float = Field(10.0, ge=0)
    """Allowed lateness: a window closes when max event time seen passes its end + this."""
    monitor_idle_s: float = Field(5.0, gt=0)
    """No sample for this long (wall clock): event time is taken to advance with the clock."""
    monitor_tick_s: float = Field(0.5, gt=0)
    """How often the monitor agents check for windows to close."""
    monitor_guardrails_path: Path | None = None
    """Guardrail policy (TOML); ``None`` uses the packaged default."""
    monitor_drift_min_n: int = Field(100, ge=1)
    """Fewer scored leads in a window: drift is ``insufficient_data``."""
    monitor_psi_warn: float = Field(0.1, gt=0)
    """PSI at or above which a significant drift is a warning."""
    monitor_psi_critical: float = Field(0.25, gt=0)
    """PSI at or above which a significant drift is critical."""
    monitor_fdr_q: float = Field(0.01, gt=0, lt=1)
    """Benjamini-Hochberg false discovery rate of drift warnings."""
    monitor_critical_alpha: float = Field(0.001, gt=0, lt=1)
    """Holm family-wise error rate of critical drift."""
    monitor_persist_k: int = Field(2, ge=1)
    """A drift flag counts when it shows in k of the last m judged windows."""
    monitor_persist_m: int = Field(3, ge=1)
    """Window history length of the persistence rule."""
    monitor_metrics_port: int = Field(0, ge=0)
    """Port of the monitor agents' Prometheus ``/metrics`` (0: not served)."""
    retrain_drift_windows: int = Field(3, ge=1)
    """Windows in a row with persisted drift (warn or worse) that trigger a retrain."""
    retrain_auc_floor: float = Field(0.70, ge=0, le=1)
    """Rolling AUC below this triggers a retrain; also the floor a retrained model must meet."""
    retrain_new_labels: int = Field(5000, ge=0)
    """New labelled outcomes since the last trigger that trigger a retrain (0: off)."""
    retrain_every_s: float = Field(0.0, ge=0)
    """Scheduled retrain trigger period in event time (0: off)."""
    retrain_cooldown_s: float = Field(3600.0, ge=0)
    """At most one retrain trigger per model in this time (event time)."""
    monitor_label_window: int = Field(5000, ge=1)
    """Labelled outcomes kept per model version (the newest) for AUC, precision and ECE."""
    monitor_min_labels: int = Field(100, ge=1)
    """Fewer labels in a version's window: no AUC, precision or calibration is reported."""

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

    # --- control plane and experiments (issue 3) ----------------------------------------
    topic_models_control: str = "models.control"
    """Serving configuration per model (compacted; the controller is its only writer)."""
    topic_models_control_requests: str = "models.control.requests"
    """Changes asked of the controller by the CLI and automation."""
    topic_models_audit: str = "models.audit"
    """Audit entries of every applied serving change."""
    topic_models_rollback: str = "models.rollback"
    """Rollback demands from critical guardrails."""
    topic_models_alerts: str = "models.alerts"
    """What the controller refused to do (no rollback target, cooldown, invalid request)."""
    topic_scores_shadow: str = "scores.shadow"
    """Champion vs challenger per lead in shadow mode."""
    topic_leads_outcomes: str = "leads.outcomes"
    """Lead outcomes (conversions) from the CRM."""
    topic_experiments_reports: str = "experiments.reports"
    """Experiment reports with statistics and a recommendation."""
    ledger_ttl_days: int = Field(90, ge=1)
    """How long a ledger entry (lead -> variant, version, score, features) is kept."""
    ledger_timeout_s: float = Field(0.2, gt=0)
    """Socket timeout of ledger writes; a slower Redis counts as down (entries reported)."""
    rollback_cooldown_s: float = Field(300.0, ge=0)
    """After a guardrail rollback, further rollback events only alert for this long."""
    control_wait_s: float = Field(30.0, gt=0)
    """How long the CLI waits for the controller to apply a request."""
    report_interval_s: float = Field(60.0, gt=0)
    """How often running canary/A/B experiments are reported on ``experiments.reports``."""
    experiment_alpha: float = Field(0.05, gt=0, lt=1)
    """Significance level of the always-valid sequential test."""
    experiment_min_outcomes: int = Field(200, ge=0)
    """Outcomes per arm before a report may recommend promote or keep_control."""
    auto_promote: bool = False
    """Promote the challenger when a report says ``promote`` and no guardrail is critical."""

    # --- CRM write-back sink (leadstream sink) --------------------------------------------
    sink_format: Literal["webhook", "dynamics", "hubspot", "salesforce"] = "webhook"
    """Payload the sink writes: a JSON webhook, Dynamics 365 ``msdyn_predictivescores``,
    HubSpot contact properties or Salesforce Lead fields."""
    sink_url: str | None = None
    """Base URL of the CRM (``https://org.crm.dynamics.com``, ``https://api.hubapi.com``, a
    Salesforce instance URL, or the webhook's own URL)."""
    sink_token: SecretStr | None = None
    """Bearer token sent to the CRM (never logged or printed)."""
    sink_group: str = "leadstream-sink"
    """Consumer group of the sink on ``leads.scored``."""
    sink_batch_size: int = Field(100, ge=1, le=10_000)
    """Scores per CRM request at most (also capped by the CRM's own limit)."""
    sink_timeout_s: float = Field(10.0, gt=0)
    """Timeout of one CRM request."""
    sink_max_attempts: int = Field(6, ge=1)
    """Tries of one request on 429, 5xx and timeouts before the batch is retried from
    scratch (nothing is committed or dropped meanwhile)."""
    sink_backoff_s: float = Field(0.5, gt=0)
    """First wait between tries; doubles with jitter up to ``sink_backoff_max_s``. A 429's
    ``Retry-After`` is honoured instead."""
    sink_backoff_max_s: float = Field(30.0, gt=0)
    """Longest wait between two tries."""
    sink_delivered_ttl_days: int = Field(30, ge=1)
    """How long the sink remembers the newest score it delivered per lead (in Redis), so an
    older score re-read after a rewind never overwrites it."""
    topic_sink_deadletter: str = "sink.deadletter"
    """Scores the CRM refused for good, with its answer."""

    # --- training ----------------------------------------------------------------------
    train_min_rows: int = Field(200, ge=50)
    """Fewest usable rows ``train`` and ``retrain`` accept."""
    train_min_positives: int = Field(40, ge=10)
    """Fewest conversions they accept (Dynamics 365 asks for 40 of each outcome)."""
    train_min_negatives: int = Field(40, ge=10)
    """Fewest non-conversions they accept."""

    def train_config(self, seed: int, refit: bool = False) -> TrainConfig:
        """The training configuration these settings ask for."""
        from scoring.training import TrainConfig

        return TrainConfig(seed=seed, refit=refit, min_rows=self.train_min_rows,
                           min_positives=self.train_min_positives,
                           min_negatives=self.train_min_negatives)
    # --- agent safety (issue 8) ----------------------------------------------------------
    topic_leads_outcomes_deadletter: str = "leads.outcomes.deadletter"
    """Outcomes the outcome agent could not use (undecodable, invalid, failed, never scored)."""
    topic_models_control_requests_deadletter: str = "models.control.requests.deadletter"
    """Control requests the controller could not use."""
    topic_models_rollback_deadletter: str = "models.rollback.deadletter"
    """Rollback events the controller could not use."""
    topic_monitor_samples_deadletter: str = "monitor.samples.deadletter"
    """Monitor samples the monitor agents could not use."""
    event_time_future_s: float = Field(300.0, ge=0)
    """A monitor sample whose event times are further than this ahead of its broker
    timestamp is clock-skewed: merged by its arrival, its time never moves the watermark
    (scorers apply the same default to each event)."""
    event_time_past_s: float = Field(7 * 24 * 3600.0, gt=0)
    """The same, this far in the past (default: the retention of ``leads.incoming``, beyond
    which no genuine backlog exists)."""
    outcome_park_ttl_s: int = Field(7 * 24 * 3600, ge=1)
    """How long an outcome of a not-yet-scored lead waits for its score (then dead-lettered
    as ``never_scored``)."""
    outcome_park_max: int = Field(100_000, ge=1)
    """Most outcomes parked at once; beyond it the oldest are dead-lettered (``never_scored``)."""
    outcome_retry_s: float = Field(5.0, gt=0)
    """How often parked outcomes are joined again with the ledger."""

    # --- control-plane signing (issue 10, item 3) -----------------------------------------
    # Ed25519 signatures in Kafka headers (scoring/control/signing.py). ``required``: the
    # controller applies only requests signed by a key of the allow-list, and scorers,
    # ``status`` and the agents apply only models.control records the controller signed.
    control_signing: Literal["off", "required"] = "off"
    """``off`` (plain demo: anybody who may write the control topics is trusted, one warning
    line at start) or ``required`` (secured stack default)."""
    control_allowlist_path: Path | None = None
    """The agents' allow-list of operator public keys: TOML, ``name = "<base64 raw key>"``."""
    operator_key_path: Path | None = None
    """The CLI's private key (PEM PKCS8, 0600) that signs control requests."""
    operator_key_name: str | None = None
    """The name the CLI signs as (its allow-list entry); default: the key file's stem."""
    controller_key_path: Path | None = None
    """The agents' private key: signs every models.control record (and auto-promotions)."""
    controller_public_key_path: Path | None = None
    """The controller's public key (PEM), which scorers, ``status`` and the CLI verify."""
    control_signature_window_s: float = Field(300.0, gt=0)
    """A signed request older (or further in the future) than this is refused; a signature
    is remembered this long (Redis, TTL) so a copy of it is refused as a replay."""

    # --- personal data (issue 10, item 5) -----------------------------------------------
    # What leadstream keeps of a lead, and for how long: Kafka retention of the topics that
    # hold lead data (applied on creation and every time the topics are ensured again), what
    # a dead letter keeps of rejected bytes, and `leadstream forget` (erasure requests,
    # handled by the agents, audited on models.audit). README "Personal data" says it all.
    deadletter_payload: PayloadPolicy = PayloadPolicy.ORIGINAL
    """What dead letters (``leads.deadletter`` and the agents' ``<topic>.deadletter``) keep of
    the rejected bytes: ``original`` (the bytes, up to the limit) or ``hash`` (only their
    size and SHA-256, with the reason and the field errors)."""
    lead_retention_days: int = Field(7, ge=1)
    """Kafka retention of ``leads.incoming`` and ``leads.scored``, in days."""
    shadow_retention_days: int = Field(30, ge=1)
    """Kafka retention of ``scores.shadow`` (champion vs challenger score per lead)."""
    outcomes_retention_days: int = Field(365, ge=1)
    """Kafka retention of ``leads.outcomes`` (conversions per lead from the CRM)."""
    sink_deadletter_retention_days: int = Field(30, ge=1)
    """Kafka retention of ``sink.deadletter`` (scores the CRM refused)."""
    topic_privacy_requests: str = "privacy.requests"
    """Erasure requests (``leadstream forget``) for the agents; kept one day."""
    topic_privacy_requests_deadletter: str = "privacy.requests.deadletter"
    """Erasure requests the agents could not use (always kept as size and hash only)."""
    dedup_lead_max_events: int = Field(1000, ge=1)
    """Event-id claims indexed per lead (so ``forget`` finds them without a SCAN); beyond
    this many within ``dedup_ttl_s`` the lead's oldest claims are dropped with their index
    entry (a resend of such an old event would be scored again)."""
    forget_wait_s: float = Field(30.0, gt=0)
    """How long ``leadstream forget`` waits for the agents' erasure entry."""
