"""The helpers SSB's rules read records with: numbers, dates, person numbers, DUF numbers."""

from __future__ import annotations

from datetime import date

import pytest
from compactor_records import FNR_1990, duf, fnr
from hypothesis import given, settings
from hypothesis import strategies as st

from services.compactor.rules.base import RecordContext, parse_date, parse_int
from services.compactor.rules.persons import (
    age_in_years,
    birth_date,
    is_valid_duf,
    is_valid_fnr,
    is_valid_fnr_or_dnr,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("12000", 12000), ("-5", -5), ("+5", 5), ("0", 0), ("007", 7), ("2147483647", 2147483647)],
)
def test_numbers_ssb_reads(text: str, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize(
    "text", ["12_000", "12 000", "1.5", "", "-", "١٢", "１２", "2147483648", "0x10", "1e3"]
)
def test_not_numbers_to_ssb(text: str) -> None:
    assert parse_int(text) is None


@given(st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_every_kotlin_int_round_trips(value: int) -> None:
    assert parse_int(str(value)) == value


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("01012025", "ddMMyyyy", date(2025, 1, 1)),
        ("31022025", "ddMMyyyy", date(2025, 2, 28)),  # SSB's SMART resolver: last day
        ("290224", "ddMMyy", date(2024, 2, 29)),
        ("32012025", "ddMMyyyy", None),
        ("00012025", "ddMMyyyy", None),
        ("01132025", "ddMMyyyy", None),
        ("0101202", "ddMMyyyy", None),
        ("01-1-2025", "ddMMyyyy", None),
    ],
)
def test_dates(text: str, pattern: str, expected: date | None) -> None:
    assert parse_date(text, pattern) == expected


def test_record_context_helpers() -> None:
    ctx = RecordContext(
        {"A": "12_000", "B": "7", "STMND_1": "01", "STMND_2": "3", "D": "29022025"},
        2025,
        "11F",
        date_patterns={"D": "ddMMyyyy"},
        codes={"B": frozenset({"7"})},
    )
    assert ctx.int_or_none("A") is None and ctx.int_or_zero("A") == 0
    assert ctx.int_sum(("A", "B", "C")) == 7
    assert ctx.code_exists("B") and not ctx.code_exists("A")
    assert ctx.months_marked()[:3] == (True, False, False)
    assert ctx.date_or_none("D") == date(2025, 2, 28)
    assert ctx.is_blank("C") and not ctx.has("C")


def test_person_numbers() -> None:
    assert is_valid_fnr(FNR_1990) and birth_date(FNR_1990, 2025) == date(1990, 1, 1)
    wrong = FNR_1990[:10] + str((int(FNR_1990[10]) + 1) % 10)
    assert not is_valid_fnr(wrong) and not is_valid_fnr_or_dnr(wrong, 2025)
    d_number = fnr("410190")  # D-number: day + 40
    assert is_valid_fnr_or_dnr(d_number, 2025) and birth_date(d_number, 2025) == date(1990, 1, 1)
    assert is_valid_fnr_or_dnr("01019000100", 2025)  # SSB's accepted ending, no check digits
    assert not is_valid_fnr_or_dnr("32019000100", 2025)
    assert age_in_years(fnr("010110", 500), 2025) == 15
    assert age_in_years("123", 2025) is None


def test_duf_numbers() -> None:
    number = duf("1234567890")
    assert is_valid_duf(number)
    assert not is_valid_duf(number[:10] + "99")
    assert not is_valid_duf("12345678901")


_CODED = {
    "KOMMUNE_NR": ["0301", "4601", "9999"], "BYDELSNR": ["", "01", "16"],
    "VERSION": ["25", "26", "x"], "KJONN": ["1", "2", "9"], "EKTSTAT": ["1", "0"],
    "BU18": ["1", "2", ""], "ANTBU18": ["", "0", "2", "14"],
    "VKLO": ["1", "2", "3", "4", "5", "6", "8", "0"],
    "TRYGDESIT": ["01", "04", "05", "07", "11", "12", "13", "03"],
    "ARBSIT": ["01", "02", "03", "04", "07", "08", "09", "10", "11"],
    "GITT_OKONOMIRAD": ["1", "7"], "BOSIT": ["1", "9"], "VILKARSOSLOV": ["1", "2", "5"],
    "VILKARSAMEKT": ["1", "4"], "VILKARHELSE": ["", "14"],
    "PERSON_FODSELSNR": [FNR_1990, fnr("010110", 500), fnr("010120"), ""],
    "BIDRAG": ["", "100", "9000", "12_000"], "BIDRAG_JAN": ["", "9000"],
}  # fmt: skip


_RECORDS = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _CODED.items()})


@settings(deadline=None, max_examples=300)
@given(_RECORDS, _RECORDS, st.sampled_from([2024, 2025, 2026]))
def test_memoised_rules_give_what_running_every_rule_gives(
    first: dict[str, str], second: dict[str, str], year: int
) -> None:
    """The runner remembers rules by their declared fields: those must be all they read.

    Two records share every field a memoised rule declares and differ elsewhere; the
    second must get from the memo exactly what running every rule gives it.
    """
    from services.compactor.rules import rules_for
    from services.compactor.rules.base import RuleRunner
    from services.compactor.rules.layout_codes import code_lists, date_patterns

    rules = rules_for("11F").for_year(year)
    declared = {name for rule in rules.rules if rule.memo for name in rule.fields}
    mixed = {k: (first[k] if k in declared else second[k]) for k in first}
    dates, codes = date_patterns("11F", year), code_lists("11F", year)
    runner = RuleRunner(rules)
    runner.run(RecordContext(first, year, "11F", 1, dates, codes))
    other = RecordContext(mixed, year, "11F", 2, dates, codes)
    assert runner.run(other) == rules.run(other)
