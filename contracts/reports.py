"""Event contract v1: one indicator report per reporting unit per month.

The models are the contract (the JSON Schema in ``contracts/schemas`` is generated from
them). ``parse_report`` turns the bytes of a topic message or an HTTP body into a valid
``IndicatorReportV1`` or raises ``ReportRejected`` with one ``Reason``;
``report_errors`` lists every problem for a 422 answer.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, SchemaValidator

from contracts import canonical
from contracts.norway_month import current_month_in_norway
from contracts.personal_data import (
    contains_fodselsnummer,
    find_personal_data,
    may_hold_identity,
    redact,
)
from contracts.rules import (
    INDICATORS,
    PERSON_COUNTS,
    PRECEDENCE,
    SUBGROUPS,
    FieldError,
    Reason,
    ReportRejected,
    invariant_errors,
)

__all__ = [
    "CODE_DIGITS",
    "INDICATORS",
    "PERSON_COUNTS",
    "PRECEDENCE",
    "SUBGROUPS",
    "FieldError",
    "IndicatorReportV1",
    "Indicators",
    "Reason",
    "ReportRejected",
    "Unit",
    "UnitType",
    "invariant_errors",
    "parse_report",
    "parse_report_value",
    "report_errors",
]

UnitType = Literal["municipality", "district", "nav_office"]
CODE_DIGITS: dict[str, int] = {"municipality": 4, "district": 6, "nav_office": 4}

_INT4_MAX = 2_147_483_647
_INT8_MAX = 9_223_372_036_854_775_807
PersonCount = Annotated[int, Strict(), Field(ge=0, le=_INT4_MAX)]
Kroner = Annotated[int, Strict(), Field(ge=0, le=_INT8_MAX)]


class Unit(BaseModel):
    """A reporting unit: municipality (4 digits), district (6 digits) or NAV office (4)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": "district"}}},
                    "then": {"properties": {"code": {"pattern": "^[0-9]{6}$"}}},
                    "else": {"properties": {"code": {"pattern": "^[0-9]{4}$"}}},
                }
            ]
        },
    )

    type: UnitType
    code: Annotated[str, Strict(), Field(pattern=r"^([0-9]{4}|[0-9]{6})$")]

    @model_validator(mode="after")
    def _code_matches_type(self) -> Unit:
        digits = CODE_DIGITS[self.type]
        if len(self.code) != digits:
            raise PydanticCustomError(
                "unit_code_shape",
                "a {unit_type} code has {digits} digits, got {got}",
                {"unit_type": self.type, "digits": digits, "got": len(self.code)},
            )
        return self

    @property
    def key(self) -> str:
        """The topic key and the unit's identity: ``"municipality:0301"``."""
        return f"{self.type}:{self.code}"


class Indicators(BaseModel):
    """The six monthly indicators; ``None`` means not reported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recipients: PersonCount | None = Field(
        description="Persons who received economic social assistance during the month."
    )
    recipients_with_children: PersonCount | None = Field(
        description="Of those, persons providing for children under 18 (<= recipients)."
    )
    recipients_main_livelihood: PersonCount | None = Field(
        description="Of those, persons whose main livelihood is social assistance (<= recipients)."
    )
    recipients_under_30: PersonCount | None = Field(
        description="Of those, persons under 30 (<= recipients)."
    )
    kroner_paid: Kroner | None = Field(
        description="Kroner paid in the month, bidrag + lån, gross, whole kroner; "
        "> 0 requires recipients > 0."
    )
    qp_participants: PersonCount | None = Field(
        description="Participants in the qualification programme during the month."
    )

    @model_validator(mode="after")
    def _invariants(self) -> Indicators:
        errors = invariant_errors(self.__dict__)  # the six fields, read only
        if errors:
            first = errors[0]
            raise PydanticCustomError(
                first.reason.value, first.message, {"field": first.field or "indicators"}
            )
        return self


_PERSONAL_DATA_CHECKED = "personal_data_checked"


def _current_month(today: date | None) -> str:
    if today is None:
        return current_month_in_norway()
    return f"{today.year:04d}-{today.month:02d}"


class IndicatorReportV1(BaseModel):
    """One unit's six indicators for one calendar month, at one revision.

    Beyond this schema: no string may contain a fødselsnummer or D-number, and the
    subgroup and kroner rules on ``indicators`` are checked by ``parse_report``.

    Validate with ``parse_report`` (or ``model_validate_json(raw, context={"today": d})``);
    without a ``today`` in the context the current month in Norway bounds ``period``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(description="Identifies one delivery; the same id twice is one event.")
    schema_version: Literal[1]
    unit: Unit
    period: Annotated[str, Strict(), Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")] = Field(
        description="Calendar month YYYY-MM, not after the current month."
    )
    revision: Annotated[int, Strict(), Field(ge=1, le=_INT4_MAX)] = Field(
        description="Orders reports for one unit-period: the highest revision wins."
    )
    source: Annotated[str, Strict(), Field(min_length=1, max_length=200)] = Field(
        description="The sending system, e.g. 'fagsystem:example'."
    )
    reported_at: AwareDatetime = Field(description="When the unit reported, with time zone.")
    indicators: Indicators

    @model_validator(mode="before")
    @classmethod
    def _no_personal_data(cls, data: Any, info: ValidationInfo) -> Any:
        """Also guards ``model_validate_json`` used directly (parse_report checks first)."""
        context = info.context if isinstance(info.context, dict) else {}
        if not context.get(_PERSONAL_DATA_CHECKED):
            paths = find_personal_data(data)
            if paths:
                raise PydanticCustomError(
                    Reason.PERSONAL_DATA.value,
                    "{field} contains a fødselsnummer or D-number",
                    {"field": redact(paths[0])},
                )
        return data

    @field_validator("schema_version", mode="before")
    @classmethod
    def _schema_version_is_integer(cls, value: object) -> object:
        if type(value) is not int:
            raise PydanticCustomError("literal_error", "schema_version must be the integer 1")
        return value

    @field_validator("period")
    @classmethod
    def _not_in_future(cls, period: str, info: ValidationInfo) -> str:
        context = info.context if isinstance(info.context, dict) else {}
        today = context.get("today")
        current = _current_month(today if isinstance(today, date) else None)
        if period > current:
            raise PydanticCustomError(
                Reason.FUTURE_PERIOD.value,
                "period {period} is after the current month {current}",
                {"period": period, "current": current},
            )
        return period

    def content_digest(self) -> str:
        """SHA-256 hex of unit, period, revision and indicators (canonical JSON).

        Same digest whatever the ``event_id``, ``source`` or ``reported_at``.
        """
        return canonical.content_digest(self.unit, self.period, self.revision, self.indicators)


def _unguarded_validator() -> SchemaValidator:
    """The model's validator minus ``_no_personal_data`` (a before validator makes
    pydantic-core build the JSON value as Python objects first). pydantic-core reuses a
    complete model's validator for its schema, so the class reads incomplete meanwhile."""
    schema = IndicatorReportV1.__pydantic_core_schema__
    inner = schema["schema"]
    assert schema["type"] == "model" and inner["type"] == "function-before", schema
    IndicatorReportV1.__pydantic_complete__ = False
    try:
        return SchemaValidator({**schema, "schema": inner["schema"]})
    finally:
        IndicatorReportV1.__pydantic_complete__ = True


_CHECKED = _unguarded_validator()


def _validate_checked(raw: bytes | str, today: date | None) -> IndicatorReportV1:
    """Validate JSON text already cleared of identity numbers (raises ``ValidationError``)."""
    report = _CHECKED.validate_json(raw, context={"today": today})
    assert isinstance(report, IndicatorReportV1)
    return report


def _reason_of(error_type: str, loc: tuple[int | str, ...]) -> Reason:
    if error_type in Reason.__members__.values():
        return Reason(error_type)
    if error_type == "greater_than_equal" and len(loc) == 2 and loc[0] == "indicators":
        return Reason.NEGATIVE_VALUE
    return Reason.SCHEMA_VIOLATION


def _field_errors(exc: ValidationError, obj: object) -> list[FieldError]:
    errors: list[FieldError] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple(error["loc"])
        reason = _reason_of(error["type"], loc)
        field = ".".join(str(part) for part in loc) or None
        if error["type"] == "unit_code_shape":
            field = "unit.code"
        if reason in (Reason.SUBGROUP_EXCEEDS_RECIPIENTS, Reason.KRONER_WITHOUT_RECIPIENTS):
            # pydantic reports only the first invariant; list them all.
            assert isinstance(obj, dict)
            errors.extend(invariant_errors(obj["indicators"]))
            continue
        errors.append(FieldError(field, reason, error["msg"]))
    return _deduplicated(errors)


def _deduplicated(errors: list[FieldError]) -> list[FieldError]:
    seen: set[FieldError] = set()
    unique: list[FieldError] = []
    for error in errors:
        if error not in seen:
            seen.add(error)
            unique.append(error)
    return unique


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _loads(raw: bytes | str) -> object:
    """Strict JSON: UTF-8 only, no NaN/Infinity."""
    text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    return json.loads(text, parse_constant=_reject_constant)


def _check(
    obj: object, today: date | None, raw: bytes | str | None = None
) -> tuple[IndicatorReportV1 | None, list[FieldError]]:
    """Validate ``obj``; ``raw``, when given, is the JSON text it was decoded from.

    With ``raw`` the model reads the text itself (no second encoding), and the walk for
    identity numbers is skipped when the text cannot hold one (``may_hold_identity``).
    """
    scan = raw is None or may_hold_identity(raw)
    errors = [
        FieldError(path or None, Reason.PERSONAL_DATA, "contains a fødselsnummer or D-number")
        for path in (find_personal_data(obj) if scan else ())
    ]
    try:
        report = _validate_checked(json.dumps(obj) if raw is None else raw, today)
    except ValidationError as exc:
        errors += _field_errors(exc, obj)
        report = None
    if not errors:
        return report, []
    # Field paths (unknown keys) and messages (echoed values) must never carry a number.
    return None, [
        FieldError(redact(e.field) if e.field else None, e.reason, redact(e.message))
        for e in errors
    ]


def _check_raw(
    raw: bytes | str, today: date | None
) -> tuple[IndicatorReportV1 | None, list[FieldError]]:
    if not may_hold_identity(raw):
        # The common case, a valid report: the model reads the text once. Anything it
        # refuses goes the full way below, which names every problem in precedence order.
        try:
            return _validate_checked(raw, today), []
        except ValidationError:
            pass
    try:
        obj = _loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if contains_fodselsnummer(text):
            message = "body holds what looks like a fødselsnummer or D-number (not shown)"
            return None, [FieldError(None, Reason.PERSONAL_DATA, message)]
        reason = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "not valid JSON"
        return None, [FieldError(None, Reason.MALFORMED_JSON, f"body is {reason}")]
    return _check(obj, today, raw)


def _first(errors: list[FieldError]) -> FieldError:
    rank = {reason: index for index, reason in enumerate(PRECEDENCE)}
    return min(errors, key=lambda e: rank.get(e.reason, len(rank)))


def parse_report(raw: bytes | str, *, today: date | None = None) -> IndicatorReportV1:
    """Decode and validate one report, or raise ``ReportRejected``.

    With several problems the reason is the first in ``PRECEDENCE``: malformed JSON,
    personal data, schema violation, negative value, subgroup, kroner, future period.
    ``today`` fixes "the current month" (default: today in Norway).
    """
    report, errors = _check_raw(raw, today)
    if errors or report is None:
        first = _first(errors)
        raise ReportRejected(first.reason, first.message, first.field)
    return report


def parse_report_value(value: object, *, today: date | None = None) -> IndicatorReportV1:
    """Like ``parse_report`` for an already-decoded JSON value (one item of a list body)."""
    report, errors = _check(value, today)
    if errors or report is None:
        first = _first(errors)
        raise ReportRejected(first.reason, first.message, first.field)
    return report


def report_errors(raw: bytes | str | object, *, today: date | None = None) -> list[FieldError]:
    """Every problem with a report (empty when valid), for the gateway's 422 answer.

    ``raw`` is the body as bytes/str, or an already-decoded JSON value.
    """
    if isinstance(raw, bytearray):
        raw = bytes(raw)
    if isinstance(raw, bytes | str):
        return _check_raw(raw, today)[1]
    return _check(raw, today)[1]
