"""A v1 report survives produce → broker → consume byte for byte and still parses."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.structs import TopicPartition
from support.reports import report

from contracts.reports import IndicatorReportV1, parse_report
from deploy.local.topics import DLQ, REPORTS, TopicSet, create_topics, delete_topics

pytestmark = pytest.mark.integration

TODAY = date(2025, 6, 15)


def report_bytes(code: str, revision: int) -> bytes:
    return json.dumps(report(code, revision=revision)).encode()


async def consume(brokers: str, topic: str, count: int) -> list[tuple[bytes, bytes, int]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=brokers,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    await consumer.start()
    got: list[tuple[bytes, bytes, int]] = []
    try:
        while len(got) < count:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                got += [(r.key, r.value, r.partition) for r in records]
    finally:
        await consumer.stop()
    return got


async def test_report_round_trip_through_the_broker(kafka_brokers: str, topics: TopicSet) -> None:
    sent = {f"municipality:{code}": report_bytes(code, 2) for code in ("0301", "4601", "5001")}
    producer = AIOKafkaProducer(bootstrap_servers=kafka_brokers, acks="all")
    await producer.start()
    try:
        for key, value in sent.items():
            await producer.send_and_wait(topics.reports, value, key=key.encode())
    finally:
        await producer.stop()

    received = await consume(kafka_brokers, topics.reports, len(sent))

    assert {key.decode(): value for key, value, _ in received} == sent
    for key, value, _ in received:
        report: IndicatorReportV1 = parse_report(value, today=TODAY)
        assert report.unit.key == key.decode()
        assert report.revision == 2
        assert report.indicators.kroner_paid == 31250400


async def test_same_key_lands_on_one_partition_in_order(
    kafka_brokers: str, topics: TopicSet
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_brokers)
    await producer.start()
    try:
        for revision in (1, 2, 3):
            await producer.send_and_wait(
                topics.reports, report_bytes("0301", revision), key=b"municipality:0301"
            )
    finally:
        await producer.stop()

    received = await consume(kafka_brokers, topics.reports, 3)

    assert len({partition for _, _, partition in received}) == 1
    assert [parse_report(v, today=TODAY).revision for _, v, _ in received] == [1, 2, 3]


async def test_topics_have_the_partitions_and_configs_of_the_design(
    kafka_brokers: str, topics: TopicSet
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_brokers)
    await admin.start()
    try:
        described = await admin.describe_topics(topics.names())
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in topics.names()]
        )
    finally:
        await admin.close()
    partitions = {t["topic"]: len(t["partitions"]) for t in described}
    assert partitions == {topics.reports: 4, topics.dlq: 1, topics.scorecards: 4, topics.annual: 1}
    policies = {
        resource[3]: dict(entry[:2] for entry in resource[4]).get("cleanup.policy", "delete")
        for response in configs
        for resource in response.resources
    }
    assert policies == {
        topics.reports: "delete",
        topics.dlq: "delete",
        topics.scorecards: "compact",
        topics.annual: "compact",
    }


async def test_prefixed_topic_sets_are_independent(kafka_brokers: str, topics: TopicSet) -> None:
    other = await create_topics(kafka_brokers, prefix=f"other-{uuid.uuid4().hex[:8]}.")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_brokers)
    await producer.start()
    try:
        await producer.send_and_wait(topics.dlq, b"x", key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_brokers)
    await consumer.start()
    try:
        mine, theirs = TopicPartition(topics.dlq, 0), TopicPartition(other.dlq, 0)
        ends = await consumer.end_offsets([mine, theirs])
    finally:
        await consumer.stop()
        await delete_topics(kafka_brokers, other)
    assert other.dlq.endswith(DLQ) and topics.dlq.endswith(DLQ) and other.dlq != topics.dlq
    assert ends == {mine: 1, theirs: 0}


async def test_create_topics_is_idempotent(kafka_brokers: str, topics: TopicSet) -> None:
    prefix = topics.reports.removesuffix(REPORTS)
    assert await create_topics(kafka_brokers, prefix=prefix) == topics
