"""The gateway against the real broker: accepted reports land on the topic, keyed by unit,
at the partition and offset the receipt names; refused reports land on the DLQ topic;
requests refused as a whole produce nothing anywhere."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from support import reports
from support.gateway import gateway_settings, serve_gateway
from support.reports import SMALL

from contracts.personal_data import contains_fodselsnummer
from deploy.local.home import free_port
from deploy.local.keys import ensure_signing_key
from deploy.local.topics import REPORTS, TopicSet
from services.auth.tokens import TokenIssuer, load_private_key
from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.csv_upload import COLUMNS


def report(
    code: str = "0301", unit_type: str = "municipality", revision: int = 1
) -> dict[str, object]:
    return reports.report(code, unit_type, revision=revision, indicators=SMALL)


async def read_records(brokers: str, topic: str, expected: int) -> list[ConsumerRecord]:
    """Every record of ``topic`` from the start, partition by partition.

    Reads until ``expected`` records are in and the end of every partition was reached.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or {0})
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[ConsumerRecord] = []
        for _ in range(200):
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for messages in batch.values():
                records += messages
            if not batch and len(records) >= expected:
                break
        return records
    finally:
        await consumer.stop()


async def read_topic(
    brokers: str, topic: str, expected: int
) -> list[tuple[str, dict[str, object], int, int]]:
    """Every record of ``topic`` from the start: (key, value, partition, offset)."""
    return [
        (m.key.decode(), json.loads(m.value), m.partition, m.offset)
        for m in await read_records(brokers, topic, expected)
    ]


def dlq_headers(record: ConsumerRecord) -> dict[str, str]:
    """The headers of a DLQ record as text."""
    return {name: value.decode() for name, value in record.headers}


def assert_from_gateway(record: ConsumerRecord, topics: TopicSet) -> None:
    """A dead letter the gateway wrote: its origin headers, and no personal data anywhere."""
    headers = dlq_headers(record)
    assert headers["origin"] == "gateway"
    assert headers["origin_topic"] == topics.reports
    assert (headers["origin_partition"], headers["origin_offset"]) == ("-1", "-1")
    assert datetime.fromisoformat(headers["received_at"]).tzinfo is not None
    text = json.dumps([headers, (record.key or b"").decode(), record.value.decode("latin-1")])
    assert not contains_fodselsnummer(text)


@pytest.fixture
def signing_home(tmp_path: Path) -> Path:
    ensure_signing_key(tmp_path)
    return tmp_path


@pytest.fixture
def issuer(signing_home: Path) -> TokenIssuer:
    return TokenIssuer(load_private_key(signing_home / "keys" / "private.pem"))


def prefix_of(topics: TopicSet) -> str:
    return topics.reports.removesuffix(REPORTS)


@pytest.fixture
async def client(
    kafka_brokers: str, topics: TopicSet, signing_home: Path
) -> AsyncIterator[httpx.AsyncClient]:
    limits = {"max_body_bytes": 100_000, "rate_limit_per_second": 0.001, "rate_limit_burst": 6}
    settings = gateway_settings(kafka_brokers, topics, signing_home, **limits)
    async with serve_gateway(settings) as http:
        yield http


def auth(issuer: TokenIssuer, **kwargs: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.issue(**kwargs)}"}  # type: ignore[arg-type]


async def test_accepted_reports_appear_on_the_topic_keyed_by_unit(
    client: httpx.AsyncClient, issuer: TokenIssuer, kafka_brokers: str, topics: TopicSet
) -> None:
    oslo = auth(issuer, unit="municipality:0301")
    batch = [
        report(),
        report("030101", "district"),
        report("030102", "district"),
        report("0301", revision=2),
    ]
    invalid = report("030103", "district")
    invalid["indicators"]["recipients_under_30"] = 99  # type: ignore[index]
    response = await client.post("/v1/reports", json=[*batch, invalid], headers=oslo)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert (answer["accepted"], answer["rejected"]) == (4, 1)
    csv_text = ";".join(COLUMNS) + "\nmunicipality;0301;2025-02;1;5;1;1;1;100;0\n"
    uploaded = await client.post("/v1/reports/csv", content=csv_text.encode(), headers=oslo)
    assert uploaded.status_code == 202, uploaded.text
    assert (await client.get("/internal/isReady")).status_code == 200

    records = await read_topic(kafka_brokers, topics.reports, expected=5)
    assert len(records) == 5
    by_event = {
        value["event_id"]: (key, value, partition, offset)
        for key, value, partition, offset in records
    }
    receipts = [r["receipt"] for r in answer["results"][:4]] + [
        uploaded.json()["results"][0]["receipt"]
    ]
    for receipt in receipts:
        key, value, partition, offset = by_event[receipt["event_id"]]
        assert (receipt["topic"], receipt["partition"], receipt["offset"]) == (
            topics.reports,
            partition,
            offset,
        )
        assert key == f"{value['unit']['type']}:{value['unit']['code']}"  # type: ignore[index]
    assert {key for key, *_ in records} == {
        "municipality:0301",
        "district:030101",
        "district:030102",
    }
    partitions_of_oslo = {p for key, _, p, _ in records if key == "municipality:0301"}
    assert len(partitions_of_oslo) == 1
    assert invalid["event_id"] not in by_event
    [letter] = await read_records(kafka_brokers, topics.dlq, expected=1)
    assert_from_gateway(letter, topics)
    assert dlq_headers(letter)["reason"] == "subgroup_exceeds_recipients"
    assert dlq_headers(letter)["event_id"] == invalid["event_id"]
    assert (letter.key, json.loads(letter.value)) == (b"district:030103", invalid)


async def test_refused_requests_produce_nothing(
    client: httpx.AsyncClient, issuer: TokenIssuer, kafka_brokers: str, topics: TopicSet
) -> None:
    oslo = auth(issuer, unit="municipality:0301")
    assert (await client.post("/v1/reports", json=report())).status_code == 401
    forbidden = await client.post("/v1/reports", json=[report(), report("4601")], headers=oslo)
    assert forbidden.status_code == 403
    reader = auth(issuer, role="ssb")
    assert (await client.post("/v1/reports", json=report(), headers=reader)).status_code == 403
    big = b"[" + b" " * 100_001 + b"]"
    assert (await client.post("/v1/reports", content=big, headers=oslo)).status_code == 413
    bad = report()
    bad["period"] = "2025-13"
    invalid = await client.post("/v1/reports", json=bad, headers=oslo)
    assert invalid.status_code == 422
    assert invalid.json()["results"][0]["errors"][0]["field"] == "period"
    statuses = [
        (await client.post("/v1/reports", json=bad, headers=oslo)).status_code for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]  # Oslo's burst of 6: 403, 413 and four 422s
    assert await read_topic(kafka_brokers, topics.reports, expected=0) == []
    letters = await read_records(kafka_brokers, topics.dlq, expected=4)
    assert [dlq_headers(m)["reason"] for m in letters] == ["schema_violation"] * 4  # only 422s
    assert {dlq_headers(m)["event_id"] for m in letters} == {bad["event_id"]}
    for letter in letters:
        assert_from_gateway(letter, topics)


async def test_not_ready_without_a_broker_or_without_the_topic(
    signing_home: Path, kafka_brokers: str
) -> None:
    unreachable = GatewaySettings(kafka_brokers=f"127.0.0.1:{free_port()}", home=signing_home)
    no_topic = GatewaySettings(
        kafka_brokers=kafka_brokers,
        topic_prefix=f"missing-{uuid.uuid4().hex[:8]}.",
        home=signing_home,
    )
    for settings in (unreachable, no_topic):
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://gw") as http,
        ):
            assert (await http.get("/internal/isAlive")).status_code == 200
            assert (await http.get("/internal/isReady")).status_code == 503
            assert (
                await http.get("/internal/isReady")
            ).status_code == 503  # probing creates nothing


async def test_uvicorn_serves_the_app_from_the_environment(
    kafka_brokers: str, topics: TopicSet, signing_home: Path, issuer: TokenIssuer
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BROKERS": kafka_brokers,
        "SOSIALPULS_HOME": str(signing_home),
        "SOSIALPULS_TOPIC_PREFIX": prefix_of(topics),
    }
    command = [sys.executable, "-m", "uvicorn", "services.gateway.app:app", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(200):
                try:
                    if (await http.get("/internal/isReady")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            body = report("0315", "nav_office")
            response = await http.post(
                "/v1/reports", json=body, headers=auth(issuer, unit="nav_office:0315")
            )
            assert response.status_code == 202, response.text
        records = await read_topic(kafka_brokers, topics.reports, expected=1)
        assert [(key, value["event_id"]) for key, value, *_ in records] == [
            ("nav_office:0315", body["event_id"])
        ]
        assert (
            "PERMIT action=submit principal=nav_office:0315"
            in (signing_home / "logs" / "audit.log").read_text()
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
