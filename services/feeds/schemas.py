"""The feeds' HTTP answers as pydantic models: what the OpenAPI document describes.

Routers declare these as ``response_model`` (with ``response_model_exclude_unset``, so a
group's ``*_status`` appears only when one of its figures is suppressed (``":"``) or not
reported (``".."``), as before). Every model forbids undeclared fields: an answer that
grows a field without its schema fails the tests instead of going out undocumented.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.errors import ErrorBody

Number = int | float
Status = str


class Answer(BaseModel):
    """Base of every answer model: undeclared fields are an error."""

    model_config = ConfigDict(extra="forbid")


class UnitRef(Answer):
    type: str = Field(examples=["municipality"])
    code: str = Field(examples=["0301"])


class NamedUnit(UnitRef):
    name: str = Field(examples=["Oslo"])


class Indicators(Answer):
    """The six indicators of a month (null: suppressed or not reported, see the status)."""

    recipients: int | None = None
    recipients_with_children: int | None = None
    recipients_main_livelihood: int | None = None
    recipients_under_30: int | None = None
    kroner_paid: int | None = None
    qp_participants: int | None = None


class IndicatorStatus(Answer):
    """Why an indicator is null: ``":"`` suppressed, ``".."`` not reported."""

    recipients: Status | None = None
    recipients_with_children: Status | None = None
    recipients_main_livelihood: Status | None = None
    recipients_under_30: Status | None = None
    kroner_paid: Status | None = None
    qp_participants: Status | None = None


class Rates(Answer):
    """The six indicators per 1000 inhabitants (3 decimals)."""

    recipients: Number | None = None
    recipients_with_children: Number | None = None
    recipients_main_livelihood: Number | None = None
    recipients_under_30: Number | None = None
    kroner_paid: Number | None = None
    qp_participants: Number | None = None


class Sums(Answer):
    """Year to date or the rolling 12 months."""

    kroner_paid: Number | None = None
    recipient_months: Number | None = None
    avg_monthly_recipients: Number | None = None


class SumsStatus(Answer):
    kroner_paid: Status | None = None
    recipient_months: Status | None = None
    avg_monthly_recipients: Status | None = None


class Changes(Answer):
    """Change against the previous month and the same month last year."""

    recipients_vs_previous_month: Number | None = None
    recipients_vs_same_month_last_year: Number | None = None
    kroner_paid_vs_previous_month: Number | None = None
    kroner_paid_vs_same_month_last_year: Number | None = None


class ChangesStatus(Answer):
    recipients_vs_previous_month: Status | None = None
    recipients_vs_same_month_last_year: Status | None = None
    kroner_paid_vs_previous_month: Status | None = None
    kroner_paid_vs_same_month_last_year: Status | None = None


class MonthFigures(Answer):
    """One month of a unit: the indicators, derived figures, status and report."""

    period: str = Field(examples=["2025-03"])
    status: Literal["preliminary", "final", "reconciled"]
    revision: int | None = Field(None, description="the unit's own winning revision")
    reported_at: str | None = Field(None, description="when the unit reported (ISO 8601)")
    members_reported: int | None = None
    members_expected: int | None = None
    indicators: Indicators
    indicator_status: IndicatorStatus
    year_to_date: Sums
    year_to_date_status: SumsStatus | None = None
    rolling_12_months: Sums
    rolling_12_months_status: SumsStatus | None = None
    change: Changes
    change_status: ChangesStatus | None = None
    per_1000_inhabitants: Rates
    per_1000_inhabitants_status: IndicatorStatus | None = None


class UnitIndicators(Answer):
    """A unit's months, suppressed unless the caller may see them unsuppressed."""

    unit: NamedUnit
    suppressed: bool
    months: list[MonthFigures]


class ScorecardColumn(MonthFigures):
    """One column of a scorecard: a unit and its month."""

    unit: NamedUnit


class Scorecard(Answer):
    """A NAV office's month beside its county, KOSTRA group and the nation (null: no
    figures; absent: the office serves no municipality, or it has no KOSTRA group)."""

    office: str = Field(examples=["0312"])
    period: str = Field(examples=["2025-03"])
    suppressed: bool
    nav_office: ScorecardColumn | None = None
    county: ScorecardColumn | None = None
    kostra_group: ScorecardColumn | None = None
    nation: ScorecardColumn | None = None


class MissingUnit(Answer):
    code: str
    name: str


class CoverageLevel(Answer):
    level: str = Field(examples=["municipality"])
    units_reported: int
    units_expected: int
    coverage: float = Field(description="units reported / units expected")
    missing: list[MissingUnit]


class LateReport(Answer):
    unit: str = Field(examples=["municipality:0301"])
    revision: int
    received_at: str | None
    days_late: int


class Coverage(Answer):
    """Expected, reported and missing units per level, and the reports after the deadline."""

    period: str
    deadline: str = Field(description="the reporting deadline (ISO date)")
    levels: list[CoverageLevel]
    late_reports: list[LateReport]
    reports: int = Field(description="how many units reported for the period")


class Anomaly(Answer):
    unit: UnitRef
    name: str
    indicator: str
    kind: Literal["jump", "group_outlier", "missing"]
    score: float
    detail: str


class Anomalies(Answer):
    """Municipalities whose month looks wrong."""

    period: str
    anomalies: list[Anomaly]


class CountyFigure(Answer):
    code: str
    name: str
    value: int | None
    per_1000: Number | None
    status: Status | None


class CountyMap(Answer):
    """Counties' indicator per 1000 inhabitants (suppressed as exported)."""

    period: str
    indicator: str
    counties: list[CountyFigure]


class Category(Answer):
    index: dict[str, int]
    label: dict[str, str]
    unit: dict[str, dict[str, int | str]] | None = None


class Dimension(Answer):
    label: str
    category: Category


class JsonStatDataset(Answer):
    """A JSON-stat 2.0 dataset (https://json-stat.org/full/): unit × time × indicator;
    ``status`` holds ``":"`` (suppressed) or ``".."`` (not reported) by value index."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    version: Literal["2.0"]
    class_: Literal["dataset"] = Field(alias="class")
    label: str
    source: str
    id: list[str]
    size: list[int]
    role: dict[str, list[str]]
    dimension: dict[str, Dimension]
    value: list[int | None]
    status: dict[str, str] | None = None
    updated: str | None = None


class Health(Answer):
    status: str = Field(examples=["alive"])
    reason: str | None = None


class FeedsError(ErrorBody):
    """A refused request (``services.errors.ErrorBody``); the feeds also send ``error`` and
    ``message``, the same two values under their former names, for one release."""

    error: str | None = Field(None, deprecated=True, description="former name of reason")
    message: str | None = Field(None, deprecated=True, description="former name of detail")

    @classmethod
    def of(cls, reason: str, detail: str) -> FeedsError:
        return cls(reason=reason, detail=detail, error=reason, message=detail)


def answers(model: type[Answer]) -> dict[str, Any]:
    """The route options of a typed feed answer: its model, unset fields left out, and the
    refusals."""
    return {"response_model": model, "response_model_exclude_unset": True, "responses": REFUSALS}


REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": FeedsError, "description": description}
    for status, description in (
        (400, "a parameter is not valid"),
        (401, "missing, invalid or expired token"),
        (403, "the token lacks the read scope"),
        (404, "no such unit, or no figures"),
    )
}
