"""The ingest gateway's HTTP app: ``uvicorn services.gateway.app:app``.

``create_app(settings)`` bootstraps the gateway (keys and registry are loaded then; the
broker is connected on first use, so the gateway is alive before the broker is) and mounts
its routes. ``app`` is built from the environment the first time it is looked up.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.auth.audit import AuditLog
from services.auth.tokens import TokenVerifier
from services.gateway.adapters.kafka import ReportSink
from services.gateway.bootstrap import bootstrap
from services.gateway.config import GatewaySettings
from services.gateway.domain import Refused, UnitRegistry
from services.gateway.entrypoints import http, openapi


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
    gateway = bootstrap(
        settings, verifier=verifier, sink=sink, registry=registry, audit=audit, clock=clock
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await gateway.sink.close()

    app = FastAPI(
        title="sosialpuls ingest gateway",
        version="1",
        description="Submit monthly social-assistance indicator reports (event contract v1).",
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    app.add_exception_handler(Refused, http.refused)
    app.include_router(http.router(gateway.settings.max_items))
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    return app


def __getattr__(name: str) -> FastAPI:
    """``app``: built from the environment on first lookup (what uvicorn does)."""
    if name == "app":
        built = create_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)
