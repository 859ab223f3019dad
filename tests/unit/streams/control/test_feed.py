"""The scorers' feed of models.control: an invalid record is counted and skipped, and the
configuration in force stays (it used to crash-loop every scorer while it was the latest)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.control import ServingConfig
from streams.control import client
from streams.kafka.reader import Record
from streams.settings import Settings

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def config(seq: int, champion: str) -> bytes:
    return ServingConfig(model_name="m", champion_version=champion, sequence=seq, actor="t",
                         updated_at=NOW).model_dump_json().encode()


class FakeReader:
    batches: list[list[Record]] = []

    def __init__(self, settings, topic, **_kw):
        self.topic = topic
        self._start = FakeReader.batches.pop(0)

    def to_end(self):
        return iter(self._start)

    def poll(self, timeout_s=0.0):
        return FakeReader.batches.pop(0) if FakeReader.batches else []

    def close(self):
        pass


def test_invalid_config_is_counted_and_the_one_in_force_stays(monkeypatch):
    bad_steps = config(3, "3").replace(b'"canary_steps":[]', b'"canary_steps":[0.5,0.1]')
    FakeReader.batches = [
        [Record(0, 0, b"m", config(1, "1")), Record(0, 1, b"m", b"{not json")],
        [Record(0, 2, b"m", bad_steps), Record(0, 3, b"other", b"garbage")],
        [Record(0, 4, b"m", config(2, "2"))],
    ]
    monkeypatch.setattr(client, "TopicReader", FakeReader)
    invalid: list[int] = []
    feed = client.ServingConfigFeed(Settings(_env_file=None), "m",
                                    on_invalid=lambda: invalid.append(1))
    assert feed.current().champion_version == "1" and len(invalid) == 1
    assert feed.poll() is None and feed.current().champion_version == "1"
    assert len(invalid) == 2  # the other model's record is not this scorer's business
    assert feed.poll().champion_version == "2"
