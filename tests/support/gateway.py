"""The gateway under test against the real broker: a valid report, reading a topic."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.local.topics import TopicSet
from services.auth.audit import audit_path
from services.auth.tokens import TokenIssuer
from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from support import reports
from support.reports import SMALL


def report(code: str = "0301", unit_type: str = "municipality") -> dict[str, Any]:
    """A valid v1 report for March 2025 (a small unit's figures)."""
    return reports.report(code, unit_type, source="fagsystem:security-test", indicators=SMALL)


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


def gateway_settings(
    brokers: str, topics: TopicSet, home: Path, **limits: float
) -> GatewaySettings:
    """The gateway's settings for a test: the broker, the test's topics, a home with keys."""
    return GatewaySettings(
        kafka_brokers=brokers,
        topic_prefix=topics.prefix,
        home=home,
        **limits,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def serve_gateway(
    settings: GatewaySettings, timeout: float = 5.0
) -> AsyncIterator[httpx.AsyncClient]:
    """The real gateway app in process (its lifespan run) and an HTTP client on it."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=timeout) as http,
    ):
        yield http
