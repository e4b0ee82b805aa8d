"""The gateway's HTTP answers (documented in its OpenAPI)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from contracts.reports import FieldError
from services.errors import ErrorBody as ErrorBody


class Problem(BaseModel):
    """One problem with a report: which field (dotted path, null for the whole item), why."""

    field: str | None = Field(examples=["indicators.recipients_under_30"])
    reason: str = Field(examples=["subgroup_exceeds_recipients"])
    message: str = Field(examples=["recipients_under_30 (900) exceeds recipients (820)"])

    @classmethod
    def of(cls, error: FieldError) -> Problem:
        return cls(field=error.field, reason=str(error.reason), message=error.message)


class Receipt(BaseModel):
    """Where the broker stored an accepted report; given only after the broker acknowledged."""

    event_id: UUID
    topic: str
    partition: int
    offset: int


class ItemResult(BaseModel):
    """The outcome for one report of the request, in request order.

    ``accepted``: produced and acknowledged (see ``receipt``); ``rejected``: invalid, not
    produced (see ``errors``); ``failed``: valid, but the broker did not acknowledge it —
    send it again (the same ``event_id`` is deduplicated downstream).
    """

    index: int = Field(description="0-based position in the request (the row for CSV)")
    line: int | None = Field(None, description="line number in the CSV file")
    status: Literal["accepted", "rejected", "failed"]
    unit: str | None = Field(None, examples=["municipality:0301"])
    period: str | None = Field(None, examples=["2025-03"])
    receipt: Receipt | None = None
    errors: list[Problem] = Field(default_factory=list)


class SubmissionResult(BaseModel):
    """Answer to a submission: 202 when at least one report was accepted, else 422 (or 503).

    A mixed batch is answered item by item: valid reports are produced, invalid ones are
    not, and each item says which it was.
    """

    accepted: int
    rejected: int
    failed: int = 0
    detail: str | None = Field(None, description="a problem with the request as a whole")
    errors: list[Problem] = Field(default_factory=list, description="body-level problems")
    results: list[ItemResult] = Field(default_factory=list)


class Health(BaseModel):
    """``/internal/isAlive`` and ``/internal/isReady``: the state, and the reports topic
    the gateway produces to once it is ready."""

    status: str = Field(examples=["ready"])
    topic: str | None = None
