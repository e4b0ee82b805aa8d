"""The ingest gateway's HTTP app: ``uvicorn services.gateway.app:app``.

``create_app(settings)`` bootstraps the gateway (keys and registry are loaded then; the
broker is connected on first use, so the gateway is alive before the broker is) and mounts
its routes. ``app`` is built from the environment the first time it is looked up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Unpack

from fastapi import FastAPI

from services.asgi import lazy_app
from services.gateway.bootstrap import Parts, bootstrap
from services.gateway.config import GatewaySettings
from services.gateway.domain import Refused
from services.gateway.entrypoints import http, openapi


def create_app(settings: GatewaySettings | None = None, **parts: Unpack[Parts]) -> FastAPI:
    """The gateway app. Anything not passed in is built from ``settings`` (default: env)."""
    gateway = bootstrap(settings, **parts)

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


__getattr__ = lazy_app(globals(), create_app)
