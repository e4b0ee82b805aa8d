"""The aggregator's write model in PostgreSQL (schema: storage/migrations 001, 060, 070).

One batch is one call of the SQL function ``aggregator_apply_batch`` (migration 070): the
revision gate, facts, revisions, the DLQ ledger, memberships, rollups by difference and the
scorecard outbox in one statement, one round trip, one transaction. Its arguments are JSON
arrays built here with the C JSON encoder, so no per-row driver encoding is left in Python.
The outbox flush of rollups left by a crashed or stalled worker is here too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from contracts.periods import period_date as period_date
from contracts.periods import period_text as period_text
from contracts.rules import INDICATORS

if TYPE_CHECKING:
    import asyncpg
    from asyncpg.pool import PoolConnectionProxy

INDICATOR_COLUMNS = INDICATORS
UnitPeriodKey = tuple[str, str, date]  # unit_type, unit_code, period
RollupKey = tuple[str, str, date]  # level, code, period
Origin = tuple[str, int, int]  # topic, partition, offset
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
Values = tuple[int | None, ...]

APPLY_BATCH = "SELECT aggregator_apply_batch($1, $2, $3, $4, $5, $6)"


@dataclass(frozen=True, slots=True)
class RollupRow:
    """One ``rollup_month`` row; ``values`` None means the rollup was removed."""

    level: str
    code: str
    period: date
    values: Values | None
    members_reported: int = 0
    members_expected: int = 0

    @property
    def key(self) -> RollupKey:
        return (self.level, self.code, self.period)


@dataclass(frozen=True, slots=True)
class Sent:
    """A scorecard sent from the outbox row ``outbox_id``, at rollup ``version`` (None:
    the rollup was gone)."""

    outbox_id: int
    key: RollupKey
    version: int | None


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A valid report as the batch function takes it (``idx``: its place in the batch)."""

    idx: int
    unit_type: str
    unit_code: str
    period: str  # "YYYY-MM"
    revision: int
    digest: str
    event_id: str
    source: str
    reported_at: datetime
    values: Values
    origin: Origin


@dataclass(slots=True)
class BatchCall:
    """The arguments of one ``aggregator_apply_batch`` call."""

    reports: list[ReportRow] = field(default_factory=list)
    rejections: list[tuple[str, int, int, str | None, str, str]] = field(default_factory=list)
    # period "YYYY-MM" -> (digest, units, members, memberships)
    structures: dict[str, tuple[str, list[Any], list[Any], list[Any]]] = field(default_factory=dict)
    memberships: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """What the batch function did."""

    deduplicated: int
    superseded: int
    written: list[int]  # idx of each report that became its unit-period's fact
    letters: list[tuple[str, int, int, str, str, str | None]]  # to send to the DLQ
    rollups: list[tuple[Sent, RollupRow]]  # changed now, each with its outbox row
    resend: list[tuple[Sent, RollupRow]]  # sent before, changed since
    steps: dict[str, float] = field(default_factory=dict)  # milliseconds per SQL step


def _report_json(r: ReportRow) -> list[Any]:
    return [
        r.idx,
        r.unit_type,
        r.unit_code,
        r.period + "-01",
        r.revision,
        r.digest,
        r.event_id,
        r.source,
        r.reported_at.isoformat(),
        *r.values,
        *r.origin,
    ]


def _rollups(rows: list[list[Any]]) -> list[tuple[Sent, RollupRow]]:
    out = []
    for row in rows:
        outbox_id, level, code, period, present, *values, reported, expected, version = row
        key = (level, code, date.fromisoformat(period))
        vals = tuple(values) if present else None
        out.append((Sent(outbox_id, key, version), RollupRow(*key, vals, reported, expected)))
    return out


async def apply_batch(con: Conn, call: BatchCall, received_at: datetime) -> BatchAnswer:
    """One round trip: the whole batch in one transaction (see migration 070)."""
    dumps = json.dumps
    structures = [[p + "-01", *s] for p, s in call.structures.items()]
    sent = [[s.outbox_id, s.key[0], s.key[1], s.key[2].isoformat(), s.version] for s in call.sent]
    raw = await con.fetchval(
        APPLY_BATCH,
        dumps([_report_json(r) for r in call.reports]),
        dumps(call.rejections),
        dumps(structures),
        dumps([[t, c, p + "-01", lv, code, m] for t, c, p, lv, code, m in call.memberships]),
        dumps(sent),
        received_at,
    )
    reply = json.loads(raw)
    answer = reply["answer"]
    return BatchAnswer(
        answer["dedup"],
        answer["superseded"],
        answer["written"],
        [tuple(x) for x in answer["letters"]],
        _rollups(answer["rollups"]),
        _rollups(answer["resend"]),
        reply["steps"],
    )


async def reference_digests(con: Conn) -> dict[str, str]:
    """The structure digest each period was loaded with ("YYYY-MM" → digest)."""
    rows = await con.fetch("SELECT period, digest FROM reference_periods")
    return {period_text(r["period"]): r["digest"] for r in rows}


async def sealed_years(con: Conn) -> frozenset[int]:
    """Years the compactor has sealed."""
    return frozenset(r["year"] for r in await con.fetch("SELECT year FROM sealed_years"))


async def mark_dead_lettered(con: Conn, origins: Sequence[Origin]) -> None:
    """The DLQ acknowledged these rejects: a replay will not send them again."""
    await con.execute(
        """UPDATE rejected_reports SET dead_lettered = true
           WHERE (origin_topic, origin_partition, origin_offset) IN
                 (SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]))""",
        [o[0] for o in origins],
        [o[1] for o in origins],
        [o[2] for o in origins],
    )


async def claim_scorecards(
    con: Conn, limit: int, older_than_seconds: float = 0.0
) -> tuple[list[int], list[RollupKey]]:
    """Lock up to ``limit`` outbox rows (at least ``older_than_seconds`` old) that no other
    flush holds; their ids and keys."""
    rows = await con.fetch(
        """SELECT id, level, code, period FROM scorecard_outbox
           WHERE changed_at <= now() - make_interval(secs => $2)
           ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
        limit,
        older_than_seconds,
    )
    keys = sorted({(r["level"], r["code"], r["period"]) for r in rows})
    return [r["id"] for r in rows], keys


async def current_rollups(con: Conn, keys: Sequence[RollupKey]) -> list[RollupRow]:
    """The rollups of ``keys`` as they are now; ``values`` None for one that is gone."""
    if not keys:
        return []
    rows = await con.fetch(
        f"""SELECT k.l AS level, k.c AS code, k.p AS period, r.level IS NOT NULL AS present,
                   {", ".join("r." + c for c in INDICATOR_COLUMNS)},
                   coalesce(r.members_reported, 0) AS members_reported,
                   coalesce(r.members_expected, 0) AS members_expected
            FROM unnest($1::text[], $2::text[], $3::date[]) AS k(l, c, p)
            LEFT JOIN rollup_month r ON (r.level, r.code, r.period) = (k.l, k.c, k.p)""",
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
    )
    return [
        RollupRow(
            r["level"],
            r["code"],
            r["period"],
            tuple(r[c] for c in INDICATOR_COLUMNS) if r["present"] else None,
            r["members_reported"],
            r["members_expected"],
        )
        for r in rows
    ]


async def release_scorecards(con: Conn, ids: Sequence[int]) -> None:
    """Remove sent rows from the outbox."""
    if ids:
        await con.execute("DELETE FROM scorecard_outbox WHERE id = ANY($1::bigint[])", list(ids))


async def fetch_rollups(con: Conn) -> dict[RollupKey, RollupRow]:
    """Every stored rollup (for tests and checks)."""
    rows = await con.fetch(
        f"""SELECT level, code, period, {", ".join(INDICATOR_COLUMNS)},
                   members_reported, members_expected FROM rollup_month"""
    )
    return {
        (r["level"], r["code"], r["period"]): RollupRow(
            r["level"],
            r["code"],
            r["period"],
            tuple(r[c] for c in INDICATOR_COLUMNS),
            r["members_reported"],
            r["members_expected"],
        )
        for r in rows
    }
