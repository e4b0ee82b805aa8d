"""The reporting unit's own view: which months it reported, and its figures beside its
county, KOSTRA group and the nation.

Only ever the caller's own units: the unit of its token and, for a municipality, its city
districts (who may submit for a unit may see what it submitted). The figures of the other
units go through the feeds' ordinary suppression for that viewer
(:meth:`Feeds.unit_indicators` with ``viewer``), exactly as on the scorecard.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

from contracts.periods import period_date, period_text, shift
from services.auth.tokens import UnitRef
from services.feeds.handlers import Feeds, NotFound
from services.feeds.queries import Conn

Exempt = Callable[[str], bool]
HISTORY_MONTHS = 24


async def latest_reported(con: Conn, units: Sequence[tuple[str, str]]) -> str | None:
    """The latest period any of ``units`` (type, code) has a report for."""
    day = await con.fetchval(
        "SELECT max(period) FROM unit_month_facts f "
        "JOIN unnest($1::text[], $2::text[]) AS u(t, c) ON f.unit_type = u.t AND f.unit_code = u.c",
        [t for t, _ in units],
        [c for _, c in units],
    )
    return None if day is None else period_text(day)


async def reported_months(
    con: Conn, units: Sequence[tuple[str, str]], first: str, last: str
) -> list[dict[str, Any]]:
    """The winning report of each unit-month in ``first``..``last``, newest first, with
    every revision accepted for it and when it was first seen."""
    records = await con.fetch(
        "SELECT f.unit_type, f.unit_code, f.period, f.revision, f.source, f.reported_at, "
        "f.received_at, coalesce(array_agg(r.revision ORDER BY r.revision) "
        "FILTER (WHERE r.revision IS NOT NULL), '{}') AS revisions, "
        "coalesce(array_agg(r.first_seen_at ORDER BY r.revision) "
        "FILTER (WHERE r.revision IS NOT NULL), '{}') AS seen "
        "FROM unit_month_facts f "
        "JOIN unnest($1::text[], $2::text[]) AS u(t, c) ON f.unit_type = u.t AND f.unit_code = u.c "
        "LEFT JOIN report_revisions r ON r.unit_type = f.unit_type "
        "AND r.unit_code = f.unit_code AND r.period = f.period "
        "WHERE f.period BETWEEN $3 AND $4 "
        "GROUP BY f.unit_type, f.unit_code, f.period "
        "ORDER BY f.period DESC, f.unit_type, f.unit_code",
        [t for t, _ in units],
        [c for _, c in units],
        period_date(first),
        period_date(last),
    )
    return [
        {
            **{k: r[k] for k in ("unit_type", "unit_code", "revision", "source")},
            "period": period_text(r["period"]),
            "reported_at": r["reported_at"],
            "received_at": r["received_at"],
            "revisions": [
                {"revision": rev, "first_seen_at": seen}
                for rev, seen in zip(r["revisions"], r["seen"], strict=True)
            ],
        }
        for r in records
    ]


def own_units(feeds: Feeds, unit: UnitRef, period: str) -> list[tuple[str, str]]:
    """The caller's unit and, for a municipality, its city districts at ``period``."""
    units: list[tuple[str, str]] = [(unit.type, unit.code)]
    if unit.type == "municipality":
        reg = feeds.names.registry
        units += [
            ("district", d.code)
            for d in reg.districts(period)
            if reg.municipality_of_district(d.code) == unit.code
        ]
    return units


def context_units(feeds: Feeds, unit: UnitRef, period: str) -> list[tuple[str, str, str]]:
    """(role, level, code) of the units shown beside ``unit``: its county and KOSTRA group
    (through its municipality; for a NAV office the municipality of its first area) and
    the nation."""
    reg = feeds.names.registry
    municipality: str | None = None
    try:
        if unit.type == "municipality":
            municipality = unit.code
        elif unit.type == "district":
            municipality = reg.municipality_of_district(unit.code)
        else:
            municipality = next(
                (
                    code if kind == "municipality" else reg.municipality_of_district(code)
                    for kind, code in reg.areas_of_office(unit.code, period)
                ),
                None,
            )
    except (KeyError, LookupError, ValueError):
        municipality = None
    out: list[tuple[str, str, str]] = []
    if municipality is not None:
        with suppress(KeyError, LookupError, ValueError):
            out.append(("county", "county", reg.county_of(municipality, period)))
        group = feeds.names.group_of(municipality, period)
        if group:
            out.append(("kostra_group", "kostra_group", group))
    out.append(("nation", "nation", "0"))
    return out


async def own_figures(
    feeds: Feeds, con: Conn, unit: UnitRef, period: str, viewer: Exempt
) -> dict[str, Any]:
    """``unit``'s month unsuppressed, beside its county, KOSTRA group and the nation as
    ``viewer`` may see them (suppressed as for any outsider, minus what it already knows)."""
    columns: list[dict[str, Any]] = []
    for role, level, code in [("own", unit.type, unit.code), *context_units(feeds, unit, period)]:
        own = role == "own"
        try:
            data = await feeds.unit_indicators(con, level, code, period, period, own, viewer)
        except NotFound:
            data = {
                "unit": {
                    "type": level,
                    "code": code,
                    "name": feeds.names.name(f"{level}:{code}", period),
                },
                "months": [],
            }
        month = data["months"][0] if data["months"] else None
        columns.append(
            {
                "role": role,
                "unit": data["unit"],
                "suppressed": not own,
                "reported": month is not None,
                "indicators": month["indicators"] if month else {},
                "indicator_status": month["indicator_status"] if month else {},
                "per_1000_inhabitants": month["per_1000_inhabitants"] if month else {},
                "per_1000_inhabitants_status": (
                    month.get("per_1000_inhabitants_status", {}) if month else {}
                ),
            }
        )
    return {"period": period, "columns": columns}


def history_range(latest: str) -> tuple[str, str]:
    """The months the history shows by default: the last ``HISTORY_MONTHS`` to ``latest``."""
    return shift(latest, 1 - HISTORY_MONTHS), latest
