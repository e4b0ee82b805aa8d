"""Feed API against a real PostgreSQL: figures, sharing rules, access matrix, audit, SSE."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jsonstat_validator import validate_jsonstat
from pyjstat import pyjstat

from services.auth.tokens import TokenIssuer, TokenVerifier, key_id
from services.feeds.app import create_app
from services.feeds.config import FeedsSettings

PERIODS = ["2025-01", "2025-02", "2025-03"]
# recipients per municipality and month; the county and nation rows are their sums
MUNICIPALITIES = {"0301": 900, "4601": 500, "4602": 2, "4611": 30}
COUNTY = {"0301": "03", "4601": "46", "4602": "46", "4611": "46"}
KRONER_PER_RECIPIENT = 11_000


def figures(recipients: int) -> dict[str, int]:
    return {
        "recipients": recipients,
        "recipients_with_children": recipients // 4,
        "recipients_main_livelihood": recipients // 2,
        "recipients_under_30": recipients // 3,
        "kroner_paid": recipients * KRONER_PER_RECIPIENT,
        "qp_participants": recipients // 10,
    }


def rollup_rows(month_index: int) -> dict[tuple[str, str], int]:
    rows: dict[tuple[str, str], int] = {}
    for code, base in MUNICIPALITIES.items():
        value = base + (month_index if base > 10 else 0)
        rows[("municipality", code)] = value
        county = ("county", COUNTY[code])
        rows[county] = rows.get(county, 0) + value
        rows[("nation", "0")] = rows.get(("nation", "0"), 0) + value
    return rows


async def insert_rollup(
    con: asyncpg.Connection, level: str, code: str, period: str, recipients: int
) -> None:
    f = figures(recipients)
    await con.execute(
        "INSERT INTO rollup_month (level, code, period, recipients, recipients_with_children,"
        " recipients_main_livelihood, recipients_under_30, kroner_paid, qp_participants,"
        " members_reported, members_expected) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,1,1)"
        " ON CONFLICT (level, code, period) DO UPDATE SET recipients = excluded.recipients,"
        " kroner_paid = excluded.kroner_paid, updated_at = now()",
        level,
        code,
        date(int(period[:4]), int(period[5:]), 1),
        *f.values(),
    )


@dataclass
class Feed:
    client: httpx.AsyncClient
    issuer: TokenIssuer
    audit: Path
    pool: asyncpg.Pool

    def headers(self, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(**claims)}"}

    async def get(self, path: str, **claims: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.headers(**claims) if claims else {})

    def audit_lines(self) -> list[str]:
        return self.audit.read_text().splitlines() if self.audit.exists() else []


@pytest.fixture
async def feed(pg_pool: asyncpg.Pool, pg_database_url: str, tmp_path: Path) -> AsyncIterator[Feed]:
    async with pg_pool.acquire() as con:
        for i, period in enumerate(PERIODS):
            for (level, code), value in rollup_rows(i).items():
                await insert_rollup(con, level, code, period, value)
            for level, code in [*rollup_rows(i), ("municipality", "4612")]:
                await con.execute(
                    "INSERT INTO expected_units (period, level, code) VALUES ($1,$2,$3)"
                    " ON CONFLICT DO NOTHING",
                    date(2025, i + 1, 1),
                    level,
                    code,
                )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = TokenVerifier({key_id(key.public_key()): key.public_key()})
    settings = FeedsSettings(
        DATABASE_URL=pg_database_url,
        SOSIALPULS_HOME=tmp_path,
        stream_poll_seconds=0.2,
        stream_max_seconds=4.0,
    )
    app = create_app(settings, verifier=verifier)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds") as client:
        yield Feed(client, TokenIssuer(key), settings.audit_log_path, pg_pool)
    await app.state.database.close()


async def test_directorate_sees_small_counts_suppressed_and_own_unit_unsuppressed(
    feed: Feed,
) -> None:
    path = "/v1/units/municipality/4602/indicators?from=2025-01&to=2025-03"
    other = await feed.get(path, role="directorate")
    assert other.status_code == 200
    month = other.json()["months"][-1]
    assert month["indicators"]["recipients"] is None
    assert month["indicator_status"]["recipients"] == ":"
    assert month["indicators"]["kroner_paid"] is None
    assert month["per_1000_inhabitants"]["recipients"] is None
    assert month["year_to_date"]["recipient_months"] is None
    own = (await feed.get(path, unit="municipality:4602")).json()["months"][-1]
    assert own["indicators"]["recipients"] == 2
    assert own["year_to_date"]["recipient_months"] == 6
    ssb = (await feed.get(path, role="ssb")).json()["months"][-1]
    assert ssb["indicators"]["kroner_paid"] == 2 * KRONER_PER_RECIPIENT


async def test_unit_figures_derived_and_status(feed: Feed) -> None:
    body = (
        await feed.get("/v1/units/county/46/indicators?from=2025-03&to=2025-03", role="ssb")
    ).json()
    month = body["months"][0]
    assert month["indicators"]["recipients"] == 500 + 2 + 2 + 30 + 2
    assert month["year_to_date"]["recipient_months"] == sum(532 + 2 * i for i in range(3))
    assert month["change"]["recipients_vs_previous_month"] == 2
    assert month["status"] == "final"
    assert month["per_1000_inhabitants"]["recipients"] > 0


async def test_access_matrix_and_audit_lines_match_responses(feed: Feed) -> None:
    before = len(feed.audit_lines())
    path = "/v1/units/municipality/0301/indicators?from=2025-01&to=2025-03"
    answers = [
        (await feed.client.get(path)).status_code,
        (await feed.get(path, unit="municipality:0301", scopes=["reports:write"])).status_code,
        (await feed.get(path, unit="municipality:0301")).status_code,
        (await feed.get(path, unit="municipality:4601")).status_code,
        (await feed.get("/v1/coverage?period=2025-03", role="directorate")).status_code,
        (await feed.get("/v1/export/csv?level=county", role="directorate")).status_code,
    ]
    assert answers == [401, 403, 200, 200, 200, 200]
    lines = feed.audit_lines()[before:]
    assert [line.split()[1] for line in lines] == ["DENY", "DENY", *["PERMIT"] * 4]
    assert "principal=anonymous" in lines[0]
    assert "principal=municipality:4601" in lines[3] and "resource=municipality:0301" in lines[3]


async def test_jsonstat_export_is_valid_and_protects_by_secondary_suppression(feed: Feed) -> None:
    url = "/v1/export/jsonstat?level=municipality&from=2025-01&to=2025-03"
    dataset = (await feed.get(url, role="directorate")).json()
    assert validate_jsonstat(dataset)
    frame = pyjstat.Dataset.read(json.dumps(dataset)).write("dataframe", naming="id")
    seen: dict[tuple[str, str, str], float | None] = {}
    for row in frame.to_dict("records"):
        v = row["value"]
        seen[(row["unit"], row["time"], row["indicator"])] = (
            None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        )
    march = rollup_rows(2)
    for (level, code), value in march.items():
        got = seen[(f"{level}:{code}", "2025-03", "recipients")]
        assert got is None or got == value
    assert seen[("municipality:4602", "2025-03", "recipients")] is None
    # county 46 minus the others must not give 4602: its smallest sibling is hidden too
    assert seen[("municipality:4611", "2025-03", "recipients")] is None
    assert seen[("municipality:4601", "2025-03", "recipients")] == 502
    assert seen[("county:46", "2025-03", "recipients")] == 536
    ssb = (await feed.get(url, role="ssb")).json()
    assert "status" not in ssb or ":" not in ssb["status"].values()


async def test_csv_export_and_coverage(feed: Feed) -> None:
    text = (
        await feed.get(
            "/v1/export/csv?level=municipality&from=2025-03&to=2025-03", role="directorate"
        )
    ).text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["level", "code", "name"]
    assert ["municipality", "4602", "Kinn", "2025-03", "recipients", "", ":"] in rows
    cov = (await feed.get("/v1/coverage?period=2025-03", role="directorate")).json()
    municipal = next(level for level in cov["levels"] if level["level"] == "municipality")
    assert municipal["units_expected"] == 5 and municipal["units_reported"] == 4
    assert [m["code"] for m in municipal["missing"]] == ["4612"]


async def test_stream_announces_a_new_aggregate(feed: Feed) -> None:
    async def change_later() -> None:
        await asyncio.sleep(0.6)
        async with feed.pool.acquire() as con:
            await insert_rollup(con, "county", "46", "2025-03", 999)

    task = asyncio.create_task(change_later())
    response = await feed.get("/v1/stream", role="directorate")
    await task
    assert response.status_code == 200
    events = [chunk for chunk in response.text.split("\n\n") if chunk.startswith("event: update")]
    assert events, response.text
    payload = json.loads(events[0].split("data: ", 1)[1])
    assert {"level": "county", "code": "46", "period": "2025-03"} in payload["changes"]


DATA_ENDPOINTS = [
    "/v1/units/municipality/0301/indicators?from=2025-01&to=2025-03",
    "/v1/scorecards/1211?period=2025-03",
    "/v1/coverage?period=2025-03",
    "/v1/anomalies?period=2025-03",
    "/v1/export/jsonstat?level=county",
    "/v1/export/csv?level=county",
    "/v1/map?period=2025-03",
]


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
async def test_every_endpoint_refuses_without_token_or_scope_and_audits(
    feed: Feed, path: str
) -> None:
    before = len(feed.audit_lines())
    anonymous = await feed.client.get(path)
    forged = await feed.client.get(path, headers={"Authorization": "Bearer not.a.token"})
    write_only = await feed.get(path, unit="municipality:0301", scopes=["reports:write"])
    allowed = await feed.get(path, role="directorate")
    assert [anonymous.status_code, forged.status_code, write_only.status_code] == [401, 401, 403]
    assert allowed.status_code == 200, allowed.text
    decisions = [line.split()[1] for line in feed.audit_lines()[before:]]
    assert decisions == ["DENY", "DENY", "DENY", "PERMIT"]


async def test_scorecard_compares_office_with_county_and_nation(feed: Feed) -> None:
    async with feed.pool.acquire() as con:
        await insert_rollup(con, "nav_office", "1211", "2025-03", 32)
        await insert_rollup(con, "nav_office", "1211", "2025-02", 31)
    body = (await feed.get("/v1/scorecards/1211?period=2025-03", unit="nav_office:1211")).json()
    assert body["nav_office"]["indicators"]["recipients"] == 32
    assert body["nav_office"]["change"]["recipients_vs_previous_month"] == 1
    assert body["county"]["unit"]["code"] == "46"
    assert body["nation"]["indicators"]["recipients"] == rollup_rows(2)[("nation", "0")]
    assert body["nav_office"]["per_1000_inhabitants"]["recipients"] > 0


async def test_internal_endpoints(feed: Feed) -> None:
    assert (await feed.client.get("/internal/isAlive")).status_code == 200
    assert (await feed.client.get("/internal/isReady")).status_code == 200
    metrics = (await feed.client.get("/metrics")).text
    assert 'sosialpuls_coverage_ratio{level="municipality"} 0.8' in metrics


async def test_answers_that_overlap_hide_the_same_cells(feed: Feed) -> None:
    """Etne (4611) is hidden in the export to protect Kinn (4602); its NAV office, which
    serves only Etne, and Etne's own page must not give it away to the directorate."""
    async with feed.pool.acquire() as con:
        await insert_rollup(con, "nav_office", "1211", "2025-03", 32)
    card = (await feed.get("/v1/scorecards/1211?period=2025-03", role="directorate")).json()
    assert card["nav_office"]["indicators"]["recipients"] is None
    assert card["nav_office"]["indicator_status"]["recipients"] == ":"
    page = await feed.get(
        "/v1/units/municipality/4611/indicators?from=2025-03&to=2025-03", role="directorate"
    )
    assert page.json()["months"][0]["indicators"]["recipients"] is None
    ssb = (await feed.get("/v1/scorecards/1211?period=2025-03", role="ssb")).json()
    assert ssb["nav_office"]["indicators"]["recipients"] == 32
