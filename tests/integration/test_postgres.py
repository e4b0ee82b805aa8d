"""PostgreSQL through the session stack: private databases, asyncpg, the migration runner."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deploy.local import LocalStack
from deploy.local.postgres import database_name
from services.storage.migrate import (
    MIGRATIONS_DIR,
    MigrationError,
    apply_migrations,
    ordered_migrations,
)

pytestmark = pytest.mark.integration


async def test_pool_writes_and_reads_back(pg_pool: asyncpg.Pool) -> None:
    async with pg_pool.acquire() as con, con.transaction():
        await con.execute("CREATE TABLE probe (code text PRIMARY KEY, kroner bigint NOT NULL)")
        await con.executemany(
            "INSERT INTO probe VALUES ($1, $2)", [("0301", 31_250_400), ("4601", 9_000_000_000)]
        )
    rows = await pg_pool.fetch("SELECT code, kroner FROM probe ORDER BY code")
    assert [tuple(r) for r in rows] == [("0301", 31_250_400), ("4601", 9_000_000_000)]


async def test_each_test_gets_its_own_migrated_database(
    pg_pool: asyncpg.Pool, local_stack: LocalStack
) -> None:
    name = await pg_pool.fetchval("SELECT current_database()")
    assert name != database_name(local_stack.database_url)
    versions = [r["version"] for r in await pg_pool.fetch("SELECT version FROM schema_migrations")]
    assert name.startswith("test_")
    assert sorted(versions) == sorted(p.stem for p in MIGRATIONS_DIR.glob("*.sql"))


async def test_applying_again_changes_nothing(pg_database_url: str) -> None:
    assert await apply_migrations(pg_database_url) == []


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir()
    for name, sql in files.items():
        (directory / name).write_text(sql)
    return directory


async def test_concurrent_runners_apply_each_migration_once(
    pg_database_url: str, tmp_path: Path
) -> None:
    migrations = write(
        tmp_path / "m",
        {
            "10_insert.sql": "INSERT INTO counter VALUES (1);",
            "2_table.sql": "CREATE TABLE counter (n int NOT NULL);",
            "11_insert_again.sql": "INSERT INTO counter VALUES (2);",
        },
    )
    results = await asyncio.gather(
        *(apply_migrations(pg_database_url, migrations) for _ in range(4))
    )
    applied = sorted(version for result in results for version in result)
    assert applied == ["10_insert", "11_insert_again", "2_table"]
    assert next(r for r in results if r) == ["2_table", "10_insert", "11_insert_again"]
    con = await asyncpg.connect(pg_database_url)
    try:
        assert await con.fetchval("SELECT array_agg(n ORDER BY n) FROM counter") == [1, 2]
    finally:
        await con.close()


async def test_a_failing_migration_leaves_no_trace(pg_database_url: str, tmp_path: Path) -> None:
    migrations = write(
        tmp_path / "m",
        {
            "1_ok.sql": "CREATE TABLE kept (n int);",
            "2_broken.sql": "CREATE TABLE half (n int); SELECT 1/0;",
        },
    )
    with pytest.raises(MigrationError, match="2_broken"):
        await apply_migrations(pg_database_url, migrations)
    con = await asyncpg.connect(pg_database_url)
    try:
        versions = {r["version"] for r in await con.fetch("SELECT version FROM schema_migrations")}
        assert "1_ok" in versions and "2_broken" not in versions
        assert await con.fetchval("SELECT to_regclass('half')") is None
        assert await con.fetchval("SELECT to_regclass('kept')") == "kept"
    finally:
        await con.close()


@given(
    st.permutations([Path(f"{n:0{w}d}_m{n}.sql") for n, w in ((1, 3), (2, 1), (10, 2), (100, 3))])
)
def test_migrations_run_in_numeric_order_whatever_the_listing(paths: list[Path]) -> None:
    assert [p.name for p in ordered_migrations(paths)] == [
        "001_m1.sql",
        "2_m2.sql",
        "10_m10.sql",
        "100_m100.sql",
    ]


@pytest.mark.parametrize(
    "names", [["001_a.sql", "1_b.sql"], ["readme.sql"], ["001 a.sql"], ["a_001.sql"]]
)
def test_misnamed_or_duplicate_migrations_are_refused(names: list[str]) -> None:
    with pytest.raises(MigrationError):
        ordered_migrations(Path(n) for n in names)
