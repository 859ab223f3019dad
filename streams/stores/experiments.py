"""Per-experiment, per-variant outcome tallies in Redis, updated exactly once per lead.

Keys (``<exp>`` is the experiment id, or ``version:<v>`` for leads served outside one):

- ``leadstream:exp:<exp>:leads``         hash lead_id → "1" converted / "0" not (yet);
- ``leadstream:exp:<exp>:tally:<variant>`` hash outcomes, conversions, deal_value;
- ``leadstream:exp:<exp>:report``        the last published report (sequential state);
- ``leadstream:exp:<exp>:progress``      a canary's progression (the controller's copy, for
  ``experiment report``; the controller's own state is its changelog table).

Each experiment key also enters ``leadstream:exp:index`` (what ``forget`` visits). Each
expires with the ledger's TTL after its last write (an experiment's keys live as long
as the leads they count). Outcomes of leads the ledger does not know yet are parked by the
outcome agent (:mod:`streams.stores.parked`), not here.

An outcome is applied with WATCH/MULTI around the pure :func:`apply_outcome`: the lead's
remembered state and the arm's tally change together or not at all, so a redelivered
outcome changes nothing and concurrent agents cannot double count.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import redis

from schemas.control import ServingConfig, ServingMode
from schemas.errors import FatalError
from schemas.experiments import ExperimentReport, Outcome
from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from scoring.experiments import (
    ArmTally,
    DecisionPolicy,
    ExperimentContext,
    OutcomeApplied,
    SequentialState,
    apply_outcome,
    build_report,
    state_from_report,
)
from scoring.experiments.progress_evidence import srm_checkable
from scoring.experiments.progression import Progress
from streams.settings import Settings
from streams.stores.labels import LabelWindow
from streams.stores.ledger import EXPERIMENTS_INDEX, Ledger, redis_client
from streams.stores.shadow_labels import ShadowLabelWindow

MAX_ATTEMPTS = 50
DEFAULT_TTL_S = 90 * 24 * 3600


def experiment_key(entry: LedgerEntry) -> str:
    return entry.experiment_id or f"version:{entry.model_version}"


def _prefix(experiment: str) -> str:
    return f"leadstream:exp:{experiment}"


def outcome_identity(outcome: Outcome) -> str:
    if outcome.event_id:
        return f"{outcome.lead_id}|{outcome.event_id}"
    return (f"{outcome.lead_id}|{outcome.occurred_at.isoformat()}|{int(outcome.converted)}"
            f"|{outcome.deal_value}")


def _tally(raw: dict[bytes, bytes]) -> ArmTally:
    return ArmTally(int(raw.get(b"outcomes", 0)), int(raw.get(b"conversions", 0)),
                    float(raw.get(b"deal_value", 0.0)))


class ExperimentStore:
    def __init__(self, client: redis.Redis, ttl_s: int = DEFAULT_TTL_S):
        self._client = client
        self._ttl_s = ttl_s

    def record(self, outcome: Outcome, entry: LedgerEntry) -> OutcomeApplied:
        """Apply one joined outcome to its arm, atomically and idempotently."""
        prefix = _prefix(experiment_key(entry))
        leads, tally_key = f"{prefix}:leads", f"{prefix}:tally:{entry.variant.value}"
        for _ in range(MAX_ATTEMPTS):
            with self._client.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(leads, tally_key)
                    seen = pipe.hget(leads, outcome.lead_id)
                    previous = None if seen is None else seen == b"1"
                    applied = apply_outcome(_tally(pipe.hgetall(tally_key)), previous,
                                            outcome.converted, outcome.deal_value)
                    if not applied.changed:
                        return applied
                    t = applied.tally
                    pipe.multi()
                    pipe.hset(leads, outcome.lead_id, "1" if applied.converted else "0")
                    pipe.hset(tally_key, mapping={"outcomes": t.outcomes,
                                                  "conversions": t.conversions,
                                                  "deal_value": repr(t.deal_value)})
                    pipe.expire(leads, self._ttl_s)
                    pipe.expire(tally_key, self._ttl_s)
                    pipe.sadd(EXPERIMENTS_INDEX, experiment_key(entry))
                    pipe.expire(EXPERIMENTS_INDEX, self._ttl_s)
                    pipe.execute()
                    return applied
                except redis.WatchError:
                    continue
        raise redis.RedisError(f"outcome of {outcome.lead_id}: {MAX_ATTEMPTS} WATCH conflicts")

    def forget(self, lead_id: str) -> int:
        """Take the lead out of every experiment's per-lead outcome hash; fields removed.
        The tallies are sums over leads (no lead's data) and stay."""
        experiments = [e.decode() for e in self._client.smembers(EXPERIMENTS_INDEX)]
        pipe = self._client.pipeline(transaction=False)
        for experiment in experiments:
            pipe.hdel(f"{_prefix(experiment)}:leads", lead_id)
        return sum(int(n) for n in pipe.execute()) if experiments else 0

    def tallies(self, experiment_id: str) -> dict[Variant, ArmTally]:
        prefix = _prefix(experiment_id)
        arms = (Variant.CONTROL, Variant.TREATMENT, Variant.CHAMPION)
        pipe = self._client.pipeline(transaction=False)
        for v in arms:
            pipe.hgetall(f"{prefix}:tally:{v.value}")
        return {v: _tally(raw) for v, raw in zip(arms, pipe.execute(), strict=True)}

    def last_report(self, experiment_id: str) -> ExperimentReport | None:
        raw = self._client.get(f"{_prefix(experiment_id)}:report")
        return ExperimentReport.model_validate_json(raw) if raw is not None else None

    def progress(self, experiment_id: str) -> Progress | None:
        raw = self._client.get(f"{_prefix(experiment_id)}:progress")
        return Progress.model_validate_json(raw) if raw is not None else None

    def save_progress(self, progress: Progress) -> None:
        self._client.set(f"{_prefix(progress.experiment_id)}:progress",
                         progress.model_dump_json(), ex=self._ttl_s)

    def save_report(self, report: ExperimentReport) -> None:
        self._client.set(f"{_prefix(report.experiment_id)}:report", report.model_dump_json(),
                         ex=self._ttl_s)


def join_outcome(ledger: Ledger, store: ExperimentStore, outcome: Outcome,
                 labels: LabelWindow | None = None,
                 shadow: ShadowLabelWindow | None = None) -> str:
    """Join one outcome with the ledger and count it; returns what happened (for logs).

    ``counted``: a new outcome or conversion of an arm; ``repeat``: nothing new (e.g. a
    redelivery); ``unknown``: no ledger entry (yet): the caller parks it for a later join.
    With ``labels``, the (score, label) pair also enters its model version's label window
    (idempotent too: a redelivery changes neither); with ``shadow``, an entry that carries a
    shadow challenger's score also labels that pair of scores (same rules).
    """
    entry = ledger.get(outcome.lead_id)
    if entry is None:
        return "unknown"
    if labels is not None:
        labels.record(entry, outcome)
    if shadow is not None:
        shadow.record(entry, outcome)
    return "counted" if store.record(outcome, entry).changed else "repeat"


def take_look(ledger: Ledger, store: ExperimentStore, config: ServingConfig,
              policy: DecisionPolicy, now: datetime, save: bool = True) -> ExperimentReport:
    """One look at the running canary/A/B of ``config``, continuing its sequential state;
    ``save``: the look becomes the state the next one continues from (the agents' looks;
    a read-only view leaves it, and needs no write access)."""
    if not config.experiment_id or config.mode not in (ServingMode.CANARY, ServingMode.AB):
        raise FatalError(f"{config.model_name} runs no canary or A/B experiment")
    tallies = store.tallies(config.experiment_id)
    assigned = ledger.assigned(config.experiment_id)
    last = store.last_report(config.experiment_id)
    ctx = ExperimentContext(config.experiment_id, config.model_name, config.mode.value,
                            config.treatment_share, config.champion_version,
                            config.challenger_version, srm_checkable(config))
    counts = (assigned[Variant.CONTROL], assigned[Variant.TREATMENT])
    report, _ = build_report(ctx, tallies[Variant.CONTROL], tallies[Variant.TREATMENT],
                             state_from_report(last) if last else SequentialState(), now,
                             policy, counts if sum(counts) else None)
    if save:
        store.save_report(report)
    return report


def look_now(settings: Settings, config: ServingConfig,
             policy: DecisionPolicy | None = None) -> ExperimentReport:
    """A look at ``config``'s experiment now, from Redis, not kept (blocking; reads only);
    ``policy``: decide as it says (a canary's progression policy) instead of the settings,
    whose test gives way to the one the canary's progression policy names (one test keeps
    the experiment's sequential state)."""
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
    try:
        store = ExperimentStore(client, _ttl_s(settings))
        if policy is None:
            policy = with_progress_test(policy_from(settings), store, config.experiment_id)
        return take_look(Ledger(client, 0), store, config, policy, datetime.now(UTC),
                         save=False)
    finally:
        client.close()


def keep_look(settings: Settings, report: ExperimentReport) -> None:
    """Make ``report`` the sequential state the next look continues from (blocking)."""
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
    try:
        ExperimentStore(client, _ttl_s(settings)).save_report(report)
    finally:
        client.close()


def keep_progress(settings: Settings, progress: Progress) -> None:
    """Keep a canary's progression where ``experiment report`` reads it (blocking)."""
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
    try:
        ExperimentStore(client, _ttl_s(settings)).save_progress(progress)
    finally:
        client.close()


def read_progress(settings: Settings, experiment_id: str) -> Progress | None:
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
    try:
        return ExperimentStore(client, _ttl_s(settings)).progress(experiment_id)
    finally:
        client.close()


def _ttl_s(settings: Settings) -> int:
    return settings.ledger_ttl_days * 24 * 3600


def with_progress_test(policy: DecisionPolicy, store: ExperimentStore,
                       experiment_id: str | None) -> DecisionPolicy:
    """``policy`` with the test a canary's progression policy names, if it names one: every
    reader of the experiment (report, guardrail, progression) runs the same test, so the
    false-positive rate is one test's alpha, not the sum of two."""
    progress = store.progress(experiment_id) if experiment_id else None
    test = progress.policy.test if progress is not None else None
    return replace(policy, test=test) if test else policy


def policy_from(settings: Settings) -> DecisionPolicy:
    return DecisionPolicy(alpha=settings.experiment_alpha,
                          min_outcomes_per_arm=settings.experiment_min_outcomes,
                          mde=settings.experiment_mde, test=settings.experiment_test)
