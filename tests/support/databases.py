"""Fresh PostgreSQL databases for tests, on the launcher's helpers (``deploy.local.postgres``
creates and drops databases; this adds a unique name, a template and the migrations)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from deploy.local.postgres import database_name, drop_database, ensure_database, with_database
from services.storage.migrate import apply_migrations

__all__ = ["create_database", "database", "database_name", "drop_database"]


async def create_database(
    server_url: str, prefix: str = "test", *, template: str | None = None, migrate: bool = True
) -> str:
    """The URL of a new database ``<prefix>_<random>`` on the server of ``server_url``
    (a copy of ``template`` when given), with the migrations applied."""
    url = with_database(server_url, f"{prefix}_{uuid.uuid4().hex[:12]}")
    if template is None:
        await ensure_database(url)
    else:
        admin = await asyncpg.connect(with_database(server_url, "postgres"))
        try:
            await admin.execute(f'CREATE DATABASE "{database_name(url)}" TEMPLATE "{template}"')
        finally:
            await admin.close()
    if migrate:
        await apply_migrations(url)
    return url


@asynccontextmanager
async def database(
    server_url: str, prefix: str = "test", *, template: str | None = None
) -> AsyncIterator[str]:
    """A new migrated database for the ``async with`` block, dropped afterwards."""
    url = await create_database(server_url, prefix, template=template)
    try:
        yield url
    finally:
        await drop_database(url)
