"""Derivation of monthly indicators from form records and reconciliation with the stream."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from services.compactor.config import INDICATORS, CompactorSettings
from services.compactor.controls import QpRecord, RecipientRecord
from services.compactor.derive import FormDerivation, UnitFigures, UnitKey
from services.compactor.pipeline import CompactionInputs
from services.compactor.reconcile import (
    Status,
    check_accounts,
    classify,
    effective_stream,
    reconcile_units,
)
from services.compactor.sealing import reconciled_value, sealed_units

TOLERANCES = CompactorSettings().tolerances()


def recipient(
    municipality: str = "4601",
    district: str | None = None,
    months: tuple[int, ...] = (1,),
    kroner: int = 1000,
    under_30: bool = False,
    children: bool = False,
    main: bool = False,
) -> RecipientRecord:
    marked = tuple(m in months for m in range(1, 13))
    return RecipientRecord(
        municipality=municipality,
        district=district,
        months=marked,
        under_30=under_30,
        with_children=children,
        main_livelihood=main,
        monthly_kroner=tuple(kroner if m else 0 for m in marked),
        yearly_kroner=kroner * len(months),
        negative_amounts=0,
    )


def test_derivation_counts_each_indicator() -> None:
    derivation = FormDerivation()
    derivation.add_recipient(recipient(months=(1, 2), under_30=True, children=True))
    derivation.add_recipient(recipient(months=(2,), main=True, kroner=500))
    derivation.add_participant(QpRecord("4601", None, tuple(m == 2 for m in range(1, 13)), 0))
    unit = derivation.figures()[("municipality", "4601")]
    assert unit.monthly["recipients"][:3] == [1, 2, 0]
    assert unit.monthly["recipients_under_30"][:3] == [1, 1, 0]
    assert unit.monthly["recipients_with_children"][:2] == [1, 1]
    assert unit.monthly["recipients_main_livelihood"][:2] == [0, 1]
    assert unit.monthly["kroner_paid"][:2] == [1000, 1500]
    assert unit.monthly["qp_participants"][:2] == [0, 1]
    assert unit.kroner_total == 2500


def test_oslo_records_count_for_district_and_city() -> None:
    derivation = FormDerivation()
    derivation.add_recipient(recipient("0301", "030101"))
    derivation.add_recipient(recipient("0301", "030102"))
    figures = derivation.figures()
    assert figures[("district", "030101")].value("recipients", 1) == 1
    assert figures[("municipality", "0301")].value("recipients", 1) == 2


records = st.builds(
    recipient,
    municipality=st.just("0301"),
    district=st.sampled_from(["030101", "030102", "030115"]),
    months=st.sets(st.integers(1, 12), min_size=1).map(tuple),
    kroner=st.integers(0, 50_000),
    under_30=st.booleans(),
    children=st.booleans(),
    main=st.booleans(),
)


def stream_from(
    figures: dict[UnitKey, UnitFigures],
) -> dict[UnitKey, dict[int, dict[str, int | None]]]:
    return {
        unit: {m: {name: f.value(name, m) for name in INDICATORS} for m in range(1, 13)}
        for unit, f in figures.items()
    }


@given(st.lists(records, max_size=40))
def test_districts_sum_to_the_city(batch: list[RecipientRecord]) -> None:
    derivation = FormDerivation()
    for record in batch:
        derivation.add_recipient(record)
    figures = derivation.figures()
    for name in INDICATORS:
        for month in range(1, 13):
            districts = sum(
                f.value(name, month) for (kind, _), f in figures.items() if kind == "district"
            )
            city = figures.get(("municipality", "0301"))
            assert districts == (city.value(name, month) if city else 0)


@given(st.lists(records, min_size=1, max_size=40))
def test_a_stream_equal_to_the_forms_matches_everywhere(batch: list[RecipientRecord]) -> None:
    derivation = FormDerivation()
    for record in batch:
        derivation.add_recipient(record)
    figures = derivation.figures()
    districts_only = {u: m for u, m in stream_from(figures).items() if u[0] == "district"}
    for facts in (stream_from(figures), districts_only):
        rows = reconcile_units(figures, facts, TOLERANCES)
        assert rows and {row.status for row in rows} == {Status.MATCH}


def test_classify() -> None:
    assert classify(10, 10, 0.0) is Status.MATCH
    assert classify(11, 10, 0.0) is Status.DEVIATION
    assert classify(11, 10, 0.1) is Status.WITHIN_TOLERANCE
    assert classify(12, 10, 0.1) is Status.DEVIATION
    assert classify(None, 5, 0.0) is Status.MISSING_IN_STREAM
    assert classify(None, 0, 0.0) is None
    assert classify(5, None, 0.0) is Status.MISSING_IN_FORMS
    assert classify(3, 0, 0.5) is Status.DEVIATION


def forms_of(*batch: RecipientRecord) -> dict[UnitKey, UnitFigures]:
    derivation = FormDerivation()
    for record in batch:
        derivation.add_recipient(record)
    return derivation.figures()


def test_statuses_per_unit_month_and_indicator() -> None:
    forms = forms_of(
        recipient(months=(1, 2), children=True),
        recipient(months=(1, 2), kroner=700),
        *[recipient("1103", months=(1,), children=True) for _ in range(10)],
    )
    facts = {
        ("municipality", "4601"): {
            1: {**dict.fromkeys(INDICATORS, 0), "recipients": 2, "recipients_with_children": 1,
                "kroner_paid": 1700},
        },
        ("municipality", "1103"): {
            1: {**dict.fromkeys(INDICATORS, 0), "recipients": 10, "recipients_with_children": 11,
                "kroner_paid": 10_001},
        },
        ("municipality", "5001"): {1: {**dict.fromkeys(INDICATORS, 0), "recipients": 4}},
    }  # fmt: skip
    rows = {
        (r.unit_code, r.month, r.indicator): r for r in reconcile_units(forms, facts, TOLERANCES)
    }
    assert rows[("4601", 1, "recipients")].status is Status.MATCH
    assert rows[("4601", 1, "kroner_paid")].status is Status.MATCH
    assert rows[("4601", 2, "recipients")].status is Status.MISSING_IN_STREAM
    assert rows[("1103", 1, "recipients_with_children")].status is Status.WITHIN_TOLERANCE
    kroner = rows[("1103", 1, "kroner_paid")]
    assert kroner.status is Status.DEVIATION and kroner.difference == 1
    assert kroner.exact and not rows[("1103", 1, "recipients_with_children")].exact
    assert rows[("5001", 1, "recipients")].status is Status.MISSING_IN_FORMS


def test_districts_of_a_city_reporting_as_a_whole_are_compared_at_city_level() -> None:
    forms = forms_of(recipient("0301", "030101"), recipient("0301", "030102"))
    whole = {("municipality", "0301"): {1: {**dict.fromkeys(INDICATORS, 0), "recipients": 2,
                                           "kroner_paid": 2000}}}  # fmt: skip
    rows = reconcile_units(forms, whole, TOLERANCES)
    assert {r.unit_type for r in rows} == {"municipality"}
    assert all(r.status is Status.MATCH for r in rows)
    by_district = {("district", "030101"): whole[("municipality", "0301")]}
    stream, _ = effective_stream(by_district)
    assert stream[("municipality", "0301")][1]["recipients"] == 2
    statuses = {
        (r.unit_type, r.unit_code): r.status
        for r in reconcile_units(forms, by_district, TOLERANCES)
        if r.indicator == "recipients" and r.month == 1
    }
    assert statuses[("district", "030101")] is Status.DEVIATION
    assert statuses[("district", "030102")] is Status.MISSING_IN_STREAM


def test_accounts_three_way_check_flags_over_20_percent() -> None:
    forms = forms_of(recipient(kroner=100_000), recipient("1103", kroner=100_000))
    facts = {
        ("municipality", "4601"): {1: {"kroner_paid": 100_000}},
        ("municipality", "1103"): {1: {"kroner_paid": 100_000}},
    }
    rows = {
        r.municipality: r
        for r in check_accounts(forms, facts, {"4601": 119_000, "1103": 70_000}, 0.20)
    }
    assert rows["4601"].flags == () and rows["4601"].status == "ok"
    assert "forms_vs_accounts_over_threshold" in rows["1103"].flags
    assert "stream_vs_accounts_over_threshold" in rows["1103"].flags
    assert rows["1103"].form_vs_accounts is not None
    missing = check_accounts(forms, {}, {}, 0.20)[0]
    assert set(missing.flags) == {"missing_stream", "missing_accounts"}


def test_sealed_records_take_forms_for_exact_and_stream_for_estimates() -> None:
    assert reconciled_value("recipients", 9, 10) == 10
    assert reconciled_value("recipients_with_children", 9, 10) == 9
    assert reconciled_value("recipients", 9, None) == 9
    forms = forms_of(recipient(months=(1,)))
    rows = reconcile_units(forms, {}, TOLERANCES)
    units = sealed_units(2025, "d" * 64, rows, check_accounts(forms, {}, {}, 0.2))
    again = sealed_units(2025, "d" * 64, rows, check_accounts(forms, {}, {}, 0.2))
    assert [u.key for u in units] == ["municipality:4601:2025"]
    assert units[0].value() == again[0].value()
    assert units[0].problems == sum(1 for r in rows if r.status is Status.MISSING_IN_STREAM)


def test_input_digest_ignores_names_and_follows_content(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "4601.dat").write_text("x")
    (tmp_path / "b.dat").write_text("x")
    (tmp_path / "c.dat").write_text("y")
    folder = CompactionInputs(2025, tmp_path / "a", tmp_path / "c.dat")
    file = CompactionInputs(2025, tmp_path / "b.dat", tmp_path / "c.dat")
    other = CompactionInputs(2025, tmp_path / "c.dat", tmp_path / "c.dat")
    assert folder.digest() == file.digest() != other.digest()
    assert CompactionInputs(2026, tmp_path / "b.dat", tmp_path / "c.dat").digest() != file.digest()


def test_districts_without_form_districts_count_only_in_their_city() -> None:
    forms = forms_of(recipient("4601"), recipient("4601"))
    facts = {("district", "460101"): {1: {**dict.fromkeys(INDICATORS, 0), "recipients": 2,
                                         "kroner_paid": 2000}}}  # fmt: skip
    rows = reconcile_units(forms, facts, TOLERANCES)
    assert {(r.unit_type, r.unit_code) for r in rows} == {("municipality", "4601")}
    assert all(r.status is Status.MATCH for r in rows)
