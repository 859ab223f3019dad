"""The ``scores.shadow`` serializer writes what the contract writes: for random batches
(hostile lead and event ids, scores outside [0, 1], waits and model times, reasons with
every kind of value, the served scores' texts given or not) each record, parsed, has the
fields, in the order, and the values of ``ShadowComparison.model_dump_json`` of the same
comparison built by hand here, and the contract reads it back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.experiments import ShadowComparison
from schemas.monitor import ModelRole
from scoring.grades import GradeScale
from scoring.intake import RawEvent
from scoring.serving import RoleRun, ServedBatch, route
from streams.scorer.explain import RunReasons
from streams.scorer.lead_batch import BatchInput
from streams.scorer.scored_json import ScoreTexts
from streams.scorer.shadow_json import shadow_records

GRADES = GradeScale(("A", "B", "C", "D"), (0.8, 0.5, 0.3, 0.0))
NAMES = st.text(min_size=1, max_size=20)
SCORES = st.floats(0.0, 1.0) | st.floats(-0.5, 1.5) | st.sampled_from([0.0, 0.3, 0.8, 1.0])
REASON = st.fixed_dictionaries({
    "feature": NAMES, "label": NAMES, "direction": st.sampled_from(["+", "-"]),
    "value": st.none() | st.integers(-10**12, 10**12) | st.text(max_size=30)
    | st.floats(allow_nan=False, allow_infinity=False),
    "weight": st.floats(-50, 50).map(lambda w: round(w, 4))})
LEAD = st.fixed_dictionaries({
    "lead_id": st.text(min_size=1, max_size=128), "event_id": st.none() | st.text(max_size=40),
    "champion": SCORES, "challenger": SCORES,
    "timestamp_ms": st.none() | st.integers(0, 2_000_000_000_000),
    "reasons": st.none() | st.tuples(st.lists(REASON, max_size=6),
                                     st.sampled_from(["exact", "approx", None]))})


def _grade(score: float) -> str:
    return next(n for n, b in zip(GRADES.names, GRADES.bounds, strict=True) if score >= b)


def _by_hand(leads: list[dict], name: str, versions: tuple[str, str], now_s: float,
             seconds: tuple[float, float]) -> list[tuple[bytes, dict]]:
    out = []
    for lead in leads:
        a, b = (min(max(lead[r], 0.0), 1.0) for r in ("champion", "challenger"))
        ts = lead["timestamp_ms"]
        wait = max(0.0, now_s * 1000.0 - ts) if ts else 0.0
        reasons, method = lead["reasons"] or ([], None)
        c = ShadowComparison(
            lead_id=lead["lead_id"], event_id=lead["event_id"], model_name=name,
            champion_version=versions[0], challenger_version=versions[1],
            champion_score=a, challenger_score=b, champion_grade=_grade(a),
            challenger_grade=_grade(b), abs_diff=abs(b - a),
            champion_latency_ms=wait + seconds[0] * 1000.0,
            challenger_latency_ms=wait + seconds[1] * 1000.0,
            scored_at=datetime.fromtimestamp(now_s, UTC), challenger_reasons=reasons,
            challenger_reasons_method=method)
        out.append((lead["lead_id"].encode(), json.loads(c.model_dump_json())))
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(LEAD, min_size=1, max_size=30), NAMES, st.tuples(NAMES, NAMES),
       st.floats(1.0, 4e9), st.tuples(st.floats(0.0, 5.0), st.floats(0.0, 5.0)),
       st.booleans(), st.booleans(), st.sampled_from([None, 0.0, 0.5]))
def test_shadow_records_are_the_contracts_json(leads, name, versions, now_s, seconds,
                                               with_texts, with_reasons, served_by) -> None:
    """``served_by``: what ``served_seconds`` says when it is not the champion's time (an
    inconsistent batch: the comparison still carries the champion run's own latency)."""
    n = len(leads)
    events = [RawEvent(b"{}", "in", i % 3, 10 + i, lead["timestamp_ms"])
              for i, lead in enumerate(leads)]
    rows = [SimpleNamespace(lead_id=lead["lead_id"], event_id=lead["event_id"])
            for lead in leads]
    batch = BatchInput(events, rows, None, now_s)  # type: ignore[arg-type]  # unread here
    champion = SimpleNamespace(version=versions[0], name=name)
    challenger = SimpleNamespace(version=versions[1], name=name)
    scores = np.array([lead["champion"] for lead in leads])
    plan = SimpleNamespace(config=None, champion=champion)
    served = ServedBatch(
        route(plan, [r.lead_id for r in rows]), scores,  # type: ignore[arg-type]
        np.full(n, seconds[0] if served_by is None else served_by),
        (RoleRun(ModelRole.CHAMPION, champion, np.arange(n), scores, seconds[0]),),  # type: ignore[arg-type]
        RoleRun(ModelRole.CHALLENGER, challenger,  # type: ignore[arg-type]
                np.arange(n), np.array([lead["challenger"] for lead in leads],
                                       dtype=np.float32 if n % 2 else np.float64), seconds[1]))
    if not with_reasons:
        for lead in leads:
            lead["reasons"] = None
    why = RunReasons([json.dumps(lead["reasons"][0] if lead["reasons"] else [],
                                 separators=(",", ":")) for lead in leads],
                     [json.dumps(lead["reasons"][1] if lead["reasons"] else None)
                      for lead in leads]) if with_reasons else None
    if served.shadow is not None:  # float32 scores: what the contract sees is their float64
        for lead, b in zip(leads, served.shadow.scores.tolist(), strict=True):
            lead["challenger"] = b
    texts = ScoreTexts.of(served, GRADES, batch if n % 3 else None) if with_texts else None
    records = shadow_records("shadow", name, served, batch, GRADES, why, texts)
    assert all(r.topic == "shadow" for r in records)
    got = [(r.key, json.loads(r.value)) for r in records]
    expected = _by_hand(leads, name, versions, now_s, seconds)
    assert got == expected
    assert [list(doc) for _, doc in got] == [list(doc) for _, doc in expected]
    for r in records:
        ShadowComparison.model_validate_json(r.value)


def test_no_shadow_no_records() -> None:
    n = 2
    rows = [SimpleNamespace(lead_id=f"L{i}", event_id=None) for i in range(n)]
    champion = SimpleNamespace(version="1", name="m")
    plan = SimpleNamespace(config=None, champion=champion)
    scores = np.array([0.5, 0.9])
    served = ServedBatch(route(plan, ["L0", "L1"]), scores, np.zeros(n),  # type: ignore[arg-type]
                         (RoleRun(ModelRole.CHAMPION, champion, np.arange(n), scores, 0.0),))  # type: ignore[arg-type]
    batch = BatchInput([RawEvent(b"{}", "in", 0, i) for i in range(n)], rows, None, 1.0)  # type: ignore[arg-type]
    assert shadow_records("shadow", "m", served, batch, GRADES) == []
