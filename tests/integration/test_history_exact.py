"""The score history is exact with the transaction: an aborted attempt leaves no entry once
its abort is handled (its pre-commit entries are taken back, the ledger is written only
after a commit), and the batch processed again — under another serving plan — leaves
exactly its committed scores (chaos: an abort injected into the real scorer, real
Kafka/Redis)."""

from __future__ import annotations

import uuid
from pathlib import Path

from scoring.serving import ServingPlan
from streams.kafka.transaction import BatchAborted
from streams.scorer.build import build_scorer
from streams.scorer.metrics import ScorerMetrics, total
from streams.scorer.run_bounds import RunLimits
from streams.settings import Settings
from streams.stores.history import PREFIX, parse
from streams.stores.ledger import LEDGER_PREFIX
from tests.integration.fate import check_fates, check_history
from tests.integration.helpers import make_traffic, produce, registry, train_champion


def test_an_aborted_batch_then_a_serving_change_leaves_only_committed_scores(
        fresh_settings: Settings, redis_client, tmp_path: Path) -> None:
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    models = {"1": train_champion(settings)}
    sent, frame = make_traffic(600, settings, bad_share=0.0, resend_share=0.0)
    leads = sorted({s.lead_id for s in sent if s.lead_id})
    where = produce(settings, sent)
    models["2"] = train_champion(settings, seed=9)  # registered, alias moved: v2
    v2 = registry(settings).load_version("2", "champion")
    v1 = registry(settings).load_version("1", "champion")
    scorer = build_scorer(settings, RunLimits(max_events=len(sent)), ScorerMetrics())
    scorer._step.plan = ServingPlan(champion=v1)  # first attempt: v1
    real_publish = scorer._txn.publish
    after_abort: dict[str, int] = {}

    def publish_abort_first(records, offsets):
        if "aborted" in after_abort:
            return real_publish(records, offsets)
        after_abort["aborted"] = 1
        scorer._txn._producer.begin_transaction()  # the attempt's records, then an abort
        scorer._txn.open = True
        for rec in records:
            scorer._txn._produce(rec)
        scorer._txn.abort()
        scorer.swap_plan(ServingPlan(champion=v2))  # the batch again, under v2
        raise BatchAborted("injected")

    real_aborted = scorer._book.aborted

    def aborted_then_count(result):
        real_aborted(result)
        pipe = redis_client.pipeline(transaction=False)
        for lead in leads:
            pipe.exists(PREFIX + lead, LEDGER_PREFIX + lead)
        after_abort["keys"] = sum(pipe.execute())

    scorer._txn.publish = publish_abort_first
    scorer._book.aborted = aborted_then_count
    scorer.run()

    assert after_abort == {"aborted": 1, "keys": 0}, "an aborted attempt left entries"
    assert total(scorer.metrics.aborted) == 1
    out = check_fates(settings, where, frame, models)
    assert {d["model_version"] for d in out.scored} == {"2"}  # only the retry committed
    check_history(redis_client, out.scored, settings.history_max_entries)
    held = [redis_client.lrange(PREFIX + lead, 0, -1) for lead in leads]
    assert {parse(e)["model_version"] for entries in held for e in entries} == {"2"}
