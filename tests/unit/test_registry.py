"""contracts.registry: structures, rejections, hierarchy, NAV office mapping, population."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.registry import (
    DATA_DIR,
    NAV_OFFICES_ENV,
    UNIT_TYPES,
    NavOfficeFileError,
    Registry,
    UnitRejected,
    UnitType,
)
from contracts.reports import Reason

BUNDLED = DATA_DIR / "nav_kontor_geografi_2020.csv"
HEADER = (
    "geografisk_tilknytning;kommunenummer_2020;kommunenavn_2020;kommunenummer_2024;"
    "enhetsnummer;enhetsnavn;merknad\n"
)


def bundled() -> Registry:
    return Registry.load(nav_offices=BUNDLED)


def rejection(unit_type: str, code: str, period: str) -> UnitRejected:
    with pytest.raises(UnitRejected) as caught:
        bundled().check_unit(unit_type, code, period)
    return caught.value


def test_load_is_cached_per_file() -> None:
    assert Registry.load(nav_offices=BUNDLED) is Registry.load(nav_offices=BUNDLED)


def test_municipality_counts_per_structure() -> None:
    r = bundled()
    assert len(r.municipalities("2024-06")) == 357
    assert len(r.municipalities("2023-06")) == 356
    assert len(r.municipalities("2020-01")) == 356
    assert len(r.municipalities("2030-12")) == 357
    assert r.expected_units("2024-06", "municipality") == [
        m.code for m in r.municipalities("2024-06")
    ]


def test_counties_per_structure() -> None:
    r = bundled()
    assert r.expected_units("2023-12", "county") == [
        "03", "11", "15", "18", "30", "34", "38", "42", "46", "50", "54",
    ]  # fmt: skip
    counties_2024 = r.expected_units("2024-01", "county")
    assert len(counties_2024) == 15
    assert {"31", "32", "33", "39", "40", "55", "56"} <= set(counties_2024)
    assert "30" not in counties_2024


def test_renumbered_municipality_is_retired_with_its_new_code() -> None:
    r = bundled()
    assert r.is_valid("municipality", "3001", "2023-06")
    assert not r.is_valid("municipality", "3001", "2024-06")
    e = rejection("municipality", "3001", "2024-06")
    assert e.reason == Reason.RETIRED_UNIT
    assert "3001" in e.message and "2024-06" in e.message and "3101" in e.message


def test_new_code_before_2024_names_the_old_code() -> None:
    e = rejection("municipality", "3101", "2023-06")
    assert e.reason == Reason.RETIRED_UNIT
    assert "before 2024" in e.message and "use 3001" in e.message


def test_split_municipality() -> None:
    r = bundled()
    assert r.successors("1507") == ["1508", "1580"]
    assert r.predecessors("1580") == ["1507"]
    e = rejection("municipality", "1507", "2024-01")
    assert e.reason == Reason.RETIRED_UNIT
    assert "split into 1508 Ålesund and 1580 Haram" in e.message
    assert "use 1507" in rejection("municipality", "1508", "2023-12").message


def test_unchanged_code_is_its_own_successor_and_valid_in_both() -> None:
    r = bundled()
    assert r.successors("0301") == ["0301"]
    assert r.successors("9999") == []
    assert r.is_valid("municipality", "0301", "2020-01")
    assert r.is_valid("municipality", "0301", "2030-12")


@pytest.mark.parametrize(
    ("unit_type", "code"),
    [("municipality", "9999"), ("municipality", "301"), ("district", "030199"),
     ("nav_office", "9998"), ("kommune", "0301")],
)  # fmt: skip
def test_unknown_units(unit_type: str, code: str) -> None:
    e = rejection(unit_type, code, "2024-06")
    assert e.reason == Reason.UNKNOWN_UNIT
    assert code in e.message or unit_type in e.message


def test_unsupported_period_is_a_value_error() -> None:
    r = bundled()
    for period in ("2019-12", "2031-01", "2024-13", "2024-6", "24-06"):
        with pytest.raises(ValueError):
            r.municipalities(period)
        assert not r.is_valid("municipality", "0301", period)


@pytest.mark.parametrize("period", ["2023-06", "2024-06"])
def test_every_municipality_has_county_kostra_group_and_nav_office(period: str) -> None:
    r = bundled()
    counties = set(r.expected_units(period, "county"))
    for m in r.municipalities(period):
        assert r.county_of(m.code, period) == m.county in counties
        assert r.kostra_group_of(m.code, period) is not None, m.code
        office = r.nav_office_of("municipality", m.code, period)
        if office is None:
            # documented exception: the four big cities are served per district
            assert m.code in {"0301", "1103", "4601", "5001"}
            offices = {
                r.nav_office_of("district", d.code, period)
                for d in r.districts(period)
                if d.municipality == m.code
            }
            assert offices - {None}, m.code
        else:
            assert ("municipality", m.code) in r.areas_of_office(office, period)


def test_kostra_group_of_old_codes_follows_the_crosswalk() -> None:
    r = bundled()
    assert r.kostra_group_of("3001", "2022-01") == r.kostra_group_of("3101", "2024-01")
    assert r.kostra_group_of("1507", "2022-01") == r.kostra_group_of("1508", "2024-01")
    assert r.kostra_group_of("0301", "2024-01") == "EKG13"


@pytest.mark.parametrize("period", ["2021-03", "2025-03"])
def test_districts_roll_up_to_their_municipality(period: str) -> None:
    r = bundled()
    districts = r.districts(period)
    assert len(districts) == 38
    for d in districts:
        assert r.municipality_of_district(d.code) == d.municipality
        rollups = r.rollups_of("district", d.code, period)
        assert rollups[0] == ("municipality", d.municipality)
        assert r.is_valid("municipality", d.municipality, period)
        county = r.county_of(d.municipality, period)
        assert ("county", county) in rollups
    assert r.nav_office_of("district", "030101", period) == "0316"
    assert r.nav_office_of("district", "030117", period) is None  # Marka


def test_municipality_and_office_rollups() -> None:
    r = bundled()
    assert r.rollups_of("municipality", "3001", "2023-05") == [
        ("county", "30"), ("kostra_group", r.kostra_group_of("3001", "2023-05")),
        ("nation", "0"), ("nav_office", "0101"),
    ]  # fmt: skip
    assert ("county", "31") in r.rollups_of("municipality", "3101", "2024-05")
    assert r.rollups_of("nav_office", "0101", "2024-05") == []


def test_bundled_area_file_agrees_with_the_office_file() -> None:
    r = bundled()
    with (DATA_DIR / "nav_kontor_2020.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert r.expected_units("2023-01", "nav_office") == sorted(x["enhetsnummer"] for x in rows)
    assert r.expected_units("2024-01", "nav_office") == sorted(x["enhetsnummer"] for x in rows)
    for row in rows:
        for period, column in (
            ("2023-01", "kommunenummer_2020"),
            ("2024-01", "kommunenummer_2024"),
        ):
            areas = set(r.areas_of_office(row["enhetsnummer"], period))
            districts = {("district", c) for c in row["bydeler"].split("|") if c}
            municipalities = {("municipality", c) for c in row[column].split("|") if c}
            assert areas in (districts, municipalities), row["enhetsnummer"]


def write_nav_file(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_replacement_nav_office_file_changes_nav_office_of(tmp_path: Path) -> None:
    path = write_nav_file(
        tmp_path / "offices.csv",
        [
            "3001;3001;Halden;3101;0777;NAV Østfold sør;",
            "1507;1507;Ålesund;1508|1580;1504;NAV Ålesund;",
            "1580;;;;1590;NAV Haram;",
            "030101;0301;Oslo;0301;0316;NAV Gamle Oslo;",
        ],
    )
    r = Registry.load(nav_offices=path)
    assert bundled().nav_office_of("municipality", "3101", "2024-06") == "0101"
    assert r.nav_office_of("municipality", "3101", "2024-06") == "0777"
    assert r.nav_office_of("municipality", "3001", "2023-06") == "0777"
    assert r.nav_office_of("municipality", "1580", "2024-06") == "1590"
    assert r.nav_office_of("municipality", "1508", "2024-06") == "1504"
    assert r.nav_office_of("municipality", "1507", "2023-06") == "1504"
    assert r.nav_office_of("municipality", "0301", "2024-06") is None
    assert r.expected_units("2024-06", "nav_office") == ["0316", "0777", "1504", "1590"]
    assert r.expected_units("2023-06", "nav_office") == ["0316", "0777", "1504"]
    r.check_unit("nav_office", "1590", "2024-06")
    assert rejection_in(r, "nav_office", "1590", "2023-06").reason == Reason.RETIRED_UNIT
    assert rejection_in(r, "nav_office", "0101", "2023-06").reason == Reason.UNKNOWN_UNIT
    assert r.areas_of_office("0777", "2024-06") == [("municipality", "3101")]


def rejection_in(r: Registry, unit_type: str, code: str, period: str) -> UnitRejected:
    with pytest.raises(UnitRejected) as caught:
        r.check_unit(unit_type, code, period)
    return caught.value


def test_nav_office_file_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_nav_file(tmp_path / "env.csv", ["4601;4601;Bergen;4601;1299;NAV Bergen;"])
    monkeypatch.setenv(NAV_OFFICES_ENV, str(path))
    r = Registry.load()
    assert r.nav_offices_source == path.resolve()
    assert r.nav_office_of("municipality", "4601", "2025-01") == "1299"
    assert [o.name for o in r.nav_offices("2025-01")] == ["NAV Bergen"]


@pytest.mark.parametrize(
    ("row", "complaint"),
    [("9999;;;;0101;NAV X;", "9999"), ("0301;;;;12;NAV X;", "enhetsnummer"),
     ("030199;;;;0101;NAV X;", "030199"), ("3001;;;3999;0101;NAV X;", "3999")],
)  # fmt: skip
def test_bad_nav_office_file_is_refused(tmp_path: Path, row: str, complaint: str) -> None:
    path = write_nav_file(tmp_path / "bad.csv", [row])
    with pytest.raises(NavOfficeFileError, match=complaint):
        Registry.load(nav_offices=path)


def test_nav_office_file_without_required_column(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("geografisk_tilknytning;enhetsnummer\n0301;0316\n", encoding="utf-8")
    with pytest.raises(NavOfficeFileError, match="enhetsnavn"):
        Registry.load(nav_offices=path)


def test_population() -> None:
    r = bundled()
    haram, alesund = (
        r.population("municipality", "1580", 2024),
        r.population("municipality", "1508", 2024),
    )
    assert haram == 9357 and alesund == 58509
    assert r.population("municipality", "1507", 2022) == haram + alesund
    assert r.population("municipality", "0301", 2025) == 724290
    assert r.population("municipality", "0301", 2030) == 724290
    assert r.population("municipality", "0301", 2020) == 717710
    assert r.population("municipality", "9999", 2024) is None
    assert r.population("district", "030101", 2025) == 64554
    for period, year in (("2023-01", 2023), ("2024-01", 2024), ("2025-01", 2025)):
        nation = r.population("nation", "0", year)
        assert nation is not None and nation > 5_000_000
        for level in ("county", "kostra_group", "municipality"):
            parts = [r.population(level, c, year) for c in r.expected_units(period, level)]
            assert sum(p or 0 for p in parts) == nation, (level, year)
    viken = [r.population("county", c, 2024) or 0 for c in ("31", "32", "33")]
    assert r.population("county", "30", 2023) == sum(viken)  # Viken became 31/32/33
    oslo = [d for d in r.expected_units("2024-01", "district") if d.startswith("0301")]
    offices = {o for d in oslo if (o := r.nav_office_of("district", d, "2024-01")) is not None}
    served = [r.population("district", d, 2024) or 0 for d in oslo if d != "030117"]
    assert sum(r.population("nav_office", o, 2024) or 0 for o in offices) == sum(served)
    assert r.population("nav_office", "0101", 2023) == sum(
        r.population("municipality", c, 2023) or 0 for c in ("3001", "3012")
    )


PERIODS = st.builds(
    "{}-{:02d}".format, st.integers(min_value=2020, max_value=2030), st.integers(1, 12)
)


def assert_rolls_up_to_one_county_and_the_nation(
    r: Registry, unit_type: UnitType, code: str, period: str
) -> None:
    assert r.is_valid(unit_type, code, period)
    rollups = r.rollups_of(unit_type, code, period)
    if unit_type == "nav_office":
        assert rollups == []
        return
    assert [lvl for lvl, _ in rollups].count("county") == 1
    assert rollups.count(("nation", "0")) == 1
    assert len(set(rollups)) == len(rollups)
    for lvl, rollup_code in rollups:
        assert rollup_code in r.expected_units(period, lvl)


@given(period=PERIODS, data=st.data())
def test_every_valid_unit_rolls_up_to_one_county_and_the_nation(
    period: str, data: st.DataObject
) -> None:
    r = bundled()
    unit_type = data.draw(st.sampled_from(UNIT_TYPES))
    code = data.draw(st.sampled_from(r.expected_units(period, unit_type)))
    assert_rolls_up_to_one_county_and_the_nation(r, unit_type, code, period)


@pytest.mark.parametrize("period", ["2023-12", "2024-01"])
def test_all_units_roll_up_to_one_county_and_the_nation(period: str) -> None:
    r = bundled()
    for unit_type in UNIT_TYPES:
        for code in r.expected_units(period, unit_type):
            assert_rolls_up_to_one_county_and_the_nation(r, unit_type, code, period)


KNOWN_CODES = sorted(
    set(bundled().expected_units("2023-01", "municipality"))
    | set(bundled().expected_units("2024-01", "municipality"))
)


@given(period=PERIODS, code=st.sampled_from(KNOWN_CODES) | st.from_regex(r"\A[0-9]{4}\Z"))
def test_a_municipality_code_is_valid_iff_listed_and_else_rejected_with_a_reason(
    period: str, code: str
) -> None:
    r = bundled()
    listed = code in r.expected_units(period, "municipality")
    assert r.is_valid("municipality", code, period) == listed
    if not listed:
        e = rejection("municipality", code, period)
        in_other_structure = code in KNOWN_CODES
        assert e.reason == (Reason.RETIRED_UNIT if in_other_structure else Reason.UNKNOWN_UNIT)
        assert code in e.message
