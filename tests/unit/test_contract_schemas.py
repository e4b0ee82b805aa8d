"""The committed JSON Schema is generated from the models and agrees with them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from contracts.reports import ReportRejected, parse_report
from contracts.schemas import SCHEMA_DIR, SCHEMAS, indicator_report_v1, render

EXAMPLE: dict[str, Any] = {
    "event_id": "8f8c4a3e-6a53-4c1e-9a43-3f3b2b9f0b11",
    "schema_version": 1,
    "unit": {"type": "district", "code": "030101"},
    "period": "2025-03",
    "revision": 1,
    "source": "fagsystem:example",
    "reported_at": "2025-04-03T08:15:00+02:00",
    "indicators": {
        "recipients": 10,
        "recipients_with_children": None,
        "recipients_main_livelihood": 4,
        "recipients_under_30": 0,
        "kroner_paid": 99000,
        "qp_participants": 2,
    },
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_freshly_generated(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == render(SCHEMAS[name]()), (
        f"{name} is stale: run `python -m contracts.schemas` and commit the result"
    )


def _objects(schema: object) -> Iterator[dict[str, Any]]:
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            yield schema
        for value in schema.values():
            yield from _objects(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _objects(item)


def test_every_object_forbids_unknown_fields() -> None:
    schema = indicator_report_v1()
    Draft202012Validator.check_schema(schema)
    objects = list(_objects(schema))
    assert len(objects) == 3
    assert all(o.get("additionalProperties") is False for o in objects)


def _with(path: str, value: object) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE)
    *parents, leaf = path.split(".")
    target = body
    for part in parents:
        target = target[part]
    target[leaf] = value
    return body


INVALID = [
    _with("extra", 1),
    _with("indicators.extra", 1),
    _with("unit.extra", 1),
    _with("indicators.recipients", -1),
    _with("indicators.recipients", "10"),
    _with("indicators.recipients", True),
    _with("unit.code", "0301"),
    _with("unit.type", "county"),
    _with("period", "2025-13"),
    _with("revision", 0),
    _with("schema_version", 2),
    _with("event_id", None),
]


def test_schema_accepts_what_the_model_accepts() -> None:
    validator = Draft202012Validator(indicator_report_v1())
    assert list(validator.iter_errors(EXAMPLE)) == []
    parse_report(json.dumps(EXAMPLE), today=date(2025, 4, 1))


@pytest.mark.parametrize("body", INVALID)
def test_schema_rejects_what_the_model_rejects(body: dict[str, Any]) -> None:
    validator = Draft202012Validator(indicator_report_v1())
    assert list(validator.iter_errors(body)), "the schema let an invalid report through"
    with pytest.raises(ReportRejected):
        parse_report(json.dumps(body), today=date(2025, 4, 1))
