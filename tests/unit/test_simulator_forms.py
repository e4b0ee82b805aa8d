"""The generated 11F/11CF files: exact record length, every field valid, and the monthly
indicators recomputed from the decoded files (minus the tagged faults) equal truth.json."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from contracts.kostra import ENCODING, Layout, decode_record, load_layout
from contracts.personal_data import is_fodselsnummer
from contracts.registry import Registry
from contracts.rules import INDICATORS
from services.simulator import SimulationConfig, simulate
from services.simulator.forms import MONTH_SUFFIXES

SUFFIXES = MONTH_SUFFIXES  # the forms' month fields (JAN … DES)


@pytest.fixture(scope="module", params=[2024, 2026])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"sim{request.param}")
    simulate(SimulationConfig(request.param, 11, 0.015, "standard"), out)
    return out


def _truth(out: Path) -> dict[str, Any]:
    truth: dict[str, Any] = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    return truth


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return data.decode(ENCODING).split("\n")[:-1]


def _tags(out: Path, form: str) -> dict[int, str]:
    rows = [json.loads(x) for x in (out / "form_faults.jsonl").read_text().splitlines()]
    return {r["line"]: r["kind"] for r in rows if r["form"] == form}


def _birth_year(fields: dict[str, str]) -> int:
    if "FODSELSDATO" in fields:
        return datetime.strptime(fields["FODSELSDATO"], "%d%m%Y").year
    number = fields["PERSON_FODSELSNR"]
    yy, individual = int(number[4:6]), int(number[6:9])
    return 1900 + yy if individual < 500 else 2000 + yy


def _check_common(fields: dict[str, str], year: int, valid: set[str]) -> None:
    assert fields["KOMMUNE_NR"] in valid
    assert fields["VERSION"] == f"{year % 100:02d}"
    if fields["KOMMUNE_NR"] == "0301":
        assert fields["BYDELSNR"] in {f"{n:02d}" for n in range(1, 16)}
    else:
        assert fields["BYDELSNR"] == ""
    assert len(fields["PERSON_JOURNALNR"]) == 8 and fields["PERSON_JOURNALNR"].isdigit()
    number = fields["PERSON_FODSELSNR"]
    assert is_fodselsnummer(number)
    assert fields["KJONN"] == ("1" if int(number[8]) % 2 else "2")
    assert fields["EKTSTAT"] in set("12345")
    assert fields["BU18"] in {"1", "2"}
    assert (fields["ANTBU18"] == "") == (fields["BU18"] == "2")
    if "FODSELSDATO" in fields:
        born = datetime.strptime(fields["FODSELSDATO"], "%d%m%Y")
        assert (born.day, born.month + 80, born.year % 100) == (
            int(number[:2]),
            int(number[2:4]),
            int(number[4:6]),
        )
    assert 17 <= year - _birth_year(fields) <= 81


def _month_marked(fields: dict[str, str], m: int) -> bool:
    value = fields[f"STMND_{m}"]
    assert value in {"", f"{m:02d}"}
    return value != ""


def _checked_records(
    world: Path, form: str
) -> tuple[Layout, dict[int, str], list[tuple[int, dict[str, str]]]]:
    """The form's layout, its tags and its decoded lines (numbered from 1), each line
    checked for the record length and the fields every form has."""
    year = _truth(world)["year"]
    layout = load_layout(form, year)
    valid = {m.code for m in Registry.load().municipalities(f"{year}-01")}
    lines = _lines(world / f"{form}.dat")
    assert lines
    records = []
    for line_no, line in enumerate(lines, start=1):
        assert len(line) == layout.record_length
        fields = decode_record(layout, line)
        _check_common(fields, year, valid)
        records.append((line_no, fields))
    return layout, _tags(world, form), records


def test_every_11f_line_has_the_record_length_and_valid_fields(world: Path) -> None:
    _layout, tags, records = _checked_records(world, "11F")
    seen: set[tuple[str, str]] = set()
    for line_no, fields in records:
        assert fields["VKLO"] in set("123456789")
        bidrag = [int(fields[f"BIDRAG_{s}"] or 0) for s in SUFFIXES]
        laan = [int(fields[f"LAAN_{s}"] or 0) for s in SUFFIXES]
        marked = [_month_marked(fields, m) for m in range(1, 13)]
        sums_match = sum(bidrag) == int(fields["BIDRAG"]) and sum(laan) == int(fields["LAAN"])
        assert sums_match == (tags.get(line_no) != "sum_mismatch")
        assert (not any(marked)) == (tags.get(line_no) == "missing_months")
        key = (fields["KOMMUNE_NR"], fields["PERSON_FODSELSNR"])
        assert (key in seen) == (tags.get(line_no) == "duplicate_record")
        seen.add(key)
        if any(marked):
            assert all(b + la > 0 for b, la, mk in zip(bidrag, laan, marked, strict=True) if mk)
            assert all(
                b + la == 0 for b, la, mk in zip(bidrag, laan, marked, strict=True) if not mk
            )
    assert {"sum_mismatch", "missing_months", "duplicate_record"} <= set(tags.values())


def test_every_11cf_line_has_the_record_length_and_valid_fields(world: Path) -> None:
    layout, tags, records = _checked_records(world, "11CF")
    for line_no, fields in records:
        assert any(_month_marked(fields, m) for m in range(1, 13))
        assert fields["STATUS"] in set("1234567")
        assert (fields["STATUS"] == "1") == _month_marked(fields, 12)
        for name in ("REG_DATO", "VEDTAK_DATO", "BEGYNT_DATO"):
            pattern = "%d%m%Y" if layout.field(name).size == 8 else "%d%m%y"
            datetime.strptime(fields[name], pattern)
        tag = tags.get(line_no)
        assert tag in (None, "duplicate_record") or tag.startswith("rule_")


def _counted_records(out: Path, form: str, year: int) -> Iterator[dict[str, str]]:
    """The form's decoded lines that count (not a duplicate, not without months)."""
    layout = load_layout(form, year)
    tags = _tags(out, form)
    for line_no, line in enumerate(_lines(out / f"{form}.dat"), start=1):
        if tags.get(line_no) not in {"duplicate_record", "missing_months"}:
            yield decode_record(layout, line)


def _recompute(out: Path, year: int) -> dict[tuple[str, str], dict[str, dict[str, int]]]:
    """(municipality, bydelsnr) → period → indicators, from the decoded files only."""
    result: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(INDICATORS, 0))
    )
    for f in _counted_records(out, "11F", year):
        young = year - _birth_year(f) < 30
        for m in range(1, 13):
            if f[f"STMND_{m}"]:
                cell = result[f["KOMMUNE_NR"], f["BYDELSNR"]][f"{year}-{m:02d}"]
                cell["recipients"] += 1
                cell["recipients_with_children"] += f["BU18"] == "1"
                cell["recipients_main_livelihood"] += f["VKLO"] == "5"
                cell["recipients_under_30"] += young
                suffix = SUFFIXES[m - 1]
                cell["kroner_paid"] += int(f[f"BIDRAG_{suffix}"] or 0) + int(
                    f[f"LAAN_{suffix}"] or 0
                )
    for f in _counted_records(out, "11CF", year):
        for m in range(1, 13):
            if f[f"STMND_{m}"]:
                result[f["KOMMUNE_NR"], f["BYDELSNR"]][f"{year}-{m:02d}"]["qp_participants"] += 1
    return result


def test_indicators_recomputed_from_the_files_match_the_truth(world: Path) -> None:
    truth = _truth(world)
    year = truth["year"]
    recomputed = _recompute(world, year)
    periods = [f"{year}-{m:02d}" for m in range(1, 13)]
    zero = dict.fromkeys(INDICATORS, 0)
    by_municipality: dict[str, dict[str, dict[str, int]]] = {}
    for (municipality, bydel), months in recomputed.items():
        target = by_municipality.setdefault(municipality, {p: dict(zero) for p in periods})
        for p, values in months.items():
            for name in INDICATORS:
                target[p][name] += values[name]
        if bydel:
            district = truth["form_derived"]["district"][f"0301{bydel}"]
            assert all(district[p] == months.get(p, zero) for p in periods)
    derived = truth["form_derived"]["municipality"]
    for municipality, months in derived.items():
        expected = by_municipality.get(municipality, {p: zero for p in periods})
        assert months == expected, municipality
    # The monthly reports' final values are exact with respect to the same microdata.
    units = truth["units"]
    for key, months in units.items():
        unit_type, code = key.split(":")
        if unit_type == "municipality":
            for p, values in months.items():
                assert values == by_municipality.get(code, {}).get(p, zero), (key, p)
        elif unit_type == "district" and code.startswith("0301") and int(code[4:]) <= 15:
            for p, values in months.items():
                assert values == recomputed.get(("0301", code[4:]), {}).get(p, zero), (key, p)
