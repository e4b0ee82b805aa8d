"""The dashboard in a real headless Chromium (Debian package `chromium`), driven over CDP.

Starts the feeds service with uvicorn on a real PostgreSQL holding two years of figures,
opens `/` with a directorate token, and checks: no console errors, the national figures
of the latest month are shown, and the page updates by itself (via `/v1/stream`) when a new
figure arrives. A screenshot is saved to tests/artifacts/dashboard.png.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.auth.tokens import TokenIssuer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2400",
]
COUNTIES = {"03": ["0301"], "46": ["4601", "4602", "4611"], "50": ["5001", "5006"]}
PERIODS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
WAIT_SECONDS = 60.0

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian package chromium missing")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def municipality_recipients(code: str, index: int) -> int:
    return 2 if code == "4602" else int(code) % 700 + 40 + 3 * index


async def put(con: asyncpg.Connection, level: str, code: str, period: str, value: int) -> None:
    await con.execute(
        "INSERT INTO rollup_month (level, code, period, recipients, recipients_with_children,"
        " recipients_main_livelihood, recipients_under_30, kroner_paid, qp_participants,"
        " members_reported, members_expected) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,1,1)"
        " ON CONFLICT (level, code, period) DO UPDATE SET recipients = excluded.recipients,"
        " updated_at = now()",
        level,
        code,
        date(int(period[:4]), int(period[5:]), 1),
        value,
        value // 4,
        value // 2,
        value // 3,
        value * 10_000,
        value // 10,
    )


async def seed(pool: asyncpg.Pool) -> int:
    """Two years of figures; returns the nation's recipients in the last month."""
    nation = 0
    async with pool.acquire() as con:
        for index, period in enumerate(PERIODS):
            nation = 0
            for county, municipalities in COUNTIES.items():
                values = [municipality_recipients(m, index) for m in municipalities]
                for code, value in zip(municipalities, values, strict=True):
                    await put(con, "municipality", code, period, value)
                    await con.execute(
                        "INSERT INTO expected_units VALUES ($1, 'municipality', $2)",
                        date(int(period[:4]), int(period[5:]), 1),
                        code,
                    )
                await put(con, "county", county, period, sum(values))
                nation += sum(values)
            await put(con, "nation", "0", period, nation)
    return nation


@pytest.fixture
def keys(tmp_path: Path) -> Iterator[TokenIssuer]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "public.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    yield TokenIssuer(key)


@pytest.fixture
async def feeds_url(pg_database_url: str, tmp_path: Path, keys: TokenIssuer) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": pg_database_url,
        "SOSIALPULS_HOME": str(tmp_path),
        "SOSIALPULS_FEEDS_STREAM_POLL_SECONDS": "0.3",
    }
    log = (tmp_path / "feeds.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.feeds.app:app", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    if (await client.get(f"{url}/internal/isAlive")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)
            else:
                pytest.fail((tmp_path / "feeds.log").read_text())
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


class Page:
    """A minimal Chrome DevTools Protocol client for one page."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.errors: list[str] = []
        self.replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            if "id" in msg and msg["id"] in self.replies:
                self.replies.pop(msg["id"]).set_result(msg)
            elif msg.get("method") == "Runtime.exceptionThrown":
                self.errors.append(json.dumps(msg["params"]["exceptionDetails"])[:500])
            elif msg.get("method") == "Runtime.consoleAPICalled":
                if msg["params"]["type"] in ("error", "assert"):
                    self.errors.append(json.dumps(msg["params"]["args"])[:500])
            elif (
                msg.get("method") == "Log.entryAdded" and msg["params"]["entry"]["level"] == "error"
            ):
                self.errors.append(msg["params"]["entry"]["text"][:500])

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replies[ident] = reply
        await self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        result = await asyncio.wait_for(reply, WAIT_SECONDS)
        if "error" in result:
            raise AssertionError(f"{method}: {result['error']}")
        return dict(result.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, expected: Any) -> Any:
        value = None
        for _ in range(int(WAIT_SECONDS / 0.25)):
            value = await self.evaluate(expression)
            if value == expected:
                return value
            await asyncio.sleep(0.25)
        return value


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=tmp_path))
    assert CHROMIUM is not None
    proc = subprocess.Popen(
        [
            CHROMIUM,
            *FLAGS,
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        active = profile / "DevToolsActivePort"
        for _ in range(300):
            if active.exists() and len(active.read_text().splitlines()) >= 2:
                break
            await asyncio.sleep(0.1)
        port = active.read_text().splitlines()[0]
        async with httpx.AsyncClient() as client:
            targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
        target = next(t for t in targets if t["type"] == "page")
        async with websockets.connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            p = Page(ws)
            await p.send("Runtime.enable")
            await p.send("Log.enable")
            await p.send("Page.enable")
            yield p
            p.reader.cancel()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


async def test_dashboard_shows_national_figures_and_updates_live(
    pg_pool: asyncpg.Pool, feeds_url: str, keys: TokenIssuer, page: Page
) -> None:
    nation = await seed(pg_pool)
    token = keys.issue(role="directorate")
    await page.send("Page.navigate", url=f"{feeds_url}/#token={token}")
    loaded = "Number(document.body.dataset.loaded || 0) >= 1"
    assert await page.wait_for(loaded, True), page.errors
    shown = "document.getElementById('nat-recipients').dataset.value"
    assert await page.evaluate(shown) == str(nation)
    assert await page.evaluate("document.getElementById('period').textContent") == "des 2025"
    assert await page.evaluate("document.querySelectorAll('#map path').length") > 0
    assert await page.evaluate("document.querySelectorAll('#trend-table tbody tr').length") == 12
    live = "document.getElementById('live').textContent"
    assert await page.wait_for(live, "Direkte") == "Direkte"

    async with pg_pool.acquire() as con:
        await put(con, "nation", "0", PERIODS[-1], nation + 1234)
    assert await page.wait_for(shown, str(nation + 1234)) == str(nation + 1234)

    ARTIFACTS.mkdir(exist_ok=True)
    shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    (ARTIFACTS / "dashboard.png").write_bytes(base64.b64decode(shot["data"]))
    assert page.errors == []
