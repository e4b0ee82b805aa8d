"""Refused reports go to the DLQ topic (a fake sink here; the real broker in
tests/integration/test_gateway_kafka.py and test_gateway_simulated.py)."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from support.fakes import VERIFIER, FakeSink, bearer
from support.reports import report_with as report

from contracts.dead_letters import DeadLetter
from contracts.personal_data import contains_fodselsnummer
from services.gateway.adapters.kafka import Delivery
from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.csv_upload import COLUMNS
from services.simulator.fnr import synthetic_fodselsnummer

CSV_HEADER = ";".join(COLUMNS)
FNR = synthetic_fodselsnummer(date(1984, 5, 17), True, random.Random(7), set())


@dataclass
class Gateway:
    client: httpx.AsyncClient
    sink: FakeSink


def make_gateway(tmp_path: Path, sink: FakeSink) -> httpx.AsyncClient:
    settings = GatewaySettings(home=tmp_path, max_body_bytes=64 * 1024, rate_limit_burst=5)
    app = create_app(settings, verifier=VERIFIER, sink=sink, clock=lambda: 0.0)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    sink = FakeSink()
    async with make_gateway(tmp_path, sink) as client:
        yield Gateway(client, sink)


def headers_of(letter: DeadLetter) -> dict[str, str]:
    return {name: value.decode() for name, value in letter.headers}


def assert_gateway_origin(letter: DeadLetter) -> None:
    headers = headers_of(letter)
    assert headers["origin"] == "gateway"
    assert headers["origin_topic"] == "fake.indicator-reports.v1"
    assert (headers["origin_partition"], headers["origin_offset"]) == ("-1", "-1")
    assert datetime.fromisoformat(headers["received_at"]).tzinfo is not None


async def test_a_refused_item_is_dead_lettered_as_sent_with_its_reason(gateway: Gateway) -> None:
    good, bad = report(), report(recipients_under_30=9999)
    response = await gateway.client.post("/v1/reports", json=[good, bad], headers=bearer())
    assert response.status_code == 202
    assert len(gateway.sink.records) == 1
    [letter] = gateway.sink.letters
    headers = headers_of(letter)
    assert headers["reason"] == "subgroup_exceeds_recipients"
    assert headers["message"] == "recipients_under_30 (9999) exceeds recipients (2410)"
    assert headers["event_id"] == bad["event_id"]
    assert letter.key == b"municipality:0301"
    assert json.loads(letter.value) == bad
    assert_gateway_origin(letter)


async def test_a_single_report_body_is_dead_lettered_byte_for_byte(gateway: Gateway) -> None:
    body = json.dumps(report("9999"), indent=2).encode()
    response = await gateway.client.post("/v1/reports", content=body, headers=bearer())
    assert response.status_code == 422
    [letter] = gateway.sink.letters
    assert letter.value == body
    assert headers_of(letter)["reason"] == "unknown_unit"


async def test_the_reason_is_the_first_in_precedence(gateway: Gateway) -> None:
    bad = report(recipients=-5, recipients_under_30=9999)
    bad["period"] = "2999-01"
    await gateway.client.post("/v1/reports", json=bad, headers=bearer())
    [letter] = gateway.sink.letters
    assert headers_of(letter)["reason"] == "negative_value"


async def test_personal_data_is_dead_lettered_without_value_key_or_event_id(
    gateway: Gateway,
) -> None:
    bad = report()
    bad["source"] = f"fagsystem sak {FNR}"
    response = await gateway.client.post("/v1/reports", json=[bad, report()], headers=bearer())
    assert response.status_code == 202
    [letter] = gateway.sink.letters
    headers = headers_of(letter)
    assert headers["reason"] == "personal_data"
    assert "event_id" not in headers
    assert (letter.key, letter.value) == (None, b"")
    assert not contains_fodselsnummer(json.dumps(headers))
    assert_gateway_origin(letter)


async def test_a_body_that_is_not_json_is_one_dead_letter(gateway: Gateway) -> None:
    raw = b'{"event_id": "8f8c4a3e-6a53-4c1e-9a43-3f3b2b9f0b11", "unit": {'
    response = await gateway.client.post("/v1/reports", content=raw, headers=bearer())
    assert response.status_code == 422
    assert response.json()["errors"][0]["reason"] == "malformed_json"
    [letter] = gateway.sink.letters
    assert letter.value == raw and letter.key is None
    headers = headers_of(letter)
    assert (headers["reason"], headers["message"]) == (
        "malformed_json",
        "the body is not valid JSON",
    )
    assert "event_id" not in headers
    assert_gateway_origin(letter)


async def test_a_body_that_is_not_json_but_holds_a_fodselsnummer_is_not_echoed(
    gateway: Gateway,
) -> None:
    raw = f'{{"source": "sak {FNR}", '.encode()
    response = await gateway.client.post("/v1/reports", content=raw, headers=bearer())
    assert response.json()["errors"][0]["reason"] == "personal_data"  # outranks malformed
    assert FNR not in response.text
    [letter] = gateway.sink.letters
    assert headers_of(letter)["reason"] == "personal_data"
    assert (letter.key, letter.value) == (None, b"")
    assert not contains_fodselsnummer(json.dumps(headers_of(letter)))


async def test_a_scalar_body_is_one_dead_letter_but_list_limits_are_not(
    gateway: Gateway,
) -> None:
    scalar = await gateway.client.post("/v1/reports", content=b"42", headers=bearer())
    assert scalar.status_code == 422
    [letter] = gateway.sink.letters
    assert (headers_of(letter)["reason"], letter.value) == ("schema_violation", b"42")
    bodies: list[list[object]] = [[], [{}] * 1001]
    for body in bodies:
        response = await gateway.client.post("/v1/reports", json=body, headers=bearer())
        assert response.status_code == 422
    assert len(gateway.sink.letters) == 1


async def test_requests_refused_as_a_whole_are_not_dead_lettered(gateway: Gateway) -> None:
    invalid = report(recipients=-1)
    no_token = await gateway.client.post("/v1/reports", json=invalid)
    other_unit = await gateway.client.post(
        "/v1/reports", json=[invalid, report("4601")], headers=bearer()
    )
    too_large = await gateway.client.post(
        "/v1/reports", content=b"[" + b" " * (64 * 1024) + b"]", headers=bearer()
    )
    assert [no_token.status_code, other_unit.status_code, too_large.status_code] == [401, 403, 413]
    assert gateway.sink.letters == []
    judged = 0  # the clock stands still: the burst runs out
    while response := await gateway.client.post("/v1/reports", json=invalid, headers=bearer()):
        if response.status_code == 429:
            break
        assert response.status_code == 422
        judged += 1
    assert len(gateway.sink.letters) == judged == 3


async def test_csv_rows_are_dead_lettered_with_their_line(gateway: Gateway) -> None:
    text = (
        f"{CSV_HEADER}\n"
        "municipality;0301;2025-03;1;2410;610;1190;820;31250400;170\n"
        "municipality;0301;2025-04;1;10;11;1;1;100;0\n"
        "municipality;0301;2025-05;1;12\n"
        f"municipality;0301;2025-06;1;{FNR}x;1;1;1;100;0\n"
    )
    response = await gateway.client.post("/v1/reports/csv", content=text.encode(), headers=bearer())
    assert response.status_code == 202
    assert FNR not in response.text
    subgroup, short, personal = gateway.sink.letters
    assert headers_of(subgroup)["reason"] == "subgroup_exceeds_recipients"
    assert headers_of(subgroup)["message"].startswith("line 3: ")
    assert json.loads(subgroup.value)["period"] == "2025-04"
    assert "event_id" in headers_of(subgroup)
    assert headers_of(short)["reason"] == "schema_violation"
    assert short.value == b"municipality;0301;2025-05;1;12"
    assert headers_of(personal)["reason"] == "personal_data"
    assert personal.value == b"" and personal.key is None
    assert not contains_fodselsnummer(json.dumps(headers_of(personal)))
    for letter in gateway.sink.letters:
        assert_gateway_origin(letter)


async def test_a_dead_letter_the_broker_did_not_take_is_a_503(gateway: Gateway) -> None:
    gateway.sink.dlq_down = True
    good, bad = report(), report(recipients=-1)
    response = await gateway.client.post("/v1/reports", json=[good, bad], headers=bearer())
    assert response.status_code == 503
    answer = response.json()
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected"]
    assert [e["reason"] for e in answer["results"][1]["errors"]] == [
        "negative_value",
        "broker_unavailable",
    ]
    assert "dead-letter" in answer["detail"]
    malformed = await gateway.client.post("/v1/reports", content=b"{", headers=bearer())
    assert malformed.status_code == 503


@dataclass
class HeldSink(FakeSink):
    """A sink whose DLQ acknowledges only when the test releases it."""

    entered: asyncio.Event | None = None
    release: asyncio.Event | None = None

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> list[Delivery | Exception]:
        assert self.entered is not None and self.release is not None
        self.entered.set()
        await self.release.wait()
        return await super().dead_letter(letters)


async def test_the_answer_waits_for_the_dead_letter_acknowledgement(tmp_path: Path) -> None:
    sink = HeldSink(entered=asyncio.Event(), release=asyncio.Event())
    async with make_gateway(tmp_path, sink) as client:
        request = asyncio.create_task(
            client.post("/v1/reports", json=report(recipients=-1), headers=bearer())
        )
        assert sink.entered is not None and sink.release is not None
        await sink.entered.wait()
        assert not request.done()
        sink.release.set()
        response = await request
    assert response.status_code == 422
    assert len(sink.letters) == 1


async def test_dead_letters_are_counted_by_reason(gateway: Gateway) -> None:
    await gateway.client.post("/v1/reports", json=[report(recipients=-1)], headers=bearer())
    metrics = (await gateway.client.get("/metrics")).text
    assert 'sosialpuls_gateway_reports_dead_lettered_total{reason="negative_value"} 1.0' in metrics
