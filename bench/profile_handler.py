"""Where a batch's time goes: ``handle_batch`` on PostgreSQL alone, no broker, profiled.

Feeds the pipeline benchmark's backlog (every report a new revision) through the
aggregator's handler with the real ``PostgresStore`` and a publisher that drops what it
is given, and prints where a batch's time goes: Python validation, building the call's
JSON, the one PostgreSQL round trip (and inside it each step of ``aggregator_apply_batch``
as the function itself clocks them), decoding the answer, the scorecard sends; then the
top of a cProfile of the whole run (which slows Python down, so read shares, not rates).

Needs a PostgreSQL where it may create and drop a database:
``ADMIN_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``).

Run: ``.venv/bin/python bench/profile_handler.py [REPORTS] [BATCH]`` (30000 5000).
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
from asyncpg.connection import Connection

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pipeline import backlog_lines, key_of  # noqa: E402

from contracts.registry import Registry  # noqa: E402
from services.aggregator.adapters import write_model  # noqa: E402
from services.aggregator.adapters.metrics import NullMetrics  # noqa: E402
from services.aggregator.adapters.postgres import PostgresStore  # noqa: E402
from services.aggregator.handlers import Aggregator, InboundRecord, handle_batch  # noqa: E402
from services.storage.migrate import apply_migrations  # noqa: E402

ADMIN = os.environ.get("ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
spent: defaultdict[str, float] = defaultdict(float)
batches: list[dict[str, float]] = []  # the SQL steps of each batch, in ms


class DroppingPublisher:
    async def dead_letter(self, letters: Sequence[Any]) -> None: ...
    async def scorecard_updates(self, rollups: Sequence[Any]) -> None: ...


def timed(label: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await call(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started

    return wrapper


def time_sql() -> None:
    """Charge every fetch/execute to the first words of its statement."""
    for name in ("fetch", "execute"):
        original = getattr(Connection, name)

        def make(original: Any) -> Any:
            async def call(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
                label = "SQL " + " ".join(query.split())[:60]
                return await timed(label, original)(self, query, *args, **kwargs)

            return call

        setattr(Connection, name, make(original))


def time_write_model() -> None:
    """Charge JSON encoding and decoding of the batch call, and each SQL step of the batch
    function (clocked inside PostgreSQL, returned with the answer)."""
    original_dumps, original_loads = write_model.json.dumps, write_model.json.loads

    def dumps(obj: Any, *args: Any, **kwargs: Any) -> str:
        started = time.perf_counter()
        try:
            return original_dumps(obj, *args, **kwargs)
        finally:
            spent["python: encode the call as JSON"] += time.perf_counter() - started

    def loads(text: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            reply = original_loads(text, *args, **kwargs)
        finally:
            spent["python: decode the answer"] += time.perf_counter() - started
        for step, ms in reply.get("steps", {}).items():
            spent[f"  in SQL: {step}"] += ms / 1000
        if "steps" in reply:
            batches.append(reply["steps"])
        return reply

    write_model.json = SimpleNamespace(dumps=dumps, loads=loads)  # type: ignore[assignment]


async def main(n: int, batch: int) -> None:
    database = f"profile_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f"CREATE DATABASE {database}")
    url = ADMIN.rsplit("/", 1)[0] + "/" + database
    try:
        await apply_migrations(url)
        with tempfile.TemporaryDirectory() as work:
            lines = backlog_lines(n, Path(work))
        records = [
            InboundRecord("reports", hash(key_of(x)) % 4, i, key_of(x), x.encode())
            for i, x in enumerate(lines)
        ]
        pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
        store = PostgresStore(pool)
        for name in ("apply", "mark_dead_lettered", "send_scorecards"):
            setattr(store, name, timed(f"store.{name}", getattr(store, name)))
        time_sql()
        time_write_model()
        agg = Aggregator(Registry.load(), store, DroppingPublisher(), NullMetrics())
        await agg.start()
        handle = timed("handle_batch (all)", handle_batch)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for i in range(0, len(records), batch):
            await handle(agg, records[i : i + batch])
        profile.disable()
        total = time.perf_counter() - started
        await pool.close()
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await admin.close()
    print(f"{n} reports in batches of {batch}: {total:.1f} s under the profiler")
    print(f"{n / total:.0f} reports/s; one PostgreSQL round trip per batch (SQL statements below)")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:6.2f} s  {100 * seconds / total:4.0f} %  {label}")
    print("SQL steps per batch, ms (the first batches write new facts and memberships):")
    for i, steps in enumerate(batches):
        print(f"  batch {i + 1}: " + ", ".join(f"{k} {v:.0f}" for k, v in steps.items()))
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(args + [30000, 5000][len(args) :])))
