"""An event's alert spans from its own time, in UTC, for the ttl; times at the ends of what
a datetime holds (found by the agents' fuzz targets: ``OverflowError``) are clamped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from streams.alerting.events import span

HOUR = timedelta(hours=1)
EAST = timezone(timedelta(hours=5))
END = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(("at", "start", "end"), [
    (datetime(2026, 1, 1, 12), datetime(2026, 1, 1, 12, tzinfo=UTC),
     datetime(2026, 1, 1, 13, tzinfo=UTC)),  # no offset: UTC
    (datetime(2026, 1, 1, 12, tzinfo=EAST), datetime(2026, 1, 1, 7, tzinfo=UTC),
     datetime(2026, 1, 1, 8, tzinfo=UTC)),
    (datetime(9999, 12, 31, 23, 30, tzinfo=UTC), datetime(9999, 12, 31, 23, 30, tzinfo=UTC),
     END),  # + 1 h would overflow
    (datetime(1, 1, 1, 2, tzinfo=EAST), datetime(1, 1, 1, tzinfo=UTC),
     datetime(1, 1, 1, 1, tzinfo=UTC)),  # 5 h east of year 1 has no UTC form
])
def test_the_span_of_an_event(at, start, end):
    assert span(at, HOUR) == (start, end)
