"""Labelled leads for the monitor-quality, A/B-guardrail and retrain tests: ledger entries
scored by a model, and the CRM outcomes that label them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from confluent_kafka import Producer

from schemas.experiments import Outcome
from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from scoring.features import FeatureEncoder
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainedModel
from streams.settings import Settings
from streams.stores.experiments import ExperimentStore, join_outcome
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger

T0 = datetime(2025, 3, 2, tzinfo=UTC)


def labelled_leads(trained: TrainedModel, settings: Settings, version: str, n: int,
                   seed: int, shuffle_labels: bool = False,
                   ) -> tuple[list[LedgerEntry], list[Outcome]]:
    """``n`` synthetic leads scored by ``trained`` as ``version`` (ledger entries with the
    raw features) and one outcome each, one second apart (true labels unless shuffled)."""
    frame = SyntheticCRM(seed).leads(n)
    spec = trained.spec
    columns = {f.name: frame[f.name].tolist() for f in spec.features}
    scores = trained.booster.inplace_predict(FeatureEncoder(spec).encode_columns(columns, n).matrix)
    labels = frame[spec.target].to_numpy().astype(bool)
    if shuffle_labels:
        labels = np.random.default_rng(seed).permutation(labels)
    rows = frame[[f.name for f in spec.features]].to_dict("records")
    entries = [LedgerEntry(lead_id=f"{settings.model_name}-{seed}-{i}",
                           model_name=settings.model_name, model_version=version,
                           variant=Variant.CHAMPION, score=float(scores[i]),
                           features={k: _plain(v) for k, v in rows[i].items()},
                           scored_at=T0 + timedelta(seconds=i))
               for i in range(n)]
    outcomes = [Outcome(lead_id=e.lead_id, converted=bool(labels[i]),
                        occurred_at=T0 + timedelta(seconds=i)) for i, e in enumerate(entries)]
    return entries, outcomes


def _plain(v: object) -> float | str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return v if isinstance(v, str) else float(v)  # type: ignore[arg-type]


def join_directly(settings: Settings, client, entries: list[LedgerEntry],
                  outcomes: list[Outcome]) -> None:
    """Ledger write and outcome join through the agents' own code paths, without Kafka."""
    ledger = Ledger(client, 3600)
    assert ledger.write(entries).written == len(entries)
    store, labels = ExperimentStore(client), LabelWindow(client, settings.monitor_label_window)
    for o in outcomes:
        join_outcome(ledger, store, o, labels)


def produce_outcomes(settings: Settings, outcomes: list[Outcome]) -> None:
    producer = Producer(settings.kafka_config())
    for o in outcomes:
        producer.produce(settings.topic_leads_outcomes, o.model_dump_json().encode(),
                         o.lead_id.encode())
    assert producer.flush(30) == 0


def outcomes_committed(settings: Settings) -> bool:
    """True when the agents' group has committed every record on ``leads.outcomes``."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    topic = settings.topic_leads_outcomes
    group = f"{settings.consumer_group}-agents"
    consumer = Consumer({**settings.kafka_config(), "group.id": group})
    try:
        parts = [TopicPartition(topic, p) for p in
                 consumer.list_topics(topic, timeout=10).topics[topic].partitions]
        committed = consumer.committed(parts, timeout=10)
        ends = [consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in parts]
        return all(max(c.offset, 0) >= e for c, e in zip(committed, ends, strict=True))
    except KafkaException:  # e.g. NOT_LEADER_FOR_PARTITION on a busy broker: not yet
        return False
    finally:
        consumer.close()
