"""Feature-importance shift, against an independent numpy computation: mean |weight| per
feature from reasons (absent = 0), shares, total variation distance, ranks; and the
diagnose finding it makes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from monitors.diagnosis import diagnose
from monitors.evidence import Evidence, FeatureEvidence
from monitors.findings import Action
from monitors.importance import importance_shift, mean_abs_from_reasons

FEATURES = ["a", "b", "c", "d", "e"]
weight = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
lead = st.lists(st.tuples(st.sampled_from(FEATURES), weight), max_size=4,
                unique_by=lambda r: r[0])


@given(st.lists(lead, max_size=60))
def test_mean_abs_from_reasons_matches_numpy(leads) -> None:
    got, n = mean_abs_from_reasons(leads)
    rows = [r for r in leads if r]
    assert n == len(rows)
    if not rows:
        assert got == {}
        return
    matrix = np.zeros((len(rows), len(FEATURES)))
    for i, reasons in enumerate(rows):
        for f, w in reasons:
            matrix[i, FEATURES.index(f)] = abs(w)
    expected = matrix.mean(axis=0)
    for j, f in enumerate(FEATURES):
        if matrix[:, j].any() or f in got:
            assert np.isclose(got.get(f, 0.0), expected[j], atol=1e-12)


positive = st.floats(0, 10, allow_nan=False, allow_infinity=False)


@given(st.dictionaries(st.sampled_from(FEATURES), positive, min_size=1),
       st.dictionaries(st.sampled_from(FEATURES), positive, min_size=1))
def test_shift_matches_numpy(reference, current) -> None:
    shift = importance_shift(reference, current, n_leads=500)
    if not any(reference.values()) or not any(current.values()):
        assert shift is None
        return
    names = sorted(set(reference) | set(current))
    ref = np.array([reference.get(f, 0.0) for f in names])
    cur = np.array([current.get(f, 0.0) for f in names])
    p, q = ref / ref.sum(), cur / cur.sum()
    assert np.isclose(shift.distance, 0.5 * np.abs(q - p).sum())
    by_name = {f: i for i, f in enumerate(shift.features)}
    for j, f in enumerate(names):
        i = by_name[f]
        assert np.isclose(shift.reference_share[i], p[j])
        assert np.isclose(shift.current_share[i], q[j])
    # rank 1 = largest share, ties by name
    ref_order = sorted(names, key=lambda f: (-p[names.index(f)], f))
    cur_order = sorted(names, key=lambda f: (-q[names.index(f)], f))
    assert [shift.features[shift.reference_rank.index(r)] for r in
            range(1, len(names) + 1)] == ref_order
    assert list(shift.features) == cur_order
    assert shift.top_changed == (ref_order[0] != cur_order[0])


def test_too_few_leads_no_verdict() -> None:
    assert importance_shift({"a": 1.0}, {"a": 1.0}, n_leads=10, min_leads=200) is None


def _evidence(now: dict[str, float], n: int = 1000, **kw) -> Evidence:
    return Evidence(model="m", now_ms=0, importance_reference={"a": 0.6, "b": 0.3, "c": 0.1},
                    importance_now=now, n_explained=n, **kw)


def test_finding_when_the_ranking_shifts_and_none_when_it_holds() -> None:
    doc = diagnose(_evidence({"a": 0.1, "b": 0.3, "c": 0.6})).as_dict()
    first = doc["findings"][0]
    assert (first["kind"], first["severity"]) == ("importance_shift", "warning")
    assert (first["evidence"]["top_then"], first["evidence"]["top_now"]) == ("a", "c")
    assert first["evidence"]["distance"] == 0.5
    assert doc["next_steps"] == [Action.RETRAIN.value]
    same = diagnose(_evidence({"a": 1.2, "b": 0.6, "c": 0.2})).as_dict()  # all doubled
    found = [f for f in same["findings"] if f["kind"] == "importance_shift"]
    assert found[0]["severity"] == "info" and found[0]["evidence"]["distance"] == 0.0
    few = diagnose(_evidence({"a": 0.1, "c": 0.9}, n=20)).as_dict()
    assert [f["severity"] for f in few["findings"] if f["kind"] == "importance_shift"] == [
        "info"]


def test_a_drifted_feature_ranks_before_the_importance_shift_it_causes() -> None:
    drifted = FeatureEvidence("c", "numeric", psi=0.18, severity="warn", missing_share=0.0)
    doc = diagnose(_evidence({"a": 0.1, "b": 0.3, "c": 0.6}, features=(drifted,))).as_dict()
    assert [f["kind"] for f in doc["findings"][:2]] == ["feature_drift", "importance_shift"]
