"""The worker's background tasks beside the batches, for both runtimes.

- ``keep_outbox_flowing``: when no batch comes to release what was sent, release it (and
  resend what changed since); now and then send outbox rows that nobody sends any more
  (a worker that crashed or stalled between its commit and its send).
- ``watch_seals``: the compactor publishes a sealed year's units to
  ``sosialpuls.annual-reconciled.v1`` just before it commits the seal; on such a record the
  worker reads ``sealed_years`` again (now, and once more after the commit surely landed),
  so a batch never has to read it. A slow timer re-reads it too, as a safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiokafka import AIOKafkaConsumer

from services.aggregator.adapters.kafka import KafkaPublisher
from services.aggregator.adapters.postgres import PostgresStore
from services.aggregator.handlers import Aggregator

log = logging.getLogger("sosialpuls.aggregator")
SETTLE_SECONDS = 0.5  # how often an idle worker releases what it sent
ORPHAN_SECONDS = 5.0  # outbox rows older than this are nobody's: flush them
SEAL_COMMIT_SECONDS = 2.0  # the seal commits right after its records are acked
SEALED_REFRESH_SECONDS = 60.0


async def keep_outbox_flowing(store: PostgresStore, publisher: KafkaPublisher) -> None:
    """Run until cancelled (errors are logged: the next round tries again)."""
    last_orphans = time.monotonic()
    while True:
        await asyncio.sleep(SETTLE_SECONDS)
        try:
            await store.settle(publisher.scorecard_updates, idle_seconds=SETTLE_SECONDS)
            if time.monotonic() - last_orphans > ORPHAN_SECONDS:
                last_orphans = time.monotonic()
                sent = await store.flush_scorecards(
                    publisher.scorecard_updates, older_than_seconds=ORPHAN_SECONDS
                )
                if sent:
                    log.info("sent %d scorecard updates another worker left", sent)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # PostgreSQL or the broker away: later
            log.warning("scorecard outbox not settled (%s); retrying", e)


async def watch_seals(brokers: str, topic: str, agg: Aggregator) -> None:
    """Refresh ``agg.sealed`` on every seal event; run until cancelled."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=brokers, group_id=None, auto_offset_reset="latest"
    )
    last = time.monotonic()
    try:
        await consumer.start()
        while True:
            batch = await consumer.getmany(timeout_ms=1000)
            due = time.monotonic() - last > SEALED_REFRESH_SECONDS
            if not batch and not due:
                continue
            with contextlib.suppress(Exception):
                await agg.refresh_sealed()
                if batch:
                    await asyncio.sleep(SEAL_COMMIT_SECONDS)
                    await agg.refresh_sealed()
                    log.info("sealed years now %s", sorted(agg.sealed))
            last = time.monotonic()
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
