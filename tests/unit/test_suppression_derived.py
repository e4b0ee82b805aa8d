"""Derived figures never reveal a suppressed cell; status and anomaly rules."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from services.feeds import anomalies
from services.feeds.figures import (
    figure_status,
    month_view,
    periods_between,
    reporting_deadline,
    shift,
)
from services.feeds.suppression import CellKey, suppress

UNIT = "municipality:0301"
YEAR = [f"2025-{m:02d}" for m in range(1, 13)]


def test_periods_shift_and_deadline() -> None:
    assert shift("2025-01", -1) == "2024-12"
    assert shift("2024-12", 13) == "2026-01"
    assert periods_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert reporting_deadline("2025-12") == date(2026, 1, 20)


def test_status_moves_from_preliminary_to_final_to_reconciled() -> None:
    assert figure_status("2025-03", date(2025, 4, 20), []) == "preliminary"
    assert figure_status("2025-03", date(2025, 4, 21), []) == "final"
    assert figure_status("2025-03", date(2025, 4, 1), [2025]) == "reconciled"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 60)), min_size=12, max_size=12))
def test_derived_figures_are_hidden_whenever_an_input_is(counts: list[int | None]) -> None:
    values: dict[CellKey, int | None] = {}
    for period, n in zip(YEAR, counts, strict=True):
        values[CellKey(UNIT, period, "recipients")] = n
        values[CellKey(UNIT, period, "kroner_paid")] = None if n is None else n * 9000
    cells = suppress(values)
    view = month_view(UNIT, "2025-12", cells, population=700_000)
    hidden = [n is not None and 1 <= n <= 3 for n in counts]
    missing = [n is None for n in counts]
    ytd = view["year_to_date"]["recipient_months"]
    if any(hidden):
        assert ytd is None and view["year_to_date_status"]["recipient_months"] == ":"
    elif any(missing):
        assert ytd is None and view["year_to_date_status"]["recipient_months"] == ".."
    else:
        assert ytd == sum(n or 0 for n in counts)
    change = view["change"]["recipients_vs_previous_month"]
    if hidden[-1] or hidden[-2]:
        assert change is None
    elif not (missing[-1] or missing[-2]):
        assert change == (counts[-1] or 0) - (counts[-2] or 0)
    rate = view["per_1000_inhabitants"]["recipients"]
    assert (rate is None) == (hidden[-1] or missing[-1])


def test_jump_against_own_history() -> None:
    history = {"0301": [100, 102, 98, 101, 99, 100], "1103": [50, 51, 49, 50, 52, 50]}
    found = anomalies.jumps({"0301": 180, "1103": 51}, history)
    assert [(a.unit, a.kind) for a in found] == [("0301", "jump")]


def test_group_outlier_and_missing() -> None:
    rates = {f"{i:04d}": 20.0 + i % 3 for i in range(10)} | {"9999": 90.0}
    groups = dict.fromkeys(rates, "EKG13")
    assert [a.unit for a in anomalies.group_outliers(rates, groups)] == ["9999"]
    gone = anomalies.missing({"a"}, [{"a", "b"}, {"a", "b", "c"}, {"a", "b"}])
    assert [a.unit for a in gone] == ["b"]
