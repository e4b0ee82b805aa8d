"""The dashboard in a real headless Chromium (Debian package `chromium`), driven over CDP.

Starts the feeds service with uvicorn on a real PostgreSQL holding two years of figures,
opens `/` with a directorate token, and checks: no console errors, the national figures
of the latest month are shown, the coverage table names its levels in bokmål, the count
axis has whole-number ticks, typing part of a municipality's name in the finder shows its
history in the trend chart, and the page updates by itself (via `/v1/stream`) when a new
figure arrives. A screenshot is saved to tests/artifacts/dashboard.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from browser_support import (
    Page,
    chromium_page,
    free_port,
    needs_chromium,
    process,
    signing_key,
    uvicorn,
)

from services.auth.tokens import TokenIssuer

COUNTIES = {"03": ["0301"], "46": ["4601", "4602", "4611"], "50": ["5001", "5006"]}
PERIODS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]

pytestmark = needs_chromium


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
def keys(tmp_path: Path) -> TokenIssuer:
    return signing_key(tmp_path)


@pytest.fixture
async def feeds_url(pg_database_url: str, tmp_path: Path, keys: TokenIssuer) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": pg_database_url,
        "SOSIALPULS_HOME": str(tmp_path),
        "SOSIALPULS_FEEDS_STREAM_POLL_SECONDS": "0.3",
    }
    url = f"http://127.0.0.1:{port}"
    async with process("feeds", uvicorn("services.feeds.app:app", port), env, tmp_path, url):
        yield url


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    async with chromium_page(tmp_path) as p:
        yield p


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
    levels = "Array.from(document.querySelectorAll('#coverage tbody tr td:first-child'))"
    assert await page.evaluate(f"{levels}.map((td) => td.textContent)") == ["Kommune"]
    ticks = await page.evaluate(
        "Array.from(document.querySelectorAll('#trend-chart text.tick')).map((t) => t.textContent)"
    )
    assert len(ticks) >= 3, ticks
    assert all(re.fullmatch(r"\d+", re.sub(r"\s", "", tick)) for tick in ticks), ticks
    live = "document.getElementById('live').textContent"
    assert await page.wait_for(live, "Direkte") == "Direkte"

    await find_municipality(page, "stein", "Steinkjer (5006)")
    caption = "document.getElementById('trend-caption').textContent"
    assert await page.wait_for(f"{caption}.includes('Steinkjer')", True), page.errors
    assert await page.evaluate("document.getElementById('area').value") == "municipality:5006"
    last_row = (
        "document.querySelector('#trend-table tbody tr:last-child td:nth-child(2)').textContent"
    )
    assert await page.evaluate(last_row) == str(municipality_recipients("5006", len(PERIODS) - 1))

    async with pg_pool.acquire() as con:
        await put(con, "nation", "0", PERIODS[-1], nation + 1234)
    assert await page.wait_for(shown, str(nation + 1234)) == str(nation + 1234)

    await page.screenshot("dashboard.png")
    assert page.errors == []


async def find_municipality(page: Page, typed: str, hit: str) -> None:
    """Type ``typed`` in the finder as a user would, and pick the one hit ``hit``."""
    await page.evaluate(
        "(() => { const box = document.getElementById('find-municipality'); box.focus();"
        f" box.value = {typed!r}; box.dispatchEvent(new Event('input')); }})()"
    )
    hits = "Array.from(document.querySelectorAll('#find-hits button')).map((b) => b.textContent)"
    assert await page.wait_for(hits, [hit]) == [hit]
    await page.evaluate("document.querySelector('#find-hits button').click()")
