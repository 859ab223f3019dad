"""Sample builder for the scorer, retrain triggers, and judging a closed window."""

from __future__ import annotations

import numpy as np

from monitors.batch_sample import batch_sample
from monitors.binning import build_reference_profile
from monitors.guardrails import RoleState
from monitors.judge import NoLabels, VersionState, judge_window
from monitors.retrain import RetrainPolicy, RetrainState, retrain_step
from monitors.sketches import WindowSample
from monitors.windows import ClosedWindow
from schemas.monitor import ModelRole
from schemas.retrain import RetrainReason
from schemas.spec import load_spec
from scoring.features import FeatureEncoder, learn_vocabularies
from scoring.synthetic import SyntheticCRM
from streams.monitor.config import monitor_config
from streams.settings import Settings


def _setup(n: int = 2000):
    spec = load_spec()
    frame = SyntheticCRM(1).leads(n)
    cols = {f.name: frame[f.name].tolist() for f in spec.features}
    spec = spec.with_vocabularies(learn_vocabularies(spec, cols))
    scores = np.random.default_rng(0).uniform(size=n)
    return spec, cols, build_reference_profile(cols, scores, spec), scores


def _sample(spec, profile, cols, scores, constant=None, sid="s"):
    batch = FeatureEncoder(spec).encode_columns(cols)
    s = scores if constant is None else np.full(len(scores), constant)
    return batch_sample(model_name="m", role="champion", model_version="1", profile=profile,
                        spec=spec, numeric=batch.numeric, categories=batch.categories, scores=s,
                        latencies_ms=np.full(len(s), 3.0), n_rejected=4, n_failed=1,
                        event_times_ms=np.arange(len(s)) + 1000, sample_id=sid)


def test_batch_sample_counts_the_batch() -> None:
    spec, cols, profile, scores = _setup()
    sample = _sample(spec, profile, cols, scores)
    assert sample.n_scored == 2000 and sample.n_rejected == 4 and sample.n_failed == 1
    assert sample.event_time_min_ms == 1000 and sample.event_time_max_ms == 2999
    assert all(sum(v) == 2000 for v in sample.numeric.values())
    assert sum(sample.score_counts) == 2000 and sample.sample_id == "s"
    no_profile = batch_sample(model_name="m", role="champion", model_version="1", profile=None,
                              spec=spec, numeric={}, categories={}, scores=scores,
                              latencies_ms=[1.0])
    assert no_profile.numeric == {} and sum(no_profile.score_counts) == 2000


def test_constant_scores_are_a_critical_rollback_and_stationary_data_is_clean() -> None:
    spec, cols, profile, scores = _setup()
    cfg = monitor_config(Settings(_env_file=None))
    fresh = VersionState(RoleState("m", ModelRole.CHAMPION, "1"))
    for constant, rollback in ((None, False), (0.5, True)):
        ws = WindowSample.from_contract(_sample(spec, profile, cols, scores, constant))
        _, out = judge_window(ClosedWindow(0, 60_000, ws, 10, "watermark"), profile, fresh,
                              None, cfg, NoLabels().quality("m", "champion", "1"))
        assert (out.rollback is not None) is rollback
        assert out.drift.verdict == "ok" and out.performance.n_scored == 2000
        assert out.guardrails.state == ("CRITICAL" if rollback else "HEALTHY")


def test_retrain_triggers_on_sustained_drift_then_cools_down() -> None:
    policy = RetrainPolicy(drift_windows=2, new_labels=0, cooldown_ms=10_000)
    state, fired = RetrainState(), []
    for end in range(1000, 20_000, 1000):
        state, d = retrain_step(state, window_end_ms=end, drifted=True, auc=None,
                                new_labels=0, policy=policy)
        if d:
            assert d.reasons == (RetrainReason.DRIFT,)
            fired.append(end)
    assert fired == [2000, 12_000]
    _, d = retrain_step(RetrainState(), window_end_ms=1, drifted=None, auc=0.5, new_labels=0,
                        policy=policy)
    assert d is not None and d.reasons == (RetrainReason.AUC,)
