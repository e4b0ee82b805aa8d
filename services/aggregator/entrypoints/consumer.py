"""A plain aiokafka runtime for the same handler (``SOSIALPULS_AGGREGATOR_RUNTIME=aiokafka``).

faust's per-event machinery caps a worker at ~2,000 events/s on the local machine; this
loop hands ``getmany`` batches straight to the handler (validating the next batch while
PostgreSQL works on the current one) and commits a batch's offsets only after it
returned (PostgreSQL committed, DLQ/scorecards acked). Same semantics as the faust worker:
at-least-once, idempotent, a failing batch is retried and never skipped.
``sosialpuls_consumer_lag`` is refreshed by a timer task (``entrypoints/lag.py``), so it
keeps counting while a batch waits for PostgreSQL. Serves ``/metrics``,
``/internal/isAlive`` and ``/internal/isReady`` with aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from services.aggregator.adapters.metrics import PrometheusMetrics
from services.aggregator.adapters.postgres import PostgresStore
from services.aggregator.config import AggregatorSettings
from services.aggregator.entrypoints.lag import keep_lag_fresh
from services.aggregator.entrypoints.worker import WorkerState, handle_with_retry
from services.aggregator.handlers import InboundRecord, prepare_batch

log = logging.getLogger("sosialpuls.aggregator")


@dataclass
class InFlight:
    """A batch being persisted and the offsets to commit once it is."""

    task: asyncio.Task[None]
    offsets: dict[TopicPartition, int]
    handled: list[tuple[int, int]]

    async def finish(self, consumer: AIOKafkaConsumer, state: WorkerState) -> None:
        await self.task
        try:
            await consumer.commit(self.offsets)
        except (CommitFailedError, KafkaError) as e:  # rebalanced: the new owner replays
            log.warning("offset commit failed (%s); the batch will be replayed", e)
        state.progress.done(self.handled)


def health_app(state: WorkerState, consumer: AIOKafkaConsumer) -> web.Application:
    """``/metrics`` and the readiness pages."""

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(state.metrics.registry)
        return web.Response(body=body, content_type=CONTENT_TYPE_LATEST.split(";")[0])

    async def alive(_: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def ready(_: web.Request) -> web.Response:
        assigned = bool(consumer.assignment())
        reachable = state.pool is not None and await PostgresStore(state.pool).ping()
        ok = assigned and reachable
        body = {"ready": ok, "postgres": reachable, "assigned": assigned}
        return web.json_response(body, status=200 if ok else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/internal/isAlive", alive)
    app.router.add_get("/internal/isReady", ready)
    return app


async def consume(settings: AggregatorSettings, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set."""
    state = WorkerState(settings, PrometheusMetrics(CollectorRegistry()))
    consumer = AIOKafkaConsumer(
        settings.reports_topic,
        bootstrap_servers=settings.kafka_brokers,
        group_id=settings.group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=int(settings.broker_session_timeout * 1000),
        heartbeat_interval_ms=int(settings.broker_heartbeat_interval * 1000),
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    runner = web.AppRunner(health_app(state, consumer))
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    lag_task: asyncio.Task[None] | None = None
    try:
        agg = await state.open()
        await consumer.start()
        lag_task = asyncio.create_task(
            keep_lag_fresh(
                settings.kafka_brokers,
                settings.group_id,
                settings.reports_topic,
                lambda: [tp.partition for tp in consumer.assignment()],
                state.progress,
                state.metrics,
                settings.lag_interval_seconds,
            )
        )
        # one batch in flight: the next one is fetched and validated (Python) while
        # PostgreSQL works on this one; offsets are committed only after it persisted
        in_flight: InFlight | None = None
        try:
            while not stop.is_set():
                wait_ms = 0 if in_flight is not None else 200
                batch = await consumer.getmany(timeout_ms=wait_ms, max_records=settings.batch_size)
                records = [
                    InboundRecord(r.topic, r.partition, r.offset, r.key, r.value or b"")
                    for rs in batch.values()
                    for r in rs
                ]
                prepared = prepare_batch(agg, records) if records else None
                if in_flight is not None:
                    await in_flight.finish(consumer, state)
                    in_flight = None
                if prepared is None:
                    continue
                handled = [(r.partition, r.offset) for r in records]
                state.progress.begin(handled)
                task = asyncio.create_task(handle_with_retry(agg, records, prepared))
                offsets = {tp: rs[-1].offset + 1 for tp, rs in batch.items() if rs}
                in_flight = InFlight(task, offsets, handled)
        finally:
            if in_flight is not None:  # stopping: let the batch persist, then commit it
                await in_flight.finish(consumer, state)
    finally:
        if lag_task is not None:
            lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag_task
        with contextlib.suppress(Exception):
            await consumer.stop()
        await state.close()
        await runner.cleanup()


def run(settings: AggregatorSettings) -> None:
    """Run the aiokafka runtime until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(levelname)s] %(message)s")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await consume(settings, stop)

    asyncio.run(main())
