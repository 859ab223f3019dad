"""``leadstream tail`` on a real topic, run as a subprocess with stdout to a pipe:
``--json`` prints one valid JSON document per line and record, whatever the record holds
(newlines and long strings in the value, binary keys and values, text that is not JSON),
and ``--last N`` prints the last N records of each partition although transaction markers
take offsets between them."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from pathlib import Path

from confluent_kafka import Producer

from streams.settings import Settings
from streams.stack.children import settings_env

ROOT = Path(__file__).resolve().parents[2]
BINARY_KEY = bytes(range(256))
BINARY_VALUE = b"\xff\x00\xfe not json"


def tail(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in settings_env(settings).items() if k != "COLUMNS"}
    return subprocess.run([sys.executable, "-m", "streams.cli", "tail", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)


def _fill(settings: Settings, topic: str) -> list[bytes]:
    """Partition 0: five records, each in its own transaction (offsets 0, 2, 4, 6, 8; a
    commit marker after each); partition 1: a binary record and a text one."""
    txn = Producer({**settings.kafka_config(), "transactional.id": f"tail-{uuid.uuid4().hex}"})
    txn.init_transactions(30)
    values = [json.dumps({"i": i, "note": "line one\nline two " + "x" * 400,
                          "blob": base64.b64encode(bytes(300)).decode()}).encode()
              for i in range(5)]
    for i, value in enumerate(values):
        txn.begin_transaction()
        txn.produce(topic, value, key=f"lead-{i}".encode(), partition=0)
        txn.commit_transaction(30)
    plain = Producer(settings.kafka_config())
    plain.produce(topic, BINARY_VALUE, key=BINARY_KEY, partition=1)
    plain.produce(topic, b"plain text, not json", key=b"k", partition=1)
    assert plain.flush(30) == 0
    return values


def test_json_lines_and_the_last_n_records_per_partition(make_settings) -> None:
    settings = make_settings()
    topic = settings.topic_scored
    _fill(settings, topic)
    out = tail(settings, topic, "--json", "--last", "3")
    assert out.returncode == 0, out.stderr
    docs = [json.loads(line) for line in out.stdout.splitlines()]  # each line one document
    first = [d for d in docs if d["partition"] == 0]
    assert [d["value"]["i"] for d in first] == [2, 3, 4]  # 3 records, not 3 offsets
    assert [d["offset"] for d in first] == [4, 6, 8]
    assert first[0]["key"] == "lead-2" and "line one\nline two" in first[0]["value"]["note"]
    second = sorted((d for d in docs if d["partition"] == 1), key=lambda d: d["offset"])
    assert base64.b64decode(second[0]["key_base64"]) == BINARY_KEY
    assert base64.b64decode(second[0]["value_base64"]) == BINARY_VALUE
    assert second[1]["key"] == "k" and second[1]["value_text"] == "plain text, not json"
    assert len(docs) == 5 and all(d["topic"] == topic for d in docs)

    one = tail(settings, topic, "--json", "--last", "1")
    assert sorted((d["partition"], d["offset"]) for d in map(json.loads, one.stdout.splitlines())
                  ) == [(0, 8), (1, 1)]
