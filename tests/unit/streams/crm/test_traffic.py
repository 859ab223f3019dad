"""The simulator's producer refuses a record the broker would refuse, by its position in
the input, before anything of it is sent (the one size check, not librdkafka's error)."""

from __future__ import annotations

import pytest

from streams.crm.traffic import publish
from streams.kafka.sizes import RecordTooLarge
from streams.settings import Settings


def test_an_event_over_the_record_limit_is_refused_by_its_position() -> None:
    settings = Settings(_env_file=None, bootstrap_servers="127.0.0.1:9")  # never reached
    limit = settings.max_record_bytes
    records = iter([(b"k", b"x" * (limit + 1)), (b"k2", b"{}")])
    with pytest.raises(RecordTooLarge, match=r"^event 1 of the input: a leads\.incoming record "
                                             rf"of \d+ bytes is over the producer's limit of "
                                             rf"{limit}; the events before it were sent"):
        publish(settings, records, 2, 0.0, show_progress=False)
