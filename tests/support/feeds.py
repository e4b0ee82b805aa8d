"""A simulated year aggregated into its own PostgreSQL database by the real worker, and the
feed API (in process) over it, for the access and differencing tests."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from deploy.local.topics import TopicSet, create_topics, delete_topics
from services.auth.audit import audit_path
from services.auth.tokens import TokenIssuer, TokenVerifier, key_id
from services.feeds.app import create_app
from services.feeds.config import FeedsSettings

Cell = tuple[str, str, str, str]  # level, code, period, indicator


@dataclass
class Feed:
    """The feed API over a database holding a simulated year."""

    client: httpx.AsyncClient
    issuer: TokenIssuer
    home: Path
    pool: asyncpg.Pool
    truth: dict[str, Any]

    def audit_lines(self) -> list[str]:
        path = audit_path(self.home)
        return path.read_text().splitlines() if path.exists() else []

    async def get(self, path: str, **claims: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.issuer.issue(**claims)}"} if claims else {}
        return await self.client.get(path, headers=headers)

    async def export(
        self, level: str, period: str, **claims: Any
    ) -> dict[Cell, tuple[int | None, str]]:
        """The CSV export of ``level`` for one month: cell → (value, status)."""
        answer = await self.get(f"/v1/export/csv?level={level}&from={period}&to={period}", **claims)
        assert answer.status_code == 200, answer.text[:500]
        rows = csv.DictReader(io.StringIO(answer.text), delimiter=";")
        return {
            (r["level"], r["code"], r["period"], r["indicator"]): (
                int(r["value"]) if r["value"] else None,
                r["status"],
            )
            for r in rows
        }


async def private_topics(brokers: str) -> TopicSet:
    return await create_topics(brokers, prefix=f"feeds-sec-{uuid.uuid4().hex[:8]}.")


async def remove_topics(brokers: str, topics: TopicSet) -> None:
    await delete_topics(brokers, topics)


async def serve_feed(database_url: str, home: Path, truth: dict[str, Any]) -> AsyncIterator[Feed]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = TokenVerifier({key_id(key.public_key()): key.public_key()})
    settings = FeedsSettings(DATABASE_URL=database_url, SOSIALPULS_HOME=home)
    app = create_app(settings, verifier=verifier)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://feeds"
            ) as client,
        ):
            yield Feed(client, TokenIssuer(key), home, pool, truth)
    finally:
        await pool.close()
