"""Event contract v1: parse_report, report_errors, invariants and reasons."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pydantic
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from support.reports import report

from contracts.personal_data import find_personal_data
from contracts.reports import (
    INDICATORS,
    PERSON_COUNTS,
    IndicatorReportV1,
    Indicators,
    Reason,
    ReportRejected,
    Unit,
    parse_report,
    parse_report_value,
    report_errors,
)

TODAY = date(2025, 4, 10)
FNR = "01019012480"  # valid mod-11 control digits, made up
EXAMPLE: dict[str, Any] = report(
    "4601",
    revision=2,
    source="fagsystem:example",
    event_id="8f8c4a3e-6a53-4c1e-9a43-3f3b2b9f0b11",
)
"""The example of the design (DESIGN.md, event contract v1)."""

Mutation = Callable[[dict[str, Any]], None]


def mutated(mutation: Mutation) -> str:
    body = copy.deepcopy(EXAMPLE)
    mutation(body)
    return json.dumps(body)


def rejection(raw: str | bytes) -> ReportRejected:
    with pytest.raises(ReportRejected) as info:
        parse_report(raw, today=TODAY)
    return info.value


def test_design_example_is_valid() -> None:
    report = parse_report(json.dumps(EXAMPLE), today=TODAY)
    assert report.unit.key == "municipality:4601"
    assert report.event_id == UUID(EXAMPLE["event_id"])
    assert report.reported_at == datetime(2025, 4, 3, 8, 15, tzinfo=UTC)
    assert report.indicators.kroner_paid == 31250400
    assert report_errors(json.dumps(EXAMPLE), today=TODAY) == []


def test_reason_codes_are_exactly_the_documented_strings() -> None:
    assert {r.value for r in Reason} == {
        "malformed_json",
        "schema_violation",
        "negative_value",
        "subgroup_exceeds_recipients",
        "kroner_without_recipients",
        "future_period",
        "personal_data",
        "unknown_unit",
        "retired_unit",
        "conflicting_revision",
        "sealed_year",
    }
    assert len(INDICATORS) == 6
    assert "kroner_paid" not in PERSON_COUNTS and len(PERSON_COUNTS) == 5


def _set(path: str, value: object) -> Mutation:
    def apply(body: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        target = body
        for part in parents:
            target = target[part]
        target[leaf] = value

    return apply


def _drop(path: str) -> Mutation:
    def apply(body: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        target = body
        for part in parents:
            target = target[part]
        del target[leaf]

    return apply


CASES: list[tuple[str, Mutation, Reason, str | None]] = [
    (
        "negative count",
        _set("indicators.recipients_under_30", -1),
        Reason.NEGATIVE_VALUE,
        "indicators.recipients_under_30",
    ),
    (
        "negative kroner",
        _set("indicators.kroner_paid", -500),
        Reason.NEGATIVE_VALUE,
        "indicators.kroner_paid",
    ),
    (
        "float count",
        _set("indicators.recipients", 2410.0),
        Reason.SCHEMA_VIOLATION,
        "indicators.recipients",
    ),
    (
        "fractional count",
        _set("indicators.qp_participants", 1.5),
        Reason.SCHEMA_VIOLATION,
        "indicators.qp_participants",
    ),
    (
        "bool count",
        _set("indicators.qp_participants", True),
        Reason.SCHEMA_VIOLATION,
        "indicators.qp_participants",
    ),
    (
        "string count",
        _set("indicators.recipients", "2410"),
        Reason.SCHEMA_VIOLATION,
        "indicators.recipients",
    ),
    (
        "subgroup too big",
        _set("indicators.recipients_under_30", 2411),
        Reason.SUBGROUP_EXCEEDS_RECIPIENTS,
        "indicators.recipients_under_30",
    ),
    (
        "kroner, zero recipients",
        lambda b: b["indicators"].update(
            recipients=0,
            recipients_with_children=0,
            recipients_main_livelihood=0,
            recipients_under_30=0,
        ),
        Reason.KRONER_WITHOUT_RECIPIENTS,
        "indicators.kroner_paid",
    ),
    (
        "kroner, recipients null",
        _set("indicators.recipients", None),
        Reason.KRONER_WITHOUT_RECIPIENTS,
        "indicators.kroner_paid",
    ),
    ("future period", _set("period", "2025-05"), Reason.FUTURE_PERIOD, "period"),
    ("month 13", _set("period", "2025-13"), Reason.SCHEMA_VIOLATION, "period"),
    ("month 00", _set("period", "2025-00"), Reason.SCHEMA_VIOLATION, "period"),
    ("short period", _set("period", "2025-3"), Reason.SCHEMA_VIOLATION, "period"),
    ("period with day", _set("period", "2025-03-01"), Reason.SCHEMA_VIOLATION, "period"),
    ("revision 0", _set("revision", 0), Reason.SCHEMA_VIOLATION, "revision"),
    ("revision float", _set("revision", 2.0), Reason.SCHEMA_VIOLATION, "revision"),
    ("schema_version 2", _set("schema_version", 2), Reason.SCHEMA_VIOLATION, "schema_version"),
    (
        "schema_version true",
        _set("schema_version", True),
        Reason.SCHEMA_VIOLATION,
        "schema_version",
    ),
    ("schema_version 1.0", _set("schema_version", 1.0), Reason.SCHEMA_VIOLATION, "schema_version"),
    ("event_id not uuid", _set("event_id", "42"), Reason.SCHEMA_VIOLATION, "event_id"),
    (
        "naive reported_at",
        _set("reported_at", "2025-04-03T08:15:00"),
        Reason.SCHEMA_VIOLATION,
        "reported_at",
    ),
    ("unknown unit type", _set("unit.type", "county"), Reason.SCHEMA_VIOLATION, "unit.type"),
    ("municipality 3 digits", _set("unit.code", "301"), Reason.SCHEMA_VIOLATION, "unit.code"),
    ("municipality 6 digits", _set("unit.code", "030101"), Reason.SCHEMA_VIOLATION, "unit.code"),
    ("district 4 digits", _set("unit.type", "district"), Reason.SCHEMA_VIOLATION, "unit.code"),
    ("code as number", _set("unit.code", 4601), Reason.SCHEMA_VIOLATION, "unit.code"),
    ("code with letters", _set("unit.code", "46O1"), Reason.SCHEMA_VIOLATION, "unit.code"),
    ("empty source", _set("source", ""), Reason.SCHEMA_VIOLATION, "source"),
    ("unknown top field", _set("comment", "hi"), Reason.SCHEMA_VIOLATION, "comment"),
    (
        "unknown indicator",
        _set("indicators.recipients_over_67", 3),
        Reason.SCHEMA_VIOLATION,
        "indicators.recipients_over_67",
    ),
    (
        "missing indicator",
        _drop("indicators.qp_participants"),
        Reason.SCHEMA_VIOLATION,
        "indicators.qp_participants",
    ),
    ("missing unit", _drop("unit"), Reason.SCHEMA_VIOLATION, "unit"),
    ("fnr in source", _set("source", f"fagsystem:{FNR}"), Reason.PERSONAL_DATA, "source"),
    ("fnr in unknown field", _set("note", {"who": FNR}), Reason.PERSONAL_DATA, "note.who"),
    ("fnr as a key", _set(FNR, 1), Reason.PERSONAL_DATA, "<key>"),
]


@pytest.mark.parametrize(
    ("mutation", "reason", "field"),
    [pytest.param(m, r, f, id=name) for name, m, r, f in CASES],
)
def test_each_invariant_has_its_reason(mutation: Mutation, reason: Reason, field: str) -> None:
    raw = mutated(mutation)
    rejected = rejection(raw)
    assert (rejected.reason, rejected.field) == (reason, field)
    assert rejected.message
    assert FNR not in rejected.message and FNR not in str(rejected.field)
    assert any(e.reason == reason for e in report_errors(raw, today=TODAY))


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe{}", b"{", "", "NaN", '{"a": Infinity}', json.dumps(EXAMPLE).encode("utf-16")],
)
def test_not_json_or_not_utf8_is_malformed(raw: str | bytes) -> None:
    rejected = rejection(raw)
    assert rejected.reason == Reason.MALFORMED_JSON
    assert rejected.field is None


@pytest.mark.parametrize("raw", [f'{{"broken": "{FNR}', f"source={FNR}".encode()])
def test_broken_json_holding_a_fodselsnummer_is_personal_data(raw: str | bytes) -> None:
    rejected = rejection(raw)
    assert rejected.reason == Reason.PERSONAL_DATA
    assert FNR not in rejected.message


@pytest.mark.parametrize("raw", ["[]", "1", '"report"', "null"])
def test_json_that_is_not_an_object_is_a_schema_violation(raw: str) -> None:
    assert rejection(raw).reason == Reason.SCHEMA_VIOLATION


def test_nulls_mean_not_reported() -> None:
    raw = mutated(lambda b: b.update(indicators=dict.fromkeys(INDICATORS)))
    assert parse_report(raw, today=TODAY).indicators.recipients is None
    subgroup_without_total = mutated(
        lambda b: b["indicators"].update(recipients=None, kroner_paid=None)
    )
    assert parse_report(subgroup_without_total, today=TODAY).indicators.recipients is None
    zero_kroner = mutated(lambda b: b.update(indicators={**dict.fromkeys(INDICATORS, 0)}))
    assert parse_report(zero_kroner, today=TODAY).indicators.kroner_paid == 0


def test_current_month_is_allowed_and_today_defaults_to_now() -> None:
    assert parse_report(mutated(_set("period", "2025-04")), today=TODAY).period == "2025-04"
    far_future = mutated(_set("period", "2999-01"))
    assert rejection_without_today(far_future).reason == Reason.FUTURE_PERIOD
    assert parse_report(json.dumps(EXAMPLE)).period == "2025-03"


def rejection_without_today(raw: str) -> ReportRejected:
    with pytest.raises(ReportRejected) as info:
        parse_report(raw)
    return info.value


def test_district_and_nav_office_codes() -> None:
    district = mutated(lambda b: b.update(unit={"type": "district", "code": "030101"}))
    assert parse_report(district, today=TODAY).unit.key == "district:030101"
    office = mutated(lambda b: b.update(unit={"type": "nav_office", "code": "0314"}))
    assert parse_report(office, today=TODAY).unit.key == "nav_office:0314"


def test_report_errors_lists_every_problem() -> None:
    def many(body: dict[str, Any]) -> None:
        body["period"] = "2030-01"
        body["extra"] = 1
        body["unit"]["code"] = "12"
        body["indicators"].update(
            recipients=10, recipients_under_30=11, recipients_with_children=12, qp_participants=-3
        )

    errors = report_errors(mutated(many), today=TODAY)
    found = {(e.field, e.reason) for e in errors}
    assert ("period", Reason.FUTURE_PERIOD) in found
    assert ("extra", Reason.SCHEMA_VIOLATION) in found
    assert ("unit.code", Reason.SCHEMA_VIOLATION) in found
    assert ("indicators.qp_participants", Reason.NEGATIVE_VALUE) in found
    # the indicator invariants are only judged once every indicator is well typed
    assert rejection(mutated(many)).reason == Reason.SCHEMA_VIOLATION


def test_all_invariant_violations_are_listed_together() -> None:
    raw = mutated(lambda b: b["indicators"].update(recipients=0))
    reasons = sorted((e.field or "", e.reason) for e in report_errors(raw, today=TODAY))
    assert reasons == [
        ("indicators.kroner_paid", Reason.KRONER_WITHOUT_RECIPIENTS),
        ("indicators.recipients_main_livelihood", Reason.SUBGROUP_EXCEEDS_RECIPIENTS),
        ("indicators.recipients_under_30", Reason.SUBGROUP_EXCEEDS_RECIPIENTS),
        ("indicators.recipients_with_children", Reason.SUBGROUP_EXCEEDS_RECIPIENTS),
    ]


def test_personal_data_wins_and_is_never_echoed() -> None:
    raw = mutated(lambda b: b.update(extra=FNR, period="2031-01"))
    rejected = rejection(raw)
    assert rejected.reason == Reason.PERSONAL_DATA
    errors = report_errors(raw, today=TODAY)
    assert FNR not in repr(errors) and FNR not in str(rejected)
    unpadded = mutated(lambda b: b["indicators"].update(kroner_paid=int(FNR), recipients=0))
    assert FNR.lstrip("0") not in repr(report_errors(unpadded, today=TODAY))


def test_parse_report_value_takes_decoded_json() -> None:
    assert parse_report_value(copy.deepcopy(EXAMPLE), today=TODAY).revision == 2
    with pytest.raises(ReportRejected):
        parse_report_value([EXAMPLE], today=TODAY)
    assert report_errors(copy.deepcopy(EXAMPLE), today=TODAY) == []


def test_models_are_frozen_and_forbid_extras() -> None:
    report = parse_report(json.dumps(EXAMPLE), today=TODAY)
    with pytest.raises(pydantic.ValidationError):
        report.revision = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        Unit(type="municipality", code="0301", name="Oslo")  # type: ignore[call-arg]


def test_content_digest_covers_content_only() -> None:
    report = parse_report(json.dumps(EXAMPLE), today=TODAY)
    expected = hashlib.sha256(
        json.dumps(
            {k: EXAMPLE[k] for k in ("unit", "period", "revision", "indicators")},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    assert report.content_digest() == expected
    redelivery = mutated(
        lambda b: b.update(
            event_id="00000000-0000-4000-8000-000000000000",
            source="other",
            reported_at="2025-04-05T10:00:00+02:00",
        )
    )
    assert parse_report(redelivery, today=TODAY).content_digest() == expected
    for change in (
        _set("revision", 3),
        _set("indicators.qp_participants", 171),
        _set("unit.code", "4602"),
        _set("period", "2025-02"),
    ):
        assert parse_report(mutated(change), today=TODAY).content_digest() != expected


# --- round trip -------------------------------------------------------------------------

_count = st.none() | st.integers(min_value=0, max_value=2_147_483_647)


@st.composite
def indicators(draw: st.DrawFn) -> Indicators:
    recipients = draw(_count)
    cap = 2_147_483_647 if recipients is None else recipients
    sub = st.none() | st.integers(min_value=0, max_value=cap)
    kroner_max = 0 if not recipients else 2**63 - 1
    return Indicators(
        recipients=recipients,
        recipients_with_children=draw(sub),
        recipients_main_livelihood=draw(sub),
        recipients_under_30=draw(sub),
        kroner_paid=draw(st.none() | st.integers(min_value=0, max_value=kroner_max)),
        qp_participants=draw(_count),
    )


@st.composite
def units(draw: st.DrawFn) -> Unit:
    unit_type = draw(st.sampled_from(["municipality", "district", "nav_office"]))
    size = 6 if unit_type == "district" else 4
    code = draw(st.text(alphabet="0123456789", min_size=size, max_size=size))
    return Unit(type=unit_type, code=code)


reports = st.builds(
    IndicatorReportV1,
    event_id=st.uuids(),
    schema_version=st.just(1),
    unit=units(),
    period=st.dates(min_value=date(2020, 1, 1), max_value=TODAY).map(
        lambda d: f"{d.year}-{d.month:02d}"
    ),
    revision=st.integers(min_value=1, max_value=2_147_483_647),
    source=st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå:-_ ", min_size=1, max_size=40),
    reported_at=st.datetimes(timezones=st.just(UTC)),
    indicators=indicators(),
)


@given(reports)
def test_round_trip_through_json(report: IndicatorReportV1) -> None:
    raw = report.model_dump_json().encode()
    # a drawn number may happen to be a valid fødselsnummer, which the contract refuses
    assume(not find_personal_data(json.loads(raw)))
    again = parse_report(raw, today=TODAY)
    assert again == report
    assert again.content_digest() == report.content_digest()


def test_model_validate_json_alone_also_refuses_personal_data() -> None:
    raw = mutated(_set("source", f"fagsystem {FNR}"))
    with pytest.raises(pydantic.ValidationError) as info:
        IndicatorReportV1.model_validate_json(raw, context={"today": TODAY})
    (error,) = info.value.errors()
    assert error["type"] == "personal_data"
    assert FNR not in str(info.value.errors(include_input=False))
