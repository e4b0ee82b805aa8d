"""Poison produced straight onto the reports topic (not through the gateway): broken JSON,
wrong types, a ~1 MB payload, unknown fields, unknown and retired codes, a fødselsnummer in
any string. Each lands on the DLQ exactly once with its reason and origin, the DLQ never
holds the fødselsnummer, and valid reports behind the poison on the same partition are
processed (the partition keeps flowing)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from integration.aggregator_support import start_worker, stored_facts, wait_caught_up
from support import reports
from support.broker import dlq_contents
from support.reports import SMALL

from contracts.personal_data import contains_fodselsnummer
from deploy.local.topics import TopicSet

FNR = "01010100050"  # a synthetic number with valid control digits
KEY = b"municipality:0301"


def report(code: str = "0301", period: str = "2025-03", **extra: Any) -> dict[str, Any]:
    fields = {"source": "fagsystem:poison-test", "indicators": SMALL, **extra}
    return reports.report(code, period=period, **fields)


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode()


def poison() -> list[tuple[bytes, str]]:
    """(payload, expected DLQ reason)."""
    indicators = report()["indicators"]
    return [
        (b'{"event_id": "', "malformed_json"),
        (b"\xff\xfe not utf-8", "malformed_json"),
        (b"", "malformed_json"),
        (b"null", "schema_violation"),
        (b"[1, 2, 3]", "schema_violation"),
        (encoded(report(revision="two")), "schema_violation"),
        (encoded(report(indicators={**indicators, "recipients": "40"})), "schema_violation"),
        (encoded(report(schema_version=2)), "schema_violation"),
        (encoded(report(comment="unknown field")), "schema_violation"),
        (encoded(report(source="x" * 900_000)), "schema_violation"),
        (encoded({**report(), "padding": ["y" * 1000] * 900}), "schema_violation"),
        (b"[" + b"{}," * 300_000 + b"{}]", "schema_violation"),
        (encoded(report(indicators={**indicators, "recipients": -1})), "negative_value"),
        (encoded(report(code="9999")), "unknown_unit"),
        (encoded(report(code="3001", period="2024-03")), "retired_unit"),
        (encoded(report(source=f"fagsystem:{FNR}")), "personal_data"),
        (encoded(report(note=f"person {FNR}")), "personal_data"),
        (encoded(report(period=FNR)), "personal_data"),
        (encoded({**report(), FNR: 1}), "personal_data"),
        (encoded(report(unit={"type": "municipality", "code": FNR})), "personal_data"),
    ]


async def run_poison(
    cases: list[tuple[bytes, str]],
    kafka_brokers: str,
    topics: TopicSet,
    pg_database_url: str,
    pg_pool: asyncpg.Pool,
) -> None:
    """Produce ``cases`` between valid reports on one partition, run a worker, check."""
    valid = [report(period=f"2025-{m:02d}") for m in range(1, 7)]
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_brokers, acks="all", max_request_size=4 * 1024 * 1024
    )
    await producer.start()
    offsets: dict[int, str] = {}
    ends: dict[int, int] = {}
    try:
        # poison interleaved with valid reports, all on one key (one partition)
        for i, (payload, reason) in enumerate(cases):
            meta = await producer.send_and_wait(topics.reports, payload, key=KEY)
            offsets[meta.offset] = reason
            if i % 4 == 3:
                await producer.send_and_wait(topics.reports, encoded(valid[i // 4]), key=KEY)
        for item in valid[len(cases) // 4 :]:
            meta = await producer.send_and_wait(topics.reports, encoded(item), key=KEY)
        ends[meta.partition] = meta.offset + 1
    finally:
        await producer.stop()

    group = f"poison-{uuid.uuid4().hex[:8]}"
    worker = start_worker(kafka_brokers, pg_database_url, topics, group)
    try:
        await wait_caught_up(kafka_brokers, group, topics.reports, ends, worker)
    finally:
        worker.stop()

    facts = await stored_facts(pg_pool)
    assert set(facts) == {("municipality", "0301", f"2025-{m:02d}") for m in range(1, 7)}

    dlq = await dlq_contents(kafka_brokers, topics.dlq)
    by_offset = Counter(int(h["origin_offset"]) for h, _ in dlq)
    assert by_offset == Counter(set(offsets)), "each poison record exactly once, nothing else"
    got = {int(h["origin_offset"]): h["reason"] for h, _ in dlq}
    assert got == offsets
    for headers, value in dlq:
        assert headers["origin_topic"] == topics.reports
        assert headers["message"]
        assert not contains_fodselsnummer(json.dumps(headers))
        assert FNR.encode() not in value
        if headers["reason"] == "personal_data":
            assert value == b""
    ledger = await pg_pool.fetch("SELECT origin_offset, reason, message FROM rejected_reports")
    assert {r["origin_offset"]: r["reason"] for r in ledger} == offsets
    assert not any(FNR in (r["message"] or "") for r in ledger)
    worker_log = worker.log.read_text(errors="replace")
    assert FNR not in worker_log


async def test_poison_is_dead_lettered_once_and_the_partition_keeps_flowing(
    kafka_brokers: str, topics: TopicSet, pg_database_url: str, pg_pool: asyncpg.Pool
) -> None:
    await run_poison(poison(), kafka_brokers, topics, pg_database_url, pg_pool)


async def test_broken_json_holding_a_fodselsnummer_never_reaches_the_dlq(
    kafka_brokers: str, topics: TopicSet, pg_database_url: str, pg_pool: asyncpg.Pool
) -> None:
    cases = [(f'{{"broken": "{FNR}'.encode(), "personal_data")]
    await run_poison(cases, kafka_brokers, topics, pg_database_url, pg_pool)
