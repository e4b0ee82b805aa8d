"""Sealing adapter: PostgreSQL (``annual_reconciled``, ``sealed_years``, ``seal_audit``) and
the compacted topic ``sosialpuls.annual-reconciled.v1``.

Idempotent: the same input digest as the sealed one changes nothing; another digest is
refused (and the attempt audit-logged) unless ``reseal`` is set. Records are published
inside the database transaction, before it commits: a failure anywhere leaves the year
unsealed, and a re-run publishes the same keys and values again (the topic is compacted).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import StrEnum

import asyncpg
from aiokafka import AIOKafkaProducer

from services.compactor.sealing import SealedUnit

_LOCK_NAMESPACE = 0x5EA1


class SealOutcome(StrEnum):
    """What ``seal_year`` did."""

    SEALED = "sealed"
    RESEALED = "resealed"
    UNCHANGED = "unchanged"


class SealRefused(Exception):
    """The year is sealed with other input and ``--reseal`` was not given."""

    def __init__(self, year: int, sealed_digest: str, input_digest: str) -> None:
        super().__init__(
            f"{year} is already sealed from other input (sealed {sealed_digest[:12]}…, "
            f"now {input_digest[:12]}…); use --reseal to replace it (audit-logged)"
        )
        self.year = year


class SealError(RuntimeError):
    """PostgreSQL or the broker failed while sealing; nothing was sealed."""


async def _publish(
    brokers: str, topic: str, units: Sequence[SealedUnit], gone: Sequence[str]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=brokers, acks="all")
    await producer.start()
    try:
        sent = [await producer.send(topic, unit.value(), key=unit.key.encode()) for unit in units]
        sent += [await producer.send(topic, None, key=key.encode()) for key in gone]
        await producer.flush()
        for future in sent:
            await future
    finally:
        await producer.stop()


async def _audit(
    con: asyncpg.Connection,
    year: int,
    action: str,
    previous: str | None,
    digest: str,
    actor: str,
    details: Mapping[str, object],
) -> None:
    await con.execute(
        "INSERT INTO seal_audit (year, action, previous_digest, input_digest, actor, details) "
        "VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        year,
        action,
        previous,
        digest,
        actor,
        json.dumps(details),
    )


async def seal_year(
    database_url: str,
    brokers: str,
    topic: str,
    *,
    year: int,
    input_digest: str,
    units: Sequence[SealedUnit],
    reseal: bool,
    actor: str,
) -> SealOutcome:
    """Seal ``year`` with ``units``; see the module docstring for the rules."""
    try:
        con = await asyncpg.connect(database_url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise SealError(f"cannot connect to PostgreSQL: {exc}") from exc
    try:
        return await _seal(con, brokers, topic, year, input_digest, units, reseal, actor)
    except asyncpg.PostgresError as exc:
        raise SealError(f"sealing {year} failed in PostgreSQL: {exc}") from exc
    finally:
        await con.close()


async def _seal(
    con: asyncpg.Connection,
    brokers: str,
    topic: str,
    year: int,
    digest: str,
    units: Sequence[SealedUnit],
    reseal: bool,
    actor: str,
) -> SealOutcome:
    refused_from: str | None = None
    async with con.transaction():
        await con.execute("SELECT pg_advisory_xact_lock($1, $2)", _LOCK_NAMESPACE, year)
        sealed = await con.fetchval(
            "SELECT input_digest FROM sealed_years WHERE year = $1 FOR UPDATE", year
        )
        if sealed == digest:
            return SealOutcome.UNCHANGED
        if sealed is not None and not reseal:
            refused_from = str(sealed)
        else:
            outcome = SealOutcome.RESEALED if sealed is not None else SealOutcome.SEALED
            previous = {
                f"{r['unit_type']}:{r['unit_code']}:{year}"
                for r in await con.fetch(
                    "SELECT unit_type, unit_code FROM annual_reconciled WHERE year = $1", year
                )
            }
            await con.execute("DELETE FROM annual_reconciled WHERE year = $1", year)
            await con.executemany(
                "INSERT INTO annual_reconciled (year, unit_type, unit_code, input_digest, "
                "kroner_stream, kroner_forms, kroner_accounts, accounts_status, problems, "
                "record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)",
                [
                    (
                        year,
                        u.unit_type,
                        u.unit_code,
                        digest,
                        u.kroner_stream,
                        u.kroner_forms,
                        u.kroner_accounts,
                        u.accounts_status,
                        u.problems,
                        u.value().decode(),
                    )
                    for u in units
                ],
            )
            details = {"units": len(units), "problems": sum(u.problems for u in units)}
            await con.execute(
                "INSERT INTO sealed_years (year, input_digest, details) "
                "VALUES ($1, $2, $3::jsonb) ON CONFLICT (year) DO UPDATE SET "
                "input_digest = excluded.input_digest, sealed_at = now(), "
                "details = excluded.details",
                year,
                digest,
                json.dumps(details),
            )
            action = "reseal" if outcome is SealOutcome.RESEALED else "seal"
            await _audit(con, year, action, sealed, digest, actor, details)
            gone = sorted(previous - {u.key for u in units})
            try:
                await _publish(brokers, topic, units, gone)
            except Exception as exc:  # the broker's errors are many; all mean "not sealed"
                raise SealError(f"publishing to {topic} failed: {exc}") from exc
            return outcome
    await _audit(con, year, "refused", refused_from, digest, actor, {})
    raise SealRefused(year, refused_from, digest)
