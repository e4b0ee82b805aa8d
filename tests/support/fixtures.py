"""The shared fixtures (a pytest plugin, registered by tests/conftest.py).

The stack (broker + PostgreSQL, no services) is started lazily by the first test that
asks for it, through the real launcher (`sosialpuls up --no-services`) in a fresh temp
home, and stopped at the end of the session even when tests fail. Set `KAFKA_BROKERS`
and `DATABASE_URL` to reuse running servers instead. Unit tests start nothing.

- `local_stack` (session): `.kafka_brokers`, `.database_url`, `.home`
- `kafka_brokers` (session): the bootstrap address
- `topics` (function): the four topics under a unique prefix: `.reports`, `.dlq`,
  `.scorecards`, `.annual`
- `pg_database_url` (function): a fresh database with migrations applied
- `pg_pool` (function): an asyncpg pool on that database
- `stack_home_factory` (function): fresh homes, brought `down` and removed afterwards
- `cli` (function): `cli(home, *args)` runs the real `sosialpuls` CLI in a subprocess
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from contracts.topics import TopicSet
from deploy.local import LocalStack, StackHome, down
from deploy.local.topics import create_topics, delete_topics
from support.databases import database, database_name


def run_cli(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run the real `sosialpuls` CLI in a subprocess with `SOSIALPULS_HOME=home`."""
    env = {**os.environ, "SOSIALPULS_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def new_home() -> Path:
    """A fresh stack home in the system temp dir."""
    return Path(tempfile.mkdtemp(prefix="sosialpuls-test-"))


def bring_down(home: Path) -> None:
    """`sosialpuls down` in `home`; the launcher in process when the CLI fails (a broken
    import elsewhere must not leave the stack running after its home is removed)."""
    if run_cli(home, "down").returncode != 0:
        down(StackHome(home))


_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, home = int(sys.argv[1]), sys.argv[2]
while os.getppid() == parent:
    time.sleep(1)
env = {**os.environ, "SOSIALPULS_HOME": home}
down = [sys.executable, "-m", "services.cli.main", "down"]
if subprocess.run(down, env=env, check=False).returncode != 0:
    code = "import sys; from deploy.local import StackHome, down; down(StackHome(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", code, home], env=env, check=False)
shutil.rmtree(home, ignore_errors=True)
"""


def start_watchdog(home: Path) -> subprocess.Popen[bytes]:
    """A helper that brings the stack down if pytest dies without tearing down (SIGKILL)."""
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(home)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    brokers, database_url = os.environ.get("KAFKA_BROKERS"), os.environ.get("DATABASE_URL")
    if brokers and database_url:
        home = Path(os.environ.get("SOSIALPULS_HOME") or new_home())
        yield LocalStack(brokers, database_url, home)
        return
    home = new_home()
    watchdog = start_watchdog(home)
    try:
        result = run_cli(home, "up", "--no-services")
        if result.returncode != 0:
            pytest.fail(f"sosialpuls up failed:\n{result.stdout}\n{result.stderr}")
        yield LocalStack.from_home(StackHome(home))
    finally:
        bring_down(home)
        shutil.rmtree(home, ignore_errors=True)
        watchdog.kill()
        watchdog.wait()


CliRunner = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def cli() -> CliRunner:
    """`cli(home, "up", "--no-services")`: the real CLI in a subprocess."""
    return run_cli


@pytest.fixture
def stack_home_factory() -> Iterator[Callable[..., Path]]:
    """Fresh stack homes; whatever was started in them is stopped and removed afterwards.

    `make(private_parent=True)`: the home inside a 0700 folder (as `mktemp -d` or `/root`),
    which the PostgreSQL server user cannot traverse.
    """
    homes: list[tuple[Path, Path]] = []

    def make(private_parent: bool = False) -> Path:
        if private_parent:
            parent = new_home()
            parent.chmod(0o700)
            homes.append((parent / "home", parent))
        else:
            home = new_home()
            homes.append((home, home))
        return homes[-1][0]

    yield make
    for home, remove in homes:
        bring_down(home)
        shutil.rmtree(remove, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_brokers(local_stack: LocalStack) -> str:
    return local_stack.kafka_brokers


@pytest.fixture
async def topics(kafka_brokers: str) -> AsyncIterator[TopicSet]:
    topic_set = await create_topics(kafka_brokers, prefix=f"test-{uuid.uuid4().hex[:12]}.")
    yield topic_set
    try:
        await delete_topics(kafka_brokers, topic_set)
    except Exception as exc:  # cleanup is best effort; the broker dies with the session
        print(f"could not delete topics {topic_set.names()}: {exc}", file=sys.stderr)


@pytest.fixture(scope="session")
async def _pg_template(local_stack: LocalStack) -> AsyncIterator[str]:
    """A migrated database that per-test databases are copied from."""
    async with database(local_stack.database_url, "test_template") as url:
        yield database_name(url)


@pytest.fixture
async def pg_database_url(local_stack: LocalStack, _pg_template: str) -> AsyncIterator[str]:
    """A fresh migrated database for one test (a copy of the session's template)."""
    async with database(local_stack.database_url, "test", template=_pg_template) as url:
        yield url


@pytest.fixture
async def pg_pool(pg_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(pg_database_url, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()
