"""Scale-out benchmark (issue 7): aggregator throughput with one and with two workers in one
consumer group, side by side in one run, on the same broker and the same backlog.

The backlog: simulated years 2024 and 2025 (every unit-month of both), each replicated over
several seeds issued as rising revisions, so every report is a new winning revision that is
validated, aggregated and persisted. For each worker count: fresh topics (4 partitions) and a
fresh database; the workers are started and assigned first, then the backlog is produced as
fast as the broker takes it, and the number of handled reports (revisions + rejects in
PostgreSQL) is sampled every 0.5 s until all are in. Recorded: wall-clock throughput, the
steady rate between 10 % and 90 % done, the time series, each worker's share and CPU, and the
machine's CPU busy fraction (2 cores here: workers, broker, PostgreSQL and this script share
them).

Writes bench/results/scale_out.json. Starts its own stack in a temp home unless
KAFKA_BROKERS and DATABASE_URL are set. Run: ``.venv/bin/python bench/bench_scale_out.py``
(``BENCH_SCALE_OUT_REPORTS`` sets the backlog, default 50,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import fresh_run, worker_env  # noqa: E402
from deploy.local.home import free_port  # noqa: E402
from deploy.local.postgres import database_name  # noqa: E402
from deploy.local.topics import delete_topics  # noqa: E402
from services.simulator.run import SimulationConfig, simulate  # noqa: E402

RESULT = ROOT / "bench" / "results" / "scale_out.json"
REPORTS = int(os.environ.get("BENCH_SCALE_OUT_REPORTS", "50000"))
WORKER_COUNTS = (1, 2)
YEARS = (2024, 2025)
SAMPLE_SECONDS = 0.5
TICKS = os.sysconf("SC_CLK_TCK")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def backlog_lines(n: int, work: Path) -> list[str]:
    """``n`` valid reports: simulated years under rising seeds, each seed 10 revisions up."""
    out: list[str] = []
    seed = 0
    while len(out) < n:
        for year in YEARS:
            target = work / f"{year}-{seed}"
            simulate(SimulationConfig(year=year, seed=seed + 1, scale=0.01), target)
            for line in (target / "reports.jsonl").read_text().splitlines():
                report = json.loads(line)
                report["revision"] = int(report["revision"]) + 10 * seed
                report["event_id"] = str(uuid.uuid4())
                out.append(json.dumps(report))
        seed += 1
    return out[:n]


def key_of(line: str) -> bytes:
    unit = json.loads(line)["unit"]
    return f"{unit['type']}:{unit['code']}".encode()


@dataclass
class Worker:
    """A ``python -m services.aggregator`` subprocess and its web port."""

    process: subprocess.Popen[bytes]
    port: int

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_worker(brokers: str, db: str, prefix: str, group: str) -> Worker:
    home = Path(tempfile.mkdtemp(prefix="bench-scale-out-"))
    port = free_port()
    env = worker_env(brokers, db, prefix, group, home, port)
    with (home / "worker.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.aggregator"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Worker(process, port)


async def wait_ready(workers: list[Worker], timeout: float = 180) -> None:
    """Until every worker is ready (PostgreSQL reachable and partitions assigned)."""
    deadline = time.perf_counter() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        for worker in workers:
            while True:
                if worker.process.poll() is not None:
                    raise RuntimeError("aggregator worker exited at start")
                try:
                    url = f"http://127.0.0.1:{worker.port}/internal/isReady"
                    if (await client.get(url)).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() > deadline:
                    raise TimeoutError("aggregator workers not ready")
                await asyncio.sleep(0.3)


async def processed_by(worker: Worker) -> int:
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"http://127.0.0.1:{worker.port}/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "sosialpuls_events_processed_total":
                return int(sample.value)
    return 0


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of a process and its live descendants (with their reaped children)."""
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
    tree, frontier = set(), {root}
    while frontier:
        tree |= frontier
        frontier = {pid for pid, f in stats.items() if int(f[1]) in frontier} - tree
    ticks = sum(int(x) for pid in tree if pid in stats for x in stats[pid][11:15])
    return ticks / TICKS  # utime stime cutime cstime


def components(home: Path | None) -> dict[str, int]:
    """Broker and PostgreSQL root processes of the stack this script started."""
    if home is None:
        return {}
    return {p.stem: int(p.read_text()) for p in sorted((home / "run").glob("*.pid"))}


def cpu_busy_and_total() -> tuple[int, int]:
    """Machine-wide jiffies (busy, total) from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


async def produce(brokers: str, topic: str, lines: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all", linger_ms=20)
    await producer.start()
    try:
        futures = [await producer.send(topic, x.encode(), key=key_of(x)) for x in lines]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def steady_rate(series: list[tuple[float, int]], total: int) -> float:
    """Reports/s between the samples where 10 % and 90 % of ``total`` were handled."""
    low = next(s for s in series if s[1] >= 0.1 * total)
    high = next(s for s in series if s[1] >= 0.9 * total)
    return (high[1] - low[1]) / (high[0] - low[0]) if high[0] > low[0] else 0.0


async def measure(
    brokers: str, admin_url: str, lines: list[str], count: int, groups: dict[str, int]
) -> dict[str, Any]:
    """One run with ``count`` workers on fresh topics and a fresh database."""
    prefix, topics, db = await fresh_run(brokers, admin_url, "bench-scale")
    name = database_name(db)
    pool = await asyncpg.create_pool(db, min_size=1, max_size=2)
    workers = [start_worker(brokers, db, prefix, prefix.rstrip(".")) for _ in range(count)]
    try:
        await wait_ready(workers)
        say(f"{count} worker(s) assigned; producing {len(lines)} reports")
        cpu_before = [w.cpu_seconds() for w in workers]
        busy0, total0 = cpu_busy_and_total()
        groups_before = {name: tree_cpu_seconds(pgid) for name, pgid in groups.items()}
        own_before = time.process_time()
        started = time.perf_counter()
        producing = asyncio.create_task(produce(brokers, topics.reports, lines))
        series: list[tuple[float, int]] = []
        while True:
            done = int(
                await pool.fetchval(
                    "SELECT (SELECT count(*) FROM report_revisions)"
                    " + (SELECT count(*) FROM rejected_reports)"
                )
            )
            series.append((round(time.perf_counter() - started, 2), done))
            if done >= len(lines):
                break
            if any(w.process.poll() is not None for w in workers):
                raise RuntimeError("an aggregator worker died during the run")
            if series[-1][0] > 1200:
                raise TimeoutError("scale-out run did not finish in 20 minutes")
            await asyncio.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
        await producing
        busy1, total1 = cpu_busy_and_total()
        others = {n: (tree_cpu_seconds(g) - groups_before[n]) / seconds for n, g in groups.items()}
        others["bench producer"] = (time.process_time() - own_before) / seconds
        cpu = [w.cpu_seconds() - c for w, c in zip(workers, cpu_before, strict=True)]
        shares = [await processed_by(w) for w in workers]
        rss = [round(w.peak_rss_mib(), 1) for w in workers]
    finally:
        for w in workers:
            w.stop()
        await pool.close()
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        await delete_topics(brokers, topics)
    return {
        "workers": count,
        "reports": len(lines),
        "seconds": round(seconds, 1),
        "reports_per_s": round(len(lines) / seconds),
        "steady_reports_per_s": round(steady_rate(series, len(lines))),
        "processed_per_worker": shares,
        "worker_cpu_fraction": [round(c / seconds, 2) for c in cpu],
        "worker_peak_rss_mib": rss,
        "component_cpu_fraction": {n: round(v, 2) for n, v in others.items()},
        "machine_cpu_busy_fraction": round((busy1 - busy0) / max(1, total1 - total0), 2),
        "series": [list(s) for s in series],
    }


async def run(brokers: str, admin_url: str, groups: dict[str, int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work:
        lines = backlog_lines(REPORTS, Path(work))
    runs = []
    for count in WORKER_COUNTS:
        runs.append(await measure(brokers, admin_url, lines, count, groups))
        say(f"{count} worker(s): {runs[-1]['reports_per_s']} reports/s")
    return {"load_average_at_start": [round(x, 2) for x in os.getloadavg()], "runs": runs}


def main() -> int:
    brokers, db = os.environ.get("KAFKA_BROKERS"), os.environ.get("DATABASE_URL")
    home = None
    cli = [sys.executable, "-m", "services.cli.main"]
    env = dict(os.environ)
    if not (brokers and db):
        home = Path(tempfile.mkdtemp(prefix="bench-scale-out-stack-"))
        env["SOSIALPULS_HOME"] = str(home)
        subprocess.run([*cli, "up", "--no-services"], env=env, check=True, cwd=ROOT)
        stack = json.loads((home / "stack.json").read_text())
        brokers, db = stack["kafka_brokers"], stack["database_url"]
    try:
        numbers = asyncio.run(run(brokers, db, components(home)))
    finally:
        if home is not None:
            subprocess.run([*cli, "down"], env=env, check=False, cwd=ROOT)
    one, two = numbers["runs"]
    result = {
        "command": ".venv/bin/python bench/bench_scale_out.py",
        "broker": "tansu",
        "cores": os.cpu_count(),
        "headline": {
            "1 worker reports/s": one["reports_per_s"],
            "2 workers reports/s": two["reports_per_s"],
            "speed-up 2 vs 1": round(two["reports_per_s"] / one["reports_per_s"], 2),
            "machine CPU busy, 1 / 2 workers": (
                f"{one['machine_cpu_busy_fraction']:.0%} / {two['machine_cpu_busy_fraction']:.0%}"
            ),
        },
        **numbers,
    }
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["headline"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
