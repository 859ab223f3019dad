"""What the window agent reads from Redis when a window closes: labels and the A/B verdict.

* :class:`RedisLabels` is the :class:`~monitors.judge.LabelSource` of the monitors:
  the model version's rolling label window (:mod:`streams.stores.labels`) through the pure
  :func:`monitors.quality.window_quality`.
* :class:`ExperimentSignal` gives the A/B guardrail's reading of a canary/A/B challenger:
  the serving configuration the monitor keeps in Redis, the leads routed to each arm (the
  ledger), the experiment's per-arm tallies and last sequential state (kept by the outcome
  and report agents), read by :func:`scoring.experiments.guardrail.read_experiment`: SRM
  first (only while the share in force is the one all leads were routed at: an A/B, or a
  canary at its first step, whose last report saw the same share), then the sequential look.

Both run in a worker thread. A Redis failure is logged and counted by ``on_error`` and
the window is reported without the numbers ("no labels", A/B not judged): a monitor
report is never held back by Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis

from monitors.judge import Quality
from monitors.quality import QualityRule, window_quality
from schemas.control import ModelRole, ServingConfig, ServingMode
from schemas.scored import Variant
from scoring.experiments import DecisionPolicy, SequentialState, state_from_report
from scoring.experiments.guardrail import GuardrailReading, GuardrailVerdict, Split, read_experiment
from streams.stores.experiments import ExperimentStore, with_progress_test
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger
from streams.stores.status import SERVING

log = logging.getLogger(__name__)
OnError = Callable[[Exception], None]


class RedisLabels:
    def __init__(self, window: LabelWindow, rule: QualityRule, on_error: OnError):
        self.window, self.rule, self.on_error = window, rule, on_error

    def quality(self, model_name: str, role: str, version: str) -> Quality:
        try:
            labels, scores = self.window.read(model_name, version)
            new = self.window.take_new(model_name, version)
        except (redis.RedisError, OSError) as exc:
            self.on_error(exc)
            log.warning("Redis down: no labels for %s v%s this window (%s)",
                        model_name, version, exc)
            return Quality()
        q = window_quality(labels, scores, self.rule)
        return Quality(q.n_labels, q.auc, q.precision_at_10, q.calibration_error, new)


class ExperimentSignal:
    def __init__(self, client: redis.Redis, policy: DecisionPolicy, on_error: OnError):
        self.client, self.policy, self.on_error = client, policy, on_error
        self.store = ExperimentStore(client)
        self.ledger = Ledger(client, 0)  # read only: assigned counts

    def reading(self, model_name: str, role: str, version: str) -> GuardrailReading:
        """The guardrail reading for this window of ``role``/``version``."""
        if role != ModelRole.CHALLENGER.value:
            return NOT_JUDGED
        try:
            return self._judge(model_name, version)
        except (redis.RedisError, OSError) as exc:
            self.on_error(exc)
            log.warning("Redis down: A/B guardrail of %s v%s not judged (%s)",
                        model_name, version, exc)
            return NOT_JUDGED

    def _judge(self, model_name: str, version: str) -> GuardrailReading:
        raw = self.client.get(SERVING.format(model=model_name))
        if raw is None:
            return NOT_JUDGED
        config = ServingConfig.model_validate_json(raw)
        if (config.mode not in (ServingMode.CANARY, ServingMode.AB) or not config.experiment_id
                or config.challenger_version != version):
            return NOT_JUDGED
        tallies = self.store.tallies(config.experiment_id)
        last = self.store.last_report(config.experiment_id)
        previous = state_from_report(last) if last is not None else SequentialState()
        split = None
        if share_held(config, None if last is None else last.treatment_share):
            assigned = self.ledger.assigned(config.experiment_id)
            split = Split(assigned[Variant.CONTROL], assigned[Variant.TREATMENT],
                          config.treatment_share)
        policy = with_progress_test(self.policy, self.store, config.experiment_id)
        return read_experiment(previous, tallies[Variant.CONTROL], tallies[Variant.TREATMENT],
                               policy, split)


NOT_JUDGED = GuardrailReading(GuardrailVerdict.NOT_JUDGED)


def share_held(config: ServingConfig, last_share: float | None) -> bool:
    """True when every lead of the experiment was routed at the share now in force: the
    SRM test needs one expected share (a canary past its first step mixes several)."""
    if last_share is not None and last_share != config.treatment_share:
        return False
    if config.mode is ServingMode.CANARY and config.canary_steps:
        return config.treatment_share == config.canary_steps[0]
    return True
