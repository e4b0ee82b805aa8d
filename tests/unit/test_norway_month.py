"""current_month_in_norway: Oslo's month at every instant, also from its kept answer."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import norway_month

OSLO = ZoneInfo("Europe/Oslo")
# Instants near month starts in Oslo (midnight there is 22:00 or 23:00 UTC), and anywhere.
_near_boundaries = st.builds(
    lambda year, month, seconds: datetime(year, month, 1, tzinfo=OSLO).timestamp() + seconds,
    st.integers(2000, 2100),
    st.integers(1, 12),
    st.integers(-2 * 3600, 2 * 3600),
)
_instants = _near_boundaries | st.floats(0, 4_102_444_800, allow_nan=False)


@given(st.lists(_instants, min_size=1, max_size=20))
def test_the_month_of_oslo_at_every_instant(instants: list[float]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        for instant in instants:
            patch.setattr(norway_month.time, "time", lambda instant=instant: instant)
            expected = datetime.fromtimestamp(instant, UTC).astimezone(OSLO)
            assert norway_month.current_month_in_norway() == (
                f"{expected.year:04d}-{expected.month:02d}"
            )


def test_now_is_the_month_in_oslo_now() -> None:
    now = datetime.now(OSLO)
    assert norway_month.current_month_in_norway() in {
        f"{now.year:04d}-{now.month:02d}",
        f"{datetime.now(OSLO).year:04d}-{datetime.now(OSLO).month:02d}",
    }
