"""Pure aggregation rules: validation, the revision gate and rollups by assignment.

No I/O here. The same functions serve the live stream, a replay and the tests:

- ``validate`` turns raw bytes into a report or a ``Rejection`` (contract, registry, sealed year);
- ``apply`` is the revision gate: it decides what one report does to a unit-period's state;
- ``memberships`` says which rollups a reported unit feeds, and as which direct member;
- ``expected_structure`` lists the direct members each rollup expects at a period;
- ``rollup_value`` computes one rollup from its members' current contributions (assignment,
  never addition), mirrored in SQL by ``services.storage.queries``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
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


# --- the revision gate -----------------------------------------------------------------


class Outcome(StrEnum):
    """What a valid report does to its unit-period."""

    ACCEPTED = "accepted"  # a new winning revision
    DEDUPLICATED = "deduplicated"  # same revision and content seen before
    SUPERSEDED = "superseded"  # a lower revision than the winner, first seen now
    CONFLICT = "conflicting_revision"  # same revision as one seen, different content


@dataclass(slots=True)
class UnitState:
    """What is known of one unit-period: the winning revision and every digest seen."""

    winner_revision: int = 0
    seen: dict[int, str] = field(default_factory=dict)  # revision -> content digest


def apply(state: UnitState, revision: int, digest: str) -> Outcome:
    """Apply one report (its revision and content digest) to ``state`` in place.

    The highest revision wins whatever the arrival order; an equal revision with the same
    content is a duplicate, with different content a conflict (the first one seen stays).
    """
    known = state.seen.get(revision)
    if known is not None:
        return Outcome.DEDUPLICATED if known == digest else Outcome.CONFLICT
    state.seen[revision] = digest
    if revision > state.winner_revision:
        state.winner_revision = revision
        return Outcome.ACCEPTED
    return Outcome.SUPERSEDED


def conflict_message(unit_key: str, period: str, revision: int) -> str:
    """The human reason for a conflicting revision."""
    return (
        f"{unit_key} {period} revision {revision} was already reported with different "
        "figures; send a higher revision to correct it"
    )


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


@dataclass(frozen=True, slots=True)
class Contribution:
    """One effective fact's part in a rollup."""

    unit_type: str
    unit_code: str
    member: str
    values: Values


@dataclass(frozen=True, slots=True)
class RollupFigure:
    """A rollup's value: summed indicators and how many direct members reported."""

    values: Values
    members_reported: int
    members_expected: int


def sum_values(rows: Iterable[Values]) -> Values:
    """Column sums ignoring nulls; a column with no reported value stays null."""
    totals: list[int | None] = [None] * len(INDICATORS)
    for row in rows:
        for i, v in enumerate(row):
            if v is not None:
                totals[i] = v + (totals[i] or 0)
    return tuple(totals)


def rollup_value(
    level: str, code: str, contributions: Sequence[Contribution], expected_members: int
) -> RollupFigure | None:
    """One rollup from the current contributions of its members (None: nothing to show).

    ``contributions`` hold only *effective* facts for levels above district (a district's
    fact does not count once its municipality reported as a whole). A unit's own report
    stands for the whole; a NAV office without one shows its areas' sum only when every
    expected area has reported.
    """
    if not contributions:
        return None
    own = [c for c in contributions if c.unit_type == level and c.unit_code == code]
    if own:
        return RollupFigure(own[0].values, 1, 1)
    reported = len({c.member for c in contributions})
    if level == "nav_office" and reported < expected_members:
        return None
    return RollupFigure(sum_values(c.values for c in contributions), reported, expected_members)


def effective(
    facts: Mapping[tuple[str, str], Values], municipality_of: Mapping[str, str]
) -> dict[tuple[str, str], Values]:
    """The facts of one period that count above district level (``municipality_of``:
    district → municipality)."""
    return {
        (t, c): v
        for (t, c), v in facts.items()
        if not (t == "district" and ("municipality", municipality_of[c]) in facts)
    }
