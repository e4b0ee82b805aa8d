"""``BrokerOffsets`` on the real local broker: the true high watermark and the group's
commit, also where records arrived in multi-record batches (Tansu's ``end_offsets`` then
answers the first offset of the last batch + 1)."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from deploy.local.topics import TopicSet
from services.aggregator.adapters.offsets import BrokerOffsets


async def produce_batched(brokers: str, topic: str, partition: int, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=50)
    await producer.start()
    try:
        sent = [await producer.send(topic, b"x" * 100, partition=partition) for _ in range(n)]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def commit(brokers: str, group: str, tp: TopicPartition, offset: int) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=brokers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.commit({tp: offset})
    finally:
        await consumer.stop()


async def test_high_watermark_and_commit_of_batched_records(
    kafka_brokers: str, topics: TopicSet
) -> None:
    await produce_batched(kafka_brokers, topics.reports, 1, 300)
    group = f"offsets-{uuid.uuid4().hex[:8]}"
    await commit(kafka_brokers, group, TopicPartition(topics.reports, 1), 120)
    offsets = BrokerOffsets(kafka_brokers, group)
    await offsets.start()
    try:
        read = await offsets.read(topics.reports, [0, 1])
        await produce_batched(kafka_brokers, topics.reports, 1, 25)
        again = await offsets.read(topics.reports, [1])
    finally:
        await offsets.stop()
    assert read.highwaters == {0: 0, 1: 300}
    assert read.committed == {0: None, 1: 120}
    assert read.log_start == {0: 0, 1: 0}
    assert again.highwaters == {1: 325}
