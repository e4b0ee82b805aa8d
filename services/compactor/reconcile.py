"""Reconciliation of the stream's winning monthly reports with the form figures and accounts.

Pure: no I/O. Per unit (municipality, Oslo district), month and indicator the stream value
is compared with the form value; per municipality the year's kroner are compared three
ways (stream months, form total, function 281 accounts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from services.compactor.config import EXACT_INDICATORS, INDICATORS
from services.compactor.derive import MONTHS, UnitFigures, UnitKey

MonthFacts = Mapping[str, int | None]
StreamFacts = Mapping[UnitKey, Mapping[int, MonthFacts]]
"""Per unit, per month (1–12): the winning report's six indicators (None = not reported)."""


class Status(StrEnum):
    """How a stream value compares with the form value."""

    MATCH = "match"
    WITHIN_TOLERANCE = "within_tolerance"
    DEVIATION = "deviation"
    MISSING_IN_STREAM = "missing_in_stream"
    MISSING_IN_FORMS = "missing_in_forms"


PROBLEMS: frozenset[Status] = frozenset(
    {Status.DEVIATION, Status.MISSING_IN_STREAM, Status.MISSING_IN_FORMS}
)


@dataclass(frozen=True, slots=True)
class ReconRow:
    """One unit-month-indicator comparison."""

    unit_type: str
    unit_code: str
    month: int
    indicator: str
    exact: bool
    stream: int | None
    form: int | None
    difference: int | None
    relative_difference: float | None
    status: Status


@dataclass(frozen=True, slots=True)
class AccountsRow:
    """The three-way annual kroner check of one municipality (all amounts in kroner)."""

    municipality: str
    stream_kroner: int | None
    stream_months: int
    form_kroner: int | None
    accounts_kroner: int | None
    stream_vs_form: float | None
    form_vs_accounts: float | None
    stream_vs_accounts: float | None
    flags: tuple[str, ...]

    @property
    def status(self) -> str:
        """``ok`` or the flags joined by ``+``."""
        return "+".join(self.flags) if self.flags else "ok"


def relative(value: int, reference: int) -> float | None:
    """(value - reference) / reference; None when the reference is 0 and they differ."""
    if reference == 0:
        return 0.0 if value == 0 else None
    return (value - reference) / reference


def classify(stream: int | None, form: int | None, tolerance: float) -> Status | None:
    """The status of one comparison; None when there is nothing to compare (both absent/0)."""
    if stream is None:
        return Status.MISSING_IN_STREAM if form else None
    if form is None:
        return Status.MISSING_IN_FORMS if stream else None
    if stream == form:
        return Status.MATCH
    rel = relative(stream, form)
    if rel is not None and abs(rel) <= tolerance:
        return Status.WITHIN_TOLERANCE
    return Status.DEVIATION


def _sum_optional(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


EffectiveStream = dict[UnitKey, dict[int, MonthFacts]]


def effective_stream(facts: StreamFacts) -> tuple[EffectiveStream, set[tuple[str, int]]]:
    """Stream facts plus municipality totals, and the districts compared only as a whole.

    A municipality's figure for a month is its own report, else the sum of its districts'
    reports (SUM of reported values, as the aggregator does). A district of a municipality
    that reported only as a whole in a month is not compared at district level that month;
    the second result lists those (municipality code, month) pairs.
    """
    result: dict[UnitKey, dict[int, MonthFacts]] = {
        unit: dict(months) for unit, months in facts.items()
    }
    by_municipality: dict[str, dict[int, list[MonthFacts]]] = {}
    for (unit_type, code), months in facts.items():
        if unit_type == "district":
            for month, values in months.items():
                by_municipality.setdefault(code[:4], {}).setdefault(month, []).append(values)
    for municipality, district_reports in by_municipality.items():
        own = result.setdefault(("municipality", municipality), {})
        for month, reports in district_reports.items():
            if month not in own:
                own[month] = {
                    name: _sum_optional(r.get(name) for r in reports) for name in INDICATORS
                }
    whole_only: set[tuple[str, int]] = set()
    for (unit_type, code), months in facts.items():
        if unit_type != "municipality":
            continue
        district_months = by_municipality.get(code, {})
        for month in months:
            if month not in district_months:
                whole_only.add((code, month))
    return result, whole_only


def reconcile_units(
    forms: Mapping[UnitKey, UnitFigures],
    facts: StreamFacts,
    tolerances: Mapping[str, float],
) -> list[ReconRow]:
    """Every comparison of stream vs forms, ordered by unit, month, indicator.

    Districts are compared only for municipalities whose forms carry districts (Oslo's
    BYDELSNR); elsewhere district reports count in their municipality's total only.
    """
    stream, whole_only = effective_stream(facts)
    with_districts = {code[:4] for kind, code in forms if kind == "district"}
    units = sorted(
        unit
        for unit in set(forms) | set(stream)
        if unit[0] == "municipality" or (unit[0] == "district" and unit[1][:4] in with_districts)
    )
    rows: list[ReconRow] = []
    for unit in units:
        figures = forms.get(unit)
        months = stream.get(unit, {})
        for month in range(1, MONTHS + 1):
            if unit[0] == "district" and (unit[1][:4], month) in whole_only:
                continue
            values = months.get(month)
            for indicator in INDICATORS:
                s = values.get(indicator) if values is not None else None
                f = figures.value(indicator, month) if figures is not None else None
                status = classify(s, f, tolerances.get(indicator, 0.0))
                if status is None:
                    continue
                difference = relative_difference = None
                if s is not None and f is not None:
                    difference, relative_difference = s - f, relative(s, f)
                rows.append(
                    ReconRow(
                        unit_type=unit[0],
                        unit_code=unit[1],
                        month=month,
                        indicator=indicator,
                        exact=indicator in EXACT_INDICATORS,
                        stream=s,
                        form=f,
                        difference=difference,
                        relative_difference=relative_difference,
                        status=status,
                    )
                )
    return rows


def check_accounts(
    forms: Mapping[UnitKey, UnitFigures],
    facts: StreamFacts,
    accounts: Mapping[str, int],
    threshold: float,
) -> list[AccountsRow]:
    """The annual kroner of every municipality: stream vs forms vs function 281 accounts.

    ``accounts`` holds kroner (already multiplied from 1000 kr). More than ``threshold``
    apart (relative to the accounts) is flagged, as SSB does; a difference is a signal to
    explain, not an error to correct.
    """
    stream, _ = effective_stream(facts)
    municipalities = sorted(
        {code for kind, code in forms if kind == "municipality"}
        | {code for kind, code in stream if kind == "municipality"}
        | set(accounts)
    )
    rows: list[AccountsRow] = []
    for code in municipalities:
        months = stream.get(("municipality", code), {})
        kroner = [m.get("kroner_paid") for m in months.values()]
        stream_kroner = _sum_optional(kroner)
        figures = forms.get(("municipality", code))
        form_kroner = figures.kroner_total if figures is not None else None
        account = accounts.get(code)
        flags: list[str] = []
        form_vs_accounts = stream_vs_accounts = stream_vs_form = None
        if form_kroner is None:
            flags.append("missing_forms")
        if stream_kroner is None:
            flags.append("missing_stream")
        if account is None:
            flags.append("missing_accounts")
        if form_kroner is not None and account is not None:
            form_vs_accounts = relative(form_kroner, account)
            if form_vs_accounts is None or abs(form_vs_accounts) > threshold:
                flags.append("forms_vs_accounts_over_threshold")
        if stream_kroner is not None and account is not None:
            stream_vs_accounts = relative(stream_kroner, account)
            if stream_vs_accounts is None or abs(stream_vs_accounts) > threshold:
                flags.append("stream_vs_accounts_over_threshold")
        if stream_kroner is not None and form_kroner is not None:
            stream_vs_form = relative(stream_kroner, form_kroner)
        rows.append(
            AccountsRow(
                municipality=code,
                stream_kroner=stream_kroner,
                stream_months=sum(1 for k in kroner if k is not None),
                form_kroner=form_kroner,
                accounts_kroner=account,
                stream_vs_form=stream_vs_form,
                form_vs_accounts=form_vs_accounts,
                stream_vs_accounts=stream_vs_accounts,
                flags=tuple(flags),
            )
        )
    return rows
