"""Apply `services/storage/migrations/NNN_name.sql` to a database, in numeric order.

Each file runs in its own transaction and is recorded in `schema_migrations(version,
applied_at)` (the version is the file name without `.sql`), so re-running is a no-op.
A session-level advisory lock serialises concurrent runners on the same database.
Run as a command: `python -m services.storage.migrate [DATABASE_URL]` (default: env).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import asyncpg

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
ADVISORY_LOCK_KEY = 0x50C1A1  # arbitrary, fixed: "sosial"
_NAME = re.compile(r"^(\d+)_[A-Za-z0-9_\-]+\.sql$")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(RuntimeError):
    """A migration file is misnamed or failed to apply."""


def ordered_migrations(paths: Iterable[Path]) -> list[Path]:
    """The `NNN_name.sql` files in numeric order; a misnamed or duplicate number is an error."""
    numbered: dict[int, Path] = {}
    for path in paths:
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration {path.name} is not named NNN_name.sql")
        number = int(match.group(1))
        if number in numbered:
            raise MigrationError(
                f"migrations {numbered[number].name} and {path.name} share number {number}"
            )
        numbered[number] = path
    return [numbered[n] for n in sorted(numbered)]


def pending(ordered: list[Path], applied: set[str]) -> list[Path]:
    """The migrations of `ordered` whose version is not in `applied`."""
    return [path for path in ordered if path.stem not in applied]


async def apply_migrations(database_url: str, migrations_dir: Path | None = None) -> list[str]:
    """Apply the pending migrations to `database_url`; return the versions applied now."""
    directory = migrations_dir or MIGRATIONS_DIR
    files = ordered_migrations(directory.glob("*.sql")) if directory.is_dir() else []
    con = await asyncpg.connect(database_url)
    try:
        await con.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
        try:
            await con.execute(_CREATE_LEDGER)
            rows = await con.fetch("SELECT version FROM schema_migrations")
            done: list[str] = []
            for path in pending(files, {row["version"] for row in rows}):
                await _apply_one(con, path)
                done.append(path.stem)
            return done
        finally:
            await con.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
    finally:
        await con.close()


async def _apply_one(con: asyncpg.Connection, path: Path) -> None:
    sql = path.read_text(encoding="utf-8")
    try:
        async with con.transaction():
            await con.execute(sql)
            await con.execute("INSERT INTO schema_migrations (version) VALUES ($1)", path.stem)
    except asyncpg.PostgresError as exc:
        raise MigrationError(f"migration {path.name} failed: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    """Apply migrations to the URL given, else `$DATABASE_URL`."""
    args = sys.argv[1:] if argv is None else argv
    url = args[0] if args else os.environ.get("DATABASE_URL")
    if not url:
        print("usage: python -m services.storage.migrate DATABASE_URL", file=sys.stderr)
        return 2
    applied = asyncio.run(apply_migrations(url))
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
