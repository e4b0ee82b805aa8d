"""The gateway over HTTP (ASGI, in process) with a hand-written fake of the broker sink.

The real broker is exercised in tests/integration/test_gateway_kafka.py; here every
refusal path and the shape of the answers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from support.fakes import VERIFIER, FakeClock, FakeSink, bearer
from support.reports import report_with as report

from services.auth.audit import AuditLog
from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.csv_upload import COLUMNS

CSV_HEADER = ";".join(COLUMNS)


@dataclass
class Gateway:
    client: httpx.AsyncClient
    sink: FakeSink
    clock: FakeClock
    audit_path: Path


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    settings = GatewaySettings(
        home=tmp_path, max_body_bytes=64 * 1024, rate_limit_per_second=1, rate_limit_burst=5
    )
    sink, clock = FakeSink(), FakeClock()
    audit_path = tmp_path / "logs" / "audit.log"
    app = create_app(
        settings, verifier=VERIFIER, sink=sink, audit=AuditLog(audit_path), clock=clock
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield Gateway(client, sink, clock, audit_path)


async def test_one_report_is_produced_keyed_by_unit_with_a_receipt(gateway: Gateway) -> None:
    body = report()
    response = await gateway.client.post("/v1/reports", json=body, headers=bearer())
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["accepted"] == 1 and answer["rejected"] == 0
    result = answer["results"][0]
    assert result["status"] == "accepted"
    assert result["receipt"] == {
        "event_id": body["event_id"],
        "topic": "fake.indicator-reports.v1",
        "partition": 0,
        "offset": 0,
    }
    key, value = gateway.sink.records[0]
    assert key == "municipality:0301"
    assert json.loads(value)["indicators"] == body["indicators"]
    assert (
        "PERMIT action=submit principal=municipality:0301 resource=municipality:0301 count=1"
        in (gateway.audit_path.read_text())
    )


async def test_mixed_batch_produces_only_the_valid_reports(gateway: Gateway) -> None:
    good, bad = report(), report(recipients_under_30=9999)
    small = {"recipients": 10, "kroner_paid": 1000}
    district = report(
        "030101",
        "district",
        **small,
        recipients_with_children=1,
        recipients_main_livelihood=1,
        recipients_under_30=1,
    )
    response = await gateway.client.post(
        "/v1/reports", json=[good, bad, district], headers=bearer()
    )
    assert response.status_code == 202
    answer = response.json()
    assert (answer["accepted"], answer["rejected"]) == (2, 1)
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "accepted"]
    assert answer["results"][1]["errors"] == [
        {
            "field": "indicators.recipients_under_30",
            "reason": "subgroup_exceeds_recipients",
            "message": "recipients_under_30 (9999) exceeds recipients (2410)",
        }
    ]
    assert [key for key, _ in gateway.sink.records] == ["municipality:0301", "district:030101"]


async def test_all_invalid_is_422_per_item_and_field(gateway: Gateway) -> None:
    retired = report("3001")
    broken = report()
    del broken["period"]
    response = await gateway.client.post("/v1/reports", json=[retired, broken], headers=bearer())
    assert response.status_code == 422
    results = response.json()["results"]
    assert results[0]["errors"][0]["reason"] == "retired_unit"
    assert "3101" in results[0]["errors"][0]["message"]
    assert results[1]["errors"][0]["field"] == "period"
    assert gateway.sink.records == []


async def test_malformed_and_oversized_lists_are_422(gateway: Gateway) -> None:
    malformed = await gateway.client.post("/v1/reports", content=b"{oops", headers=bearer())
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["reason"] == "malformed_json"
    too_many = await gateway.client.post("/v1/reports", json=[{}] * 1001, headers=bearer())
    assert too_many.status_code == 422
    assert "at most 1000" in too_many.json()["detail"]


async def test_body_over_the_limit_is_413_before_parsing(gateway: Gateway) -> None:
    huge = b"[" + b" " * (64 * 1024) + b"]"
    response = await gateway.client.post("/v1/reports", content=huge, headers=bearer())
    assert response.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 1024

    streamed = await gateway.client.post("/v1/reports", content=chunks(), headers=bearer())
    assert streamed.status_code == 413
    assert streamed.json()["reason"] == "body_too_large"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not.a.token"},
        {"Authorization": "Basic dXNlcjpwdw=="},
        bearer(ttl=timedelta(minutes=1), now=datetime.now(UTC) - timedelta(hours=1)),
    ],
)
async def test_bad_tokens_are_401(gateway: Gateway, headers: dict[str, str]) -> None:
    response = await gateway.client.post("/v1/reports", json=report(), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert gateway.sink.records == []


async def test_missing_scope_is_403(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/v1/reports", json=report(), headers=bearer(None, role="directorate")
    )
    assert response.status_code == 403
    assert response.json()["reason"] == "insufficient_scope"


async def test_report_for_another_unit_is_403_and_nothing_is_produced(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/v1/reports", json=[report("4601"), report("0301")], headers=bearer("municipality:0301")
    )
    assert response.status_code == 403
    assert response.json()["reason"] == "forbidden_unit"
    assert "municipality:4601" in response.json()["detail"]
    assert gateway.sink.records == []
    assert "DENY action=submit principal=municipality:0301 resource=municipality:4601" in (
        gateway.audit_path.read_text()
    )


async def test_rate_limit_is_per_unit_429_with_retry_after(gateway: Gateway) -> None:
    for _ in range(5):
        ok = await gateway.client.post("/v1/reports", json=report(), headers=bearer())
        assert ok.status_code == 202
    limited = await gateway.client.post("/v1/reports", json=report(), headers=bearer())
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    other = await gateway.client.post(
        "/v1/reports", json=report("4601"), headers=bearer("municipality:4601")
    )
    assert other.status_code == 202
    gateway.clock.now += 1.0
    again = await gateway.client.post("/v1/reports", json=report(), headers=bearer())
    assert again.status_code == 202


async def test_broker_down_is_503_with_failed_items(gateway: Gateway) -> None:
    gateway.sink.down = True
    response = await gateway.client.post("/v1/reports", json=report(), headers=bearer())
    assert response.status_code == 503
    assert response.json()["results"][0]["status"] == "failed"
    ready = await gateway.client.get("/internal/isReady")
    assert ready.status_code == 503


async def test_csv_upload_as_body_and_as_form(gateway: Gateway) -> None:
    text = f"{CSV_HEADER}\nmunicipality;0301;2025-03;1;2410;610;1190;820;31250400;170\n"
    response = await gateway.client.post(
        "/v1/reports/csv", content=text.encode(), headers={**bearer(), "Content-Type": "text/csv"}
    )
    assert response.status_code == 202, response.text
    assert response.json()["results"][0]["line"] == 2
    form = await gateway.client.post(
        "/v1/reports/csv", files={"file": ("mars.csv", text.encode(), "text/csv")}, headers=bearer()
    )
    assert form.status_code == 202, form.text
    produced = [json.loads(value) for _, value in gateway.sink.records]
    assert [p["source"] for p in produced] == ["csv-upload", "csv-upload"]
    assert produced[0]["event_id"] == produced[1]["event_id"]  # same content, same event


async def test_csv_errors_name_the_line(gateway: Gateway) -> None:
    text = (
        f"{CSV_HEADER}\n"
        "municipality;0301;2025-03;1;2410;610;1190;820;31250400;170\n"
        "municipality;0301;2025-04;1;10;11;1;1;100;0\n"
        "municipality;0301;2025-05;1;x;1;1;1;100;0\n"
    )
    response = await gateway.client.post("/v1/reports/csv", content=text.encode(), headers=bearer())
    assert response.status_code == 202
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected"]
    assert results[1]["errors"][0]["message"] == (
        "line 3: recipients_with_children (11) exceeds recipients (10)"
    )
    assert (
        results[2]["errors"][0]["message"] == "line 4: column recipients: 'x' is not a whole number"
    )
    bad_header = await gateway.client.post(
        "/v1/reports/csv", content=b"a;b\n1;2\n", headers=bearer()
    )
    assert bad_header.status_code == 422
    assert bad_header.json()["detail"].startswith("line 1 (header): missing column(s)")


async def test_health_metrics_and_openapi(gateway: Gateway) -> None:
    assert (await gateway.client.get("/internal/isAlive")).status_code == 200
    assert (await gateway.client.get("/internal/isReady")).status_code == 200
    await gateway.client.post(
        "/v1/reports", json=[report(), report(recipients=-1)], headers=bearer()
    )
    await gateway.client.post("/v1/reports", json=report())
    metrics = (await gateway.client.get("/metrics")).text
    assert 'sosialpuls_gateway_requests_total{endpoint="reports",status="202"} 1.0' in metrics
    assert 'sosialpuls_gateway_requests_total{endpoint="reports",status="401"} 1.0' in metrics
    assert "sosialpuls_gateway_reports_accepted_total 1.0" in metrics
    assert 'sosialpuls_gateway_reports_rejected_total{reason="negative_value"} 1.0' in metrics
    spec = (await gateway.client.get("/openapi.json")).json()
    assert {"/v1/reports", "/v1/reports/csv", "/internal/isReady"} <= set(spec["paths"])
    assert "IndicatorReportV1" in spec["components"]["schemas"]
    assert "SubmissionResult" in spec["components"]["schemas"]
    post = spec["paths"]["/v1/reports"]["post"]
    assert {"202", "401", "403", "413", "422", "429"} <= set(post["responses"])


async def test_a_full_batch_of_1000_fits_the_default_body_limit(tmp_path: Path) -> None:
    sink = FakeSink()
    app = create_app(GatewaySettings(home=tmp_path), verifier=VERIFIER, sink=sink)
    body = json.dumps([report() for _ in range(1000)]).encode()
    assert len(body) < GatewaySettings().max_body_bytes
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        response = await client.post("/v1/reports", content=body, headers=bearer())
    assert response.status_code == 202
    assert response.json()["accepted"] == 1000
    assert len(sink.records) == 1000
