"""Producing reports and dead letters with aiokafka (acks=all, no idempotence: Tansu lacks it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from contracts.dead_letters import DeadLetter

log = logging.getLogger(__name__)
Headers = list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where the broker stored one record (after it acknowledged it)."""

    topic: str
    partition: int
    offset: int


class BrokerUnavailable(Exception):
    """The broker could not be reached or did not acknowledge in time (→ 503)."""


class ReportSink(Protocol):
    """What the gateway needs from the broker."""

    topic: str
    dlq_topic: str

    async def publish(self, records: Sequence[tuple[str, bytes]]) -> list[Delivery | Exception]:
        """Produce ``(key, value)`` records; one Delivery or the error per record, in order."""
        ...

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> list[Delivery | Exception]:
        """Produce refused reports to the DLQ topic; one Delivery or the error per letter."""
        ...

    async def ready(self) -> bool:
        """True when the broker answers and both topics exist (never creates them)."""
        ...

    async def close(self) -> None: ...


class KafkaReportSink:
    """An aiokafka producer started on first use and restarted after a failed start."""

    def __init__(
        self,
        brokers: str,
        topic: str,
        *,
        dlq_topic: str | None = None,
        produce_timeout: float = 15.0,
        ready_timeout: float = 3.0,
    ) -> None:
        self.brokers = brokers
        self.topic = topic
        self.dlq_topic = dlq_topic or f"{topic}.dlq"
        self._produce_timeout = produce_timeout
        self._ready_timeout = ready_timeout
        self._producer: Any = None
        self._lock = asyncio.Lock()

    async def _started(self) -> Any:
        async with self._lock:
            if self._producer is not None:
                return self._producer
            producer = AIOKafkaProducer(
                bootstrap_servers=self.brokers,
                acks="all",
                enable_idempotence=False,
                linger_ms=2,
                request_timeout_ms=int(self._produce_timeout * 1000),
                client_id="sosialpuls-gateway",
            )
            try:
                await producer.start()
            except (KafkaError, OSError) as exc:
                await producer.stop()
                raise BrokerUnavailable(f"cannot reach the broker at {self.brokers}") from exc
            self._producer = producer
            return producer

    async def publish(self, records: Sequence[tuple[str, bytes]]) -> list[Delivery | Exception]:
        sends = [(key.encode("utf-8"), value, None) for key, value in records]
        return await self._send(self.topic, sends)

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> list[Delivery | Exception]:
        sends = [(lt.key, lt.value, list(lt.headers)) for lt in letters]
        return await self._send(self.dlq_topic, sends)

    async def _send(
        self, topic: str, records: Sequence[tuple[bytes | None, bytes, Headers | None]]
    ) -> list[Delivery | Exception]:
        if not records:
            return []
        producer = await self._started()
        outcomes: list[Delivery | Exception] = []
        pending: list[tuple[int, asyncio.Future[Any]]] = []
        for index, (key, value, headers) in enumerate(records):
            outcomes.append(BrokerUnavailable("not sent"))
            try:
                future = await producer.send(topic, value=value, key=key, headers=headers)
            except KafkaError as exc:
                outcomes[index] = BrokerUnavailable(f"the broker refused the record: {exc}")
                continue
            pending.append((index, future))
        if pending:
            try:
                results = await asyncio.wait_for(
                    asyncio.gather(*(f for _, f in pending), return_exceptions=True),
                    timeout=self._produce_timeout * 2,
                )
            except TimeoutError:
                results = [TimeoutError("no acknowledgement in time")] * len(pending)
            for (index, _), result in zip(pending, results, strict=True):
                if isinstance(result, BaseException):
                    outcomes[index] = BrokerUnavailable(f"the broker did not acknowledge: {result}")
                else:
                    outcomes[index] = Delivery(result.topic, result.partition, result.offset)
        return outcomes

    async def ready(self) -> bool:
        try:
            producer = await self._started()
            # All topics' metadata: asking for the one topic could auto-create it (Tansu).
            cluster = await asyncio.wait_for(
                producer.client.fetch_all_metadata(), self._ready_timeout
            )
        except (BrokerUnavailable, KafkaError, TimeoutError, OSError) as exc:
            log.info("not ready: %s", exc)
            return False
        topics: set[str] = cluster.topics()
        return {self.topic, self.dlq_topic} <= topics

    async def close(self) -> None:
        async with self._lock:
            if self._producer is not None:
                await self._producer.stop()
                self._producer = None
