"""The reporting unit's page (/rapportering) in a real headless Chromium, over the real
pipeline: gateway, aggregator and feeds as subprocesses on the test's broker topics and
PostgreSQL database.

A municipality opens the page with its token, uploads a CSV with two good lines and four
bad ones, sees each rejected line with its reason in bokmål, sees the two months in its
history once the aggregator counted them, and its own figures beside its county, KOSTRA
group and the nation; then pastes JSON with a revision 2 of January and a bad report, and
sees the bad one explained and January at revision 2; no console errors. Screenshots go to
tests/artifacts/rapportering-csv.png (after the CSV) and rapportering.png (at the end).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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

from contracts.rules import Reason
from deploy.local import LocalStack
from deploy.local.topics import TopicSet
from services.auth.tokens import TokenIssuer

pytestmark = needs_chromium

HEADER = (
    "unit_type;unit_code;period;revision;recipients;recipients_with_children;"
    "recipients_main_livelihood;recipients_under_30;kroner_paid;qp_participants"
)
UPLOAD = "\n".join(
    [
        HEADER,
        "municipality;4601;2025-01;1;2410;610;1190;820;31250400;170",
        "municipality;4601;2025-02;1;2455;620;1201;833;31900000;172",
        "municipality;4601;2025-03;1;2400;2500;1190;820;31250400;170",
        "municipality;4601;2025-04;1;12x;610;1190;820;31250400;170",
        "municipality;4601;2025-13;1;2410;610;1190;820;31250400;170",
        "municipality;4601;2025-05;1;0;0;0;0;5000;0",
    ]
)
REJECTED = {
    "4": "«Med forsørgeransvar for barn» kan ikke være større enn «Mottakere».",
    "5": "«Mottakere» må være et helt tall.",
    "6": "Måneden må skrives ÅÅÅÅ-MM",
    "7": "Det er oppgitt utbetalte kroner, men ingen mottakere.",
}


@pytest.fixture
def keys(tmp_path: Path) -> TokenIssuer:
    return signing_key(tmp_path)


@pytest.fixture
async def reporting_url(
    local_stack: LocalStack,
    topics: TopicSet,
    pg_database_url: str,
    tmp_path: Path,
    keys: TokenIssuer,
) -> AsyncIterator[str]:
    """Gateway, aggregator and feeds on this test's topics and database."""
    prefix = topics.reports.removesuffix("sosialpuls.indicator-reports.v1")
    gateway_port, feeds_port, worker_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "KAFKA_BROKERS": local_stack.kafka_brokers,
        "DATABASE_URL": pg_database_url,
        "SOSIALPULS_HOME": str(tmp_path),
        "SOSIALPULS_TOPIC_PREFIX": prefix,
    }
    worker = {
        **env,
        "SOSIALPULS_AGGREGATOR_RUNTIME": "aiokafka",
        "SOSIALPULS_AGGREGATOR_GROUP_ID": f"{prefix}aggregator",
        "SOSIALPULS_AGGREGATOR_WEB_PORT": str(worker_port),
        **{  # the same under the aggregator's names before the one settings scheme
            "AGGREGATOR_TOPIC_PREFIX": prefix,
            "AGGREGATOR_RUNTIME": "aiokafka",
            "AGGREGATOR_GROUP_ID": f"{prefix}aggregator",
            "AGGREGATOR_WEB_PORT": str(worker_port),
        },
    }
    gateway = f"http://127.0.0.1:{gateway_port}"
    feeds = f"http://127.0.0.1:{feeds_port}"
    feeds_env = {**env, "SOSIALPULS_FEEDS_GATEWAY_URL": gateway}
    async with (
        process(
            "gateway", uvicorn("services.gateway.app:app", gateway_port), env, tmp_path, gateway
        ),
        process("aggregator", ["-m", "services.aggregator"], worker, tmp_path),
        process("feeds", uvicorn("services.feeds.app:app", feeds_port), feeds_env, tmp_path, feeds),
    ):
        yield feeds


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    async with chromium_page(tmp_path) as p:
        yield p


def texts(selector: str) -> str:
    return f"Array.from(document.querySelectorAll({selector!r})).map((n) => n.textContent)"


async def test_a_municipality_uploads_sees_rejected_lines_in_bokmal_and_its_counted_months(
    reporting_url: str, page: Page, keys: TokenIssuer, tmp_path: Path
) -> None:
    token = keys.issue(unit="municipality:4601")
    await page.send("Page.navigate", url=f"{reporting_url}/rapportering#token={token}")
    assert await page.wait_for("document.body.dataset.loaded", "1"), page.errors
    unit = await page.evaluate("document.getElementById('unit-name').textContent")
    assert unit == "Bergen (kommune 4601)"
    assert await page.evaluate(texts("#history tbody tr")) == []
    explained = set(await page.evaluate("Object.keys(REASONS)"))
    assert {reason.value for reason in Reason} <= explained  # every contract reason in bokmål

    upload = tmp_path / "mars.csv"
    upload.write_text(UPLOAD + "\n", encoding="utf-8")
    await page.set_files("#csv-file", [upload])
    await page.evaluate("document.getElementById('csv-form').requestSubmit()")

    summary = "document.getElementById('result-summary').textContent"
    expected = "2 rapporter tatt imot, 4 avvist."
    assert await page.wait_for(summary, expected) == expected, page.errors
    lines = await page.evaluate(texts("#rejected tbody tr td:first-child"))
    reasons = await page.evaluate(texts("#rejected tbody tr td:last-child"))
    assert lines == list(REJECTED)
    for line, reason in zip(lines, reasons, strict=True):
        assert REJECTED[line] in reason, (line, reason)
        assert not re.search(r"exceeds|not a whole number|should match|requires", reason)

    counted = texts("#accepted tbody tr td:last-child")
    assert await page.wait_for(counted, ["Talt med", "Talt med"], 120) == ["Talt med"] * 2
    months = await page.evaluate(texts("#history tbody tr td:first-child"))
    assert months == ["feb 2025", "jan 2025"]
    assert await page.evaluate(texts("#history tbody tr td:nth-child(3)")) == ["1", "1"]

    assert await page.wait_for("document.body.dataset.figures", "2025-02") == "2025-02"
    head = await page.evaluate(texts("#figures thead th"))
    assert head[1] == "Bergen (din enhet)" and head[2].startswith("Fylke")
    assert head[3].startswith("KOSTRA-gruppe") and head[4] == "Hele landet"
    own = await page.evaluate(texts("#figures tbody tr:first-child td"))
    assert own[0] == "Mottakere" and re.sub(r"\s", "", own[1]) == "2455"

    await page.screenshot("rapportering-csv.png")

    await paste_json(page, [report("2025-01", 2, 2420), report("2025-06", 1, -5)])
    expected = "1 rapport tatt imot, 1 avvist."
    assert await page.wait_for(summary, expected) == expected, page.errors
    assert await page.evaluate(texts("#rejected tbody tr td:first-child")) == ["Rapport 2"]
    reason = await page.evaluate(texts("#rejected tbody tr td:last-child"))
    assert reason == ["«Mottakere» kan ikke være negativt."]
    assert await page.wait_for(counted, ["Talt med"], 120) == ["Talt med"]
    assert await page.evaluate(texts("#history tbody tr td:nth-child(3)")) == ["1", "2"]
    revisions = await page.evaluate(texts("#history tbody tr:last-child td:last-child"))
    assert re.fullmatch(r"1 \(.+\), 2 \(.+\)", revisions[0]), revisions

    await page.screenshot("rapportering.png")
    assert page.errors == []


def report(period: str, revision: int, recipients: int) -> dict[str, Any]:
    """One report of the contract for 4601, as a vendor's system would send it."""
    return {
        "event_id": str(uuid.uuid4()),
        "schema_version": 1,
        "unit": {"type": "municipality", "code": "4601"},
        "period": period,
        "revision": revision,
        "source": "fagsystem:test",
        "reported_at": "2025-07-02T10:00:00+02:00",
        "indicators": {
            "recipients": recipients,
            "recipients_with_children": 600,
            "recipients_main_livelihood": 1190,
            "recipients_under_30": 820,
            "kroner_paid": 31_000_000,
            "qp_participants": 170,
        },
    }


async def paste_json(page: Page, reports: list[dict[str, Any]]) -> None:
    """Paste ``reports`` in the JSON box and send them."""
    text = json.dumps(json.dumps(reports, indent=2))
    await page.evaluate(f"document.getElementById('json-input').value = {text}")
    await page.evaluate("document.getElementById('json-form').requestSubmit()")
