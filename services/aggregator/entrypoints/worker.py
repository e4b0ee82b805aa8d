"""The faust worker: consume reports in batches, call ``handle_batch``, serve health/metrics.

Offsets: each batch (``noack_take``) is acked only after ``handle_batch`` returned, i.e.
after the PostgreSQL commit and the broker's acks for DLQ and scorecard records; faust then
commits acked offsets. A failing batch is retried (never acked past); a crash or a stop
replays at most the unacked tail, which is idempotent.

Consumer lag: a faust task refreshes ``sosialpuls_consumer_lag`` every
``lag_interval_seconds`` from the broker's high watermark (read from a fetch response;
Tansu's ``end_offsets`` is wrong) minus the next offset to process, whether or not the
current batch can be persisted (``entrypoints/lag.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import faust
from aiokafka import AIOKafkaProducer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from contracts.registry import Registry
from services.aggregator.adapters.kafka import KafkaPublisher
from services.aggregator.adapters.metrics import PrometheusMetrics
from services.aggregator.adapters.postgres import PostgresStore, StoreUnavailable
from services.aggregator.config import AggregatorSettings
from services.aggregator.entrypoints.background import keep_outbox_flowing, watch_seals
from services.aggregator.entrypoints.lag import keep_lag_fresh
from services.aggregator.handlers import (
    Aggregator,
    InboundRecord,
    PreparedBatch,
    persist_batch,
    prepare_batch,
)
from services.aggregator.progress import Progress

log = logging.getLogger("sosialpuls.aggregator")
RETRY_SECONDS = (0.5, 1, 2, 5, 10)
SESSION_SETTINGS = {
    # A worker stalled inside a transaction (SIGSTOP, a long GC pause, a hung broker ack)
    # would hold its rollup locks and outbox claims; PostgreSQL ends its session instead,
    # the others go on, and the stalled one retries its batch when it wakes.
    "idle_in_transaction_session_timeout": "20000",
}


@dataclass
class WorkerState:
    """What the worker opens at start and closes at stop."""

    settings: AggregatorSettings
    metrics: PrometheusMetrics
    pool: asyncpg.Pool | None = None
    producer: AIOKafkaProducer | None = None
    aggregator: Aggregator | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    progress: Progress = field(default_factory=Progress)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def open(self) -> Aggregator:
        async with self.lock:
            if self.aggregator is None:
                s = self.settings
                self.pool = await _connect(s.database_url)
                self.producer = AIOKafkaProducer(
                    bootstrap_servers=s.kafka_brokers, acks="all", linger_ms=5
                )
                await self.producer.start()
                publisher = KafkaPublisher(self.producer, s.dlq_topic, s.scorecard_topic)
                store = PostgresStore(self.pool)
                agg = Aggregator(Registry.load(), store, publisher, self.metrics)
                await agg.start()
                await _flush_left_over(store, publisher)
                self.tasks = [
                    asyncio.create_task(keep_outbox_flowing(store, publisher)),
                    asyncio.create_task(watch_seals(s.kafka_brokers, s.topics.annual, agg)),
                ]
                self.aggregator = agg
            return self.aggregator

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        self.tasks = []
        if self.aggregator is not None:
            store = self.aggregator.store
            publisher = self.aggregator.publisher
            if isinstance(store, PostgresStore):
                with contextlib.suppress(Exception):
                    await store.settle(publisher.scorecard_updates)
        producer, pool = self.producer, self.pool
        self.aggregator = self.producer = self.pool = None
        if producer is not None:
            await producer.stop()
        if pool is not None:
            await pool.close()


async def _connect(database_url: str) -> asyncpg.Pool:
    """A pool, once PostgreSQL answers (the worker is not ready until then)."""
    for attempt in range(10**9):
        try:
            return await asyncpg.create_pool(
                database_url, min_size=1, max_size=4, server_settings=SESSION_SETTINGS
            )
        except (TimeoutError, OSError, asyncpg.PostgresError) as e:
            delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
            log.warning("PostgreSQL not reachable (%s); retrying in %ss", e, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def _flush_left_over(store: PostgresStore, publisher: KafkaPublisher) -> None:
    """Send what a worker that died after its commit left in the scorecard outbox (a
    failure here is only logged: every batch flushes the outbox again)."""
    try:
        sent = await store.flush_scorecards(publisher.scorecard_updates)
    except Exception as e:  # the broker or PostgreSQL not there yet
        log.warning("scorecard outbox not flushed at start (%s); the next batch will", e)
        return
    if sent:
        log.info("sent %d scorecard updates left in the outbox", sent)


def faust_broker(brokers: str) -> list[str]:
    """``"h1:9092,h2:9092"`` → faust broker URLs."""
    return [f"kafka://{b.strip()}" for b in brokers.split(",") if b.strip()]


def create_app(
    settings: AggregatorSettings, registry: CollectorRegistry | None = None
) -> faust.App:
    """The faust app with its agent and pages (``/metrics``, ``/internal/isAlive|isReady``)."""
    data_dir = settings.data_dir or settings.home / "aggregator"
    app = faust.App(
        settings.group_id,
        broker=faust_broker(settings.kafka_brokers),
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        datadir=str(data_dir),
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
        producer_max_batch_size=1,
        stream_buffer_maxsize=2 * settings.batch_size,
        broker_max_poll_records=settings.batch_size,
        producer_acks=-1,
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=settings.broker_heartbeat_interval,
        topic_allow_declare=False,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        processing_guarantee="at_least_once",
    )
    state = WorkerState(settings, PrometheusMetrics(registry or CollectorRegistry()))
    reports = app.topic(settings.reports_topic, value_serializer="raw", key_serializer="raw")

    @app.agent(reports)
    async def aggregate(stream: Any) -> None:
        agg = await state.open()
        # noack_take: events are acked only once their batch is persisted and published
        # (take_events would ack them even when the handler raised or was cancelled).
        # One batch in flight: noack_take fills no buffer while the loop body runs, so
        # the body only validates and hands the batch to a task; faust gathers the next
        # batch while PostgreSQL works on this one. Batches persist and ack in order.
        batches = stream.noack_take(settings.batch_size, within=settings.batch_within_seconds)
        in_flight: asyncio.Task[None] | None = None
        try:
            async for events in batches:
                records = [
                    InboundRecord(
                        e.message.topic,
                        e.message.partition,
                        e.message.offset,
                        e.message.key,
                        e.message.value,
                    )
                    for e in events
                ]
                prepared = prepare_batch(agg, records)
                if in_flight is not None:
                    await in_flight
                in_flight = asyncio.create_task(
                    persist_then_ack(stream, state, agg, events, records, prepared)
                )
        finally:
            if in_flight is not None:  # stopping: let the batch persist and ack
                with contextlib.suppress(BaseException):
                    await in_flight
            await state.close()

    def assigned() -> list[int]:
        tps = app.consumer.assignment() if app.consumer else set()
        return [tp.partition for tp in tps if tp.topic == settings.reports_topic]

    async def lag_timer() -> None:
        await keep_lag_fresh(
            settings.kafka_brokers,
            settings.group_id,
            settings.reports_topic,
            assigned,
            state.progress,
            state.metrics,
            settings.lag_interval_seconds,
        )

    app.task(lag_timer)

    @app.page("/metrics")
    async def metrics_page(view: Any, request: Any) -> Any:
        body = generate_latest(state.metrics.registry)
        return view.bytes(body, content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/internal/isAlive")
    async def is_alive(view: Any, request: Any) -> Any:
        return view.json({"alive": True})

    @app.page("/internal/isReady")
    async def is_ready(view: Any, request: Any) -> Any:
        assigned = bool(app.consumer.assignment()) if app.consumer else False
        reachable = state.aggregator is not None and state.pool is not None
        if reachable and state.pool is not None:
            reachable = await PostgresStore(state.pool).ping()
        ready = assigned and reachable
        body = {"ready": ready, "postgres": reachable, "assigned": assigned}
        return view.json(body, status=200 if ready else 503)

    return app


async def persist_then_ack(
    stream: Any,
    state: WorkerState,
    agg: Aggregator,
    events: list[Any],
    records: list[InboundRecord],
    prepared: PreparedBatch,
) -> None:
    """Persist one batch (retrying), then ack its events so faust may commit them."""
    offsets = [(r.partition, r.offset) for r in records]
    state.progress.begin(offsets)
    await handle_with_retry(agg, records, prepared)
    for e in events:
        await stream.ack(e)
    state.progress.done(offsets)


async def handle_with_retry(
    agg: Aggregator, records: list[InboundRecord], prepared: PreparedBatch | None = None
) -> None:
    """Retry a batch until it succeeds (the partitions wait; nothing is skipped or lost)."""
    batch = prepared or prepare_batch(agg, records)
    for attempt in range(10**9):
        try:
            await persist_batch(agg, batch)
            return
        except StoreUnavailable as e:
            delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
            log.warning("batch of %d not persisted (%s); retrying in %ss", len(records), e, delay)
            await asyncio.sleep(delay)
        except Exception:  # e.g. the broker refused a DLQ record: retry, never skip a batch
            delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
            log.exception("batch of %d failed; retrying in %ss", len(records), delay)
            await asyncio.sleep(delay)
