"""The private PostgreSQL cluster of the local stack (used when `DATABASE_URL` is unset).

The cluster lives in `$SOSIALPULS_HOME/pg/`: `data/` (owned by the server's user),
`run/` (unix socket), `password` (the generated password of role `sosialpuls`). It listens
on the socket and on loopback TCP; connections need the password (scram-sha-256).
PostgreSQL refuses to run as root, so a root launcher runs it as `postgres` (or a system
user `sosialpuls`, created when neither exists). It is a development cluster: fsync is off.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import secrets
import shutil
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from deploy.local.home import StackHome, remembered_port
from deploy.local.processes import ProcessRecord, spawn

DATABASE = "sosialpuls"
ROLE = "sosialpuls"
SERVER_SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=200",
    "shared_buffers=64MB",
)


class PostgresStartError(RuntimeError):
    """The private cluster could not be created or started."""


def postgres_bin_dir() -> Path:
    """The newest `/usr/lib/postgresql/*/bin` (or `$SOSIALPULS_PG_BIN`)."""
    configured = os.environ.get("SOSIALPULS_PG_BIN")
    if configured:
        return Path(configured)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresStartError("no PostgreSQL server binaries found (apt-get install postgresql)")


def server_user() -> str | None:
    """The OS user the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "sosialpuls"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "sosialpuls"],
        check=True,
    )
    return "sosialpuls"


def _chown(path: Path, user: str | None) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _make_traversable(home: StackHome) -> None:
    """Let the server's user reach `pg/` (the home may be a private 0700 temp dir)."""
    for path in (home.root, home.pg):
        path.chmod(path.stat().st_mode | 0o011)
    for parent in home.root.parents:
        if not parent.stat().st_mode & 0o001:
            raise PostgresStartError(
                f"{parent} is not searchable by other users, so the PostgreSQL server user "
                "cannot reach the stack home; choose another SOSIALPULS_HOME"
            )


def password(home: StackHome) -> str:
    """The generated password of role `sosialpuls` in this home's cluster."""
    return (home.pg / "password").read_text().strip()


def init_cluster(home: StackHome) -> None:
    """initdb into `pg/data` once (idempotent)."""
    data = home.pg / "data"
    if (data / "PG_VERSION").exists():
        return
    user = server_user()
    home.pg.mkdir(parents=True, exist_ok=True)
    _make_traversable(home)
    secret = secrets.token_urlsafe(24)
    pw_path = home.pg / "password"
    pw_path.write_text(secret + "\n")
    pw_path.chmod(0o600)
    for sub in (data, home.pg / "run"):
        sub.mkdir(mode=0o700, exist_ok=True)
        _chown(sub, user)
    pw_file = home.pg / "run" / "initdb-password"
    pw_file.write_text(secret + "\n")
    pw_file.chmod(0o600)
    _chown(pw_file, user)
    try:
        result = subprocess.run(
            [
                str(postgres_bin_dir() / "initdb"),
                "-D",
                str(data),
                "-U",
                ROLE,
                f"--pwfile={pw_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            ],
            capture_output=True,
            text=True,
            user=user,
            group=user,
            extra_groups=[] if user else None,
            cwd=home.pg,
            check=False,
        )
    finally:
        pw_file.unlink(missing_ok=True)
    if result.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        raise PostgresStartError(f"initdb failed: {result.stderr.strip()}")


def start_cluster(home: StackHome, port: int | None = None) -> ProcessRecord:
    """Start the server in the background; its address is `127.0.0.1:<port>`."""
    init_cluster(home)
    port = port or remembered_port(home, "postgres")
    user = server_user()
    command = [
        str(postgres_bin_dir() / "postgres"),
        "-D",
        str(home.pg / "data"),
        "-p",
        str(port),
        "-k",
        str(home.pg / "run"),
        "-c",
        "listen_addresses=127.0.0.1",
    ]
    for setting in SERVER_SETTINGS:
        command += ["-c", setting]
    env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "SOSIALPULS_HOME": str(home.root)}
    return spawn(
        home,
        "postgres",
        command,
        env=env,
        address=f"127.0.0.1:{port}",
        cwd=home.pg,
        user=user,
        stop_signal=int(signal.SIGINT),
    )


def cluster_url(home: StackHome, address: str, database: str = DATABASE) -> str:
    """The connection URL of `database` in this home's cluster."""
    return f"postgresql://{ROLE}:{password(home)}@{address}/{database}"


def with_database(url: str, database: str) -> str:
    """`url` pointing at another database on the same server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def database_name(url: str) -> str:
    """The database a URL names (`postgres` when it names none)."""
    return urlsplit(url).path.lstrip("/") or "postgres"


async def wait_for_postgres(url: str, timeout: float = 60.0) -> None:
    """Return once the server accepts a connection to `url`'s server."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_error: Exception | None = None
    while loop.time() < deadline:
        try:
            con = await asyncpg.connect(url, timeout=5)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            last_error = exc
            await asyncio.sleep(0.2)
            continue
        await con.close()
        return
    raise PostgresStartError(f"PostgreSQL not ready after {timeout:.0f}s: {last_error}")


async def ensure_database(url: str) -> bool:
    """Create the database `url` names when it is missing; True if it was created."""
    try:
        con = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        pass
    else:
        await con.close()
        return False
    admin = await asyncpg.connect(with_database(url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{database_name(url)}"')
    except asyncpg.DuplicateDatabaseError:
        return False
    finally:
        await admin.close()
    return True


async def drop_database(url: str) -> None:
    """Drop the database `url` names, disconnecting its sessions first."""
    name = database_name(url)
    con = await asyncpg.connect(with_database(url, "postgres"))
    try:
        await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await con.close()
