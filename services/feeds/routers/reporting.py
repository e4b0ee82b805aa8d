"""The reporting unit's page (``/rapportering``), its own history and figures, and the
same-origin forwarding of its uploads to the ingest gateway."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from services.asgi import read_limited
from services.auth.tokens import UnitRef
from services.feeds import queries
from services.feeds import reporting as use_cases
from services.feeds.gateway_forward import GatewayUnavailable, forward
from services.feeds.handlers import Feeds
from services.feeds.routers.access import Authorised, Caller, Refused, connection, period_param
from services.gateway.schemas import SubmissionResult

router = APIRouter(tags=["reporting"])
PAGE = Path(__file__).resolve().parents[1] / "static" / "rapportering.html"
PeriodQuery = Query(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class UnitName(BaseModel):
    type: str = Field(examples=["municipality"])
    code: str = Field(examples=["0301"])
    name: str = Field(examples=["Oslo"])


class RevisionSeen(BaseModel):
    """A revision the pipeline accepted for the unit-month, and when it first saw it."""

    revision: int
    first_seen_at: datetime | None


class ReportedMonth(BaseModel):
    """The winning (highest) revision of one unit-month as the aggregator counted it."""

    unit: UnitName
    period: str = Field(examples=["2025-03"])
    revision: int
    source: str = Field(examples=["csv-upload"])
    reported_at: datetime = Field(description="when the unit says it reported")
    received_at: datetime = Field(description="when the gateway received it")
    revisions: list[RevisionSeen]


class ReportingHistory(BaseModel):
    """The caller's own reports (its unit; a municipality also its city districts)."""

    unit: UnitName
    months: list[ReportedMonth]


class FigureColumn(BaseModel):
    """One unit's month: ``own`` unsuppressed, the others as the caller may see them."""

    role: Literal["own", "county", "kostra_group", "nation"]
    unit: dict[str, str]
    suppressed: bool
    reported: bool
    indicators: dict[str, int | None]
    indicator_status: dict[str, str]
    per_1000_inhabitants: dict[str, float | int | None]
    per_1000_inhabitants_status: dict[str, str]


class OwnFigures(BaseModel):
    unit: UnitName
    period: str
    columns: list[FigureColumn]


def _feeds(request: Request) -> Feeds:
    feeds: Feeds = request.app.state.feeds
    return feeds


def _reporting_unit(who: Caller, resource: str) -> UnitRef:
    unit = who.principal.unit
    if unit is None:
        who.deny(resource, "not_a_reporting_unit")
        raise Refused(
            403,
            "not_a_reporting_unit",
            "this view is for a reporting unit's token (sosialpuls token --unit ...)",
        )
    return unit


def _unit_name(feeds: Feeds, unit_type: str, code: str, period: str) -> UnitName:
    return UnitName(type=unit_type, code=code, name=feeds.names.name(f"{unit_type}:{code}", period))


@router.get("/rapportering", include_in_schema=False)
async def reporting_page() -> FileResponse:
    """The reporting unit's page (bokmål)."""
    return FileResponse(PAGE, media_type="text/html")


@router.get("/v1/reporting/history", response_model=ReportingHistory)
async def reporting_history(
    request: Request,
    who: Authorised,
    first: str | None = Query(None, alias="from", pattern=r"^\d{4}-\d{2}$"),
    last: str | None = Query(None, alias="to", pattern=r"^\d{4}-\d{2}$"),
) -> ReportingHistory:
    """Which months the caller's unit has reported, with the winning revision, when it was
    reported and received, and every revision accepted (default: the last 24 months up to
    its latest report). Only ever the caller's own unit (and a municipality's districts)."""
    unit = _reporting_unit(who, "reporting:history")
    feeds = _feeds(request)
    async with connection(request) as con:
        latest = await queries.latest_period(con) or "2025-01"
        units = use_cases.own_units(feeds, unit, latest)
        newest = await use_cases.latest_reported(con, units)
        months: list[ReportedMonth] = []
        if last or newest:
            last = period_param(last, "to") if last else newest
            assert last is not None
            first = period_param(first, "from") if first else use_cases.history_range(last)[0]
            rows = await use_cases.reported_months(con, units, first, last)
            months = [
                ReportedMonth(
                    unit=_unit_name(feeds, r["unit_type"], r["unit_code"], r["period"]),
                    **{k: v for k, v in r.items() if k not in ("unit_type", "unit_code")},
                )
                for r in rows
                if who.unsuppressed(f"{r['unit_type']}:{r['unit_code']}")
            ]
    who.permit(f"reporting:{unit.key}", count=len(months))
    return ReportingHistory(unit=_unit_name(feeds, unit.type, unit.code, latest), months=months)


@router.get("/v1/reporting/figures", response_model=OwnFigures)
async def reporting_figures(
    request: Request, who: Authorised, period: str | None = PeriodQuery
) -> OwnFigures:
    """The caller's unit in a month (default: its latest report) unsuppressed, beside its
    county, KOSTRA group and the nation, suppressed as the feeds suppress them for it."""
    unit = _reporting_unit(who, "reporting:figures")
    feeds = _feeds(request)
    async with connection(request) as con:
        if period is None:
            latest = await queries.latest_period(con) or "2025-01"
            units = use_cases.own_units(_feeds(request), unit, latest)
            period = await use_cases.latest_reported(con, units)
        if period is None:
            who.permit(f"reporting:{unit.key}", count=0)
            raise Refused(404, "no_data", f"{unit.key} has not reported yet")
        answer = await use_cases.own_figures(feeds, con, unit, period, who.unsuppressed)
    who.permit(f"reporting:{unit.key}:{period}", count=len(answer["columns"]))
    return OwnFigures(
        unit=_unit_name(feeds, unit.type, unit.code, period),
        period=period,
        columns=[FigureColumn(**c) for c in answer["columns"]],
    )


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes."""
    return await read_limited(request, limit)


async def _forward(request: Request, kind: str) -> Response:
    settings = request.app.state.settings
    limit: int = settings.max_upload_bytes
    body = await _body(request, limit)
    if body is None:
        too_large = {"detail": f"the body exceeds {limit} bytes", "reason": "body_too_large"}
        return JSONResponse(too_large, 413)
    try:
        answer = await forward(settings.gateway_url, kind, body, dict(request.headers))
    except GatewayUnavailable as exc:
        return JSONResponse({"detail": str(exc), "reason": "gateway_unavailable"}, 503)
    return Response(
        answer.body, answer.status, headers=answer.headers, media_type=answer.content_type
    )


SUBMIT_RESPONSES: dict[int | str, dict[str, object]] = {
    413: {"description": "the body exceeds SOSIALPULS_FEEDS_MAX_UPLOAD_BYTES"},
    422: {"model": SubmissionResult, "description": "no report accepted; reasons per item"},
    503: {"description": "the gateway is not configured or did not answer"},
}


@router.post(
    "/v1/reporting/reports",
    status_code=202,
    response_model=SubmissionResult,
    responses=SUBMIT_RESPONSES,
)
async def submit_reports(request: Request) -> Response:
    """``POST /v1/reports`` of the gateway, from the same origin as the page: the body and
    the bearer token are passed through unchanged and the gateway's answer returned."""
    return await _forward(request, "json")


@router.post(
    "/v1/reporting/reports/csv",
    status_code=202,
    response_model=SubmissionResult,
    responses=SUBMIT_RESPONSES,
)
async def submit_reports_csv(request: Request) -> Response:
    """``POST /v1/reports/csv`` of the gateway, from the same origin as the page."""
    return await _forward(request, "csv")
