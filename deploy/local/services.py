"""The application services `up` starts, when their modules exist yet."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.local.home import StackHome, remembered_port
from deploy.local.processes import ProcessRecord, is_alive, load_record, spawn


@dataclass(frozen=True)
class ServiceSpec:
    """One service: the module that must exist and how to run it on a port."""

    name: str
    module: str
    asgi_app: str | None  # "module:attr" served by uvicorn; None: `python -m module`
    url_key: str  # its key in stack.json
    must_answer_http: bool = True  # False: a running process is enough if no HTTP comes

    def available(self) -> bool:
        """True when the service's module can be imported (its engineer has written it)."""
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:
            return False

    def command(self, port: int) -> list[str]:
        if self.asgi_app is None:
            return [sys.executable, "-m", self.module.removesuffix(".__main__")]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.asgi_app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("gateway", "services.gateway.app", "services.gateway.app:app", "gateway_url"),
    ServiceSpec(
        "aggregator", "services.aggregator.__main__", None, "aggregator_url", must_answer_http=False
    ),
    ServiceSpec("feeds", "services.feeds.app", "services.feeds.app:app", "feeds_url"),
)


def service_env(
    home: StackHome, kafka_brokers: str, database_url: str, port: int
) -> dict[str, str]:
    """The environment every service gets (settings are read via pydantic-settings); the
    gateway's address once it runs (the feeds forward /rapportering's uploads to it)."""
    gateway = load_record(home, "gateway")
    return {
        **os.environ,
        **({"SOSIALPULS_FEEDS_GATEWAY_URL": gateway.address} if gateway is not None else {}),
        "KAFKA_BROKERS": kafka_brokers,
        "DATABASE_URL": database_url,
        "SOSIALPULS_HOME": str(home.root),
        "SOSIALPULS_KEYS_DIR": str(home.keys),
        "PORT": str(port),
        "SOSIALPULS_AGGREGATOR_WEB_PORT": str(port),
    }


def start_service(
    home: StackHome, spec: ServiceSpec, kafka_brokers: str, database_url: str
) -> ProcessRecord:
    """Start `spec` on a free loopback port; its address is the base URL."""
    port = remembered_port(home, spec.name)
    return spawn(
        home,
        spec.name,
        spec.command(port),
        env=service_env(home, kafka_brokers, database_url, port),
        address=f"http://127.0.0.1:{port}",
        cwd=Path.cwd(),
    )


async def wait_for_service(record: ProcessRecord, timeout: float = 60.0) -> bool:
    """True once `/internal/isAlive` answers 200; False if the process died or time ran out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        while loop.time() < deadline and is_alive(record):
            try:
                response = await client.get(f"{record.address}/internal/isAlive")
                if response.status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    return False
