"""A pure in-memory aggregator: facts and rollups by assignment.

The reference model of the aggregation rules (``domain``): the property tests drive it with
random interleavings, and the integration tests use it as the independent recomputation of
what PostgreSQL must hold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from contracts.reports import INDICATORS, IndicatorReportV1
from services.aggregator.domain import (
    Contribution,
    Membership,
    Outcome,
    RegistryView,
    RollupFigure,
    UnitState,
    Values,
    apply,
    expected_structure,
    memberships,
    rollup_value,
)

UnitPeriod = tuple[str, str, str]  # unit_type, unit_code, period "YYYY-MM"
RollupKey = tuple[str, str, str]  # level, code, period


def values_of(report: IndicatorReportV1) -> Values:
    """The six indicators of a report, in ``INDICATORS`` order."""
    ind = report.indicators
    return tuple(getattr(ind, name) for name in INDICATORS)


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
        state = self.states.setdefault(key, UnitState())
        outcome = apply(state, report.revision, report.content_digest())
        if outcome is Outcome.ACCEPTED:
            self.facts[key] = values_of(report)
            unit = (report.unit.type, report.unit.code)
            for m in memberships(self.registry, *key):
                self.members[(m.level, m.code, report.period)][unit] = m
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
