"""The project's Kafka topics: partition counts, configs, and explicit creation.

The names are the contract's (``contracts.topics``).

Tansu auto-creates topics with one partition, so every topic is created explicitly.
`create_topics(brokers, prefix)` is reused by tests for a private, uniquely prefixed set.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts.topics import ANNUAL, DLQ, REPORTS, SCORECARDS, TopicSet

__all__ = [
    "ANNUAL",
    "DLQ",
    "REPORTS",
    "SCORECARDS",
    "TOPIC_SPECS",
    "TopicCreationError",
    "TopicSet",
    "TopicSpec",
    "create_topics",
    "delete_topics",
]

_TOPIC_EXISTS = 36


@dataclass(frozen=True)
class TopicSpec:
    """One topic as the project needs it."""

    name: str
    partitions: int
    configs: tuple[tuple[str, str], ...] = ()


TOPIC_SPECS: tuple[TopicSpec, ...] = (
    TopicSpec(REPORTS, 4),
    TopicSpec(DLQ, 1),
    TopicSpec(SCORECARDS, 4, (("cleanup.policy", "compact"),)),
    TopicSpec(ANNUAL, 1, (("cleanup.policy", "compact"),)),
)


class TopicCreationError(RuntimeError):
    """The broker refused to create a topic."""


async def create_topics(brokers: str, prefix: str = "") -> TopicSet:
    """Create the four topics (idempotent: existing topics are left as they are)."""
    topic_set = TopicSet.with_prefix(prefix)
    new_topics = [
        NewTopic(
            prefix + spec.name,
            num_partitions=spec.partitions,
            replication_factor=1,
            topic_configs=dict(spec.configs),
        )
        for spec in TOPIC_SPECS
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=brokers)
    await admin.start()
    try:
        response = await admin.create_topics(new_topics)
    finally:
        await admin.close()
    for topic, code, message in response.topic_errors:
        if code not in (0, _TOPIC_EXISTS):
            raise TopicCreationError(f"cannot create topic {topic}: error {code} {message}")
    return topic_set


async def delete_topics(brokers: str, topic_set: TopicSet) -> None:
    """Delete the topics of `topic_set` (used to clean up after a test)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=brokers)
    await admin.start()
    try:
        await admin.delete_topics(topic_set.names())
    finally:
        await admin.close()
