"""One scored batch → one ``monitor.samples`` record, its counts checked by hand."""

from __future__ import annotations

import json

import numpy as np

from monitors.batch_sample import batch_sample, empty_sample, encode_sample
from monitors.sketches import SampleKey
from schemas.monitor import ModelRole, MonitorSample
from schemas.profile import SCORE_EDGES


def sample_of(profile, spec, **kw):
    args = dict(model_name="lead-scoring", role="challenger", model_version=4,
                profile=profile, spec=spec,
                numeric={"engagement_score": [10.0, None, 90.0],
                         "company_size": [1, 50, 5000]},
                categories={"lead_source": ["web", "tv", None]},
                scores=[0.1, 0.5, 0.95], latencies_ms=[2.0, 4.0, 8.0], n_rejected=2,
                n_failed=1, event_times_ms=[1_000, 3_000, 2_000], sample_id="s:0:10-12")
    return batch_sample(**{**args, **kw})


def test_counts_keys_and_times_of_one_batch(profile, spec):
    s = sample_of(profile, spec)
    assert (s.model_name, s.role, s.model_version, s.sample_id) == (
        "lead-scoring", ModelRole.CHALLENGER, "4", "s:0:10-12")
    assert (s.n_scored, s.n_rejected, s.n_failed) == (3, 2, 1)
    assert (s.event_time_min_ms, s.event_time_max_ms) == (1_000, 3_000)
    assert s.score_sum_micro == 100_000 + 500_000 + 950_000
    assert sum(s.score_counts) == 3 and sum(s.latency.counts) == 3 and s.latency.max == 8.0
    eng = s.numeric["engagement_score"]
    assert sum(eng) == 3 and eng[-1] == 1  # one missing
    src = s.categorical["lead_source"]
    assert src[0] == 1 and src[-2] == 1 and src[-1] == 1  # web, unseen, missing
    # a feature the batch did not carry is all missing, not absent
    assert s.numeric["days_since_first_contact"][-1] == 3
    assert set(s.numeric) == set(profile.numeric)


def test_score_histogram_uses_the_fixed_edges(profile, spec):
    s = sample_of(profile, spec)
    expected = np.zeros(len(SCORE_EDGES) + 1, int)
    for x in (0.1, 0.5, 0.95):
        expected[sum(e <= x for e in SCORE_EDGES)] += 1
    assert s.score_counts == expected.tolist()


def test_without_a_profile_only_scores_latency_and_counts(spec):
    s = sample_of(None, spec)
    assert s.numeric == {} and s.categorical == {}
    assert sum(s.score_counts) == 3 and len(s.score_counts) == len(SCORE_EDGES) + 1
    assert (s.n_scored, s.n_rejected, s.n_failed) == (3, 2, 1)
    empty = empty_sample(SampleKey("m", ModelRole.CHAMPION, "1"), None)
    assert empty.numeric == {} and empty.score_counts.tolist() == [0] * (len(SCORE_EDGES) + 1)


def test_encoded_record_is_keyed_by_model_and_round_trips(profile, spec):
    s = sample_of(profile, spec)
    key, value = encode_sample(s)
    assert key == b"lead-scoring"
    assert MonitorSample.model_validate(json.loads(value)) == s


def test_no_event_times_means_no_window_bounds(profile, spec):
    s = sample_of(profile, spec, event_times_ms=None)
    assert s.event_time_min_ms is None and s.event_time_max_ms is None
