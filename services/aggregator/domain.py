"""Pure aggregator rules that run in Python: validation and the reference structure.

No I/O here:

- ``validate`` turns raw bytes into a report or a ``Rejection`` (contract, registry, sealed year);
- ``values_of`` the six indicators of a report, in ``INDICATORS`` order;
- ``memberships`` says which rollups a reported unit feeds, and as which direct member;
- ``expected_structure`` lists the direct members each rollup expects at a period;
- ``structure`` is a period's structure as PostgreSQL keeps it, with a digest.

The revision gate and the rollups by assignment live once, in SQL (storage migration 070,
``aggregator_apply_batch``); tests/support/aggregator_oracle.py is their independent Python
reference that the tests compare PostgreSQL with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from contracts.registry import LEVELS
from contracts.reports import INDICATORS, IndicatorReportV1, Reason, ReportRejected, parse_report

NATION = "0"
ROLLUP_LEVELS: tuple[str, ...] = LEVELS
Values = tuple[int | None, ...]  # the six indicators, in INDICATORS order


class RegistryView(Protocol):
    """The part of ``contracts.registry.Registry`` the aggregator uses."""

    def check_unit(self, unit_type: str, code: str, period: str) -> None: ...
    def rollups_of(self, unit_type: str, code: str, period: str) -> Sequence[tuple[str, str]]: ...
    def municipality_of_district(self, district_code: str) -> str: ...
    def areas_of_office(self, office: str, period: str) -> Sequence[tuple[str, str]]: ...
    def expected_units(self, period: str, level: Any) -> Sequence[str]: ...
    def county_of(self, municipality_code: str, period: str) -> str: ...
    def kostra_group_of(self, municipality_code: str, period: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a record cannot be accepted; ``reason`` is a ``contracts.reports.Reason`` value."""

    reason: str
    message: str
    event_id: str | None = None


def validate(
    raw: bytes,
    registry: RegistryView,
    sealed_years: frozenset[int],
    today: date | None = None,
) -> IndicatorReportV1 | Rejection:
    """Decode and check one record: contract, unit valid at its period, year not sealed."""
    try:
        report = parse_report(raw, today=today)
    except ReportRejected as e:
        return Rejection(str(e.reason), e.message)
    event_id = str(report.event_id)
    try:
        registry.check_unit(report.unit.type, report.unit.code, report.period)
    except Exception as e:  # the registry raises UnitRejected(reason, message)
        reason = getattr(e, "reason", None)
        if reason is None:
            raise
        return Rejection(str(reason), str(getattr(e, "message", e)), event_id)
    year = int(report.period[:4])
    if year in sealed_years:
        return Rejection(
            str(Reason.SEALED_YEAR),
            f"{year} is sealed by the annual reconciliation; figures for "
            f"{report.period} can no longer change",
            event_id,
        )
    return report


# --- rollups by assignment -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Membership:
    """A reported unit feeds rollup (level, code) as direct member ``member``."""

    level: str
    code: str
    member: str


def memberships(registry: RegistryView, unit_type: str, code: str, period: str) -> list[Membership]:
    """Every rollup a unit's figure feeds at ``period``, its own level included."""
    own = Membership(unit_type, code, code)
    if unit_type == "nav_office":
        return [own]
    municipality = code if unit_type == "municipality" else registry.municipality_of_district(code)
    out = [own]
    for level, rollup in registry.rollups_of(unit_type, code, period):
        if level == "municipality":
            out.append(Membership(level, rollup, code))
        elif level == "nav_office":
            areas = {c for _, c in registry.areas_of_office(rollup, period)}
            member = code if code in areas or municipality not in areas else municipality
            out.append(Membership(level, rollup, member))
        else:
            out.append(Membership(level, rollup, municipality))
    return out


def expected_structure(
    registry: RegistryView, period: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(expected units as (level, code), expected members as (level, code, member))."""
    units = [
        (level, code) for level in ROLLUP_LEVELS for code in registry.expected_units(period, level)
    ]
    members: list[tuple[str, str, str]] = []
    for m in registry.expected_units(period, "municipality"):
        members.append(("county", registry.county_of(m, period), m))
        members.append(("nation", NATION, m))
        if group := registry.kostra_group_of(m, period):
            members.append(("kostra_group", group, m))
    for d in registry.expected_units(period, "district"):
        members.append(("municipality", registry.municipality_of_district(d), d))
    for office in registry.expected_units(period, "nav_office"):
        for _, area in registry.areas_of_office(office, period):
            members.append(("nav_office", office, area))
    return units, members


def structure(registry: RegistryView, period: str) -> tuple[str, list[Any], list[Any], list[Any]]:
    """A period's reference structure as PostgreSQL keeps it (migration 070): a digest, the
    expected units, the expected members, and every expected unit's memberships as
    ``[unit_type, unit_code, level, code, member]``."""
    units, members = expected_structure(registry, period)
    rows: list[Any] = []
    for unit_type in ("municipality", "district", "nav_office"):
        for code in registry.expected_units(period, unit_type):
            rows.extend(
                [unit_type, code, m.level, m.code, m.member]
                for m in memberships(registry, unit_type, code, period)
            )
    body = json.dumps([units, members, rows], separators=(",", ":"))
    digest = hashlib.sha256(body.encode()).hexdigest()
    return digest, [list(u) for u in units], [list(m) for m in members], rows


def values_of(report: IndicatorReportV1) -> Values:
    """The six indicators of a report, in ``INDICATORS`` order."""
    ind = report.indicators
    return tuple(getattr(ind, name) for name in INDICATORS)
