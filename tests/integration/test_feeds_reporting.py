"""The reporting unit's own view against a real PostgreSQL: only its own reports, its own
figures unsuppressed beside its county, KOSTRA group and the nation (suppressed through the
feeds' ordinary path), the page itself, and the upload forwarding without a gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from services.auth.tokens import TokenIssuer, TokenVerifier, key_id
from services.feeds.app import create_app
from services.feeds.config import FeedsSettings

PERIODS = ("2025-02", "2025-03")
# recipients per unit and month (kroner = 10 000 per recipient); 4602 is small (1–3)
ROLLUPS = {
    ("municipality", "4601"): 500,
    ("municipality", "4602"): 2,
    ("municipality", "4611"): 30,
    ("county", "46"): 532,
    ("kostra_group", "EKG07"): 32,
    ("nation", "0"): 532,
}


def day(period: str) -> date:
    return date(int(period[:4]), int(period[5:]), 1)


async def put_rollup(con: asyncpg.Connection, level: str, code: str, period: str, n: int) -> None:
    await con.execute(
        "INSERT INTO rollup_month (level, code, period, recipients, recipients_with_children,"
        " recipients_main_livelihood, recipients_under_30, kroner_paid, qp_participants,"
        " members_reported, members_expected) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,1,1)",
        level,
        code,
        day(period),
        n,
        n // 4,
        n // 2,
        n // 3,
        n * 10_000,
        n // 10,
    )


async def put_report(
    con: asyncpg.Connection, unit_type: str, code: str, period: str, revisions: int
) -> None:
    """A fact at the highest of ``revisions`` revisions, each one in report_revisions."""
    at = datetime(2025, int(period[5:]) + 1, 5, 9, 30, tzinfo=UTC)
    await con.execute(
        "INSERT INTO unit_month_facts (unit_type, unit_code, period, revision, event_id,"
        " content_digest, source, reported_at, received_at, recipients)"
        " VALUES ($1,$2,$3,$4,gen_random_uuid(),'d','csv-upload',$5,$5,2)",
        unit_type,
        code,
        day(period),
        revisions,
        at,
    )
    for revision in range(1, revisions + 1):
        await con.execute(
            "INSERT INTO report_revisions (unit_type, unit_code, period, revision,"
            " content_digest, event_id) VALUES ($1,$2,$3,$4,'d',gen_random_uuid())",
            unit_type,
            code,
            day(period),
            revision,
        )


@dataclass
class Feed:
    client: httpx.AsyncClient
    issuer: TokenIssuer

    async def get(self, path: str, **claims: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.issuer.issue(**claims)}"} if claims else {}
        return await self.client.get(path, headers=headers)


@pytest.fixture
async def feed(pg_pool: asyncpg.Pool, pg_database_url: str, tmp_path: Path) -> AsyncIterator[Feed]:
    async with pg_pool.acquire() as con:
        for period in PERIODS:
            for (level, code), n in ROLLUPS.items():
                await put_rollup(con, level, code, period, n)
        await put_report(con, "municipality", "4602", "2025-02", 1)
        await put_report(con, "municipality", "4602", "2025-03", 2)
        await put_report(con, "municipality", "4601", "2025-03", 1)
        await put_report(con, "district", "030101", "2025-03", 1)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = TokenVerifier({key_id(key.public_key()): key.public_key()})
    settings = FeedsSettings(DATABASE_URL=pg_database_url, SOSIALPULS_HOME=tmp_path)
    app = create_app(settings, verifier=verifier)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds") as client:
        yield Feed(client, TokenIssuer(key))
    await app.state.database.close()


async def test_history_shows_only_the_callers_own_reports(feed: Feed) -> None:
    answer = await feed.get("/v1/reporting/history", unit="municipality:4602")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["unit"] == {"type": "municipality", "code": "4602", "name": "Kinn"}
    months = [(m["unit"]["code"], m["period"], m["revision"]) for m in body["months"]]
    assert months == [("4602", "2025-03", 2), ("4602", "2025-02", 1)]
    assert [r["revision"] for r in body["months"][0]["revisions"]] == [1, 2]
    assert body["months"][0]["received_at"].startswith("2025-04-05T09:30")

    other = (await feed.get("/v1/reporting/history", unit="municipality:4601")).json()
    assert [(m["unit"]["code"], m["period"]) for m in other["months"]] == [("4601", "2025-03")]


async def test_a_municipality_sees_its_districts_reports_and_a_district_only_itself(
    feed: Feed,
) -> None:
    oslo = (await feed.get("/v1/reporting/history", unit="municipality:0301")).json()
    assert [m["unit"]["code"] for m in oslo["months"]] == ["030101"]
    assert oslo["months"][0]["unit"]["type"] == "district"
    district = (await feed.get("/v1/reporting/history", unit="district:030102")).json()
    assert district["months"] == []


async def test_roles_and_anonymous_callers_are_refused(feed: Feed) -> None:
    for path in ("/v1/reporting/history", "/v1/reporting/figures"):
        assert (await feed.get(path)).status_code == 401
        refused = await feed.get(path, role="directorate")
        assert refused.status_code == 403
        assert refused.json()["error"] == "not_a_reporting_unit"


async def test_own_figures_unsuppressed_beside_county_group_and_nation(feed: Feed) -> None:
    answer = await feed.get("/v1/reporting/figures", unit="municipality:4602")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["period"] == "2025-03"  # its latest report
    roles = {c["role"]: c for c in body["columns"]}
    assert list(roles) == ["own", "county", "kostra_group", "nation"]
    assert roles["own"]["indicators"]["recipients"] == 2
    assert roles["own"]["suppressed"] is False
    assert roles["county"]["unit"]["code"] == "46"
    assert roles["kostra_group"]["unit"]["code"] == "EKG07"
    assert roles["nation"]["indicators"]["recipients"] == 532
    for role, level, code in (
        ("county", "county", "46"),
        ("kostra_group", "kostra_group", "EKG07"),
    ):
        path = f"/v1/units/{level}/{code}/indicators?from=2025-03&to=2025-03"
        same = (await feed.get(path, unit="municipality:4602")).json()["months"][0]
        assert roles[role]["indicators"] == same["indicators"]
        assert roles[role]["indicator_status"] == same["indicator_status"]

    outsider = (await feed.get("/v1/units/municipality/4602/indicators", role="directorate")).json()
    assert outsider["months"][-1]["indicator_status"]["recipients"] == ":"


async def test_figures_of_a_month_without_a_report_are_marked_not_reported(feed: Feed) -> None:
    body = (await feed.get("/v1/reporting/figures?period=2025-01", unit="municipality:4602")).json()
    assert [c["reported"] for c in body["columns"]] == [False, False, False, False]


async def test_the_page_is_served_and_uploads_need_a_gateway(feed: Feed) -> None:
    page = await feed.client.get("/rapportering")
    assert page.status_code == 200
    assert "rapportering.js" in page.text and 'lang="nb"' in page.text
    for path in ("/v1/reporting/reports", "/v1/reporting/reports/csv"):
        answer = await feed.client.post(path, content=b"x", headers={"Authorization": "Bearer x"})
        assert answer.status_code == 503
        assert answer.json()["reason"] == "gateway_unavailable"


async def test_an_upload_over_the_limit_is_refused_before_forwarding(
    pg_database_url: str, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = TokenVerifier({key_id(key.public_key()): key.public_key()})
    settings = FeedsSettings(
        DATABASE_URL=pg_database_url,
        SOSIALPULS_HOME=tmp_path,
        gateway_url="http://127.0.0.1:9",
        max_upload_bytes=100,
    )
    app = create_app(settings, verifier=verifier)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds") as client:
        answer = await client.post("/v1/reporting/reports/csv", content=b"x" * 101)
        assert answer.status_code == 413
        assert answer.json()["reason"] == "body_too_large"
        small = await client.post("/v1/reporting/reports/csv", content=b"x" * 100)
        assert small.status_code == 503  # forwarded, and nothing listens on port 9
        assert small.json()["reason"] == "gateway_unavailable"


async def test_a_district_is_compared_with_its_municipalitys_county_and_group(feed: Feed) -> None:
    body = (await feed.get("/v1/reporting/figures", unit="district:030101")).json()
    assert body["unit"]["type"] == "district" and body["period"] == "2025-03"
    units = [(c["role"], c["unit"]["code"]) for c in body["columns"]]
    assert units[0] == ("own", "030101") and units[1] == ("county", "03")
    assert [role for role, _ in units] == ["own", "county", "kostra_group", "nation"]


async def test_a_municipality_reporting_through_its_districts_gets_its_latest_month(
    feed: Feed,
) -> None:
    body = (await feed.get("/v1/reporting/figures", unit="municipality:0301")).json()
    assert body["period"] == "2025-03"
    assert body["columns"][0]["unit"]["code"] == "0301"


async def test_a_nav_office_sees_its_reports_beside_its_areas_county(
    feed: Feed, pg_pool: asyncpg.Pool
) -> None:
    async with pg_pool.acquire() as con:
        await put_report(con, "nav_office", "0101", "2025-03", 3)
    history = (await feed.get("/v1/reporting/history", unit="nav_office:0101")).json()
    assert history["unit"]["name"] == "NAV Halden-Aremark"
    assert [(m["period"], m["revision"]) for m in history["months"]] == [("2025-03", 3)]
    body = (await feed.get("/v1/reporting/figures", unit="nav_office:0101")).json()
    units = [(c["role"], c["unit"]["code"]) for c in body["columns"]]
    assert units[:2] == [("own", "0101"), ("county", "31")]  # Halden's county, Østfold
