"""A served batch → the records of its transaction besides dead letters, and its ledger.

- ``leads.scored``: JSON built straight from the batch's columns (one f-string of
  pre-encoded parts per lead, :mod:`streams.json_text`; :class:`~schemas.scored.ScoredLead`
  stays the contract, and the unit tests validate these bytes against it);
- ``scores.shadow``: one comparison per scored lead in shadow mode;
- ``monitor.samples``: one sample per model role and version that scored rows, the
  champion's also carrying the batch's dead-letter counts and its counts of attributes the
  spec does not know, per name. Its latency is the model's
  (each lead waits for its model's whole batch prediction), not the time the event sat in
  Kafka: a backlog after a restart is scorer lag (reported apart from the sample's event
  times), and must not trip a good version's latency guardrail;
- ledger entries (Redis) for every scored lead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from monitors.batch_sample import batch_sample, encode_sample
from monitors.event_time import DEFAULT_SKEW, SkewTolerance, trusted_times
from schemas.leads import IncomingLead, as_utc
from schemas.monitor import ModelRole
from schemas.scored import Trend
from scoring.experiments.shadow import shadow_comparisons
from scoring.features import EncodedBatch
from scoring.grades import GradeScale
from scoring.intake import RawEvent
from scoring.model import ServingModel
from scoring.serving import RoleRun, ServedBatch
from streams.json_text import column, quote, text
from streams.kafka.io import OutRecord
from streams.scorer.explain import BatchReasons, RunReasons
from streams.stores.history import HistoryRows, element
from streams.stores.ledger_rows import LedgerRows, ledger_rows


@dataclass(frozen=True)
class BatchInput:
    """The scored part of a batch: its events, leads and features, in one order."""

    events: Sequence[RawEvent]
    leads: Sequence[IncomingLead]
    encoded: EncodedBatch
    now_s: float
    skew: SkewTolerance = DEFAULT_SKEW
    """Event times beyond these tolerances around ``now_s`` are clock-skewed."""

    @property
    def wait_ms(self) -> np.ndarray:
        """Per lead, broker append (or create) time → start of scoring."""
        ts = np.array([e.timestamp_ms or 0 for e in self.events], dtype=np.float64)
        return np.where(ts > 0, np.maximum(0.0, self.now_s * 1000.0 - ts), 0.0)

    @property
    def event_times_ms(self) -> np.ndarray:
        """Per lead, its event time; NaN when clock-skewed (kept off the watermark)."""
        now_ms = self.now_s * 1000.0
        times = np.array([e.timestamp_ms or now_ms for e in self.events], dtype=np.float64)
        return trusted_times(times, now_ms, self.skew)


def _iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC; a time without offset is UTC (as intake validated it)."""
    utc = as_utc(dt)
    return None if utc is None else utc.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Trends:
    """Per scored lead: its trend (``None``: unknown) and the score it compares with (NaN:
    none)."""

    trends: Sequence[Trend | None]
    previous: np.ndarray


def scored_records(topic: str, model_name: str, served: ServedBatch, batch: BatchInput,
                   grades: GradeScale, why: BatchReasons | None = None,
                   trends: Trends | None = None) -> list[OutRecord]:
    """The ``leads.scored`` records of the batch, in input order (with ``why``: each
    lead's reasons and their method, as JSON text; trend null without ``trends``)."""
    scored_at = _iso(datetime.fromtimestamp(batch.now_s, UTC))
    latency = column((batch.wait_ms + served.served_seconds * 1000.0).tolist())
    scores = column(served.scores.tolist())
    graded = [quote(g) for g in grades.assign(served.scores)]
    why = why or BatchReasons(["[]"] * len(served), ["null"] * len(served))
    versions, aliases = served.versions().tolist(), served.aliases().tolist()
    experiment = served.route.experiment_id
    variants = served.route.variants
    name_q, experiment_q, at_q = quote(model_name), text(experiment), quote(scored_at)
    trend_q, previous = _trend_texts(trends, len(batch.leads))
    out = []
    for i, (ev, lead) in enumerate(zip(batch.events, batch.leads, strict=True)):
        doc = (f'{{"lead_id":{quote(lead.lead_id)},"event_id":{text(lead.event_id)},'
               f'"score":{scores[i]},"grade":{graded[i]},"reasons":{why.reasons[i]},'
               f'"reasons_method":{why.methods[i]},'
               f'"model_name":{name_q},"model_version":{quote(versions[i])},'
               f'"model_alias":"{aliases[i]}","variant":"{variants[i].value}",'
               f'"experiment_id":{experiment_q},"occurred_at":{text(_iso(lead.occurred_at))},'
               f'"scored_at":{at_q},"latency_ms":{latency[i]},'
               f'"trend":{trend_q[i]},"previous_score":{previous[i]},'
               f'"source_partition":{ev.partition},"source_offset":{ev.offset}}}')
        out.append(OutRecord(topic, lead.lead_id.encode(), doc.encode()))
    return out


def _trend_texts(trends: Trends | None, n: int) -> tuple[list[str], list[str]]:
    if trends is None:
        return ["null"] * n, ["null"] * n
    names = [f'"{t.value}"' if t is not None else "null" for t in trends.trends]
    previous = [None if p != p else p for p in trends.previous.tolist()]  # NaN: none
    return names, column(previous)


def history_rows(served: ServedBatch, batch: BatchInput, grades: GradeScale) -> HistoryRows:
    """The compact history elements of a batch's scored leads (score as published, grade,
    served version, scoring time, source position), in batch order."""
    scores = column(served.scores.tolist())
    graded = grades.assign(served.scores)
    versions = served.versions().tolist()
    at = int(batch.now_s)
    return HistoryRows([lead.lead_id for lead in batch.leads],
                       [element(ev.partition, ev.offset, scores[i], graded[i], versions[i], at)
                        for i, ev in enumerate(batch.events)])


def shadow_records(topic: str, model_name: str, served: ServedBatch, batch: BatchInput,
                   grades: GradeScale, why: RunReasons | None = None) -> list[OutRecord]:
    """One ``scores.shadow`` comparison per lead when the challenger shadowed the batch
    (with ``why``: the challenger's reasons per lead, as JSON text)."""
    shadow = served.shadow
    if shadow is None or not len(served):
        return []
    champion = served.runs[0]
    wait = batch.wait_ms
    comparisons = shadow_comparisons(
        model_name, [lead.lead_id for lead in batch.leads],
        [lead.event_id for lead in batch.leads], champion.model.version,
        shadow.model.version, served.scores, shadow.scores,
        wait + champion.seconds * 1000.0, wait + shadow.seconds * 1000.0, grades,
        datetime.fromtimestamp(batch.now_s, UTC),
        None if why is None else [(json.loads(t), json.loads(m))
                                  for t, m in zip(why.reasons, why.methods, strict=True)])
    return [OutRecord(topic, c.lead_id.encode(), c.model_dump_json().encode())
            for c in comparisons]


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
    return ledger_rows(served.route, model_name, [lead.lead_id for lead in batch.leads],
                       [lead.event_id for lead in batch.leads], served.scores.tolist(),
                       columns, datetime.fromtimestamp(batch.now_s, UTC),
                       None if served.shadow is None else served.shadow.scores.tolist())
