"""The real CLI: `sosialpuls up/status/down` in a private home leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from deploy.local import LocalStack, StackHome, ensure_signing_key, wait_for_broker
from deploy.local.postgres import RUNTIME_PARENTS, relocated_dir, server_user
from deploy.local.services import SERVICES

pytestmark = pytest.mark.integration

HomeFactory = Callable[..., Path]


def pids_of(home: Path) -> dict[str, int]:
    return {p.stem: int(p.read_text()) for p in (home / "run").glob("*.pid")}


def group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_up_status_down_leaves_no_process(stack_home_factory: HomeFactory, cli: Callable) -> None:
    home = stack_home_factory()

    first = cli(home, "up", "--no-services")
    assert first.returncode == 0, first.stderr
    pids = pids_of(home)
    assert set(pids) == {"broker", "postgres"}
    assert all(group_exists(pid) for pid in pids.values())
    stack = LocalStack.from_home(StackHome(home))
    assert stack.kafka_brokers.startswith("127.0.0.1:")
    assert "@127.0.0.1:" in stack.database_url

    again = cli(home, "up", "--no-services")
    assert again.returncode == 0 and "already running" in again.stdout
    assert pids_of(home) == pids

    status = cli(home, "status")
    assert status.returncode == 0
    assert [line.split()[:2] for line in status.stdout.splitlines()] == [
        ["broker", "alive"],
        ["postgres", "alive"],
    ]

    down = cli(home, "down")
    assert down.returncode == 0 and "broker" in down.stdout and "postgres" in down.stdout
    assert not any(group_exists(pid) for pid in pids.values())
    assert pids_of(home) == {}
    assert not (home / "stack.json").exists()
    assert cli(home, "down").stdout.startswith("nothing running")


async def test_a_home_inside_a_private_folder_works_and_down_leaves_nothing_outside(
    stack_home_factory: HomeFactory, cli: Callable
) -> None:
    """`make demo` from a clone in /root/… or a `mktemp -d` folder (0700): the server's
    user cannot walk into the home, so the cluster runs from a temp folder of its own
    while the stack is up, and `down` moves it back into the home."""
    home = stack_home_factory(private_parent=True)
    assert stat.S_IMODE(home.parent.stat().st_mode) == 0o700

    up = cli(home, "up", "--no-services")
    assert up.returncode == 0, up.stdout + up.stderr
    stack = LocalStack.from_home(StackHome(home))
    await wait_for_broker(stack.kafka_brokers, timeout=30)
    connection = await asyncpg.connect(stack.database_url)
    try:
        await connection.execute("CREATE TABLE kept (note text)")
        await connection.execute("INSERT INTO kept VALUES ('across down and up')")
    finally:
        await connection.close()
    relocated = relocated_dir(StackHome(home))
    if server_user() is None:  # not root: the server runs as ourselves, inside the home
        assert relocated is None and (home / "pg" / "data" / "PG_VERSION").is_file()
    else:
        assert relocated is not None and relocated.parent in RUNTIME_PARENTS
        assert relocated.owner() == server_user()
        assert stat.S_IMODE(relocated.stat().st_mode) == 0o700
        assert (home / "pg" / "data" / "PG_VERSION").is_file()  # one home, seen through the link
    pids = pids_of(home)

    down = cli(home, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not any(group_exists(pid) for pid in pids.values())
    assert not (home / "pg").is_symlink() and (home / "pg" / "data" / "PG_VERSION").is_file()
    if relocated is not None:
        assert not relocated.exists()

    again = cli(home, "up", "--no-services")
    assert again.returncode == 0, again.stdout + again.stderr
    connection = await asyncpg.connect(LocalStack.from_home(StackHome(home)).database_url)
    try:
        assert await connection.fetchval("SELECT note FROM kept") == "across down and up"
    finally:
        await connection.close()
    relocated = relocated_dir(StackHome(home))
    assert cli(home, "down").returncode == 0
    if relocated is not None:
        assert not relocated.exists()


def test_up_restarts_a_component_that_died(stack_home_factory: HomeFactory, cli: Callable) -> None:
    home = stack_home_factory()
    assert cli(home, "up", "--no-services").returncode == 0
    before = pids_of(home)
    os.killpg(before["broker"], signal.SIGKILL)

    status = cli(home, "status")
    assert status.returncode == 1 and "DEAD" in status.stdout

    again = cli(home, "up", "--no-services")
    assert again.returncode == 0 and "started: broker" in again.stdout
    after = pids_of(home)
    assert after["postgres"] == before["postgres"] and after["broker"] != before["broker"]
    assert cli(home, "status").returncode == 0


def test_external_servers_are_used_and_nothing_is_started(
    stack_home_factory: HomeFactory,
    cli: Callable,
    local_stack: LocalStack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = stack_home_factory()
    monkeypatch.setenv("KAFKA_BROKERS", local_stack.kafka_brokers)
    monkeypatch.setenv("DATABASE_URL", local_stack.database_url)

    result = cli(home, "up", "--no-services")

    assert result.returncode == 0, result.stderr
    assert pids_of(home) == {}
    stack = json.loads((home / "stack.json").read_text())
    assert (stack["kafka_brokers"], stack["database_url"]) == (
        local_stack.kafka_brokers,
        local_stack.database_url,
    )
    status = cli(home, "status")
    assert "external" in status.stdout and status.returncode == 0


@pytest.mark.skipif(
    not any(spec.available() for spec in SERVICES), reason="no service module written yet"
)
def test_up_starts_the_services_that_exist(stack_home_factory: HomeFactory, cli: Callable) -> None:
    home = stack_home_factory()
    result = cli(home, "up")
    assert result.returncode == 0, result.stdout + result.stderr
    stack = json.loads((home / "stack.json").read_text())
    expected = {spec.url_key for spec in SERVICES if spec.available() and spec.must_answer_http}
    assert expected <= set(stack)
    for key in expected:
        assert httpx.get(f"{stack[key]}/internal/isAlive", timeout=5).status_code == 200
    pids = pids_of(home)
    assert cli(home, "down").returncode == 0
    assert not any(group_exists(pid) for pid in pids.values())


async def test_noida_keeps_its_data_across_down_and_up(
    stack_home_factory: HomeFactory, cli: Callable
) -> None:
    home = stack_home_factory()
    assert cli(home, "up", "--broker", "noida", "--no-services").returncode == 0
    brokers = LocalStack.from_home(StackHome(home)).kafka_brokers
    value = uuid.uuid4().bytes
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait("sosialpuls.indicator-reports.v1.dlq", value, key=b"k")
    finally:
        await producer.stop()
    assert cli(home, "down").returncode == 0

    assert cli(home, "up", "--broker", "noida", "--no-services").returncode == 0
    brokers = LocalStack.from_home(StackHome(home)).kafka_brokers
    consumer = AIOKafkaConsumer(
        "sosialpuls.indicator-reports.v1.dlq",
        bootstrap_servers=brokers,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 120)  # a guard, not a measure
    finally:
        await consumer.stop()
    assert record.value == value


def test_signing_key_is_created_once_and_private(tmp_path: Path) -> None:
    keys = ensure_signing_key(tmp_path)
    private = (keys / "private.pem").read_bytes()
    assert private.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert (keys / "public.pem").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    for name in ("private.pem", "public.pem"):
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600
    assert ensure_signing_key(tmp_path) == keys
    assert (keys / "private.pem").read_bytes() == private
