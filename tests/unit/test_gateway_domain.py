"""Pure ingest rules: body splitting, item checks, authorisation, the token bucket."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.reports import report_with

from contracts.registry import Registry
from contracts.reports import Reason
from services.auth.tokens import Principal, UnitRef
from services.gateway.domain import (
    BodyRejected,
    TokenBucket,
    check_item,
    forbidden_units,
    split_body,
    units_submitted,
)

REGISTRY = Registry.load()
OSLO = Principal(
    "municipality:0301", frozenset({"reports:write"}), unit=UnitRef.parse("municipality:0301")
)


def report(
    unit_type: str = "municipality", code: str = "0301", **indicators: int | None
) -> dict[str, object]:
    """A valid report with ``indicators`` changed (the design example's figures)."""
    return report_with(code, unit_type, **indicators)


def test_split_body_accepts_one_object_or_a_list() -> None:
    one = report()
    assert split_body(json.dumps(one).encode()) == [one]
    assert len(split_body(json.dumps([one, one]).encode())) == 2


@pytest.mark.parametrize(
    ("raw", "reason", "text"),
    [
        (b"{not json", Reason.MALFORMED_JSON, "not valid JSON"),
        (b"\xff\xfe", Reason.MALFORMED_JSON, "not UTF-8"),
        (b"[]", Reason.SCHEMA_VIOLATION, "empty"),
        (b"42", Reason.SCHEMA_VIOLATION, "one report object or a list"),
        (b'{"a": NaN}', Reason.MALFORMED_JSON, "not valid JSON"),
    ],
)
def test_split_body_refuses_bodies(raw: bytes, reason: Reason, text: str) -> None:
    with pytest.raises(BodyRejected, match=text) as caught:
        split_body(raw)
    assert caught.value.reason == reason


def test_split_body_limits_the_list() -> None:
    with pytest.raises(BodyRejected, match="1001 reports; at most 1000"):
        split_body(json.dumps([{}] * 1001).encode())


def test_check_item_reports_every_field_problem() -> None:
    value = report(recipients_under_30=5000, recipients_with_children=5000)
    value["revision"] = 0
    item = check_item(3, value, REGISTRY)
    assert not item.valid
    assert item.index == 3 and item.unit_key == "municipality:0301"
    by_field = {e.field: e.reason for e in item.errors}
    assert by_field == {
        "indicators.recipients_under_30": Reason.SUBGROUP_EXCEEDS_RECIPIENTS,
        "indicators.recipients_with_children": Reason.SUBGROUP_EXCEEDS_RECIPIENTS,
        "revision": Reason.SCHEMA_VIOLATION,
    }
    assert all(e.message for e in item.errors)


def test_check_item_asks_the_registry_about_the_unit_at_its_period() -> None:
    retired = check_item(0, report(code="3001"), REGISTRY)
    assert [e.reason for e in retired.errors] == [Reason.RETIRED_UNIT]
    assert retired.errors[0].field == "unit.code"
    assert "3101" in retired.errors[0].message
    unknown = check_item(0, report(code="9999"), REGISTRY)
    assert [e.reason for e in unknown.errors] == [Reason.UNKNOWN_UNIT]
    assert check_item(0, report(), REGISTRY).valid


def test_check_item_refuses_periods_the_registry_does_not_cover() -> None:
    value = report()
    value["period"] = "2010-01"
    item = check_item(0, value, REGISTRY)
    assert [(e.field, e.reason) for e in item.errors] == [("period", Reason.SCHEMA_VIOLATION)]
    assert "2010" in item.errors[0].message


def test_check_item_never_echoes_personal_data() -> None:
    value = report()
    value["source"] = "fagsystem 01017010170"
    item = check_item(0, value, REGISTRY)
    assert not item.valid
    assert Reason.PERSONAL_DATA in {e.reason for e in item.errors}
    assert item.unit_key is None and item.period is None


def test_forbidden_units_lists_foreign_units_only() -> None:
    items = [
        check_item(0, report(), REGISTRY),
        check_item(1, report("district", "030101"), REGISTRY),
        check_item(2, report(code="4601"), REGISTRY),
        check_item(3, report(code="4601", recipients=-1), REGISTRY),  # invalid: not judged
    ]
    assert forbidden_units(items, OSLO, REGISTRY) == ["municipality:4601"]
    assert units_submitted(items) == {
        "municipality:0301": 1,
        "district:030101": 1,
        "municipality:4601": 1,
    }


def test_token_bucket_spends_and_refills() -> None:
    bucket = TokenBucket(rate=1.0, burst=2)
    assert bucket.take("a", 0.0) == 0.0
    assert bucket.take("a", 0.0) == 0.0
    assert bucket.take("a", 0.0) == pytest.approx(1.0)
    assert bucket.take("b", 0.0) == 0.0  # buckets are per key
    assert bucket.take("a", 1.0) == 0.0


@given(
    rate=st.floats(0.1, 50),
    burst=st.integers(1, 20),
    gaps=st.lists(st.floats(0, 2), min_size=1, max_size=200),
)
def test_token_bucket_never_permits_more_than_burst_plus_refill(
    rate: float, burst: int, gaps: list[float]
) -> None:
    bucket = TokenBucket(rate=rate, burst=burst)
    now, permitted = 0.0, 0
    for gap in gaps:
        now += gap
        if bucket.take("unit", now) == 0.0:
            permitted += 1
    assert permitted <= burst + rate * now + 1e-6
