"""``KafkaPublisher``: the handler's ``Publisher`` on an aiokafka producer.

DLQ records carry Kafka Connect style headers (reason, message, origin_topic,
origin_partition, origin_offset); scorecard updates are keyed ``<level>:<code>:<period>``
with the current aggregate as JSON (a tombstone when a rollup disappears).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from contracts.dead_letters import DeadLetter
from services.aggregator.adapters.write_model import INDICATOR_COLUMNS, RollupRow, period_text

_PARTITIONER = DefaultPartitioner()


def dlq_headers(letter: DeadLetter) -> list[tuple[str, bytes]]:
    """The DLQ headers of one rejected record."""
    return list(letter.headers)


def scorecard_key(row: RollupRow) -> bytes:
    """``municipality:0301:2025-03``."""
    return f"{row.level}:{row.code}:{period_text(row.period)}".encode()


def scorecard_value(row: RollupRow) -> bytes | None:
    """The aggregate as JSON; None (a tombstone) for a removed rollup."""
    if row.values is None:
        return None
    body: dict[str, Any] = {
        "level": row.level,
        "code": row.code,
        "period": period_text(row.period),
        "indicators": dict(zip(INDICATOR_COLUMNS, row.values, strict=True)),
        "members_reported": row.members_reported,
        "members_expected": row.members_expected,
    }
    return json.dumps(body, separators=(",", ":")).encode()


class KafkaPublisher:
    """Sends dead letters and scorecard updates, and waits for the broker's acks."""

    def __init__(self, producer: AIOKafkaProducer, dlq_topic: str, scorecard_topic: str) -> None:
        self._producer = producer
        self._dlq = dlq_topic
        self._scorecards = scorecard_topic

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        futures = [
            await self._producer.send(
                self._dlq,
                value=b"" if lt.payload is None else lt.payload,
                key=lt.key,
                headers=dlq_headers(lt),
            )
            for lt in letters
        ]
        await asyncio.gather(*futures)

    async def scorecard_updates(self, rollups: Sequence[RollupRow]) -> None:
        """Send the figures in one record batch per partition (a batch of 5,000 reports
        changes thousands of rollups: per-record sends cost more than the rest of the
        batch), partitioned by key as ``send`` would, so a key always lands in one place."""
        if not rollups:
            return
        topic, producer = self._scorecards, self._producer
        partitions = sorted(await producer.partitions_for(topic))
        by_partition: dict[int, list[tuple[bytes, bytes | None]]] = {}
        for r in rollups:
            key = scorecard_key(r)
            partition = _PARTITIONER(key, partitions, partitions)
            by_partition.setdefault(partition, []).append((key, scorecard_value(r)))
        futures = []
        for partition, records in by_partition.items():
            batch = producer.create_batch()
            for key, value in records:
                if batch.append(key=key, value=value, timestamp=None) is None:
                    futures.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=None)
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*futures)
