"""With signing required, the scorers' feed and ``status``'s view take only what the
controller signed: the issue's attack (a record with sequence 2**62 produced straight to
models.control) pins nobody, and is counted with its reason."""

from __future__ import annotations

from pathlib import Path

from scoring.control.signing import sign
from streams.control import client, records
from streams.control.keys import load_private, new_key_pair
from streams.kafka.reader import Record
from streams.settings import Settings
from tests.unit.streams.control.test_feed import FakeReader, config

TOPIC = "models.control"


class ClosingReader(FakeReader):
    """The fake reader as a context manager (``control_view`` uses it so)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def signed(rec_offset: int, value: bytes, key_path: Path, name: str = "controller") -> Record:
    headers = sign(load_private(key_path), name, TOPIC, b"m", value, 1_700_000_000_000)
    return Record(0, rec_offset, b"m", value, tuple(headers))


def settings_with_keys(tmp_path: Path) -> tuple[Settings, Path, Path]:
    ctl = new_key_pair(tmp_path, "controller")
    rogue = new_key_pair(tmp_path / "rogue", "controller")
    s = Settings(_env_file=None, control_signing="required",
                 controller_public_key_path=ctl.public_path)
    return s, ctl.private_path, rogue.private_path


def test_only_the_controllers_records_move_the_feed(tmp_path: Path, monkeypatch) -> None:
    s, ctl, rogue = settings_with_keys(tmp_path)
    FakeReader.batches = [
        [signed(0, config(1, "1"), ctl), Record(0, 1, b"m", config(2**62, "6"))],
        [signed(2, config(2**62, "7"), rogue)],
        [signed(3, config(2, "2"), ctl)],
    ]
    monkeypatch.setattr(client, "TopicReader", FakeReader)
    forged: list[str] = []
    feed = client.ServingConfigFeed(s, "m", on_forged=forged.append)
    assert feed.current().sequence == 1 and forged == ["unsigned"]
    assert feed.poll() is None and feed.current().champion_version == "1"
    assert forged == ["unsigned", "bad_signature"]
    assert feed.poll().sequence == 2


def test_status_view_names_the_forged_records(tmp_path: Path, monkeypatch) -> None:
    s, ctl, _ = settings_with_keys(tmp_path)
    FakeReader.batches = [[signed(0, config(1, "1"), ctl),
                           Record(0, 1, b"m", config(2**62, "6"))]]
    monkeypatch.setattr(records, "TopicReader", ClosingReader)
    view = records.control_view(s, "m")
    assert view.config.sequence == 1 and view.config.champion_version == "1"
    assert records.forged_rows(view) == [
        {"offset": 1, "reason": "unsigned", "message": "the record carries no signature"}]


def test_with_signing_off_every_record_counts_as_before(monkeypatch) -> None:
    FakeReader.batches = [[Record(0, 0, b"m", config(1, "1")),
                           Record(0, 1, b"m", config(2**62, "6"))]]
    monkeypatch.setattr(records, "TopicReader", ClosingReader)
    assert records.control_view(Settings(_env_file=None), "m").config.sequence == 2**62
