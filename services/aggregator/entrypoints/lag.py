"""The consumer-lag gauge, refreshed on a timer in both runtimes, independent of PostgreSQL.

Each tick reads the broker's high watermark (from a fetch response, see
``adapters/offsets.py``) and the group's committed offset for every assigned partition,
combines them with what the worker handled (``Progress``) and sets
``sosialpuls_consumer_lag``. A worker stuck on a batch (PostgreSQL down) thus reports the
records that pile up behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from services.aggregator.adapters.metrics import PrometheusMetrics
from services.aggregator.adapters.offsets import BrokerOffsets
from services.aggregator.progress import Progress, consumer_lag

log = logging.getLogger("sosialpuls.aggregator")


async def refresh_lag(
    offsets: BrokerOffsets,
    topic: str,
    assigned: Iterable[int],
    progress: Progress,
    metrics: PrometheusMetrics,
) -> dict[int, int]:
    """Set the lag of each assigned partition of ``topic``; returns it by partition."""
    partitions = sorted(set(assigned))
    progress.retain(partitions)
    read = await offsets.read(topic, partitions)
    positions = {
        p: progress.next_offset(p, read.committed.get(p), read.log_start.get(p, 0))
        for p in partitions
    }
    lags = consumer_lag(read.highwaters, positions)
    metrics.lags(lags, keep=partitions)
    return lags


async def keep_lag_fresh(
    brokers: str,
    group_id: str,
    topic: str,
    assigned: Callable[[], Iterable[int]],
    progress: Progress,
    metrics: PrometheusMetrics,
    interval: float,
) -> None:
    """Refresh the gauge every ``interval`` seconds until cancelled; broker errors are logged."""
    offsets = BrokerOffsets(brokers, group_id)
    try:
        while True:
            try:
                if not offsets.started:
                    await offsets.start()
                await refresh_lag(offsets, topic, assigned(), progress, metrics)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the broker is away or rebalancing: try again next tick
                log.debug("consumer lag not refreshed (%s)", e)
            await asyncio.sleep(interval)
    finally:
        await offsets.stop()
