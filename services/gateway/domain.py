"""Pure ingest rules: split a body into items, validate each, authorise, rate-limit.

No I/O here: the HTTP layer (``entrypoints/http.py``) reads bodies and tokens, the Kafka
adapter produces; the requests refused as a whole are the ``Refused`` kinds below. A batch
is judged item by item: valid items the caller may submit are produced, invalid ones are
reported with every problem per field and nothing of them is produced. A valid item for a
unit the caller may not submit for refuses the whole request (``NotPermitted``), so that
a mis-addressed file is never half-delivered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from contracts.personal_data import contains_fodselsnummer, find_personal_data, redact
from contracts.registry import UnitRejected
from contracts.reports import (
    FieldError,
    IndicatorReportV1,
    Reason,
    ReportRejected,
    parse_report_value,
    report_errors,
)
from services.auth.roles import DistrictLookup, decide_submit
from services.auth.tokens import Principal

MAX_ITEMS = 1000
PERSONAL_DATA_MESSAGE = "contains a fødselsnummer or D-number"


class UnitRegistry(Protocol):
    """The registry questions the gateway asks (``contracts.registry.Registry``)."""

    def check_unit(self, unit_type: str, code: str, period: str) -> None: ...

    def municipality_of_district(self, district_code: str) -> str: ...


class Refused(Exception):
    """A request refused as a whole, in the user's terms: a machine ``reason`` and a human
    ``detail``. The HTTP layer maps each kind to its status (``entrypoints/http.py``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class NotAuthenticated(Refused):
    """No token, or one that does not verify."""


class NotPermitted(Refused):
    """The token lacks the scope, or names another unit than the reports are for."""


class TooLarge(Refused):
    """The body is larger than the configured limit."""


class TooManyRequests(Refused):
    """The unit's rate limit; ``retry_after`` whole seconds until the next token."""

    def __init__(self, reason: str, detail: str, retry_after: int) -> None:
        super().__init__(reason, detail)
        self.retry_after = retry_after


class BodyRejected(Exception):
    """The body as a whole cannot be taken (malformed, empty, too many items) → 422.

    ``one_report`` is True when the body is itself one (bad) report — not JSON, or a JSON
    value that is neither an object nor a list — and so is dead-lettered; an empty or
    oversized list is a refused request, not a delivered report.
    """

    def __init__(self, reason: Reason, message: str, *, one_report: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.one_report = one_report


@dataclass(frozen=True)
class CheckedItem:
    """One item of a submission after validation: a report, or its problems."""

    index: int
    report: IndicatorReportV1 | None
    errors: tuple[FieldError, ...] = ()
    line: int | None = None
    unit_key: str | None = None
    period: str | None = None

    @property
    def valid(self) -> bool:
        return self.report is not None


def split_body(raw: bytes, max_items: int = MAX_ITEMS) -> list[object]:
    """The items of a JSON body: one report object or a list of 1..``max_items`` of them."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        what = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "not valid JSON"
        if contains_fodselsnummer(raw.decode("utf-8", errors="replace")):  # outranks the rest
            message = f"the body is {what} and {PERSONAL_DATA_MESSAGE}"
            raise BodyRejected(Reason.PERSONAL_DATA, message, one_report=True) from exc
        raise BodyRejected(Reason.MALFORMED_JSON, f"the body is {what}", one_report=True) from exc
    if isinstance(value, list):
        if not value:
            raise BodyRejected(Reason.SCHEMA_VIOLATION, "the list of reports is empty")
        if len(value) > max_items:
            raise BodyRejected(
                Reason.SCHEMA_VIOLATION,
                f"the list holds {len(value)} reports; at most {max_items} per request",
            )
        return value
    if isinstance(value, dict):
        return [value]
    raise BodyRejected(
        Reason.SCHEMA_VIOLATION,
        "the body must be one report object or a list of reports",
        one_report=True,
    )


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _unexplained() -> FieldError:
    return FieldError(None, Reason.SCHEMA_VIOLATION, "the report is not valid")


def _peek(value: object) -> tuple[str | None, str | None]:
    """Unit key and period of an item, as far as they can be read even if it is invalid."""
    if not isinstance(value, dict):
        return None, None
    unit, period = value.get("unit"), value.get("period")
    key = None
    if isinstance(unit, dict) and isinstance(unit.get("type"), str):
        key = f"{unit['type']}:{unit.get('code')}"
    return key, period if isinstance(period, str) else None


def _guarded(prior_errors: Sequence[FieldError], value: object) -> list[FieldError]:
    """Problems found before the contract check (CSV cells), with personal data named
    and redacted as the contract check would: such an item is never checked further."""
    if not prior_errors:
        return []
    paths = find_personal_data(value)
    leaked = any(
        contains_fodselsnummer(e.message) or contains_fodselsnummer(e.field or "")
        for e in prior_errors
    )
    if not paths and not leaked:
        return list(prior_errors)
    personal = [
        FieldError(redact(p) if p else None, Reason.PERSONAL_DATA, PERSONAL_DATA_MESSAGE)
        for p in paths or [""]
    ]
    others = [
        FieldError(redact(e.field) if e.field else None, e.reason, redact(e.message))
        for e in prior_errors
    ]
    return personal + others


def check_item(
    index: int,
    value: object,
    registry: UnitRegistry,
    *,
    today: date | None = None,
    line: int | None = None,
    prior_errors: Sequence[FieldError] = (),
) -> CheckedItem:
    """Validate one item against the contract and the registry (unit valid at its period)."""
    unit_key, period = _peek(value)
    errors = _guarded(prior_errors, value)
    report: IndicatorReportV1 | None = None
    if not errors:
        try:
            report = parse_report_value(value, today=today)
        except ReportRejected:
            errors = report_errors(value, today=today) or [_unexplained()]
    if any(error.reason == Reason.PERSONAL_DATA for error in errors):
        unit_key = period = None  # never echo a value that may be a fødselsnummer
    if errors or report is None:
        return CheckedItem(index, None, tuple(errors), line, unit_key, period)
    try:
        registry.check_unit(report.unit.type, report.unit.code, report.period)
    except UnitRejected as exc:
        problem = FieldError("unit.code", Reason(exc.reason), exc.message)
        return CheckedItem(index, None, (problem,), line, unit_key, period)
    except ValueError as exc:  # the registry covers a range of years only
        problem = FieldError("period", Reason.SCHEMA_VIOLATION, str(exc))
        return CheckedItem(index, None, (problem,), line, unit_key, period)
    return CheckedItem(index, report, (), line, report.unit.key, report.period)


def forbidden_units(
    items: Sequence[CheckedItem], principal: Principal, districts: DistrictLookup
) -> list[str]:
    """Unit keys among the valid items that ``principal`` may not submit for (sorted)."""
    refused = {
        item.report.unit.key
        for item in items
        if item.report is not None
        and not decide_submit(principal, item.report.unit, districts=districts)
    }
    return sorted(refused)


def units_submitted(items: Sequence[CheckedItem]) -> dict[str, int]:
    """How many valid reports each unit has in a submission (for the audit line)."""
    counts: dict[str, int] = {}
    for item in items:
        if item.report is not None:
            counts[item.report.unit.key] = counts.get(item.report.unit.key, 0) + 1
    return counts


@dataclass
class TokenBucket:
    """Per-key token bucket: ``rate`` tokens per second, at most ``burst`` saved up.

    ``take(key, now)`` spends one token and returns 0.0, or returns the seconds until the
    next token when the bucket is empty. ``now`` is any monotonic clock in seconds.
    """

    rate: float
    burst: float
    _state: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, key: str, now: float, cost: float = 1.0) -> float:
        tokens, last = self._state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - last) * self.rate)
        if tokens >= cost:
            self._state[key] = (tokens - cost, now)
            return 0.0
        self._state[key] = (tokens, now)
        return (cost - tokens) / self.rate if self.rate > 0 else float("inf")
