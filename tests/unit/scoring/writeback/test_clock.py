"""``scored_at`` only refuses absurd times: any year, naive or with any offset, without
raising, against instants computed by hand (days and seconds, no datetime arithmetic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.sink import SinkRejectReason
from scoring.writeback.clock import FLOOR, absurd, explain, in_utc

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FUTURE = SinkRejectReason.FUTURE_SCORED_AT
PAST = SinkRejectReason.PAST_SCORED_AT


def instant_s(dt: datetime) -> int:
    """Seconds since 0001-01-01 UTC, by hand (a naive time is UTC)."""
    offset = dt.utcoffset() or timedelta(0)
    local = dt.toordinal() * 86_400 + dt.hour * 3600 + dt.minute * 60 + dt.second
    return local - offset.days * 86_400 - offset.seconds


def test_the_times_of_the_issue_are_refused_or_kept_without_raising() -> None:
    plus1, minus5 = timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))
    cases = {datetime(1, 1, 1): PAST,  # "0001-01-01T00:00:00" raised "year 0 is out of range"
             datetime(1, 1, 1, tzinfo=plus1): PAST,  # in year 0 in UTC
             datetime(1970, 1, 1, tzinfo=UTC): PAST,
             datetime(9999, 12, 31, 23, 59, 59): FUTURE,
             datetime(9999, 12, 31, 23, 59, 59, tzinfo=minus5): FUTURE,  # year 10000 in UTC
             datetime(2026, 3, 1, 12, 0): None,  # naive: UTC, never the host's zone
             datetime(2026, 3, 1, 7, 4, 59, tzinfo=minus5): None,  # 299 s ahead
             datetime(2026, 3, 1, 7, 5, 1, tzinfo=minus5): FUTURE,  # 301 s ahead
             datetime(2000, 1, 1, 0, 59, 59, tzinfo=plus1): PAST,  # 1999 in UTC
             datetime(2000, 1, 1): None}
    for at, reason in cases.items():
        assert absurd(at, NOW, 300) is reason, at
    assert explain(datetime(1, 1, 1), PAST, 300) == (
        "scored_at 0001-01-01T00:00:00 is before 2000-01-01: no scorer stamped it")
    assert explain(datetime(9999, 1, 1), FUTURE, 300) == (
        "scored_at 9999-01-01T00:00:00 is more than 300 s ahead of the sink's clock")


@pytest.mark.fuzz
@given(st.datetimes(timezones=st.none() | st.timezones()
                    | st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m)))),
       st.floats(0, 1e12))
def test_any_time_of_any_zone_is_judged_as_the_instant_it_is(at: datetime, future_s: float) -> None:
    ahead = instant_s(at) - instant_s(NOW)
    expected = FUTURE if ahead > future_s else PAST if instant_s(at) < instant_s(FLOOR) else None
    assert absurd(at, NOW, future_s) is expected
    shown = in_utc(at)  # never raises; in UTC whenever the instant has a UTC form
    assert instant_s(shown) == instant_s(at)
    has_utc_form = instant_s(datetime.min) <= instant_s(at) <= instant_s(datetime.max)
    assert (shown.tzinfo is UTC) == has_utc_form
