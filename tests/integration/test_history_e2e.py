"""End to end: one lead scored three times with changed features through the real scorer →
``trend``/``previous_score`` on ``leads.scored``, the history in Redis, ``leadstream lead``
(text and ``--json``) as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from scoring.synthetic import SyntheticCRM
from streams.settings import Settings
from streams.stack.children import settings_env
from streams.stores.lead_state import key, sections
from tests.integration.fate import check_fates
from tests.integration.helpers import ScorerProcess, Sent, produce, train_champion

LEAD = "L-history-1"
DELTA = 0.05


def lead_events(n: int) -> list[Sent]:
    """``n`` events of one lead, each with another synthetic lead's features."""
    out = []
    for row, event in enumerate(SyntheticCRM(23).events(n)):
        event["lead_id"] = LEAD
        out.append(Sent(LEAD.encode(), json.dumps(event).encode(), None, LEAD, row))
    return out


def hand_trend(previous: float | None, score: float) -> str:
    if previous is None:
        return "new"
    if score - previous > DELTA:
        return "improving"
    return "declining" if previous - score > DELTA else "steady"


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streams.cli", "lead", *args],
                          env={**settings_env(settings), "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=60)


def test_three_scores_of_one_lead_carry_their_trend(fresh_settings: Settings, tmp_path: Path,
                                                    redis_client) -> None:
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    trained = train_champion(settings)
    sent = lead_events(3)
    where = produce(settings, sent[:1])  # the first alone: the next compares via Redis
    with ScorerProcess(settings, tmp_path / "scorer-1.log", "--max-events", "1") as p:
        assert p.wait(120) == 0, p.text()[-3000:]
    where |= produce(settings, sent[1:])
    with ScorerProcess(settings, tmp_path / "scorer-2.log", "--max-events", "2") as p:
        assert p.wait(120) == 0, p.text()[-3000:]

    frame = SyntheticCRM(23).leads(3)
    out = check_fates(settings, where, frame, {"1": trained})
    docs = sorted(out.scored, key=lambda d: d["source_offset"])
    assert len(docs) == 3 and len({round(d["score"], 6) for d in docs}) == 3
    previous = [None, docs[0]["score"], docs[1]["score"]]
    assert [d["previous_score"] for d in docs] == previous
    assert [d["trend"] for d in docs] == [hand_trend(p, d["score"])
                                          for p, d in zip(previous, docs, strict=True)]
    assert len(sections(redis_client.get(key(LEAD)))[1]) == 3
    assert 0 < redis_client.ttl(key(LEAD)) <= settings.history_ttl_days * 86_400

    shown = cli(settings, LEAD, "--json")
    assert shown.returncode == 0, shown.stderr
    listed = json.loads(shown.stdout)["scores"]
    assert [d["source_offset"] for d in listed] == [d["source_offset"] for d in docs[::-1]]
    assert [d["score"] for d in listed] == [d["score"] for d in docs[::-1]]
    assert all(d["outcome"] is None for d in listed)

    text = cli(settings, LEAD)
    assert text.returncode == 0, text.stderr
    assert "3 score(s)" in text.stdout
    for d in docs:
        assert f"{d['score']:.3f}" in text.stdout and d["trend"] in text.stdout

    unknown = cli(settings, "nobody")
    assert unknown.returncode == 1 and "no score history for lead 'nobody'" in unknown.stderr
    down = cli(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), LEAD)
    assert down.returncode == 1 and "Redis unavailable" in down.stderr
    assert "Traceback" not in down.stderr and len(down.stderr.strip().splitlines()) == 1
