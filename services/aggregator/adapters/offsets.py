"""``BrokerOffsets``: high watermarks and committed offsets, read beside the worker's consumer.

Tansu's ListOffsets (``end_offsets``) answers the first offset of the last batch + 1, so the
high watermark is taken from a *fetch* response instead: a private consumer (no group
membership, no commits) seeks each partition to just before that answer — a record that
exists — and fetches; every fetch response carries the true high watermark. This works on
Apache Kafka and noida-db too, and it keeps working while the worker's own consumer is
stuck on a batch (its fetcher does not refetch a partition whose records are unconsumed).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition


@dataclass(frozen=True)
class PartitionOffsets:
    """What the broker says about the assigned partitions of one topic, by partition."""

    highwaters: dict[int, int]
    committed: dict[int, int | None]
    log_start: dict[int, int]


class BrokerOffsets:
    """Reads offsets for the consumer group ``group_id`` without joining it."""

    def __init__(self, brokers: str, group_id: str) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=brokers,
            group_id=group_id,
            enable_auto_commit=False,
            fetch_max_wait_ms=200,
        )
        self.started = False

    async def start(self) -> None:
        await self._consumer.start()
        self.started = True

    async def stop(self) -> None:
        if self.started:
            self.started = False
            await self._consumer.stop()

    async def read(
        self, topic: str, partitions: list[int], timeout: float = 2.0
    ) -> PartitionOffsets:
        """High watermarks fetched within ``timeout``, committed offsets, log starts."""
        consumer = self._consumer
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return PartitionOffsets({}, {}, {})
        consumer.assign(tps)  # fresh partition states: no high watermark until a new fetch
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        committed = {tp.partition: await consumer.committed(tp) for tp in tps}
        for tp in tps:
            consumer.seek(tp, max(ends[tp] - 1, starts[tp]))
        highwaters: dict[int, int] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(highwaters) < len(tps) and loop.time() < deadline:
            await consumer.getmany(*tps, timeout_ms=200, max_records=len(tps))
            for tp in tps:
                highwater = consumer.highwater(tp)
                if highwater is not None:
                    highwaters[tp.partition] = highwater
        return PartitionOffsets(highwaters, committed, {tp.partition: starts[tp] for tp in tps})
