"""Periods of the contract: ``"YYYY-MM"`` text, the first day of the month in PostgreSQL.

Pure helpers every service shares (the feeds' ranges, the aggregator's and the feeds'
conversions to and from ``date``).
"""

from __future__ import annotations

from datetime import date


def parse_period(period: str) -> tuple[int, int]:
    """``"2025-03"`` → ``(2025, 3)``; ValueError for anything else."""
    year, _, month = period.partition("-")
    y, m = int(year), int(month)
    if len(period) != 7 or not 1 <= m <= 12 or y < 1900:
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    return y, m


def shift(period: str, months: int) -> str:
    """The period ``months`` later (negative: earlier)."""
    y, m = parse_period(period)
    index = y * 12 + (m - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def periods_between(first: str, last: str) -> list[str]:
    """Every period from ``first`` to ``last`` inclusive (empty when reversed)."""
    out: list[str] = []
    current = first
    while current <= last:
        out.append(current)
        current = shift(current, 1)
    return out


def period_date(period: str) -> date:
    """``"2025-03"`` → ``date(2025, 3, 1)`` (how PostgreSQL holds a period)."""
    return date(int(period[:4]), int(period[5:7]), 1)


def period_text(day: date) -> str:
    """``date(2025, 3, 1)`` → ``"2025-03"``."""
    return f"{day.year:04d}-{day.month:02d}"
