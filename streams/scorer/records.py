"""A served batch → the records of its transaction besides dead letters, and its ledger.

- ``leads.scored``: :mod:`streams.scorer.scored_json` (re-exported here);
- ``scores.shadow``: one comparison per scored lead in shadow mode,
  :mod:`streams.scorer.shadow_json` (re-exported here);
- ``monitor.samples``: one sample per model role and version that scored rows, the
  champion's also carrying the batch's dead-letter counts and its counts of attributes the
  spec does not know, per name. Its latency is the model's
  (each lead waits for its model's whole batch prediction), not the time the event sat in
  Kafka: a backlog after a restart is scorer lag (reported apart from the sample's event
  times), and must not trip a good version's latency guardrail;
- ledger entries (Redis) for every scored lead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from monitors.batch_sample import batch_sample, encode_sample
from schemas.monitor import ModelRole
from scoring.grades import GradeScale
from scoring.model import ServingModel
from scoring.serving import RoleRun, ServedBatch
from streams.kafka.io import OutRecord
from streams.scorer.lead_batch import BatchInput
from streams.scorer.scored_json import ScoreTexts, Trends, _iso, scored_records
from streams.scorer.shadow_json import shadow_records
from streams.stores.history import HistoryRows, element
from streams.stores.ledger_rows import LedgerRows, ledger_rows

__all__ = ["BatchInput", "FailedRole", "ScoreTexts", "Trends", "_iso", "history_rows",
           "ledger_for", "sample_records", "scored_records", "shadow_records"]


def history_rows(served: ServedBatch, batch: BatchInput, grades: GradeScale,
                 texts: ScoreTexts | None = None) -> HistoryRows:
    """The compact history elements of a batch's scored leads (score as published, grade,
    served version, scoring time, source position), in batch order."""
    texts = texts or ScoreTexts.of(served, grades)
    scores, graded = texts.scores, texts.grades
    versions = served.versions().tolist()
    at = int(batch.now_s)
    return HistoryRows(batch.lead_ids,
                       [element(ev.partition, ev.offset, scores[i], graded[i], versions[i], at)
                        for i, ev in enumerate(batch.events)])


@dataclass(frozen=True)
class FailedRole:
    """Who failed on the batch, and on how many events (``scoring_failed``)."""

    role: ModelRole
    model: ServingModel
    n: int


def sample_records(topic: str, model_name: str, runs: Sequence[RoleRun], batch: BatchInput,
                   n_rejected: int, failed: Sequence[FailedRole], sample_prefix: str,
                   champion: ServingModel,
                   unknown: Mapping[str, int] | None = None) -> list[OutRecord]:
    """One ``monitor.samples`` record per role/version of the batch (champion first)."""
    out = []
    times = batch.event_times_ms
    parts = [(r.role, r.model, r.rows, r.scores, r.seconds) for r in runs]
    if not any(p[0] is ModelRole.CHAMPION for p in parts) and (n_rejected or failed
                                                               or unknown):
        parts.insert(0, (ModelRole.CHAMPION, champion, np.arange(0), np.empty(0), 0.0))
    for f in failed:
        if not any(p[0] is f.role and p[1].version == f.model.version for p in parts):
            parts.append((f.role, f.model, np.arange(0), np.empty(0), 0.0))
    n_failed = {(f.role, f.model.version): f.n for f in failed}
    for role, model, rows, scores, seconds in parts:
        version = model.version
        sample = batch_sample(
            model_name=model_name, role=role, model_version=version,
            profile=model.profile, spec=model.spec,
            numeric={k: v[rows] for k, v in batch.encoded.numeric.items()},
            categories={k: v[rows] for k, v in batch.encoded.categories.items()},
            scores=scores, latencies_ms=np.full(rows.size, seconds * 1000.0),
            n_rejected=n_rejected if role is ModelRole.CHAMPION else 0,
            n_failed=n_failed.get((role, version), 0),
            event_times_ms=times[rows], sample_id=f"{sample_prefix}:{role.value}:{version}",
            n_clock_skewed=int(np.isnan(times[rows]).sum()),
            unknown_attributes=unknown if role is ModelRole.CHAMPION else None)
        key, value = encode_sample(sample)
        out.append(OutRecord(topic, key, value))
    return out


def ledger_for(model_name: str, served: ServedBatch, batch: BatchInput) -> LedgerRows:
    """The ledger rows of the scored leads: variant, served version, score, features, and
    in shadow mode the challenger's version and score."""
    spec_features = batch.encoded.numeric.keys() | batch.encoded.categories.keys()
    columns = {name: [getattr(lead, name) for lead in batch.leads] for name in spec_features}
    return ledger_rows(served.route, model_name, batch.lead_ids, batch.event_ids,
                       served.scores.tolist(), columns, datetime.fromtimestamp(batch.now_s, UTC),
                       None if served.shadow is None else served.shadow.scores.tolist())
