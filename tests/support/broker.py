"""Reading a topic in a test: every record from the start until the topic stays idle."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer

MAX_MESSAGE = 4 * 1024 * 1024


async def dlq_contents(brokers: str, topic: str) -> list[tuple[dict[str, str], bytes]]:
    """Every record of ``topic`` (a DLQ) as (headers as text, value), from the beginning
    until no record came for 1.5 s."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=brokers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_bytes=8 * 1024 * 1024,
        max_partition_fetch_bytes=MAX_MESSAGE,
    )
    await consumer.start()
    out: list[tuple[dict[str, str], bytes]] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                out += [({k: v.decode() for k, v in r.headers}, r.value or b"") for r in records]
    finally:
        await consumer.stop()
    return out
