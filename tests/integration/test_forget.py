"""``leadstream forget`` end to end on the real stack, and no lead attribute in any log.

Leads with a unique marker in every attribute (and in an unknown one) are scored in an A/B
experiment, their outcomes joined by the agents, their scores delivered by the sink. Then
``leadstream forget`` (a subprocess) erases one: no Redis key holds its id or event id, the
audit entry names it only by digest, the other leads are untouched; an unknown lead is 0
entries, not an error; with the agents down the CLI times out with a clear message. The
scorer's, agents', sink's and CLI's output hold none of the markers.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from schemas.control import ServingMode
from schemas.experiments import Outcome
from schemas.privacy import ERASURE_KEY
from streams.control.forget import erasures
from streams.kafka.reader import TopicReader, produce_one
from streams.settings import Settings
from streams.stack.children import LeadstreamProcess, settings_env
from streams.stores.history import History, HistoryRows, element
from tests.integration.agents_support import AgentsProcess, registered_versions
from tests.integration.helpers import ScorerProcess, Sent, produce, read_topic, wait_until
from tests.integration.outcome_helpers import produce_outcomes
from tests.integration.serving_support import publish_config, serving_settings
from tests.integration.test_erasure_stores import mentions
from tests.support.crm_server import FakeCrm

LEADS = 8
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def marked(i: int, tag: str) -> tuple[dict, list[str]]:
    """Lead ``i``'s event: every attribute a marker of its own; the markers."""
    numbers = {"company_size": 7_316_500 + i, "engagement_score": 61.827364 + i / 1000,
               "website_visits": 8_261_500 + i, "email_opens": 9_182_700 + i,
               "days_since_first_contact": 4736.29183 + i}
    texts = {f: f"MRK{f[:3]}{tag}{i}" for f in ("lead_source", "industry", "region")}
    event = {"lead_id": f"lead-{tag}-{i}", "event_id": f"ev-{tag}-{i}", **numbers, **texts,
             "email": f"mrkmail{tag}{i}@example.org", "occurred_at": NOW.isoformat()}
    return event, [*map(str, numbers.values()), *texts.values(), event["email"]]


def persisted(folder: Path, needles: list[str]) -> dict[str, list[str]]:
    """Which of ``needles`` each file under Redis's folder holds (by top-level entry)."""
    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for n in needles:
                if n.encode() in data:
                    found.setdefault(path.relative_to(folder).parts[0], []).append(n)
    return found


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**settings_env(settings), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_forget_erases_one_lead_everywhere_and_no_log_holds_an_attribute(
        make_settings, redis_client: redis.Redis, tmp_path: Path):
    redis_client.flushdb()
    tag = uuid.uuid4().hex[:6]
    s = serving_settings(make_settings, tmp_path, sink_group=f"leadstream-sink-{tag}",
                         outcome_retry_s=0.5)
    registered_versions(s, 2)
    publish_config(s, 1, challenger="2", mode=ServingMode.AB, share=0.5,
                   experiment_id=f"exp-{tag}")
    events, markers = zip(*(marked(i, tag) for i in range(LEADS)), strict=True)
    bad = {**events[0], "lead_id": f"bad-{tag}", "company_size": f"MRKbad{tag}"}
    sent = [Sent(e["lead_id"].encode(), json.dumps(e).encode(), None, e["lead_id"])
            for e in (*events, bad)]
    produce(s, sent)
    logs = {name: tmp_path / f"{name}.log" for name in ("scorer", "agents", "sink")}
    with ScorerProcess(s, logs["scorer"], "--max-events", str(len(sent))) as scorer:
        assert scorer.wait(180) == 0, scorer.tail()
    gone, event_id = events[0]["lead_id"], events[0]["event_id"]
    outputs: list[str] = []
    with AgentsProcess(s, logs["agents"]):
        produce_outcomes(s, [Outcome(lead_id=e["lead_id"], converted=i % 2 == 0,
                                     occurred_at=NOW) for i, e in enumerate(events)])
        joined = f"leadstream:exp:exp-{tag}:leads"
        wait_until(lambda: redis_client.hlen(joined) == LEADS, 120, "outcomes joined")
        with FakeCrm() as crm:
            with LeadstreamProcess(["sink", "--idle-exit", "5"], s, logs["sink"],
                                   sink_url=crm.url) as sink:
                assert sink.wait(180) == 0, sink.tail()
            assert set(crm.latest()) == {e["lead_id"] for e in events}
        redis_client.config_set("rdbcompression", "no")  # so the files' bytes can be searched
        folder = Path(redis_client.config_get("dir")["dir"])  # the stack's, not s.home's
        wait_until(lambda: gone in persisted(folder, [gone]).get(
            "appendonlydir", []), 30, "the lead in the append-only file")
        before = mentions(redis_client, gone)
        kinds = {k.split(":")[1] for k in before}
        assert {"lead", "exp", "sink"} <= kinds, before  # lead: its row, claims, history
        assert any(k.startswith("leadstream:labels:") for k in before), before
        assert f"\n={event_id}\t".encode() in redis_client.get(f"leadstream:lead:{gone}")

        done = cli(s, "forget", gone, "--json", "--actor", "dpo")
        assert done.returncode == 0, done.stderr
        entry = json.loads(done.stdout)
        outputs += [done.stdout, done.stderr]
        assert entry["removed"]["ledger"] == 2  # its state key and its assigned-set member
        assert entry["removed"]["dedup"] == 0 and entry["removed"]["delivered"] == 1
        assert entry["removed"]["labels"] == 2 and entry["removed"]["experiments"] == 1
        assert entry["removed"]["history"] == 0  # gone with the key, claims and history
        assert entry["total"] == sum(entry["removed"].values())
        assert mentions(redis_client, gone) == [] and mentions(redis_client, event_id) == []
        for other in events[1:]:
            assert redis_client.exists(f"leadstream:lead:{other['lead_id']}")
            assert redis_client.exists(f"leadstream:sink:delivered:{other['lead_id']}")
        assert redis_client.hlen(joined) == LEADS - 1

        # an invalid request holding a marker lead id: dead-lettered and alerted without it
        invalid_lead = f"MRKinvalid{tag}"
        invalid = {"request_id": f"bad-{tag}", "lead_id": invalid_lead,
                   "requested_at": NOW.isoformat()}  # no actor: pydantic quotes the document
        produce_one(s, s.topic_privacy_requests, f"bad-{tag}", json.dumps(invalid).encode())
        wait_until(lambda: read_topic(s, s.topic_privacy_requests_deadletter), 60,
                   "the invalid request dead-lettered")
        (letter,) = read_topic(s, s.topic_privacy_requests_deadletter)
        assert b"actor" in letter.value and invalid_lead.encode() not in letter.value
        _, refused = erasures(s)
        assert [a.kind for a in refused] == ["invalid_request"]
        assert invalid_lead not in refused[0].model_dump_json()

        unknown = cli(s, "forget", f"nobody-{tag}")
        outputs += [unknown.stdout, unknown.stderr]
        assert unknown.returncode == 0 and " 0 entries removed" in unknown.stdout, unknown
        assert unknown.stdout.startswith("done: ")

    # issue 15: an erasure stays erased — a sink of a new group replays leads.scored
    replay = s.model_copy(update={"sink_group": f"leadstream-sink-replay-{tag}"})
    logs["replay"] = tmp_path / "replay.log"
    with FakeCrm() as crm:
        with LeadstreamProcess(["sink", "--idle-exit", "5"], replay, logs["replay"],
                               sink_url=crm.url) as sink:
            assert sink.wait(180) == 0, sink.tail()
        assert set(crm.latest()) == {e["lead_id"] for e in events[1:]}  # not the forgotten
    assert not redis_client.exists(f"leadstream:sink:delivered:{gone}")
    assert re.search(r"1 score\(s\) of forgotten leads skipped", logs["replay"].read_text())
    assert mentions(redis_client, gone) == []
    # ... and Redis's own files hold it no more (rewritten by the agents), all private
    needles = [gone, event_id, *markers[0]]
    wait_until(lambda: persisted(folder, needles) == {}, 30,  # Redis unlinks the old files
               "no Redis file holds the forgotten lead")
    for path in [folder, *folder.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    assert entry["persistence"] == ["aof"]  # the stack takes no RDB snapshots
    # ... and `lead` shows no score from before the erasure (a scorer batch in flight)
    erased_at = datetime.fromisoformat(entry["at"])
    History(redis_client, 20, 600).record(HistoryRows(
        [gone, gone], [element(0, 1 + i, str(score), "B", "1",
                               int((erased_at + timedelta(seconds=delta)).timestamp()))
                       for i, (score, delta) in enumerate(((0.25, -60), (0.75, 5)))]))
    shown = cli(s, "lead", gone, "--json")
    assert shown.returncode == 0, shown.stderr
    assert [d["score"] for d in json.loads(shown.stdout)["scores"]] == [0.75]

    with TopicReader(s, s.topic_models_audit) as reader:
        audit = [r for r in reader.to_end() if r.key == ERASURE_KEY]
    raw = next(r.value for r in audit if json.loads(r.value)["request_id"]
               == entry["request_id"])
    assert gone.encode() not in raw and json.loads(raw)["actor"] == "dpo"
    assert json.loads(raw)["lead_sha256"] == hashlib.sha256(gone.encode()).hexdigest()

    down = cli(s, "forget", events[1]["lead_id"], "--timeout", "3")
    outputs += [down.stdout, down.stderr]
    assert down.returncode == 1 and "is `leadstream agents` running?" in down.stderr, down

    texts = {name: path.read_text() for name, path in logs.items()} | {"cli": "".join(outputs)}
    leaked = {(name, m) for name, text in texts.items()
              for m in (*[m for ms in markers for m in ms], f"MRKbad{tag}", f"MRKinvalid{tag}")
              if m in text}
    assert not leaked, f"lead attributes in logs: {sorted(leaked)[:10]}"
