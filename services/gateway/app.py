"""The ingest gateway's HTTP entrypoint: ``uvicorn services.gateway.app:app``.

``create_app(settings)`` builds the app (keys and registry are loaded then; the broker is
connected on first use, so the gateway is alive before the broker is). ``app`` is built
from the environment the first time it is looked up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from contracts.registry import Registry
from contracts.reports import IndicatorReportV1
from services.auth.audit import AuditLog
from services.auth.tokens import (
    SCOPE_WRITE,
    InsufficientScope,
    InvalidToken,
    Principal,
    TokenVerifier,
)
from services.gateway.adapters.kafka import KafkaReportSink, ReportSink
from services.gateway.config import GatewaySettings
from services.gateway.csv_upload import COLUMNS, CsvRejected, at_line, extract_upload, parse_csv
from services.gateway.domain import (
    BodyRejected,
    CheckedItem,
    TokenBucket,
    UnitRegistry,
    check_item,
    split_body,
)
from services.gateway.handlers import UNRECORDED, Ingest, Refusal
from services.gateway.metrics import GatewayMetrics
from services.gateway.schemas import ErrorBody, Problem, SubmissionResult

log = logging.getLogger(__name__)
bearer = HTTPBearer(auto_error=False, description="RS256 JWT (`sosialpuls token --unit ...`)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

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
CSV_EXAMPLE = ";".join(COLUMNS) + "\nmunicipality;0301;2025-03;1;2410;610;1190;820;31250400;170\n"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes before parsing it."""
    declared = request.headers.get("content-length", "")
    too_large = Refusal(413, f"the body exceeds {limit} bytes", "body_too_large")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    settings: GatewaySettings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    sink: ReportSink | None = None,
    registry: UnitRegistry | None = None,
    audit: AuditLog | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """The gateway app. Anything not passed in is built from ``settings`` (default: env)."""
    settings = settings or GatewaySettings()
    verifier = verifier or TokenVerifier.from_file(
        settings.public_key_path, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    sink = sink or KafkaReportSink(
        settings.kafka_brokers,
        settings.reports_topic,
        dlq_topic=settings.dlq_topic,
        produce_timeout=settings.produce_timeout_seconds,
        ready_timeout=settings.ready_timeout_seconds,
    )
    registry = registry or Registry.load()
    audit = audit or AuditLog(settings.audit_log_path)
    metrics = GatewayMetrics()
    ingest = Ingest(sink, registry, audit, metrics)
    limiter = TokenBucket(settings.rate_limit_per_second, settings.rate_limit_burst)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await sink.close()

    app = FastAPI(
        title="sosialpuls ingest gateway",
        version="1",
        description="Submit monthly social-assistance indicator reports (event contract v1).",
        lifespan=lifespan,
    )
    app.state.settings, app.state.metrics, app.state.sink = settings, metrics, sink

    def deny(endpoint: str, reason: str) -> None:
        audit.record("DENY", action=endpoint, principal=None, resource="reports", reason=reason)

    def authorise(credentials: HTTPAuthorizationCredentials | None, endpoint: str) -> Principal:
        unauthorised = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            deny(endpoint, "missing_token")
            raise Refusal(401, "a bearer token is required", "missing_token", unauthorised)
        try:
            principal = verifier.verify(credentials.credentials, SCOPE_WRITE)
        except InvalidToken as exc:
            deny(endpoint, "invalid_token")
            raise Refusal(401, str(exc), "invalid_token", unauthorised) from exc
        except InsufficientScope as exc:
            deny(endpoint, "insufficient_scope")
            raise Refusal(403, str(exc), "insufficient_scope") from exc
        wait = limiter.take(principal.identity, clock())
        if wait > 0:
            retry = str(max(1, int(wait + 0.999)))
            raise Refusal(
                429,
                f"too many requests for {principal.identity}; retry in {retry} s",
                "rate_limited",
                {"Retry-After": retry},
            )
        return principal

    def answer(endpoint: str, status: int, result: SubmissionResult) -> JSONResponse:
        metrics.requests.labels(endpoint, str(status)).inc()
        return JSONResponse(result.model_dump(mode="json"), status_code=status)

    def body_refused(endpoint: str, reason: str, message: str, status: int = 422) -> JSONResponse:
        metrics.rejected.labels(reason).inc()
        problem = Problem(field=None, reason=reason, message=message)
        result = SubmissionResult(accepted=0, rejected=0, detail=message, errors=[problem])
        return answer(endpoint, status, result)

    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal) -> JSONResponse:
        route = request.scope.get("route")
        endpoint = getattr(route, "name", "unknown")
        metrics.requests.labels(endpoint, str(exc.status)).inc()
        if exc.reason != "forbidden_unit":  # counted per item by the handler
            metrics.rejected.labels(exc.reason).inc()
        body = ErrorBody(detail=exc.detail, reason=exc.reason).model_dump()
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.post(
        "/v1/reports",
        name="reports",
        status_code=202,
        summary="Submit one report or a list of up to 1000",
        responses={**ACCEPTED, **REFUSALS},
        openapi_extra={"requestBody": _json_body(settings.max_items)},
    )
    async def post_reports(request: Request, credentials: Credentials) -> JSONResponse:
        """Validate each report; produce the valid ones (keyed by unit, acks=all) and answer
        with a receipt per accepted report, after the broker acknowledged it. Invalid reports
        are answered per item and field and go to the DLQ topic instead (acknowledged
        before the answer too); a body that is not JSON is one refused report."""
        received_at = datetime.now(UTC)
        principal = authorise(credentials, "reports")
        raw = await read_body(request, settings.max_body_bytes)
        try:
            values = split_body(raw, settings.max_items)
        except BodyRejected as exc:
            if exc.one_report and not await ingest.refuse_body(
                raw, exc.reason, exc.message, received_at=received_at
            ):
                return body_refused("reports", str(exc.reason), f"{exc.message}; {UNRECORDED}", 503)
            return body_refused("reports", str(exc.reason), exc.message)
        checked = [check_item(index, value, registry) for index, value in enumerate(values)]
        originals = values if raw.lstrip().startswith(b"[") else [raw]  # one object: as sent
        status, result = await ingest.submit(
            principal, checked, "submit", originals=originals, received_at=received_at
        )
        return answer("reports", status, result)

    @app.post(
        "/v1/reports/csv",
        name="reports_csv",
        status_code=202,
        summary="Upload a semicolon CSV, one row per unit-month",
        responses={**ACCEPTED, **REFUSALS},
        openapi_extra={"requestBody": _csv_body()},
    )
    async def post_reports_csv(request: Request, credentials: Credentials) -> JSONResponse:
        """Header ``unit_type;unit_code;period;revision`` and the six indicators (any order);
        an empty cell is null. Send the file as the body (``text/csv``) or as a form file.
        Errors name the line."""
        received_at = datetime.now(UTC)
        principal = authorise(credentials, "reports_csv")
        raw = await read_body(request, settings.max_body_bytes)
        try:
            data = extract_upload(request.headers.get("content-type", ""), raw)
            rows = parse_csv(data, reported_at=received_at, max_rows=settings.max_items)
        except CsvRejected as exc:
            return body_refused("reports_csv", "csv_unreadable", exc.message)
        checked: list[CheckedItem] = []
        for index, row in enumerate(rows):
            item = check_item(index, row.value, registry, line=row.line, prior_errors=row.errors)
            checked.append(replace(item, errors=tuple(at_line(item.errors, row.line))))
        originals = [row.value or row.raw.encode("utf-8") for row in rows]
        status, result = await ingest.submit(
            principal, checked, "submit_csv", originals=originals, received_at=received_at
        )
        return answer("reports_csv", status, result)

    @app.get("/internal/isAlive", include_in_schema=True, tags=["internal"])
    async def is_alive() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/internal/isReady", tags=["internal"], responses={503: {"model": ErrorBody}})
    async def is_ready() -> JSONResponse:
        """Ready when the broker answers and the reports topic exists."""
        if await sink.ready():
            return JSONResponse({"status": "ready", "topic": sink.topic})
        body = ErrorBody(detail="the broker is not reachable", reason="broker_unavailable")
        return JSONResponse(body.model_dump(), status_code=503)

    @app.get("/metrics", tags=["internal"], response_class=Response)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _json_body(max_items: int) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/IndicatorReportV1"}
    schema = {"oneOf": [ref, {"type": "array", "items": ref, "minItems": 1, "maxItems": max_items}]}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _csv_body() -> dict[str, Any]:
    file_form = {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
    return {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
            "multipart/form-data": {"schema": file_form},
        },
    }


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the report model the hand-read request bodies refer to."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    report = IndicatorReportV1.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(report.pop("$defs", {}))
    components["IndicatorReportV1"] = report
    app.openapi_schema = schema
    return schema


def __getattr__(name: str) -> FastAPI:
    """``app``: built from the environment on first lookup (what uvicorn does)."""
    if name == "app":
        built = create_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)
