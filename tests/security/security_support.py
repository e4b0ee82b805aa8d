"""Helpers for the security tests: a valid report, reading a topic, the gateway under test."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.local.topics import TopicSet
from services.auth.audit import audit_path
from services.auth.tokens import TokenIssuer


def report(code: str = "0301", unit_type: str = "municipality") -> dict[str, object]:
    """A valid v1 report for March 2025."""
    return {
        "event_id": str(uuid.uuid4()),
        "schema_version": 1,
        "unit": {"type": unit_type, "code": code},
        "period": "2025-03",
        "revision": 1,
        "source": "fagsystem:security-test",
        "reported_at": "2025-04-03T08:15:00Z",
        "indicators": {
            "recipients": 40,
            "recipients_with_children": 10,
            "recipients_main_livelihood": 20,
            "recipients_under_30": 12,
            "kroner_paid": 400000,
            "qp_participants": 3,
        },
    }


async def topic_records(brokers: str, topic: str) -> list[dict[str, object]]:
    """Every value on ``topic`` from the start of each partition to its end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or {0}]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        out: list[dict[str, object]] = []
        idle = 0
        while idle < 3:
            batch = await consumer.getmany(timeout_ms=300)
            idle = 0 if batch else idle + 1
            out += [json.loads(m.value) for msgs in batch.values() for m in msgs]
        return out
    finally:
        await consumer.stop()


@dataclass
class GatewayUnderTest:
    """The running app, its topics, signing key home and audit file."""

    client: httpx.AsyncClient
    topics: TopicSet
    issuer: TokenIssuer
    home: Path
    brokers: str

    @property
    def audit_file(self) -> Path:
        return audit_path(self.home)

    def audit_lines(self) -> list[str]:
        path = self.audit_file
        return path.read_text().splitlines() if path.exists() else []

    async def produced(self) -> list[dict[str, object]]:
        return await topic_records(self.brokers, self.topics.reports)
