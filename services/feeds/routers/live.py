"""Live and dashboard support: server-sent events, the map's figures and geometry."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, StreamingResponse

from contracts.rules import INDICATORS
from services.feeds import queries, schemas
from services.feeds.figures import per_1000
from services.feeds.handlers import Feeds
from services.feeds.routers.access import Authorised, Refused, connection, month
from services.feeds.suppression import CellKey

router = APIRouter(prefix="/v1", tags=["live"])
GEO = Path(__file__).resolve().parents[3] / "contracts" / "registry" / "data" / "geo"


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **schemas.REFUSALS,
    },
)
async def stream(request: Request, who: Authorised) -> StreamingResponse:
    """Server-sent events: ``event: update`` with the rollups (level, code, period) that
    changed since the last event, found by polling ``rollup_month.updated_at``. A change is
    announced once the feeds' snapshots hold it (at most the snapshot debounce later), so
    a dashboard that reloads on the event sees the new figures."""
    settings = request.app.state.settings
    feeds: Feeds = request.app.state.feeds
    async with connection(request) as con:
        since = await queries.latest_update(con) or datetime(1970, 1, 1, tzinfo=UTC)
    who.permit("stream")

    async def events() -> AsyncIterator[str]:
        nonlocal since
        yield f"event: hello\ndata: {json.dumps({'since': since.isoformat()})}\n\n"
        loop = asyncio.get_running_loop()
        stop = loop.time() + settings.stream_max_seconds
        held: list[dict[str, Any]] = []
        changed: dict[str, datetime] = {}
        while loop.time() < stop and not await request.is_disconnected():
            await asyncio.sleep(settings.stream_poll_seconds)
            async with connection(request) as con:
                changes = await queries.changes_since(con, since, 500)
                if changes:
                    since = max(c["updated_at"] for c in changes)
                for c in changes:
                    held.append({k: c[k] for k in ("level", "code", "period")})
                    at = changed.get(c["period"], c["updated_at"])
                    changed[c["period"]] = max(c["updated_at"], at)
                shown = bool(held) and await feeds.shows(con, changed)
            if not shown:
                yield ": keepalive\n\n"
                continue
            yield f"event: update\ndata: {json.dumps({'changes': held})}\n\n"
            held, changed = [], {}

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.get("/map", **schemas.answers(schemas.CountyMap))
async def county_map(
    request: Request,
    who: Authorised,
    period: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
    indicator: str = "recipients",
) -> dict[str, Any]:
    """Counties' ``indicator`` per 1000 inhabitants at ``period`` (suppressed as exported)."""
    if indicator not in INDICATORS:
        raise Refused(400, "unknown_indicator", f"indicator must be one of {INDICATORS}")
    feeds: Feeds = request.app.state.feeds
    async with connection(request) as con:
        period = await month(con, period)
        table = await feeds.table(con, "county", period, period, who.unsuppressed, 100)
    counties = []
    for unit in table.units:
        if not unit.startswith("county:"):
            continue
        cell = table.cells[CellKey(unit, period, indicator)]
        rate = per_1000(cell, feeds.population(unit, period))
        counties.append(
            {
                "code": unit.split(":", 1)[1],
                "name": table.names[unit],
                "value": cell.value,
                "per_1000": rate.value,
                "status": cell.status or rate.status,
            }
        )
    who.permit(f"map:{period}:{indicator}", count=len(counties))
    return {"period": period, "indicator": indicator, "counties": counties}


@router.get("/geo/counties", include_in_schema=False)
async def county_geometry() -> FileResponse:
    """The county map (GeoJSON, WGS84) from the reference data."""
    path = GEO / "Fylker-S.geojson"
    if path.exists():
        return FileResponse(path, media_type="application/geo+json")
    raise Refused(404, "no_geometry", "the county map is not installed")
