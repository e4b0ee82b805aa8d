"""The feeds service's HTTP entrypoint: ``uvicorn services.feeds.app:app``.

``create_app(settings)`` bootstraps the feeds (``bootstrap.py``: keys, registry and the audit
log are loaded then; the PostgreSQL pool is opened on first use) and mounts the routes.
``app`` is built from the environment the first time it is looked up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    generate_latest,
)

from contracts.registry import Registry
from services.asgi import lazy_app
from services.auth.tokens import TokenVerifier
from services.errors import error_response
from services.feeds import queries
from services.feeds.bootstrap import bootstrap
from services.feeds.config import FeedsSettings
from services.feeds.routers import data, live, reporting
from services.feeds.routers.access import Refused
from services.feeds.schemas import FeedsError, Health

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: FeedsSettings | None = None,
    *,
    registry: Registry | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    """The feed API, the dashboard and the internal endpoints."""
    service = bootstrap(settings, registry=registry, verifier=verifier)
    database = service.database

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await database.close()

    app = FastAPI(
        title="sosialpuls feeds",
        version="1.0",
        description="Monthly social-assistance indicators: feeds, exports and dashboard.",
        lifespan=lifespan,
    )
    app.state.settings = service.settings
    app.state.database = database
    app.state.feeds = service.feeds
    app.state.verifier = service.verifier
    app.state.audit = service.audit
    app.state.requests = service.requests
    metrics, coverage = service.metrics, service.coverage

    async def measure_coverage() -> None:
        """Refresh the coverage gauge at scrape time (left as it was if PostgreSQL is away)."""
        try:
            pool = await asyncio.wait_for(database.pool(), timeout=2)
            async with pool.acquire() as con:
                period = await queries.latest_period(con)
                rows = [] if period is None else await queries.coverage(con, period)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return
        for row in rows:
            coverage.labels(row["level"]).set(float(row["coverage"]))

    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, FeedsError.of(exc.code, exc.message), headers)

    app.include_router(data.router)
    app.include_router(live.router)
    app.include_router(reporting.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/internal/isAlive", tags=["internal"], response_model=Health)
    async def is_alive() -> dict[str, str]:
        return {"status": "alive"}

    @app.get(
        "/internal/isReady",
        tags=["internal"],
        response_model=Health,
        response_model_exclude_unset=True,
        responses={503: {"model": Health, "description": "PostgreSQL is not reachable"}},
    )
    async def is_ready() -> JSONResponse:
        try:
            pool = await asyncio.wait_for(database.pool(), timeout=3)
            async with pool.acquire() as con:
                await con.fetchval("SELECT 1 FROM rollup_month LIMIT 1")
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            return JSONResponse({"status": "not ready", "reason": type(exc).__name__}, 503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", tags=["internal"], response_class=Response)
    async def prometheus_metrics() -> Response:
        await measure_coverage()
        return Response(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    return app


__getattr__ = lazy_app(globals(), create_app)
