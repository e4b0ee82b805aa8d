"""The one error shape of the HTTP APIs (gateway and feeds).

Handlers raise domain errors; each service's HTTP layer maps them to a status and answers
with an ``ErrorBody``: a machine ``reason`` and a human ``detail``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse


class ErrorBody(BaseModel):
    """A refused request: why (``reason``, stable) and what to do (``detail``, for people)."""

    detail: str
    reason: str = Field(examples=["invalid_token"])


def error_response(
    status: int, body: BaseModel, headers: dict[str, str] | None = None
) -> JSONResponse:
    """``body`` as the JSON answer with ``status`` (fields left unset are left out)."""
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)
