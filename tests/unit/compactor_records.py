"""Clean 11F/11CF records built from SSB's layouts, for the compactor's rule tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from contracts.kostra import decode_record, encode_record, load_layout
from services.compactor.controls import Finding, QpRecord, RecipientRecord, RecordControl

Values = dict[str, str | int | date | None]
YEAR = 2025
VALID_MUNICIPALITIES = {"0301", "4601", "1103", "5001"}


def fnr(ddmmyy: str, start: int = 100) -> str:
    """A fødselsnummer with valid check digits for the date ``ddmmyy``."""
    w1, w2 = (3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    for individual in range(start, 1000):
        digits = [int(c) for c in f"{ddmmyy}{individual:03d}"]
        k1 = (11 - sum(d * w for d, w in zip(digits, w1, strict=True)) % 11) % 11
        if k1 == 10:
            continue
        k2 = (11 - sum(d * w for d, w in zip([*digits, k1], w2, strict=True)) % 11) % 11
        if k2 != 10:
            return f"{ddmmyy}{individual:03d}{k1}{k2}"
    raise ValueError(ddmmyy)


FNR_1990 = fnr("010190")  # individual 100–499 → born 1990
FNR_2010 = fnr("010110", 500)  # individual 500–999, yy ≤ 39 → born 2010


def duf(first_ten: str) -> str:
    weights = (4, 6, 3, 2, 4, 6, 3, 2, 7, 5)
    return f"{first_ten}{sum(int(c) * w for c, w in zip(first_ten, weights, strict=True)) % 11:02d}"


def recipient(**overrides: str | int | date | None) -> Values:
    """A clean 11F record (passes every rule) with ``overrides``."""
    values: Values = {
        "KOMMUNE_NR": "4601", "VERSION": "25", "BYDELSNR": "", "FODSELSDATO": date(1990, 1, 1),
        "PERSON_JOURNALNR": "J0000001", "PERSON_FODSELSNR": FNR_1990, "KJONN": "1",
        "EKTSTAT": "1", "BU18": "1", "ANTBU18": 2, "VKLO": "5", "TRYGDESIT": "12",
        "ARBSIT": "07", "STMND_1": "01", "STMND_2": "02", "BIDRAG": 9000, "LAAN": 1000,
        "BIDRAG_JAN": 5000, "BIDRAG_FEB": 4000, "LAAN_FEB": 1000, "GITT_OKONOMIRAD": "2",
        "FAAT_INDIVIDUELL_PLAN": "2", "SAKSBEHANDLER": "SB", "BOSIT": "1",
        "VILKARSOSLOV": "2", "VILKARSAMEKT": "2",
    }  # fmt: skip
    values.update(overrides)
    return values


def participant(**overrides: str | int | date | None) -> Values:
    """An 11CF record for duplicate and counting tests (its rules: test_rules_11cf)."""
    values: Values = {
        "KOMMUNE_NR": "4601", "VERSION": "25", "BYDELSNR": "", "FODSELSDATO": date(1990, 1, 1),
        "PERSON_JOURNALNR": "Q0000001", "PERSON_FODSELSNR": FNR_1990, "KJONN": "1",
        "EKTSTAT": "1", "BU18": "2", "STMND_1": "01", "KVP_STONAD": 19000, "STATUS": "1",
    }  # fmt: skip
    values.update(overrides)
    return values


def problem(code: str) -> str | None:
    return None if code in VALID_MUNICIPALITIES else f"kommunenummer {code} fins ikke i {YEAR}"


def line_of(form: str, values: Mapping[str, str | int | date | None], year: int = YEAR) -> str:
    return encode_record(load_layout(form, year), values)


def fields_of(form: str, line: str, year: int = YEAR) -> dict[str, str]:
    return decode_record(load_layout(form, year), line)


def control_all(
    form: str, records: list[Values], year: int = YEAR
) -> tuple[list[RecipientRecord | QpRecord | None], list[Finding]]:
    """Control ``records`` as one file, in order; the records to count and all findings."""
    control = RecordControl(form, year, municipality_problem=problem)
    kept: list[RecipientRecord | QpRecord | None] = []
    found: list[Finding] = []
    for number, values in enumerate(records, start=1):
        record, findings = control.control(
            fields_of(form, line_of(form, values, year), year), file=f"{form}.dat", line=number
        )
        kept.append(record)
        found += findings
    return kept, found


def rule_ids(form: str, values: Values, year: int = YEAR) -> set[str]:
    return {f.rule for f in control_all(form, [values], year)[1]}
