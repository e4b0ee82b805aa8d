"""The independent Python oracle of the aggregator's rules (tests only).

Production keeps the revision gate and the rollups by assignment once, in SQL
(storage migration 070, ``aggregator_apply_batch``). This is the same rule written the
plain way — a gate per unit-period, every rollup recomputed from its members' current
contributions — so the tests can drive both with the same reports and compare: the
property tests with random interleavings, the store tests batch by batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from contracts.reports import INDICATORS, IndicatorReportV1
from services.aggregator.domain import (
    Membership,
    RegistryView,
    Values,
    expected_structure,
    memberships,
    values_of,
)

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


# --- rollups by assignment ----------------------------------------------------------


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


UnitPeriod = tuple[str, str, str]  # unit_type, unit_code, period "YYYY-MM"
RollupKey = tuple[str, str, str]  # level, code, period


@dataclass
class RollupBook:
    """Winning facts per unit-period and each rollup's members, kept by assignment."""

    registry: RegistryView
    states: dict[UnitPeriod, UnitState] = field(default_factory=dict)
    facts: dict[UnitPeriod, Values] = field(default_factory=dict)
    members: dict[RollupKey, dict[tuple[str, str], Membership]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    _expected: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)

    def receive(self, report: IndicatorReportV1) -> Outcome:
        """Apply one valid report; the fact and its memberships are replaced, never added."""
        key = (report.unit.type, report.unit.code, report.period)
        return self.receive_values(key, report.revision, report.content_digest(), values_of(report))

    def receive_values(
        self, key: UnitPeriod, revision: int, digest: str, values: Values
    ) -> Outcome:
        """``receive`` for a report already taken apart."""
        state = self.states.setdefault(key, UnitState())
        outcome = apply(state, revision, digest)
        if outcome is Outcome.ACCEPTED:
            self.facts[key] = values
            unit = (key[0], key[1])
            for m in memberships(self.registry, *key):
                self.members[(m.level, m.code, key[2])][unit] = m
        return outcome

    def expected_members(self, level: str, code: str, period: str) -> int:
        """How many direct members the registry expects for a rollup."""
        if period not in self._expected:
            counts: dict[tuple[str, str], int] = defaultdict(int)
            for lv, c, _ in expected_structure(self.registry, period)[1]:
                counts[(lv, c)] += 1
            self._expected[period] = counts
        return self._expected[period].get((level, code), 0)

    def _is_effective(self, unit_type: str, unit_code: str, period: str) -> bool:
        if unit_type != "district":
            return True
        municipality = self.registry.municipality_of_district(unit_code)
        return ("municipality", municipality, period) not in self.facts

    def rollup(self, level: str, code: str, period: str) -> RollupFigure | None:
        """The current figure of one rollup."""
        contributions = [
            Contribution(t, c, m.member, self.facts[(t, c, period)])
            for (t, c), m in self.members.get((level, code, period), {}).items()
            if level == "district" or self._is_effective(t, c, period)
        ]
        return rollup_value(level, code, contributions, self.expected_members(level, code, period))

    def rollups(self) -> dict[RollupKey, RollupFigure]:
        """Every rollup with a figure."""
        out: dict[RollupKey, RollupFigure] = {}
        for key in list(self.members):
            figure = self.rollup(*key)
            if figure is not None:
                out[key] = figure
        return out
