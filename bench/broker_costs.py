"""What the local broker costs: Tansu vs noida-db idle, and Tansu with and without the
compatibility front (deploy/local/kafka_front.py).

- idle: each broker with one topic of 4 partitions, 30 s alone, then 30 s with one idle
  aiokafka consumer (``getmany(timeout_ms=1000)``): CPU % of the broker's process group,
  its RSS, and the consumer process's CPU %.
- front: aiokafka produces 100,000 records of 227 bytes (acks=1, keyed) to 4 partitions and
  consumes them back, directly against Tansu and through the front, alternating twice.

Run: ``.venv/bin/python bench/broker_costs.py [idle|front]``; prints one line per figure.
Not part of ``make bench`` (not a ``bench_*`` script): a broker choice, measured once for
docs/operations.md.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.local.broker import noida_command, tansu_binary, wait_for_broker
from deploy.local.home import free_port

RECORDS = 100_000
TICK = os.sysconf("SC_CLK_TCK")


def group_cpu_rss(pgid: int) -> tuple[float, int]:
    """CPU seconds and RSS bytes of every process in group `pgid`."""
    cpu, rss = 0.0, 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            cpu += (int(fields[11]) + int(fields[12])) / TICK
            rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, rss


def tansu_command(listen: str, advertise: str) -> list[str]:
    return [
        str(tansu_binary()),
        "broker",
        "--listener-url",
        f"tcp://{listen}",
        "--advertised-listener-url",
        f"tcp://{advertise}",
        "--storage-engine",
        "memory://tansu/",
    ]


def start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


async def create_topic(address: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=address)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 4, 1)])
    finally:
        await admin.close()


async def idle(kind: str) -> None:
    address = f"127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    if kind == "tansu":
        command = tansu_command(address, address)
    else:
        data = tempfile.mkdtemp(prefix="bench-noida-")
        command = [*noida_command(), "start", "--data-dir", data, "--only", "kafka"]
        command += ["--host", "127.0.0.1", "--kafka-port", port]
    broker = start(command)
    try:
        await wait_for_broker(address)
        await create_topic(address, "idle")
        await asyncio.sleep(2)
        before, _ = group_cpu_rss(broker.pid)
        await asyncio.sleep(30)
        after, rss = group_cpu_rss(broker.pid)
        print(f"{kind}: alone: {100 * (after - before) / 30:.1f} % CPU, {rss / 2**20:.0f} MiB")
        consumer = AIOKafkaConsumer(
            "idle",
            bootstrap_servers=address,
            group_id="idle",
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
        )
        await consumer.start()

        async def poll() -> None:
            while True:
                await consumer.getmany(timeout_ms=1000)

        polling = asyncio.create_task(poll())
        await asyncio.sleep(10)
        before, _ = group_cpu_rss(broker.pid)
        own = time.process_time()
        await asyncio.sleep(30)
        after, rss = group_cpu_rss(broker.pid)
        own = time.process_time() - own
        print(
            f"{kind}: one idle consumer: {100 * (after - before) / 30:.1f} % CPU, "
            f"{rss / 2**20:.0f} MiB; the consumer {100 * own / 30:.1f} % CPU"
        )
        polling.cancel()
        await consumer.stop()
    finally:
        os.killpg(broker.pid, 15)
        broker.wait()


async def round_trip(address: str) -> tuple[float, float]:
    topic = f"front-{uuid.uuid4().hex[:6]}"
    await create_topic(address, topic)
    producer = AIOKafkaProducer(bootstrap_servers=address, acks=1, linger_ms=5)
    await producer.start()
    value = b"x" * 227
    started = time.perf_counter()
    futures = [await producer.send(topic, value, key=str(i % 400).encode()) for i in range(RECORDS)]
    await asyncio.gather(*futures)
    produced = time.perf_counter() - started
    await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=address, auto_offset_reset="earliest")
    await consumer.start()
    count, started = 0, time.perf_counter()
    while count < RECORDS:
        batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
        count += sum(len(records) for records in batch.values())
    consumed = time.perf_counter() - started
    await consumer.stop()
    return RECORDS / produced, RECORDS / consumed


async def front() -> None:
    """Two fresh Tansu brokers: one as clients see it by default (behind the front), one
    bare (listening on, and advertising, its own address)."""
    bare = f"127.0.0.1:{free_port()}"
    public, private = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "deploy.local.kafka_front", "--listen", public]
    command += ["--upstream", private, "--", *tansu_command(private, public)]
    fronted, plain = start(command), start(tansu_command(bare, bare))
    try:
        await wait_for_broker(public)
        await wait_for_broker(bare)
        for label, address in [("bare", bare), ("front", public)] * 2:
            produce, consume = await round_trip(address)
            print(f"{label}: produce {produce:,.0f}/s, consume {consume:,.0f}/s")
        for label, process in (("bare tansu", plain), ("front + tansu", fronted)):
            cpu, rss = group_cpu_rss(process.pid)
            print(f"{label} after the runs: {cpu:.1f} s CPU, {rss / 2**20:.0f} MiB")
    finally:
        for process in (fronted, plain):
            os.killpg(process.pid, 15)
            process.wait()


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "idle"
    if which == "idle":
        asyncio.run(idle("tansu"))
        asyncio.run(idle("noida"))
    else:
        asyncio.run(front())
