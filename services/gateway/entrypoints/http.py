"""The gateway's HTTP layer: parse a request, call a handler, answer.

Domain errors (``services.gateway.domain.Refused`` kinds) become HTTP statuses here and
nowhere else, answered in the one error shape of the APIs (``services.errors.ErrorBody``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.asgi import read_limited
from services.errors import ErrorBody, error_response
from services.gateway.bootstrap import Gateway
from services.gateway.csv_upload import CsvRejected, at_line, extract_upload, parse_csv
from services.gateway.domain import (
    BodyRejected,
    CheckedItem,
    NotAuthenticated,
    NotPermitted,
    Refused,
    TooLarge,
    TooManyRequests,
    check_item,
    split_body,
)
from services.gateway.entrypoints.openapi import csv_body, json_body
from services.gateway.handlers import UNRECORDED, Outcome
from services.gateway.schemas import Health, Problem, SubmissionResult

bearer = HTTPBearer(auto_error=False, description="RS256 JWT (`sosialpuls token --unit ...`)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

STATUS: dict[type[Refused], int] = {
    NotAuthenticated: 401,
    NotPermitted: 403,
    TooLarge: 413,
    TooManyRequests: 429,
}
ANSWERED: dict[Outcome, int] = {
    Outcome.ACCEPTED: 202,
    Outcome.REJECTED: 422,
    Outcome.UNAVAILABLE: 503,
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "missing, invalid or expired token"},
    403: {"model": ErrorBody, "description": "missing scope, or a report for another unit"},
    413: {"model": ErrorBody, "description": "body larger than the configured limit"},
    422: {"model": SubmissionResult, "description": "no report accepted; reasons per item"},
    429: {"model": ErrorBody, "description": "rate limit for this unit; see Retry-After"},
    503: {"model": ErrorBody, "description": "the broker is unavailable; send again"},
}
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": SubmissionResult, "description": "accepted (possibly with rejected items)"}
}


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


Wired = Annotated[Gateway, Depends(_gateway)]
Handler = Callable[..., Awaitable[Response]]


async def refused(request: Request, exc: Exception) -> JSONResponse:
    """A domain refusal as its HTTP answer (counted per endpoint and reason)."""
    assert isinstance(exc, Refused)
    gateway = _gateway(request)
    status = STATUS.get(type(exc), 400)
    endpoint = getattr(request.scope.get("route"), "name", "unknown")
    gateway.metrics.requests.labels(endpoint, str(status)).inc()
    if exc.reason != "forbidden_unit":  # counted per item by the handler
        gateway.metrics.rejected.labels(exc.reason).inc()
    headers: dict[str, str] = {}
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    return error_response(status, ErrorBody(detail=exc.detail, reason=exc.reason), headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (``TooLarge``) anything over ``limit`` bytes before
    parsing it."""
    body = await read_limited(request, limit)
    if body is None:
        raise TooLarge("body_too_large", f"the body exceeds {limit} bytes")
    return body


def _token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return None if credentials is None else credentials.credentials


def _answer(gateway: Gateway, endpoint: str, status: int, result: SubmissionResult) -> Response:
    gateway.metrics.requests.labels(endpoint, str(status)).inc()
    return JSONResponse(result.model_dump(mode="json"), status_code=status)


def _body_refused(
    gateway: Gateway, endpoint: str, reason: str, message: str, status: int = 422
) -> Response:
    gateway.metrics.rejected.labels(reason).inc()
    problem = Problem(field=None, reason=reason, message=message)
    result = SubmissionResult(accepted=0, rejected=0, detail=message, errors=[problem])
    return _answer(gateway, endpoint, status, result)


def router(max_items: int) -> APIRouter:
    """The gateway's routes (``max_items`` goes into the documented request body)."""
    routes = APIRouter()

    def submission(
        path: str, name: str, summary: str, body: dict[str, Any]
    ) -> Callable[[Handler], Handler]:
        return routes.post(
            path,
            name=name,
            status_code=202,
            summary=summary,
            responses={**ACCEPTED, **REFUSALS},
            openapi_extra={"requestBody": body},
        )

    @submission(
        "/v1/reports", "reports", "Submit one report or a list of up to 1000", json_body(max_items)
    )
    async def post_reports(request: Request, credentials: Credentials, gw: Wired) -> Response:
        """Validate each report; produce the valid ones (keyed by unit, acks=all) and answer
        with a receipt per accepted report, after the broker acknowledged it. Invalid reports
        are answered per item and field and go to the DLQ topic instead (acknowledged
        before the answer too); a body that is not JSON is one refused report."""
        received_at = datetime.now(UTC)
        principal = gw.gatekeeper.authorise(_token(credentials), "reports")
        raw = await read_body(request, gw.settings.max_body_bytes)
        try:
            values = split_body(raw, gw.settings.max_items)
        except BodyRejected as exc:
            if exc.one_report and not await gw.ingest.refuse_body(
                raw, exc.reason, exc.message, received_at=received_at
            ):
                message = f"{exc.message}; {UNRECORDED}"
                return _body_refused(gw, "reports", str(exc.reason), message, 503)
            return _body_refused(gw, "reports", str(exc.reason), exc.message)
        checked = [check_item(index, value, gw.registry) for index, value in enumerate(values)]
        originals = values if raw.lstrip().startswith(b"[") else [raw]  # one object: as sent
        outcome, result = await gw.ingest.submit(
            principal, checked, "submit", originals=originals, received_at=received_at
        )
        return _answer(gw, "reports", ANSWERED[outcome], result)

    @submission(
        "/v1/reports/csv",
        "reports_csv",
        "Upload a semicolon CSV, one row per unit-month",
        csv_body(),
    )
    async def post_reports_csv(request: Request, credentials: Credentials, gw: Wired) -> Response:
        """Header ``unit_type;unit_code;period;revision`` and the six indicators (any order);
        an empty cell is null. Send the file as the body (``text/csv``) or as a form file.
        Errors name the line."""
        received_at = datetime.now(UTC)
        principal = gw.gatekeeper.authorise(_token(credentials), "reports_csv")
        raw = await read_body(request, gw.settings.max_body_bytes)
        try:
            data = extract_upload(request.headers.get("content-type", ""), raw)
            rows = parse_csv(data, reported_at=received_at, max_rows=gw.settings.max_items)
        except CsvRejected as exc:
            return _body_refused(gw, "reports_csv", "csv_unreadable", exc.message)
        checked: list[CheckedItem] = []
        for index, row in enumerate(rows):
            item = check_item(index, row.value, gw.registry, line=row.line, prior_errors=row.errors)
            checked.append(replace(item, errors=tuple(at_line(item.errors, row.line))))
        originals = [row.value or row.raw.encode("utf-8") for row in rows]
        outcome, result = await gw.ingest.submit(
            principal, checked, "submit_csv", originals=originals, received_at=received_at
        )
        return _answer(gw, "reports_csv", ANSWERED[outcome], result)

    @routes.get(
        "/internal/isAlive",
        tags=["internal"],
        response_model=Health,
        response_model_exclude_none=True,
    )
    async def is_alive() -> Health:
        return Health(status="alive")

    @routes.get(
        "/internal/isReady",
        tags=["internal"],
        response_model=Health,
        response_model_exclude_none=True,
        responses={503: {"model": ErrorBody}},
    )
    async def is_ready(gw: Wired) -> Response:
        """Ready when the broker answers and the reports topic exists."""
        if await gw.sink.ready():
            return JSONResponse({"status": "ready", "topic": gw.sink.topic})
        body = ErrorBody(detail="the broker is not reachable", reason="broker_unavailable")
        return JSONResponse(body.model_dump(), status_code=503)

    @routes.get("/metrics", tags=["internal"], response_class=Response)
    async def prometheus_metrics(gw: Wired) -> Response:
        return Response(generate_latest(gw.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return routes
