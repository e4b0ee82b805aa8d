"""Feed endpoints: unit indicators, scorecards, coverage, anomalies and exports."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from contracts.periods import periods_between, shift
from contracts.registry import LEVELS
from contracts.rules import INDICATORS
from services.feeds import queries, schemas
from services.feeds.handlers import Feeds, NotFound
from services.feeds.jsonstat import build_csv, build_dataset
from services.feeds.routers.access import Authorised, Refused, connection, month, period_param
from services.feeds.tables import ANCESTORS, Table

router = APIRouter(prefix="/v1", tags=["feeds"])
PeriodQuery = Query(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
FromQuery = Query(None, alias="from", pattern=r"^\d{4}-\d{2}$")
ToQuery = Query(None, alias="to", pattern=r"^\d{4}-\d{2}$")


def _feeds(request: Request) -> Feeds:
    feeds: Feeds = request.app.state.feeds
    return feeds


def _range(
    request: Request, first: str | None, last: str | None, latest: str | None
) -> tuple[str, str]:
    max_months: int = request.app.state.settings.max_months
    last = period_param(last, "to") if last else latest
    if last is None:
        raise Refused(404, "no_data", "no figures have been reported yet")
    first = period_param(first, "from") if first else shift(last, -11)
    if first > last:
        raise Refused(400, "bad_range", f"from {first} is after to {last}")
    if len(periods_between(first, last)) > max_months:
        raise Refused(400, "range_too_long", f"at most {max_months} months per request")
    return first, last


@router.get("/units/{unit_type}/{code}/indicators", **schemas.answers(schemas.UnitIndicators))
async def unit_indicators(
    request: Request,
    who: Authorised,
    unit_type: str,
    code: str,
    first: str | None = FromQuery,
    last: str | None = ToQuery,
) -> dict[str, Any]:
    """Per month: the six indicators, year to date, rolling 12 months, changes, rates per
    1000 inhabitants, status, revision and report time (suppressed unless it is yours)."""
    resource = f"{unit_type}:{code}"
    if unit_type not in LEVELS:
        who.deny(resource, "unknown_type")
        raise Refused(404, "unknown_type", f"unit type must be one of {', '.join(LEVELS)}")
    access = who.access(unit_type, code)
    async with connection(request) as con:
        first, last = _range(request, first, last, await queries.latest_period(con))
        try:
            answer = await _feeds(request).unit_indicators(
                con, unit_type, code, first, last, not access.suppressed, who.unsuppressed
            )
        except NotFound as exc:
            who.permit(resource, count=0)
            raise Refused(404, "not_found", str(exc)) from exc
    who.permit(resource, count=len(answer["months"]))
    return answer


@router.get("/scorecards/{office}", **schemas.answers(schemas.Scorecard))
async def scorecard(
    request: Request, who: Authorised, office: str, period: str | None = PeriodQuery
) -> dict[str, Any]:
    """A NAV office's month beside its county, KOSTRA group and the nation, with rates."""
    resource = f"nav_office:{office}"
    access = who.access("nav_office", office)
    async with connection(request) as con:
        period = await month(con, period, who, resource)
        try:
            answer = await _feeds(request).scorecard(
                con, office, period, not access.suppressed, who.unsuppressed
            )
        except NotFound as exc:
            who.permit(resource, count=0)
            raise Refused(404, "not_found", str(exc)) from exc
    who.permit(resource, count=1)
    return answer


@router.get("/coverage", **schemas.answers(schemas.Coverage))
async def coverage(
    request: Request, who: Authorised, period: str | None = PeriodQuery
) -> dict[str, Any]:
    """Expected, reported and missing units per level, and late reports."""
    return await _month_answer(request, who, period, "coverage", Feeds.coverage, "levels")


@router.get("/anomalies", **schemas.answers(schemas.Anomalies))
async def anomalies(
    request: Request, who: Authorised, period: str | None = PeriodQuery
) -> dict[str, Any]:
    """Municipalities whose figures look wrong in the month."""
    return await _month_answer(request, who, period, "anomalies", Feeds.anomalies, "anomalies")


async def _month_answer(
    request: Request,
    who: Authorised,
    period: str | None,
    name: str,
    build: Callable[[Feeds, queries.Conn, str], Awaitable[dict[str, Any]]],
    counted: str,
) -> dict[str, Any]:
    """One month's answer (``period``, else the latest), audited with how many entries of
    ``counted`` it holds."""
    async with connection(request) as con:
        period = await month(con, period, who, name)
        answer = await build(_feeds(request), con, period)
    who.permit(f"{name}:{period}", count=len(answer[counted]))
    return answer


async def export_table(
    request: Request,
    who: Authorised,
    level: str = "county",
    first: str | None = FromQuery,
    last: str | None = ToQuery,
) -> Table:
    """The suppressed table of ``level`` and its ancestors an export shows (audited)."""
    if level not in ANCESTORS:
        who.deny(f"export:{level}", "unknown_level")
        raise Refused(400, "unknown_level", f"level must be one of {', '.join(ANCESTORS)}")
    settings = request.app.state.settings
    async with connection(request) as con:
        first, last = _range(request, first, last, await queries.latest_period(con))
        table = await _feeds(request).table(
            con, level, first, last, who.unsuppressed, settings.max_rows
        )
    who.permit(f"export:{level}:{first}..{last}", count=len(table.units))
    return table


Exported = Annotated[Table, Depends(export_table)]


@router.get(
    "/export/jsonstat",
    response_model=schemas.JsonStatDataset,
    responses=schemas.REFUSALS,
)
async def export_jsonstat(t: Exported) -> Response:
    """A JSON-stat 2.0 dataset of ``level`` and its ancestors (suppressed cells ``":"``)."""
    if "json" not in t.rendered:
        dataset = build_dataset(t.cells, t.units, t.periods, INDICATORS, t.names)
        t.rendered["json"] = json.dumps(dataset, ensure_ascii=False, separators=(",", ":"))
    return Response(t.rendered["json"], media_type="application/json", headers=_as_of(t))


@router.get(
    "/export/csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **schemas.REFUSALS,
    },
)
async def export_csv(t: Exported) -> Response:
    """The same table as ``;``-separated CSV with codes and names."""
    if "csv" not in t.rendered:
        t.rendered["csv"] = build_csv(t.cells, t.units, t.periods, INDICATORS, t.names)
    return Response(t.rendered["csv"], media_type="text/csv; charset=utf-8", headers=_as_of(t))


def _as_of(t: Table) -> dict[str, str]:
    """The data version the export's figures and suppression both come from."""
    if t.version is None:
        return {}
    return {
        "X-Data-Version": t.version.isoformat(),
        "Last-Modified": format_datetime(t.version.astimezone(UTC), usegmt=True),
    }
