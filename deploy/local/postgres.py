"""The private PostgreSQL cluster of the local stack (used when `DATABASE_URL` is unset).

The cluster lives in `$SOSIALPULS_HOME/pg/`: `data/` (owned by the server's user),
`run/` (unix socket), `password` (the generated password of role `sosialpuls`). It listens
on the socket and on loopback TCP; connections need the password (scram-sha-256).
PostgreSQL refuses to run as root, so a root launcher runs it as `postgres` (or a system
user `sosialpuls`, created when neither exists); anyone else runs it as themselves. It is
a development cluster: fsync is off.

When the server's user cannot reach the home (root's home lives in `/root/…` or in a
private `mktemp -d` folder), `pg/` is moved while the cluster runs to a directory of its
own under a world-traversable temp folder (`/var/tmp/sosialpuls-pg-XXXXXXXX`, owned by
that user, 0700), and `pg` in the home becomes a link to it; the server is given the
resolved paths, so it never walks through the home. `down` moves `pg/` back into the home
(see `release_server_dir`): between runs everything is in the home, and removing the home
removes everything.
"""

from __future__ import annotations

import asyncio
import errno
import grp
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
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
    known = server_user_if_known()
    if known is not None or os.geteuid() != 0:
        return known
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "sosialpuls"],
        check=True,
    )
    return "sosialpuls"


def server_user_if_known() -> str | None:
    """`server_user()` without creating a user (None when not root or none exists yet)."""
    if os.geteuid() != 0:
        return None
    return next((name for name in ("postgres", "sosialpuls") if _has_user(name)), None)


RUNTIME_PARENTS = (Path("/var/tmp"), Path("/tmp"))
"""Where `pg/` goes when the server's user cannot reach the home (first usable one, one on
the home's own filesystem preferred so that moving is a rename)."""
RELOCATED_PREFIX = "sosialpuls-pg-"


def _chown(path: Path, user: str | None) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def _chown_tree(root: Path, user: str) -> None:
    _chown(root, user)
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            _chown(Path(folder, name), user)


def can_traverse(path: Path, user: str) -> bool:
    """True when `user` may search `path` and every folder above it (mode bits; no ACLs)."""
    entry = pwd.getpwnam(user)
    groups = {entry.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    for folder in (path, *path.parents):
        info = folder.stat()
        if info.st_uid == entry.pw_uid:
            bit = 0o100
        elif info.st_gid in groups:
            bit = 0o010
        else:
            bit = 0o001
        if not info.st_mode & bit:
            return False
    return True


def _runtime_parent(near: Path) -> Path:
    """The world-traversable sticky temp folder for relocated clusters (one on the same
    filesystem as `near` preferred)."""
    usable = [p for p in RUNTIME_PARENTS if p.is_dir() and p.stat().st_mode & 0o1001 == 0o1001]
    if not usable:
        raise PostgresStartError(
            f"no world-traversable temp folder ({', '.join(map(str, RUNTIME_PARENTS))}) "
            "to run the cluster from"
        )
    device = near.stat().st_dev
    return next((p for p in usable if p.stat().st_dev == device), usable[0])


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _move_dir(source: Path, target: Path, user: str | None) -> None:
    """Move folder `source` to `target` (absent or empty): a rename on one filesystem, else a
    copy (owners restored to `user`) and removal."""
    try:
        source.rename(target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    if user is not None:
        _chown_tree(target, user)
    shutil.rmtree(source)


def relocated_dir(home: StackHome) -> Path | None:
    """The temp folder `pg` links to while the cluster runs outside the home, else None."""
    if not home.pg.is_symlink():
        return None
    return Path(os.readlink(home.pg))


def server_dir(home: StackHome, user: str | None) -> Path:
    """Make `pg/` reachable by the server's `user`; return its real path (what the server
    is given). Idempotent; call it under the launcher lock (or with the cluster stopped).
    """
    target = relocated_dir(home)
    if target is not None:
        if target.is_dir():
            return target
        home.pg.unlink()  # the temp folder vanished (a reboot cleaned it): start afresh
    home.root.mkdir(parents=True, exist_ok=True)
    if user is None:  # the server runs as ourselves: the home is ours to walk
        home.pg.mkdir(exist_ok=True)
        return home.pg
    if can_traverse(home.root.parent, user):
        home.pg.mkdir(exist_ok=True)
        for path in (home.root, home.pg):
            path.chmod(path.stat().st_mode | 0o011)
        return home.pg
    target = Path(tempfile.mkdtemp(prefix=RELOCATED_PREFIX, dir=_runtime_parent(home.root)))
    if home.pg.is_dir():  # the cluster of an earlier run: rename it onto the empty folder
        _move_dir(home.pg, target, user)
    _chown(target, user)
    target.chmod(0o700)
    home.pg.symlink_to(target, target_is_directory=True)
    return target


def release_server_dir(home: StackHome) -> Path | None:
    """Move a relocated `pg/` back into the home (the cluster must be stopped); return the
    temp folder it was in, or None when it was in the home already."""
    target = relocated_dir(home)
    if target is None:
        return None
    home.pg.unlink()
    if target.is_dir():
        _move_dir(target, home.pg, server_user_if_known())
    return target


def password(home: StackHome) -> str:
    """The generated password of role `sosialpuls` in this home's cluster."""
    return (home.pg / "password").read_text().strip()


def init_cluster(home: StackHome) -> None:
    """initdb into `pg/data` once (idempotent)."""
    user = server_user()
    pg = server_dir(home, user)
    data = pg / "data"
    if (data / "PG_VERSION").exists():
        return
    secret = secrets.token_urlsafe(24)
    pw_path = pg / "password"
    pw_path.write_text(secret + "\n")
    pw_path.chmod(0o600)
    for sub in (data, pg / "run"):
        sub.mkdir(mode=0o700, exist_ok=True)
        _chown(sub, user)
    pw_file = pg / "run" / "initdb-password"
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
            cwd=pg,
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
    pg = server_dir(home, user)
    command = [
        str(postgres_bin_dir() / "postgres"),
        "-D",
        str(pg / "data"),
        "-p",
        str(port),
        "-k",
        str(pg / "run"),
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
        cwd=pg,
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
