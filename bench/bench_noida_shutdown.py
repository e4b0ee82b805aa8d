"""Does noida-db keep every record it acknowledged when it is stopped mid-produce?

A measurement of the broker, not of sosialpuls: the broker-restart test
(tests/reliability/test_broker_restart.py) relies on its answer. Each trial starts
noida-db on a fresh data dir, has eight producers (``acks=all``) send one record at a
time, sends SIGTERM to the broker's process group, waits for it to exit, starts it again
on the same data dir and reads the partition back. A record counts as lost when its
producer got an acknowledgement with an offset and that offset does not hold it after
the restart.

Two ways of stopping are compared in the same run: ``busy`` (SIGTERM while records are in
flight) and ``quiet`` (producers stopped 0.2 s before SIGTERM).

Run: ``python bench/bench_noida_shutdown.py`` (part of ``make bench``); writes
bench/results/noida_shutdown.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.local.broker import noida_command

RESULTS = Path(__file__).resolve().parent / "results"
TOPIC = "probe"
PRODUCERS = 8
TRIALS = 4
RUN_SECONDS = 1.5
QUIET_SECONDS = 0.2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_noida(data_dir: str, port: int) -> subprocess.Popen[bytes]:
    command = [*noida_command(), "start", "--data-dir", data_dir, "--host", "127.0.0.1"]
    command += ["--only", "kafka", "--kafka-port", str(port)]
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait()
    for _ in range(600):  # the wrapper exits first; wait for the whole group
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


async def wait_for_port(port: int) -> None:
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise RuntimeError(f"noida-db did not open port {port}")


async def read_back(brokers: str) -> dict[bytes, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(TOPIC, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        seen: dict[bytes, int] = {}
        while batch := await consumer.getmany(timeout_ms=1000):
            for records in batch.values():
                seen.update({r.value: r.offset for r in records if r.value is not None})
        return seen
    finally:
        await consumer.stop()


async def trial(quiet: bool) -> dict[str, int]:
    """One stop-and-start; the counts of acknowledged and lost records."""
    data_dir = tempfile.mkdtemp(prefix="noida-probe-")
    port = free_port()
    brokers = f"127.0.0.1:{port}"
    proc = start_noida(data_dir, port)
    await wait_for_port(port)
    admin = AIOKafkaAdminClient(bootstrap_servers=brokers)
    await admin.start()
    await admin.create_topics([NewTopic(TOPIC, 1, 1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all", request_timeout_ms=2000)
    await producer.start()
    acknowledged: dict[bytes, int] = {}
    running = True

    async def send(k: int) -> None:
        i = 0
        while running:
            value = f"{k}-{i}".encode()
            i += 1
            try:
                acknowledged[value] = (await producer.send_and_wait(TOPIC, value)).offset
            except Exception:  # refused while the broker is down: not acknowledged
                await asyncio.sleep(0.05)

    senders = [asyncio.create_task(send(k)) for k in range(PRODUCERS)]
    await asyncio.sleep(RUN_SECONDS)
    if quiet:
        running = False
        await asyncio.gather(*senders)
        await asyncio.sleep(QUIET_SECONDS)
    await asyncio.to_thread(stop_group, proc)
    await asyncio.sleep(0.5)
    running = False
    await asyncio.gather(*senders)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(producer.stop(), 5)
    proc = start_noida(data_dir, port)
    try:
        await wait_for_port(port)
        seen = await read_back(brokers)
    finally:
        await asyncio.to_thread(stop_group, proc)
    lost = sum(1 for value, offset in acknowledged.items() if seen.get(value) != offset)
    return {"acknowledged": len(acknowledged), "lost": lost}


async def main() -> None:
    runs: dict[str, list[dict[str, int]]] = {"busy": [], "quiet": []}
    for _ in range(TRIALS):
        for mode in runs:
            result = await trial(quiet=mode == "quiet")
            runs[mode].append(result)
            print(f"{mode}: {result}", flush=True)
    headline = {
        f"{mode}: acknowledged then lost, per stop (max of {TRIALS})": max(
            r["lost"] for r in results
        )
        for mode, results in runs.items()
    }
    RESULTS.mkdir(exist_ok=True)
    out = {"headline": headline, "trials": runs, "producers": PRODUCERS}
    (RESULTS / "noida_shutdown.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(headline, indent=2))


if __name__ == "__main__":
    import logging

    logging.disable(logging.CRITICAL)  # aiokafka's reconnect noise while the broker is down
    asyncio.run(main())
