"""Pipeline benchmark (issue 4): on one Tansu broker and one PostgreSQL, in one run:

- raw aiokafka consume rate of the backlog (the ceiling);
- aggregator throughput on a backlog of >= 200,000 reports (validated, gated, aggregated,
  persisted; every report is a new revision, so every one is written);
- replay of the same backlog from offset 0 by a new consumer group (all duplicates);
- end-to-end latency p50/p99 at a steady 200 reports/s (reported_at → persisted_at);
- peak RSS (VmHWM) of the worker process.

Writes bench/results/pipeline.json. Starts its own stack in a temp home unless
KAFKA_BROKERS and DATABASE_URL are set. Run: ``.venv/bin/python bench/bench_pipeline.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy.local.home import free_port  # noqa: E402
from deploy.local.postgres import with_database  # noqa: E402
from deploy.local.topics import TopicSet, create_topics  # noqa: E402
from services.simulator.run import SimulationConfig, simulate  # noqa: E402
from services.storage.migrate import apply_migrations  # noqa: E402

RUNTIME = os.environ.get("SOSIALPULS_AGGREGATOR_RUNTIME", "faust")  # the worker inherits it
RESULT = (
    ROOT
    / "bench"
    / "results"
    / ("pipeline.json" if RUNTIME == "faust" else f"pipeline_{RUNTIME}.json")
)
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "200000"))
STEADY_RATE, STEADY_SECONDS = 200, 20


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def backlog_lines(n: int, work: Path) -> list[str]:
    """``n`` valid reports: a simulated year's reports re-issued with rising revisions."""
    simulate(SimulationConfig(year=2025, seed=11, scale=0.05, faults="none"), work)
    base = [json.loads(x) for x in (work / "reports.jsonl").read_text().splitlines()]
    latest: dict[tuple[str, str, str], dict[str, object]] = {}
    for r in base:
        latest[(r["unit"]["type"], r["unit"]["code"], r["period"])] = r
    out: list[str] = []
    bump = 0
    while len(out) < n:
        bump += 1
        for r in latest.values():
            copy = dict(r, event_id=str(uuid.uuid4()), revision=int(r["revision"]) + bump)  # type: ignore[call-overload]
            out.append(json.dumps(copy))
            if len(out) == n:
                break
    return out


def key_of(line: str) -> bytes:
    unit = json.loads(line)["unit"]
    return f"{unit['type']}:{unit['code']}".encode()


async def produce(brokers: str, topic: str, lines: list[str]) -> dict[int, int]:
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=20)
    await producer.start()
    ends: dict[int, int] = {}
    try:
        futures = [await producer.send(topic, x.encode(), key=key_of(x)) for x in lines]
        for meta in await asyncio.gather(*futures):
            ends[meta.partition] = max(ends.get(meta.partition, 0), meta.offset + 1)
    finally:
        await producer.stop()
    return ends


async def raw_consume_rate(brokers: str, topic: str, total: int) -> float:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=brokers, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10000)
            seen += sum(len(v) for v in batch.values())
        return total / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def worker_env(
    brokers: str, db: str, prefix: str, group: str, home: Path, port: int
) -> dict[str, str]:
    """The environment of a benchmark's aggregator worker (its own home and web port)."""
    return {
        **os.environ,
        "KAFKA_BROKERS": brokers,
        "DATABASE_URL": db,
        "SOSIALPULS_HOME": str(home),
        "SOSIALPULS_TOPIC_PREFIX": prefix,
        "SOSIALPULS_AGGREGATOR_GROUP_ID": group,
        "SOSIALPULS_AGGREGATOR_WEB_PORT": str(port),
    }


def start_worker(brokers: str, db: str, prefix: str, group: str) -> subprocess.Popen[bytes]:
    home = Path(tempfile.mkdtemp(prefix="bench-aggregator-"))
    env = worker_env(brokers, db, prefix, group, home, free_port())
    log = (home / "worker.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "services.aggregator"], env=env, cwd=ROOT, stdout=log, stderr=log
    )


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def committed_total(brokers: str, group: str, topic: str, parts: list[int]) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=brokers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return sum([(await consumer.committed(TopicPartition(topic, p))) or 0 for p in parts])
    finally:
        await consumer.stop()


async def wait_for(predicate: object, timeout: float = 900) -> float:
    """Seconds until ``predicate()`` (an async callable) is true, polled every 0.2 s."""
    started = time.perf_counter()
    while not await predicate():  # type: ignore[operator]
        if time.perf_counter() - started > timeout:
            raise TimeoutError("benchmark step did not finish")
        await asyncio.sleep(0.2)
    return time.perf_counter() - started


async def fresh_run(brokers: str, admin_url: str, kind: str) -> tuple[str, TopicSet, str]:
    """Fresh topics ``<kind>-<tag>.*`` and a fresh migrated database ``<kind>_<tag>`` on the
    server of ``admin_url``, for one benchmark run: (topic prefix, topics, database URL)."""
    tag = uuid.uuid4().hex[:8]
    prefix = f"{kind}-{tag}."
    topics = await create_topics(brokers, prefix=prefix)
    name = f"{kind.replace('-', '_')}_{tag}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    db = with_database(admin_url, name)
    await apply_migrations(db)
    return prefix, topics, db


async def run(brokers: str, admin_url: str) -> dict[str, object]:
    load_at_start = os.getloadavg()
    prefix, topics, db = await fresh_run(brokers, admin_url, "bench")
    pool = await asyncpg.create_pool(db, min_size=1, max_size=2)
    with tempfile.TemporaryDirectory() as work:
        lines = backlog_lines(BACKLOG, Path(work))
    say(f"producing {len(lines)} reports")
    t0 = time.perf_counter()
    ends = await produce(brokers, topics.reports, lines)
    produce_rate = len(lines) / (time.perf_counter() - t0)
    raw_rate = await raw_consume_rate(brokers, topics.reports, len(lines))
    parts = sorted(ends)
    say(f"produce {produce_rate:.0f}/s, raw consume {raw_rate:.0f}/s; aggregating the backlog")

    async def revisions_done() -> bool:
        # a random UUID event_id occasionally looks like a fødselsnummer and is rejected
        done = await pool.fetchval(
            "SELECT (SELECT count(*) FROM report_revisions)"
            " + (SELECT count(*) FROM rejected_reports)"
        )
        return int(done) >= len(lines)

    worker = start_worker(brokers, db, prefix, f"bench-backlog-{prefix}")
    started = time.perf_counter()
    await wait_for(lambda: _first_fact(pool))
    startup = time.perf_counter() - started
    backlog_seconds = await wait_for(revisions_done) + startup
    rss_backlog = peak_rss_mib(worker.pid)
    say(f"backlog done in {backlog_seconds:.1f}s; steady {STEADY_RATE}/s")

    # steady 200 reports/s with reported_at = now, measured from PostgreSQL's persisted_at
    steady = []
    template = json.loads(lines[0])
    for i in range(STEADY_RATE * STEADY_SECONDS):
        steady.append(dict(template, revision=10_000 + i, event_id=str(uuid.uuid4())))
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=0)
    await producer.start()
    latencies: list[float] = []
    for second in range(STEADY_SECONDS):
        tick = time.perf_counter()
        for r in steady[second * STEADY_RATE : (second + 1) * STEADY_RATE]:
            r["reported_at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            r["unit"] = {"type": "municipality", "code": template["unit"]["code"]}
            await producer.send(topics.reports, json.dumps(r).encode(), key=key_of(json.dumps(r)))
            await asyncio.sleep(max(0.0, 1 / STEADY_RATE - 0.0005))
        await asyncio.sleep(max(0.0, 1 - (time.perf_counter() - tick)))
    await producer.stop()
    last = 10_000 + STEADY_RATE * STEADY_SECONDS - 1

    async def steady_done() -> bool:
        return bool(
            await pool.fetchval("SELECT count(*) FROM report_revisions WHERE revision = $1", last)
        )

    await wait_for(steady_done)
    # each accepted steady report replaced the fact; the revisions ledger has its first_seen_at
    rows = await pool.fetch(
        """SELECT extract(epoch FROM first_seen_at) AS seen, revision FROM report_revisions
           WHERE revision >= 10000 ORDER BY revision"""
    )
    sent_at = {r["revision"]: r["reported_at"] for r in steady}
    for row in rows:
        reported = datetime.fromisoformat(sent_at[row["revision"]].replace("Z", "+00:00"))
        latencies.append(float(row["seen"]) - reported.timestamp())
    latencies.sort()
    rss_peak = peak_rss_mib(worker.pid)
    worker.terminate()
    worker.wait(timeout=60)

    say("replaying from offset 0")
    replay = start_worker(brokers, db, prefix, f"bench-replay-{prefix}")
    total = sum(ends.values()) + len(steady)

    async def replay_done() -> bool:
        return (
            await committed_total(brokers, f"bench-replay-{prefix}", topics.reports, parts) >= total
        )

    replay_seconds = await wait_for(replay_done)
    replay.terminate()
    replay.wait(timeout=60)
    await pool.close()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 3)

    per_year = 5684  # reports in one simulated year with the standard delivery plan
    replay_rate = total / replay_seconds
    return {
        "backlog_reports": len(lines),
        "produce_rate_per_s": round(produce_rate),
        "raw_aiokafka_consume_per_s": round(raw_rate),
        "aggregator_backlog_per_s": round(len(lines) / backlog_seconds),
        "aggregator_backlog_seconds": round(backlog_seconds, 1),
        "worker_startup_seconds": round(startup, 1),
        "replay_from_zero_per_s": round(replay_rate),
        "replay_from_zero_seconds": round(replay_seconds, 1),
        "replay_5_years_estimate_seconds": round(5 * per_year / replay_rate, 1),
        "steady_rate_per_s": STEADY_RATE,
        "latency_p50_s": pct(0.50),
        "latency_p99_s": pct(0.99),
        "latency_samples": len(latencies),
        "worker_peak_rss_mib_backlog": round(rss_backlog, 1),
        "worker_peak_rss_mib": round(rss_peak, 1),
        # the machine is shared: its load (1, 5, 15 min) when the run started and ended
        "load_average_start": [round(x, 2) for x in load_at_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }


async def _first_fact(pool: asyncpg.Pool) -> bool:
    return bool(await pool.fetchval("SELECT EXISTS (SELECT 1 FROM unit_month_facts)"))


def main() -> int:
    brokers, db = os.environ.get("KAFKA_BROKERS"), os.environ.get("DATABASE_URL")
    home = None
    if not (brokers and db):
        home = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
        env = {**os.environ, "SOSIALPULS_HOME": str(home)}
        cli = [sys.executable, "-m", "services.cli.main"]
        subprocess.run([*cli, "up", "--no-services"], env=env, check=True, cwd=ROOT)
        stack = json.loads((home / "stack.json").read_text())
        brokers, db = stack["kafka_brokers"], stack["database_url"]
    try:
        numbers = asyncio.run(run(brokers, db))
    finally:
        if home is not None:
            subprocess.run([*cli, "down"], env=env, check=False, cwd=ROOT)
    result = {
        "command": ".venv/bin/python bench/bench_pipeline.py",
        "broker": "tansu",
        "runtime": RUNTIME,
        "goal": {"reports_per_s": 10000, "latency_p99_s": 1.0, "replay_5_years_s": 60},
        "headline": {
            "raw consume /s": numbers["raw_aiokafka_consume_per_s"],
            "aggregator backlog /s": numbers["aggregator_backlog_per_s"],
            "replay from 0 /s": numbers["replay_from_zero_per_s"],
            "latency p50 / p99 s": f"{numbers['latency_p50_s']} / {numbers['latency_p99_s']}",
            "worker peak RSS MiB": numbers["worker_peak_rss_mib"],
        },
        **numbers,
    }
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
