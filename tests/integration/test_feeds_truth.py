"""A simulated year of all of Norway through the feed: figures equal truth.json where
published, suppressed exactly where the sharing rules say, for each role."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from contracts.rules import INDICATORS
from services.auth.tokens import TokenIssuer, TokenVerifier, key_id
from services.feeds.app import create_app
from services.feeds.config import FeedsSettings
from services.simulator.run import SimulationConfig, simulate

SUBGROUPS = ("recipients_with_children", "recipients_main_livelihood", "recipients_under_30")
SMALL = (1, 2, 3)


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("simulated")
    simulate(SimulationConfig(year=2025, seed=11, scale=0.02), out)
    loaded: dict[str, Any] = json.loads((out / "truth.json").read_text())
    return loaded


@pytest.fixture
async def client(
    truth: dict[str, Any], pg_pool: asyncpg.Pool, pg_database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, TokenIssuer]]:
    rows = [
        (level, code, date(int(p[:4]), int(p[5:]), 1), *(v[i] for i in INDICATORS), 1, 1)
        for level, units in truth["rollups"].items()
        for code, months in units.items()
        for p, v in months.items()
    ]
    async with pg_pool.acquire() as con:
        await con.copy_records_to_table(
            "rollup_month",
            records=rows,
            columns=[
                "level",
                "code",
                "period",
                *INDICATORS,
                "members_reported",
                "members_expected",
            ],
        )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app = create_app(
        FeedsSettings(DATABASE_URL=pg_database_url, SOSIALPULS_HOME=tmp_path),
        verifier=TokenVerifier({key_id(key.public_key()): key.public_key()}),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://feeds", timeout=300
    ) as http:
        yield http, TokenIssuer(key)
    await app.state.database.close()


def cells_of(dataset: dict[str, Any]) -> dict[tuple[str, str, str], tuple[Any, str | None]]:
    dims = [list(dataset["dimension"][d]["category"]["index"]) for d in dataset["id"]]
    status = dataset.get("status", {})
    out = {}
    n = 0
    for unit in dims[0]:
        for period in dims[1]:
            for ind in dims[2]:
                out[(unit, period, ind)] = (dataset["value"][n], status.get(str(n)))
                n += 1
    return out


def true_value(truth: dict[str, Any], unit: str, period: str, ind: str) -> int | None:
    level, code = unit.split(":")
    month = truth["rollups"].get(level, {}).get(code, {}).get(period)
    return None if month is None else int(month[ind])


async def test_export_equals_truth_and_follows_the_sharing_rules(
    truth: dict[str, Any], client: tuple[httpx.AsyncClient, TokenIssuer]
) -> None:
    http, issuer = client
    url = "/v1/export/jsonstat?level=municipality&from=2025-01&to=2025-12"

    def auth(**claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(**claims)}"}

    everything = cells_of((await http.get(url, headers=auth(role="ssb"))).json())
    published = cells_of((await http.get(url, headers=auth(role="directorate"))).json())
    assert len(everything) == len(published) > 357 * 12 * 6
    small_seen = 0
    for (unit, period, ind), (value, _status) in everything.items():
        assert value == true_value(truth, unit, period, ind), (unit, period, ind)
        shown, shown_status = published[(unit, period, ind)]
        if shown_status == ":":
            assert shown is None
            continue
        assert shown == value
        if value is None:
            continue
        recipients = true_value(truth, unit, period, "recipients") or 0
        if ind != "kroner_paid":
            assert value not in SMALL, (unit, period, ind)
        else:
            assert recipients not in SMALL
        if ind in SUBGROUPS:
            assert recipients - value not in SMALL
    for (unit, period, ind), (value, _) in everything.items():
        if ind != "kroner_paid" and value in SMALL:
            small_seen += 1
            assert published[(unit, period, ind)][1] == ":"
    assert small_seen > 0  # the simulated year does exercise the rules

    # no county (or the nation) with exactly one hidden part beside a published total
    by_county: dict[tuple[str, str, str], list[str | None]] = {}
    for (unit, period, ind), (_, status) in published.items():
        if unit.startswith("municipality:") and everything[(unit, period, ind)][0] is not None:
            county = f"county:{unit.split(':')[1][:2]}"
            by_county.setdefault((county, period, ind), []).append(status)
    for (county, period, ind), statuses in by_county.items():
        total_status = published.get((county, period, ind), (None, None))[1]
        if total_status != ":":
            assert statuses.count(":") != 1, (county, period, ind)


async def test_unit_page_and_scorecard_agree_with_truth(
    truth: dict[str, Any], client: tuple[httpx.AsyncClient, TokenIssuer]
) -> None:
    http, issuer = client
    header = {"Authorization": f"Bearer {issuer.issue(role='directorate')}"}
    nation = (
        await http.get("/v1/units/nation/0/indicators?from=2025-01&to=2025-12", headers=header)
    ).json()
    for month in nation["months"]:
        for ind in INDICATORS:
            assert month["indicators"][ind] == true_value(truth, "nation:0", month["period"], ind)
    december = nation["months"][-1]
    assert december["year_to_date"]["recipient_months"] == sum(
        true_value(truth, "nation:0", f"2025-{m:02d}", "recipients") or 0 for m in range(1, 13)
    )
    office = next(iter(truth["rollups"]["nav_office"]))
    card = await http.get(f"/v1/scorecards/{office}?period=2025-06", headers=header)
    assert card.status_code == 200
    shown = card.json()["nav_office"]
    if shown is not None and shown["indicators"]["recipients"] is not None:
        assert shown["indicators"]["recipients"] == true_value(
            truth, f"nav_office:{office}", "2025-06", "recipients"
        )
