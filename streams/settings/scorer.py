"""The scorer's settings (``leadstream score``): batches and limits, reasons, score history
and trend, the ledger's writes, event-id de-duplication."""

from __future__ import annotations

from pydantic import Field

from streams.settings.part import SettingsPart


class ScorerSettings(SettingsPart):
    """How the scorer batches, explains and trends each score, and what it keeps in Redis."""

    # --- scorer ------------------------------------------------------------------------
    transactional_id: str = "leadstream-scorer-0"
    """Transactional id of this scorer process; unique per process, stable across restarts."""
    batch_size: int = Field(1000, ge=1, le=100_000)
    """Most events consumed, scored and committed in one transaction."""
    batch_timeout_s: float = Field(0.05, gt=0)
    """Longest wait for a batch to fill before processing what has arrived."""
    batch_timeout_idle_s: float = Field(0.005, gt=0)
    """While the consumer has no backlog (the last batch was not full) a batch closes as
    soon as the consumer's queue is empty (adaptive batching); this is the longest wait for
    its first event before the loop checks its limits and asks again. A full batch restores
    the long wait."""
    adaptive_batching: bool = True
    """Without a backlog, close a batch when the consumer's queue is empty (on) or after
    ``batch_timeout_idle_s`` (off: the timer of earlier releases, kept for comparison)."""
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
    transaction_retry_backoff_ms: int = Field(2, ge=1, le=1000)
    """librdkafka ``retry.backoff.ms`` of the scorer's producer: the first wait before a
    request is sent again (it doubles up to ``retry.backoff.max.ms``, 1 s). A transaction
    begun right after a commit finds the coordinator still writing that commit's markers,
    and its ``AddOffsetsToTxn`` is answered ``CONCURRENT_TRANSACTIONS`` (retry); with
    librdkafka's default of 100 ms each such batch waited 100 ms in ``send_offsets``
    (median 99-106 ms back to back; 4 ms at 2: ``bench/README.md``, Runs 24 and 25,
    ``python -m bench.txn_backoff``). Java's producer waits 20 ms on this answer."""

    # --- reasons (issue 9; the grades are shared) -------------------------------------
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
    reasons_budget_ms: float = Field(1.0, gt=0)
    """Most reasons may cost per lead, in ms: beyond it a run's reasons are approximate for
    every lead, or (beyond that too) left out — a slow model (the kind a latency guardrail
    rolls back) must not slow scoring further; ``leadstream_scorer_reasons_skipped``."""
    serving_threads: int = Field(1, ge=1, le=64)
    """OpenMP threads of each serving model's predictions. One by default: a prediction of a
    1,000-lead batch takes ~1.3 ms on one thread, and on all cores of a machine that also
    runs Kafka and Redis its p99 grows to ~25 ms while threads wait for a busy core
    (``bench/README.md``)."""

    @property
    def exact_grades(self) -> frozenset[str]:
        """The grades explained exactly (all of them for ``*``; the grades themselves are
        :class:`~streams.settings.shared.SharedSettings`', checked against these by
        :class:`~streams.settings.Settings`)."""
        if self.reasons_exact_grades is None:
            return frozenset(self.grade_scale.names[:1])
        text = self.reasons_exact_grades.strip()
        names = self.grade_scale.names if text == "*" else text.split(",")
        return frozenset(n.strip() for n in names if n.strip())

    # --- score history and trend (issue 9) ----------------------------------------------
    history_max_entries: int = Field(20, ge=0, le=1000)
    """Scores kept per lead in its state key ``leadstream:lead:<lead>`` (newest first); 0
    turns the history off, and with it the trend (published as null)."""
    history_ttl_days: int = Field(90, ge=1)
    """A lead's history entry is dropped this long after its score (the ledger's default)."""
    trend_delta: float = Field(0.05, ge=0, le=1)
    """Absolute score change (probability units) beyond which a trend is improving or
    declining; within it (inclusive) steady."""

    # --- Redis: ledger writes and de-duplication -------------------------------------------
    ledger_timeout_s: float = Field(0.2, gt=0)
    """Socket timeout of ledger writes; a slower Redis counts as down (entries reported)."""
    dedup_ttl_s: int = Field(7 * 24 * 3600, ge=0)
    """How long a lead's ``event_id`` claim is remembered, to drop CRM resends (0
    disables)."""
    dedup_lead_max_events: int = Field(1000, ge=1)
    """Event-id claims kept per lead (in its state key); beyond this many within
    ``dedup_ttl_s`` the lead's oldest claims are dropped (a resend of such an old event
    would be scored again)."""
