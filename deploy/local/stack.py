"""`up`, `down` and `status` of one local stack, identified by its home directory."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.local import broker, postgres
from deploy.local.home import StackHome, port_open
from deploy.local.keys import ensure_signing_key
from deploy.local.processes import ProcessRecord, is_alive, load_record, stop
from deploy.local.services import SERVICES, start_service, wait_for_service
from deploy.local.topics import create_topics
from services.storage.migrate import apply_migrations

STOP_ORDER = ("gateway", "feeds", "aggregator", "postgres", "broker")


class StackError(RuntimeError):
    """A component of the stack failed to start."""


@dataclass
class UpResult:
    """What `up` did: the addresses (as in stack.json) and which components it started."""

    stack: dict[str, Any]
    started: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def client_env(home: StackHome, stack: dict[str, Any]) -> dict[str, str]:
    """This process's environment plus where the running stack is (``stack`` as in
    stack.json): what a client process of the stack (simulator, CLI) is started with."""
    return {
        **os.environ,
        "SOSIALPULS_HOME": str(home.root),
        "KAFKA_BROKERS": str(stack["kafka_brokers"]),
        "DATABASE_URL": str(stack["database_url"]),
    }


@dataclass(frozen=True)
class LocalStack:
    """Where a running stack's broker and PostgreSQL are (what tests and tools need)."""

    kafka_brokers: str
    database_url: str
    home: Path

    @classmethod
    def from_home(cls, home: StackHome) -> LocalStack:
        """Read `stack.json` of a stack that `up` has started."""
        stack = home.read_stack()
        if not stack:
            raise StackError(f"no stack in {home.root}: run `sosialpuls up` first")
        return cls(str(stack["kafka_brokers"]), str(stack["database_url"]), home.root)


@dataclass(frozen=True)
class ComponentStatus:
    """One line of `status`."""

    name: str
    address: str
    pid: int | None  # None: external, not started by us
    alive: bool


@contextmanager
def _launcher_lock(home: StackHome) -> Iterator[None]:
    """Serialise `up`/`down` on one home."""
    home.run.mkdir(parents=True, exist_ok=True)
    with (home.run / "launcher.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _running(home: StackHome, name: str) -> ProcessRecord | None:
    record = load_record(home, name)
    return record if record is not None and is_alive(record) else None


def _log_tail(record: ProcessRecord, lines: int = 15) -> str:
    try:
        with open(record.log, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-lines:])
    except OSError:
        return ""


async def _up_broker(home: StackHome, kind: str, port: int | None, result: UpResult) -> str:
    external = os.environ.get("KAFKA_BROKERS")
    if external:
        brokers = external
    else:
        record = _running(home, "broker")
        if record is not None:
            result.reused.append("broker")
            running = "noida" if "noida" in " ".join(record.command) else "tansu"
            if running != kind:
                result.notes.append(f"{running} is already running here; `down` to switch")
            result.stack["broker"] = running
        else:
            record = broker.start_broker(home, kind, port)
            result.started.append("broker")
        brokers = record.address
        try:
            await broker.wait_for_broker(brokers)
        except broker.BrokerStartError as exc:
            stop(home, record)
            raise StackError(f"{exc}\n{_log_tail(record)}") from exc
    await create_topics(brokers)
    return brokers


async def _up_postgres(home: StackHome, result: UpResult) -> str:
    external = os.environ.get("DATABASE_URL")
    if external:
        url = external
    else:
        record = _running(home, "postgres")
        if record is not None:
            result.reused.append("postgres")
        else:
            try:
                record = postgres.start_cluster(home)
            except (postgres.PostgresStartError, OSError):
                postgres.release_server_dir(home)
                raise
            result.started.append("postgres")
        url = postgres.cluster_url(home, record.address)
        try:
            await postgres.wait_for_postgres(postgres.with_database(url, "postgres"))
        except postgres.PostgresStartError as exc:
            stop(home, record)
            postgres.release_server_dir(home)
            raise StackError(f"{exc}\n{_log_tail(record)}") from exc
    await postgres.ensure_database(url)
    result.migrations = await apply_migrations(url)
    return url


async def _up_services(home: StackHome, brokers: str, url: str, result: UpResult) -> None:
    for spec in SERVICES:
        if not spec.available():
            continue
        record = _running(home, spec.name)
        if record is not None:
            result.reused.append(spec.name)
        else:
            record = start_service(home, spec, brokers, url)
            answered = await wait_for_service(
                record, timeout=60.0 if spec.must_answer_http else 15.0
            )
            if answered or (not spec.must_answer_http and is_alive(record)):
                result.started.append(spec.name)
            else:
                result.failed.append(spec.name)
                stop(home, record)
                continue
        result.stack[spec.url_key] = record.address


async def up(
    home: StackHome,
    *,
    broker_kind: str = "tansu",
    broker_port: int | None = None,
    with_services: bool = True,
) -> UpResult:
    """Start whatever of the stack is not running yet in `home`; write `stack.json`.

    `KAFKA_BROKERS` / `DATABASE_URL` in the environment select external servers (then
    nothing is started for them). Idempotent: running components are reused.
    """
    home.create()
    with _launcher_lock(home):
        keys = ensure_signing_key(home.root)
        result = UpResult(stack={})
        brokers = await _up_broker(home, broker_kind, broker_port, result)
        url = await _up_postgres(home, result)
        result.stack.update(
            {
                "kafka_brokers": brokers,
                "database_url": url,
                "broker": "external"
                if os.environ.get("KAFKA_BROKERS")
                else result.stack.get("broker", broker_kind),
                "home": str(home.root),
                "keys_dir": str(keys),
            }
        )
        if with_services:
            await _up_services(home, brokers, url, result)
        else:
            for spec in SERVICES:
                record = _running(home, spec.name)
                if record is not None:
                    result.reused.append(spec.name)
                    result.stack[spec.url_key] = record.address
        home.write_stack(result.stack)
        return result


def down(home: StackHome, timeout: float = 15.0) -> list[str]:
    """Stop every process this home's launcher started; return the names that were running.

    A cluster that ran outside the home (see `deploy.local.postgres`) is moved back into
    it, so nothing of this stack is left anywhere else.
    """
    if not home.run.is_dir():
        return []
    stopped: list[str] = []
    with _launcher_lock(home):
        names = {path.stem for path in home.run.glob("*.json")}
        for name in sorted(names, key=lambda n: STOP_ORDER.index(n) if n in STOP_ORDER else -1):
            record = load_record(home, name)
            if record is not None and stop(home, record, timeout=timeout):
                stopped.append(name)
        if _running(home, "postgres") is None:
            postgres.release_server_dir(home)
        home.stack_json.unlink(missing_ok=True)
    return stopped


def _external(name: str, address: str) -> ComponentStatus:
    host, _, port = address.rpartition(":")
    alive = bool(port.isdigit()) and port_open(host or "127.0.0.1", int(port))
    return ComponentStatus(name, address, None, alive)


def status(home: StackHome) -> list[ComponentStatus]:
    """Each component of the stack in `home` and whether it is alive."""
    stack = home.read_stack()
    lines: list[ComponentStatus] = []
    for name in ("broker", "postgres", *(spec.name for spec in SERVICES)):
        record = load_record(home, name)
        if record is not None:
            lines.append(ComponentStatus(name, record.address, record.pid, is_alive(record)))
        elif name == "broker" and stack.get("kafka_brokers"):
            lines.append(_external(name, str(stack["kafka_brokers"]).split(",")[0]))
        elif name == "postgres" and stack.get("database_url"):
            netloc = str(stack["database_url"]).split("@")[-1].split("/")[0]
            lines.append(_external(name, netloc))
    return lines
