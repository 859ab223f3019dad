"""Exactly once, with the right fate: every incoming event has one committed output, and it
is the output it should have, computed apart from the scorer.

- a valid event is scored: its own key, lead id and event id, a model version the test
  names, and the score that version's booster gives its synthetic row offline (the
  training way, a DMatrix), to 1e-6;
- a malformed event is dead-lettered with its expected reason (``Sent.reason``), its own
  key and its bytes unchanged;
- a CRM resend (``Sent.reason`` is ``duplicate_event``) is dead-lettered as a duplicate —
  unless it or the event it resends was read while Redis was down (``without_dedup``): then
  de-duplication was skipped and it is scored exactly like the event it resends.

Whatever happened on the way (kill -9, broker restart, Redis outage, hot swaps), this is
the one check of the outputs; tests add their own checks of versions and experiments.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xgboost as xgb

from schemas.errors import RejectReason
from schemas.leads import DeadLetter
from scoring.features import FeatureEncoder
from scoring.training import TrainedModel
from streams.settings import Settings
from tests.integration.helpers import Record, Sent, read_topic

Position = tuple[int, int]
"""(partition, offset) of an incoming event."""
SCORE_TOLERANCE = 1e-6


def offline_scores(trained: TrainedModel, frame: pd.DataFrame) -> np.ndarray:
    """The model's predictions for the synthetic rows, the training way (DMatrix)."""
    columns = {f.name: (frame[f.name].to_numpy(dtype=np.float64) if f.kind == "numeric"
                        else frame[f.name].to_numpy(dtype=object))
               for f in trained.spec.features}
    encoder = FeatureEncoder(trained.spec)
    matrix = encoder.encode_columns(columns, len(frame)).matrix
    return trained.booster.predict(xgb.DMatrix(matrix, feature_names=list(encoder.feature_names)))


@dataclass(frozen=True)
class Outputs:
    """The committed outputs, as dicts, once their fates are checked."""

    scored: list[dict]
    dead: list[dict]


def check_fates(settings: Settings, where: Mapping[Position, Sent], frame: pd.DataFrame,
                models: Mapping[str, TrainedModel],
                without_dedup: Collection[Position] = ()) -> Outputs:
    """Read ``leads.scored`` and ``leads.deadletter`` (read_committed) and assert that each
    position of ``where`` has exactly one output, the expected one (module docstring).
    ``frame`` is the synthetic leads frame ``make_traffic`` returned; ``models`` maps each
    version allowed to score to its model; ``without_dedup`` are the positions read while
    de-duplication was off."""
    scored = read_topic(settings, settings.topic_scored, 30)
    dead = read_topic(settings, settings.topic_deadletter, 30)
    by_position = one_output_each(where, scored + dead)
    expected = {p: _expected_reason(where, p, without_dedup) for p in by_position}
    wrong = [(p, _fate(expected[p]), r.json().get("reason", "scored"))
             for p, r in by_position.items()
             if (r.topic == settings.topic_scored) != (expected[p] is None)]
    assert not wrong, f"{len(wrong)} events with the wrong fate (position, expected, got), " \
        f"e.g. {wrong[:5]}"
    for rec in dead:
        _check_dead(settings, rec, where[source_position(rec)], expected[source_position(rec)])
    _check_scored(settings, scored, where, frame, models)
    return Outputs([r.json() for r in scored], [r.json() for r in dead])


def source_position(rec: Record) -> Position:
    doc = rec.json()
    return doc["source_partition"], doc["source_offset"]


def _fate(reason: RejectReason | None) -> str:
    return "scored" if reason is None else reason.value


def one_output_each(where: Mapping[Position, Sent],
                    records: list[Record]) -> dict[Position, Record]:
    """Exactly one output per position of ``where``, and none of another position."""
    seen = Counter(source_position(r) for r in records)
    twice = [p for p, c in seen.items() if c > 1]
    assert not twice, f"{len(twice)} positions published twice, e.g. {twice[:5]}"
    missing = set(where) - set(seen)
    assert not missing, f"{len(missing)} events have no output, e.g. {sorted(missing)[:5]}"
    strangers = set(seen) - set(where)
    assert not strangers, f"{len(strangers)} outputs of unknown events: {sorted(strangers)[:5]}"
    return {source_position(r): r for r in records}


def _expected_reason(where: Mapping[Position, Sent], at: Position,
                     without_dedup: Collection[Position]) -> RejectReason | None:
    sent = where[at]
    if sent.reason is not RejectReason.DUPLICATE_EVENT or not without_dedup:
        return sent.reason
    originals = [p for p, s in where.items()
                 if s.reason is None and s.value == sent.value and p != at]
    assert len(originals) == 1, (at, originals)
    unguarded = at in without_dedup or originals[0] in without_dedup
    return None if unguarded else sent.reason


def _check_dead(settings: Settings, rec: Record, sent: Sent,
                reason: RejectReason | None) -> None:
    letter = DeadLetter.model_validate_json(rec.value)
    assert letter.reason == reason, (letter, sent)
    assert letter.payload() == (sent.value or b""), letter
    assert rec.key == sent.key and letter.source_topic == settings.topic_incoming, letter


def _check_scored(settings: Settings, scored: list[Record], where: Mapping[Position, Sent],
                  frame: pd.DataFrame, models: Mapping[str, TrainedModel]) -> None:
    docs = [r.json() for r in scored]
    origins = [where[source_position(r)] for r in scored]
    for rec, doc, sent in zip(scored, docs, origins, strict=True):
        assert sent.row is not None, (sent, doc)
        assert rec.key == sent.key == doc["lead_id"].encode(), (sent, doc)
        assert doc["lead_id"] == sent.lead_id and doc["model_name"] == settings.model_name
        assert doc["event_id"] == _event_id(sent), (sent, doc)
        assert doc["model_version"] in models, (doc, sorted(models))
    for version, trained in models.items():
        mine = [i for i, d in enumerate(docs) if d["model_version"] == version]
        rows = [origins[i].row for i in mine]
        offline = offline_scores(trained, frame.iloc[rows]) if rows else []
        off = [(docs[i]["source_partition"], docs[i]["source_offset"], docs[i]["score"], want)
               for i, want in zip(mine, offline, strict=True)
               if abs(docs[i]["score"] - want) >= SCORE_TOLERANCE]
        assert not off, f"{len(off)} scores of v{version} differ offline, e.g. {off[:5]}"


def _event_id(sent: Sent) -> str | None:
    return json.loads(sent.value or b"{}").get("event_id")


def check_history(client, scored: list[dict], max_entries: int = 20) -> int:
    """Each lead's score history holds exactly its committed scores (the newest
    ``max_entries``, newest first, one per source position, each with the score and version
    committed at that position), and each committed score's
    ``previous_score`` is the lead's committed score before it (``trend`` ``new`` for its
    first): nothing an aborted or killed attempt wrote survives as an extra entry. Returns
    how many leads had more than one score."""
    from streams.stores.history import parse
    from streams.stores.lead_state import key

    by_lead: dict[str, list[dict]] = {}
    for doc in sorted(scored, key=lambda d: (d["source_partition"], d["source_offset"])):
        by_lead.setdefault(doc["lead_id"], []).append(doc)
    pipe = client.pipeline(transaction=False)
    for lead in by_lead:
        pipe.get(key(lead))
    stored = dict(zip(by_lead, pipe.execute(), strict=True))
    for lead, docs in by_lead.items():  # the lead's key: ledger row, entries, then claims
        lines = (stored[lead] or b"").decode().split("\n")[1:]
        held = [parse(raw) for raw in lines if raw[:1].isdigit()]
        newest = docs[::-1][:max_entries]
        want = [(d["source_partition"], d["source_offset"]) for d in newest]
        assert [(h["source_partition"], h["source_offset"]) for h in held] == want, lead
        assert [(h["score"], h["model_version"]) for h in held] == [
            (d["score"], d["model_version"]) for d in newest], lead  # the committed ones
        assert [d["previous_score"] for d in docs] == [None] + [d["score"] for d in docs[:-1]]
        assert docs[0]["trend"] == "new" and all(d["trend"] != "new" for d in docs[1:])
    return sum(len(docs) > 1 for docs in by_lead.values())


def check_trends_never_wrong(scored: list[dict]) -> int:
    """Every published trend compares with the lead's committed score before it (``new``
    for its first); a trend may be unknown (``null``, Redis down), never wrong. Returns how
    many were unknown."""
    last: dict[str, float] = {}
    unknown = 0
    for doc in sorted(scored, key=lambda d: (d["source_partition"], d["source_offset"])):
        before = last.get(doc["lead_id"])
        if doc["trend"] is None:
            unknown += 1
            assert doc["previous_score"] is None, doc
        else:
            assert doc["previous_score"] == before, (doc, before)
            assert (doc["trend"] == "new") == (before is None), (doc, before)
        last[doc["lead_id"]] = doc["score"]
    return unknown
