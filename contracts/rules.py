"""The pure rules of the event contract: indicator names, reason codes, invariants.

No pydantic here: the aggregator, the gateway's CSV reader and the simulator share these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

INDICATORS: tuple[str, ...] = (
    "recipients",
    "recipients_with_children",
    "recipients_main_livelihood",
    "recipients_under_30",
    "kroner_paid",
    "qp_participants",
)
PERSON_COUNTS: tuple[str, ...] = tuple(name for name in INDICATORS if name != "kroner_paid")
SUBGROUPS: tuple[str, ...] = (
    "recipients_with_children",
    "recipients_main_livelihood",
    "recipients_under_30",
)


class Reason(StrEnum):
    """Why a report was rejected: the DLQ header ``reason`` and the simulator's fault tags."""

    MALFORMED_JSON = "malformed_json"
    SCHEMA_VIOLATION = "schema_violation"
    NEGATIVE_VALUE = "negative_value"
    SUBGROUP_EXCEEDS_RECIPIENTS = "subgroup_exceeds_recipients"
    KRONER_WITHOUT_RECIPIENTS = "kroner_without_recipients"
    FUTURE_PERIOD = "future_period"
    PERSONAL_DATA = "personal_data"
    UNKNOWN_UNIT = "unknown_unit"
    RETIRED_UNIT = "retired_unit"
    CONFLICTING_REVISION = "conflicting_revision"
    SEALED_YEAR = "sealed_year"


# Which reason parse_report names when a report has several problems: personal data first
# (the payload must be treated as sensitive whatever else is wrong with it).
PRECEDENCE: tuple[Reason, ...] = (
    Reason.MALFORMED_JSON,
    Reason.PERSONAL_DATA,
    Reason.SCHEMA_VIOLATION,
    Reason.NEGATIVE_VALUE,
    Reason.SUBGROUP_EXCEEDS_RECIPIENTS,
    Reason.KRONER_WITHOUT_RECIPIENTS,
    Reason.FUTURE_PERIOD,
)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with a report: the dotted field path (None for the whole body)."""

    field: str | None
    reason: Reason
    message: str


class ReportRejected(Exception):
    """A report that breaks the contract; ``message`` is for humans, never holds personal data."""

    def __init__(self, reason: Reason, message: str, field: str | None = None) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.field = field


def invariant_errors(values: dict[str, int | None]) -> list[FieldError]:
    """The cross-field invariants of the six indicators (nulls are not reported, never wrong)."""
    errors: list[FieldError] = []
    recipients = values.get("recipients")
    if recipients is not None:
        for name in SUBGROUPS:
            sub = values.get(name)
            if sub is not None and sub > recipients:
                errors.append(
                    FieldError(
                        f"indicators.{name}",
                        Reason.SUBGROUP_EXCEEDS_RECIPIENTS,
                        f"{name} ({sub}) exceeds recipients ({recipients})",
                    )
                )
    kroner = values.get("kroner_paid")
    if kroner is not None and kroner > 0 and not recipients:
        errors.append(
            FieldError(
                "indicators.kroner_paid",
                Reason.KRONER_WITHOUT_RECIPIENTS,
                f"kroner_paid is {kroner} but recipients is "
                f"{'not reported' if recipients is None else recipients}; "
                "kroner paid requires at least one recipient",
            )
        )
    return errors
