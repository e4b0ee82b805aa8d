"""The current calendar month in Norway (Europe/Oslo), which bounds a report's ``period``.

Every report without a fixed ``today`` asks; converting the clock into Oslo time for each
one was a measurable share of validation, so the answer is kept with the UTC instants at
which that month starts and ends in Oslo and reused while the clock is between them. The
answer is the same as ``datetime.now(ZoneInfo("Europe/Oslo"))``'s month at every instant.
"""

from __future__ import annotations

import time
from datetime import date, datetime, tzinfo
from functools import cache


@cache
def _oslo() -> tzinfo | None:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Oslo")
    except (ImportError, KeyError, OSError):
        return None


_known: tuple[float, float, str] = (0.0, 0.0, "")
"""(first instant, first instant after, "YYYY-MM") of the month last computed."""


def current_month_in_norway() -> str:
    """``"YYYY-MM"`` of today in Norway (of the local date when no time zone data exists)."""
    global _known
    now = time.time()
    start, end, month = _known
    if start <= now < end:
        return month
    zone = _oslo()
    if zone is None:
        today = date.today()
        return f"{today.year:04d}-{today.month:02d}"
    today = datetime.fromtimestamp(now, zone).date()
    following = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    month = f"{today.year:04d}-{today.month:02d}"
    _known = (
        datetime(today.year, today.month, 1, tzinfo=zone).timestamp(),
        datetime(*following, 1, tzinfo=zone).timestamp(),
        month,
    )
    return month
