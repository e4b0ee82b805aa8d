"""A plain aiokafka runtime for the same handler (``SOSIALPULS_AGGREGATOR_RUNTIME=aiokafka``).

faust's per-event machinery caps a worker at ~2,000 events/s on the local machine; this
loop hands ``getmany`` batches straight to ``handle_batch`` and commits the batch's offsets
only after it returned (PostgreSQL committed, DLQ/scorecards acked). Same semantics as the
faust worker: at-least-once, idempotent, a failing batch is retried and never skipped.
``sosialpuls_consumer_lag`` is refreshed by a timer task (``entrypoints/lag.py``), so it
keeps counting while a batch waits for PostgreSQL. Serves ``/metrics``,
``/internal/isAlive`` and ``/internal/isReady`` with aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import CommitFailedError, KafkaError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from services.aggregator.adapters.metrics import PrometheusMetrics
from services.aggregator.adapters.postgres import PostgresStore
from services.aggregator.config import AggregatorSettings
from services.aggregator.entrypoints.lag import keep_lag_fresh
from services.aggregator.entrypoints.worker import WorkerState, handle_with_retry
from services.aggregator.handlers import InboundRecord

log = logging.getLogger("sosialpuls.aggregator")


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
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200, max_records=settings.batch_size)
            records = [
                InboundRecord(r.topic, r.partition, r.offset, r.key, r.value or b"")
                for rs in batch.values()
                for r in rs
            ]
            if not records:
                continue
            handled = [(r.partition, r.offset) for r in records]
            state.progress.begin(handled)
            await handle_with_retry(agg, records)
            offsets = {tp: rs[-1].offset + 1 for tp, rs in batch.items() if rs}
            try:
                await consumer.commit(offsets)
            except (CommitFailedError, KafkaError) as e:  # rebalanced: the new owner replays
                log.warning("offset commit failed (%s); the batch will be replayed", e)
            state.progress.done(handled)
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
