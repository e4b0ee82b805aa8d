"""Every 11F rule (and the rules common to both forms): one failing and one passing record.

Cases follow each rule's definition in SSB's validator and its unit tests; a record that
passes is the clean record with the same fields changed to an accepted value.
"""

from __future__ import annotations

from datetime import date

import pytest
from compactor_records import (
    FNR_1990,
    FNR_2010,
    Values,
    duf,
    fields_of,
    fnr,
    line_of,
    participant,
    recipient,
    rule_ids,
)

from contracts.kostra import load_layout
from services.compactor.controls import RecipientRecord, RecordControl, Severity
from services.compactor.rules import rules_for

FNR_1920 = fnr("010120")  # 105 år i 2025
FNR_1970 = fnr("010170")  # 55 år

# rule id: (overrides that break it, overrides that satisfy it)
CASES: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "002": ({"KJONN": "3"}, {"KJONN": "2"}),
    "003K": ({"KOMMUNE_NR": "9999"}, {"KOMMUNE_NR": "1103"}),
    "003B": ({"KOMMUNE_NR": "0301", "BYDELSNR": "16"}, {"KOMMUNE_NR": "0301", "BYDELSNR": "15"}),
    "004": ({"VERSION": "25"}, {"VERSION": "26"}),
    "004A": ({"FODSELSDATO": "32011990"}, {"FODSELSDATO": "31011990"}),
    "005": ({"PERSON_FODSELSNR": FNR_1990[:10] + str((int(FNR_1990[10]) + 1) % 10)},
            {"PERSON_FODSELSNR": "01019000100"}),
    "006": ({"PERSON_FODSELSNR": FNR_2010}, {"PERSON_FODSELSNR": FNR_1990}),
    "007": ({"PERSON_FODSELSNR": FNR_1920}, {"PERSON_FODSELSNR": FNR_1970}),
    "008": ({"KJONN": " "}, {"KJONN": "2"}),
    "009": ({"EKTSTAT": "0"}, {"EKTSTAT": "5"}),
    "010": ({"BU18": "3", "ANTBU18": None}, {"BU18": "2", "ANTBU18": None}),
    "011": ({"BU18": "1", "ANTBU18": None}, {"BU18": "1", "ANTBU18": 1}),
    "012": ({"BU18": "2", "ANTBU18": 1}, {"BU18": "2", "ANTBU18": None}),
    "013": ({"ANTBU18": 14}, {"ANTBU18": 13}),
    "014": ({"VKLO": "0"}, {"VKLO": "9", "ARBSIT": "04"}),
    "015": ({"VKLO": "1", "ARBSIT": "03"}, {"VKLO": "1", "ARBSIT": "02"}),
    "016": ({"VKLO": "2", "ARBSIT": "01"}, {"VKLO": "2", "ARBSIT": "06"}),
    "017": ({"VKLO": "4", "ARBSIT": "01"}, {"VKLO": "4", "ARBSIT": "03"}),
    "018": ({"VKLO": "6", "ARBSIT": "01"}, {"VKLO": "6", "ARBSIT": "09"}),
    "019": ({"VKLO": "8", "ARBSIT": "01"}, {"VKLO": "8", "ARBSIT": "10"}),
    "020B": ({"VKLO": "3", "TRYGDESIT": "12"}, {"VKLO": "3", "TRYGDESIT": "01"}),
    "021": ({"VKLO": "5", "ARBSIT": "01"}, {"VKLO": "5", "ARBSIT": "08"}),
    "022": ({"TRYGDESIT": "03"}, {"TRYGDESIT": "02"}),
    "023A": ({"TRYGDESIT": "07", "ARBSIT": "04"},
             {"TRYGDESIT": "07", "ARBSIT": "04", "PERSON_FODSELSNR": FNR_1920}),
    "023B": ({"TRYGDESIT": "05", "BU18": "2", "ANTBU18": None}, {"TRYGDESIT": "05"}),
    "023C": ({"TRYGDESIT": "13", "BU18": "2", "ANTBU18": None}, {"TRYGDESIT": "13"}),
    "024": ({"TRYGDESIT": "04", "ARBSIT": "01"}, {"TRYGDESIT": "04", "ARBSIT": "04"}),
    "024B": ({"VKLO": "3", "TRYGDESIT": "11", "ARBSIT": "08"},
             {"VKLO": "3", "TRYGDESIT": "11", "ARBSIT": "07"}),
    "025": ({"ARBSIT": "11"}, {"ARBSIT": "08"}),
    "026": ({"STMND_1": None, "STMND_2": "03"}, {"STMND_1": None, "STMND_2": "02"}),
    "027": ({"BIDRAG": None, "LAAN": None, "BIDRAG_JAN": None, "BIDRAG_FEB": None,
             "LAAN_FEB": None}, {"LAAN": 1000, "BIDRAG": None, "BIDRAG_JAN": None,
                                 "BIDRAG_FEB": None}),
    "030": ({"BIDRAG": 1_000_000, "BIDRAG_JAN": 996_000},
            {"BIDRAG": 999_000, "BIDRAG_JAN": 995_000}),
    "031": ({"BIDRAG": 200, "LAAN": None, "BIDRAG_JAN": 200, "BIDRAG_FEB": None,
             "LAAN_FEB": None},
            {"BIDRAG": 201, "LAAN": None, "BIDRAG_JAN": 201, "BIDRAG_FEB": None,
             "LAAN_FEB": None}),
    "032": ({"GITT_OKONOMIRAD": "3"}, {"GITT_OKONOMIRAD": "1"}),
    "033": ({"FAAT_INDIVIDUELL_PLAN": " "}, {"FAAT_INDIVIDUELL_PLAN": "1"}),
    "035": ({"BOSIT": "9"}, {"BOSIT": "2"}),
    "036": ({"BIDRAG": 9001}, {"BIDRAG": 9000}),
    "037": ({"LAAN_FEB": 999}, {"LAAN_FEB": 1000}),
    "038": ({"PERSON_FODSELSNR": None, "PERSON_DUF": "123456789012"},
            {"PERSON_FODSELSNR": None, "PERSON_DUF": duf("1234567890")}),
    "039": ({"VILKARSOSLOV": "3"}, {"VILKARSOSLOV": "2"}),
    "040": ({"VILKARSAMEKT": "4"}, {"VILKARSAMEKT": "1"}),
    "041": ({"VILKARSOSLOV": "1", "VILKARARBEID": "1", "UTBETTOMDATO": date(2025, 12, 31)},
            {"VILKARSOSLOV": "1", "VILKARARBEID": "1", "UTBETDATO": date(2025, 1, 1),
             "UTBETTOMDATO": date(2025, 12, 31)}),
    "042": ({"VILKARSOSLOV": "1", "VILKARARBEID": "1", "UTBETDATO": date(2025, 1, 1)},
            {"VILKARSOSLOV": "1", "VILKARARBEID": "1", "UTBETDATO": date(2025, 1, 1),
             "UTBETTOMDATO": date(2025, 12, 31)}),
    "043": ({"VILKARSOSLOV": "1", "UTBETDATO": date(2025, 1, 1),
             "UTBETTOMDATO": date(2025, 12, 31)},
            {"VILKARSOSLOV": "1", "VILKARHELSE": "14", "UTBETDATO": date(2025, 1, 1),
             "UTBETTOMDATO": date(2025, 12, 31)}),
}  # fmt: skip
CROSS_RECORD = {"000", "001", "005A", "005B"}  # tested in test_compactor_counting


NEWEST = 2026  # SSB's newest validator: all 48 rules of 11F


def record(year: int = NEWEST, **overrides: object) -> Values:
    values = recipient(**{"VERSION": f"{year % 100}", **overrides})  # type: ignore[arg-type]
    if year == 2024:
        del values["FODSELSDATO"]
    return values


def test_a_clean_record_passes_every_rule() -> None:
    assert rule_ids("11F", record(), NEWEST) == set()


def test_every_11f_record_rule_has_a_case() -> None:
    assert set(rules_for("11F").for_year(NEWEST).ids) == set(CASES) | CROSS_RECORD
    assert len(rules_for("11F").for_year(NEWEST).ids) == 48


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fails_and_passes(rule: str) -> None:
    failing, passing = CASES[rule]
    assert rule in rule_ids("11F", record(**failing), NEWEST)
    assert rule not in rule_ids("11F", record(**passing), NEWEST)


# the rules of the validators SSB released for reporting years 2024 and 2025
OLDER: list[tuple[int, str, dict[str, object], dict[str, object]]] = [
    (2025, "020A", {"VKLO": "5", "TRYGDESIT": "11"}, {"VKLO": "5", "TRYGDESIT": "12"}),
    (2024, "020A", {"VKLO": "1", "ARBSIT": "01", "TRYGDESIT": "01"},
     {"VKLO": "3", "TRYGDESIT": "01", "ARBSIT": "04"}),
    (2025, "022", {"TRYGDESIT": "07", "ARBSIT": "04", "VKLO": "3"},
     {"TRYGDESIT": "07", "ARBSIT": "04", "VKLO": "3", "PERSON_FODSELSNR": fnr("010164")}),
    (2025, "023", {"TRYGDESIT": "05", "BU18": "2", "ANTBU18": None}, {"TRYGDESIT": "05"}),
    (2025, "023B", {"TRYGDESIT": "13", "BU18": "2", "ANTBU18": None}, {"TRYGDESIT": "13"}),
    (2024, "007", {"PERSON_FODSELSNR": fnr("010155")}, {"PERSON_FODSELSNR": fnr("010157")}),
    (2025, "007", {"PERSON_FODSELSNR": FNR_1920}, {"PERSON_FODSELSNR": fnr("010155")}),
    (2024, "030", {"BIDRAG": 600_000, "BIDRAG_JAN": 596_000, "LAAN": 0, "LAAN_FEB": None},
     {"BIDRAG": 599_999, "BIDRAG_JAN": 595_999, "LAAN": 0, "LAAN_FEB": None}),
    (2025, "006", {"PERSON_FODSELSNR": FNR_2010}, {"PERSON_FODSELSNR": None,
                                                   "PERSON_DUF": duf("1234567890")}),
]  # fmt: skip


@pytest.mark.parametrize(("year", "rule", "failing", "passing"), OLDER)
def test_older_years_rules(
    year: int, rule: str, failing: dict[str, object], passing: dict[str, object]
) -> None:
    base = {"TRYGDESIT": "12"}
    assert rule in rule_ids("11F", record(year, **{**base, **failing}), year)
    assert rule not in rule_ids("11F", record(year, **{**base, **passing}), year)


@pytest.mark.parametrize(
    ("year", "count", "absent"),
    [(2024, 45, {"002", "004A", "023A", "023B", "023C"}), (2025, 47, {"002", "023A", "023C"})],
)
def test_older_years_rule_sets(year: int, count: int, absent: set[str]) -> None:
    ids = rules_for("11F").for_year(year).ids
    assert len(ids) == count and not absent & set(ids)


@pytest.mark.parametrize(
    ("rule", "severity"),
    [("003K", "ERROR"), ("003B", "ERROR"), ("004A", "ERROR"), ("006", "WARNING"),
     ("007", "WARNING"), ("021", "WARNING"), ("024", "WARNING"), ("030", "WARNING"),
     ("031", "WARNING"), ("036", "WARNING"), ("037", "WARNING"), ("038", "WARNING"),
     ("005A", "ERROR"), ("005B", "ERROR"), ("000", "FATAL"), ("001", "FATAL"), ("002", "ERROR")],
)  # fmt: skip
def test_severities_are_ssbs(rule: str, severity: str) -> None:
    assert rules_for("11F").rule(rule).severity is Severity(severity)


@pytest.mark.parametrize("year", [2024, 2025])
def test_older_years_clean_record(year: int) -> None:
    assert rule_ids("11F", record(year, TRYGDESIT="12"), year) == set()


def test_amount_with_underscore_is_not_a_number() -> None:
    """Bug 3: ``int("12_000")`` is 12000 in Python; SSB reads it as not a number."""
    values = record(BIDRAG=12000, LAAN=0, LAAN_FEB=None, BIDRAG_JAN=12000, BIDRAG_FEB=None)
    assert rule_ids("11F", values, NEWEST) == set()
    layout = load_layout("11F", NEWEST)
    where = layout.field("BIDRAG").slice
    line = line_of("11F", values, NEWEST)
    line = line[: where.start] + "12_000".rjust(where.stop - where.start) + line[where.stop :]
    control = RecordControl("11F", NEWEST)
    counted, findings = control.control(fields_of("11F", line, NEWEST), file="f", line=1)
    assert {f.rule for f in findings} >= {"002", "027", "036"}
    assert isinstance(counted, RecipientRecord) and counted.yearly_kroner == 0


def test_common_rules_apply_to_11cf_too() -> None:
    found = rule_ids("11CF", participant(KJONN="7", VERSION="24", ANTBU18=15))
    assert {"008", "004", "013", "012"} <= found
