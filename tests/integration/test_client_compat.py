"""Every common Kafka client works against the broker `sosialpuls up` starts by default.

The same valid and poison reports are produced once with aiokafka and once with
confluent-kafka (librdkafka, what .NET, Go and most vendors' case systems publish with),
each onto its own topics and counted by its own aggregator into its own database: the
facts, the DLQ and the rejection ledger come out the same.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aggregator_support import run_until_caught_up, stored_facts
from aiokafka import AIOKafkaProducer
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from support import reports
from support.broker import dlq_contents
from support.reports import SMALL

from deploy.local import LocalStack
from deploy.local.postgres import with_database
from deploy.local.topics import TopicSet, create_topics, delete_topics
from services.storage.migrate import apply_migrations

KEY = b"municipality:0301"
FNR = "01010100050"  # synthetic, valid control digits
MAX_MESSAGE = 4 * 1024 * 1024


def report(period: str, code: str = "0301", **extra: Any) -> dict[str, Any]:
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{period}/{code}/{sorted(extra)}"))
    fields = {"source": "fagsystem:client-compat", "indicators": SMALL, **extra}
    reported_at = "2025-08-03T08:15:00Z"
    return reports.report(code, period=period, event_id=event_id, reported_at=reported_at, **fields)


def records() -> list[tuple[bytes, str | None]]:
    """(payload, expected DLQ reason or None for a valid report), valid and poison mixed."""
    encoded = [json.dumps(report(f"2025-{m:02d}")).encode() for m in range(1, 7)]
    poison: list[tuple[bytes, str]] = [
        (b'{"event_id": "', "malformed_json"),
        (b"\xff\xfe not utf-8", "malformed_json"),
        (b"", "malformed_json"),
        (b"null", "schema_violation"),
        (json.dumps(report("2025-07", comment="unknown field")).encode(), "schema_violation"),
        (json.dumps(report("2025-07", source="x" * 900_000)).encode(), "schema_violation"),
        (json.dumps(report("2025-07", code="9999")).encode(), "unknown_unit"),
        (json.dumps(report("2025-07", note=f"person {FNR}")).encode(), "personal_data"),
    ]
    out: list[tuple[bytes, str | None]] = []
    for i, (payload, reason) in enumerate(poison):
        out.append((payload, reason))
        if i < len(encoded):
            out.append((encoded[i], None))
    return out


async def produce_aiokafka(brokers: str, topic: str, items: list[bytes]) -> dict[int, int]:
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all", max_request_size=MAX_MESSAGE)
    await producer.start()
    ends: dict[int, int] = {}
    try:
        for payload in items:
            meta = await producer.send_and_wait(topic, payload, key=KEY)
            ends[meta.partition] = meta.offset + 1
    finally:
        await producer.stop()
    return ends


def produce_confluent(brokers: str, topic: str, items: list[bytes]) -> dict[int, int]:
    """One by one, in order, acks=all: what a vendor's case system would do. librdkafka's
    default partitioner (CRC32) puts a key elsewhere than the Java client and aiokafka
    (murmur2): docs/operations.md tells vendors to set `murmur2_random`, as here."""
    producer = Producer(
        {
            "bootstrap.servers": brokers,
            "acks": "all",
            "message.max.bytes": MAX_MESSAGE,
            "partitioner": "murmur2_random",
        }
    )
    ends: dict[int, int] = {}
    errors: list[str] = []

    def delivered(error: Any, message: Any) -> None:
        if error is not None:
            errors.append(str(error))
        else:
            ends[message.partition()] = max(ends.get(message.partition(), 0), message.offset() + 1)

    for payload in items:
        producer.produce(topic, value=payload, key=KEY, on_delivery=delivered)
        assert producer.flush(60) == 0, "not delivered within 60 s"
    assert not errors, errors
    return ends


Outcome = tuple[dict[Any, Any], list[tuple[int, str, bytes]], dict[int, str]]


async def count(brokers: str, topics: TopicSet, database_url: str, ends: dict[int, int]) -> Outcome:
    """Run an aggregator over `topics` until it is caught up; what it made of them."""
    group = f"compat-{uuid.uuid4().hex[:8]}"
    await run_until_caught_up(brokers, database_url, topics, group, ends)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        facts = await stored_facts(pool)
        ledger = await pool.fetch("SELECT origin_offset, reason FROM rejected_reports")
    finally:
        await pool.close()
    dlq = sorted(
        (int(h["origin_offset"]), h["reason"], value)
        for h, value in await dlq_contents(brokers, topics.dlq)
    )
    return facts, dlq, {r["origin_offset"]: r["reason"] for r in ledger}


@pytest.fixture
async def second_database(local_stack: LocalStack, _pg_template: str) -> AsyncIterator[str]:
    name = f"test_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(local_stack.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template}"')
    finally:
        await admin.close()
    url = with_database(local_stack.database_url, name)
    await apply_migrations(url)
    yield url
    admin = await asyncpg.connect(local_stack.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def second_topics(kafka_brokers: str) -> AsyncIterator[TopicSet]:
    topic_set = await create_topics(kafka_brokers, prefix=f"test-{uuid.uuid4().hex[:12]}.")
    yield topic_set
    await delete_topics(kafka_brokers, topic_set)


def test_the_session_broker_is_the_default_one(local_stack: LocalStack) -> None:
    """The broker these tests publish to is the one `sosialpuls up` starts by default."""
    if os.environ.get("KAFKA_BROKERS"):
        pytest.skip("KAFKA_BROKERS given: not the broker `sosialpuls up` starts")
    stack = json.loads((local_stack.home / "stack.json").read_text())
    assert stack["broker"] == "tansu"
    assert "deploy.local.kafka_front" in " ".join(
        json.loads((local_stack.home / "run" / "broker.json").read_text())["command"]
    )


async def test_confluent_kafka_reports_are_counted_and_dead_lettered_as_aiokafkas(
    kafka_brokers: str,
    topics: TopicSet,
    second_topics: TopicSet,
    pg_database_url: str,
    second_database: str,
) -> None:
    metadata = AdminClient({"bootstrap.servers": kafka_brokers}).list_topics(timeout=30)
    assert topics.reports in metadata.topics and metadata.brokers
    cases = records()
    payloads = [payload for payload, _ in cases]

    ends_aiokafka = await produce_aiokafka(kafka_brokers, topics.reports, payloads)
    ends_confluent = await asyncio.to_thread(
        produce_confluent, kafka_brokers, second_topics.reports, payloads
    )
    assert ends_confluent == ends_aiokafka  # one partition (one key), same offsets

    by_aiokafka = await count(kafka_brokers, topics, pg_database_url, ends_aiokafka)
    by_confluent = await count(kafka_brokers, second_topics, second_database, ends_confluent)

    facts, dlq, ledger = by_confluent
    assert set(facts) == {("municipality", "0301", f"2025-{m:02d}") for m in range(1, 7)}
    expected = {offset: reason for offset, (_, reason) in enumerate(cases) if reason}
    assert {offset: reason for offset, reason, _ in dlq} == expected
    assert len(dlq) == len(expected)  # each poison record exactly once
    assert ledger == expected
    assert by_confluent == by_aiokafka


@pytest.mark.skipif(
    shutil.which("kcat") is None, reason="kcat not installed (make test installs it as root)"
)
def test_kcat_lists_produces_and_consumes(kafka_brokers: str, topics: TopicSet) -> None:
    """Debian's kcat (librdkafka 2.0, which could not read Tansu's own ApiVersions answer)."""
    listing = subprocess.run(
        ["kcat", "-b", kafka_brokers, "-L", "-m", "20"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    assert topics.reports in listing.stdout
    line = json.dumps(report("2025-01"))
    produced = subprocess.run(
        [
            "kcat",
            "-b",
            kafka_brokers,
            "-P",
            "-t",
            topics.dlq,
            "-k",
            KEY.decode(),
            "-X",
            "partitioner=murmur2_random",
        ],
        input=line + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert produced.returncode == 0, produced.stderr
    consumed = subprocess.run(
        [
            "kcat",
            "-b",
            kafka_brokers,
            "-C",
            "-t",
            topics.dlq,
            "-o",
            "beginning",
            "-e",
            "-f",
            "%k %s\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert consumed.returncode == 0, consumed.stderr
    assert consumed.stdout.strip() == f"{KEY.decode()} {line}"
