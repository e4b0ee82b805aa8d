"""Read/write SQL for unit-month facts and rollups (schema: migrations/001).

Thin asyncpg functions that take a connection (the caller owns the transaction). The rollup
recomputation mirrors ``services.aggregator.domain.rollup_value`` in SQL so that
``rollup_month`` is always a function of ``unit_month_facts`` alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeAlias
from uuid import UUID

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


@dataclass(frozen=True, slots=True)
class FactRow:
    """A winning report as stored."""

    unit_type: str
    unit_code: str
    period: date
    revision: int
    event_id: UUID
    content_digest: str
    source: str
    reported_at: datetime
    received_at: datetime
    values: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class RollupRow:
    """One ``rollup_month`` row; ``values`` None means the rollup was removed."""

    level: str
    code: str
    period: date
    values: tuple[int | None, ...] | None
    members_reported: int = 0
    members_expected: int = 0

    @property
    def key(self) -> RollupKey:
        return (self.level, self.code, self.period)


async def sealed_years(con: Conn) -> frozenset[int]:
    """Years the compactor has sealed."""
    return frozenset(r["year"] for r in await con.fetch("SELECT year FROM sealed_years"))


async def seen_revisions(
    con: Conn, keys: Sequence[UnitPeriodKey]
) -> dict[UnitPeriodKey, tuple[int, dict[int, str]]]:
    """Per unit-period: (winning revision or 0, every revision seen → digest)."""
    if not keys:
        return {}
    cols = _columns(keys, 3)
    out: dict[UnitPeriodKey, tuple[int, dict[int, str]]] = {}
    rows = await con.fetch(
        """SELECT r.unit_type, r.unit_code, r.period, r.revision, r.content_digest,
                  coalesce(f.revision, 0) AS winner
           FROM unnest($1::text[], $2::text[], $3::date[]) AS k(t, c, p)
           JOIN report_revisions r ON (r.unit_type, r.unit_code, r.period) = (k.t, k.c, k.p)
           LEFT JOIN unit_month_facts f
                  ON (f.unit_type, f.unit_code, f.period) = (k.t, k.c, k.p)""",
        *cols,
    )
    for r in rows:
        key = (r["unit_type"], r["unit_code"], r["period"])
        _, seen = out.setdefault(key, (r["winner"], {}))
        seen[r["revision"]] = r["content_digest"]
    return out


async def known_rejections(con: Conn, origins: Sequence[Origin]) -> set[Origin]:
    """Which origins are already in the DLQ ledger (so a replay does not dead-letter twice)."""
    if not origins:
        return set()
    rows = await con.fetch(
        """SELECT origin_topic, origin_partition, origin_offset FROM rejected_reports
           WHERE (origin_topic, origin_partition, origin_offset) IN
                 (SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]))""",
        *_columns(origins, 3),
    )
    return {(r[0], r[1], r[2]) for r in rows}


async def record_rejections(
    con: Conn,
    rows: Sequence[tuple[str, int, int, UUID | None, str, str]],
) -> None:
    """Ledger rows (topic, partition, offset, event_id, reason, message), idempotent."""
    if rows:
        await con.execute(
            """INSERT INTO rejected_reports
                 (origin_topic, origin_partition, origin_offset, event_id, reason, message)
               SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::uuid[],
                                    $5::text[], $6::text[])
               ON CONFLICT DO NOTHING""",
            *_columns(rows, 6),
        )


async def load_structure(
    con: Conn,
    period: date,
    units: Sequence[tuple[str, str]],
    members: Sequence[tuple[str, str, str]],
) -> None:
    """Replace the expected units and members of one period (from the registry)."""
    await con.execute("DELETE FROM expected_units WHERE period = $1", period)
    await con.execute("DELETE FROM expected_membership WHERE period = $1", period)
    await con.execute(
        """INSERT INTO expected_units (period, level, code)
           SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING""",
        period,
        *_columns(units, 2),
    )
    await con.execute(
        """INSERT INTO expected_membership (period, level, code, member_code)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING""",
        period,
        *_columns(members, 3),
    )


async def record_revisions(
    con: Conn, rows: Sequence[tuple[str, str, date, int, str, UUID]]
) -> None:
    """Every accepted (unit, period, revision, digest, event_id); first one seen stays."""
    if rows:
        await con.execute(
            """INSERT INTO report_revisions
                 (unit_type, unit_code, period, revision, content_digest, event_id)
               SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::int[],
                                    $5::text[], $6::uuid[])
               ON CONFLICT DO NOTHING""",
            *_columns(rows, 6),
        )


async def upsert_facts(con: Conn, facts: Sequence[FactRow]) -> list[FactRow]:
    """Revision-gated upsert; returns the facts that were actually written."""
    if not facts:
        return []
    head = [
        [getattr(f, name) for f in facts]
        for name in (
            "unit_type",
            "unit_code",
            "period",
            "revision",
            "event_id",
            "content_digest",
            "source",
            "reported_at",
            "received_at",
        )
    ]
    values = [[f.values[i] for f in facts] for i in range(len(INDICATOR_COLUMNS))]
    cols = ", ".join(INDICATOR_COLUMNS)
    updates = ", ".join(
        f"{c} = excluded.{c}"
        for c in (
            "revision",
            "event_id",
            "content_digest",
            "source",
            "reported_at",
            "received_at",
            *INDICATOR_COLUMNS,
        )
    )
    rows = await con.fetch(
        f"""INSERT INTO unit_month_facts AS t
              (unit_type, unit_code, period, revision, event_id, content_digest, source,
               reported_at, received_at, {cols})
            SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::int[], $5::uuid[],
                                 $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[],
                                 $10::int[], $11::int[], $12::int[], $13::int[], $14::bigint[],
                                 $15::int[])
            ON CONFLICT (unit_type, unit_code, period) DO UPDATE
               SET {updates}, persisted_at = now()
             WHERE excluded.revision > t.revision
            RETURNING t.unit_type, t.unit_code, t.period""",
        *head,
        *values,
    )
    written = {(r[0], r[1], r[2]) for r in rows}
    return [f for f in facts if (f.unit_type, f.unit_code, f.period) in written]


async def sync_memberships(
    con: Conn,
    rows: Sequence[tuple[str, str, date, str, str, str]],
) -> set[RollupKey]:
    """Make the stored memberships of the unit-periods in ``rows`` equal ``rows``; returns
    the rollups a removed membership belonged to.

    A unit-period's memberships change only with the registry, so only rows that differ
    are deleted and only missing ones inserted."""
    if not rows:
        return set()
    units = list({(r[0], r[1], r[2]) for r in rows})
    new = _columns(rows, 6)
    old = await con.fetch(
        """DELETE FROM unit_rollup_membership m
           USING unnest($1::text[], $2::text[], $3::date[]) AS k(t, c, p)
           WHERE (m.unit_type, m.unit_code, m.period) = (k.t, k.c, k.p)
             AND (m.unit_type, m.unit_code, m.period, m.level, m.code, m.member_code) NOT IN (
                 SELECT * FROM unnest($4::text[], $5::text[], $6::date[], $7::text[],
                                      $8::text[], $9::text[]))
           RETURNING m.level, m.code, m.period""",
        *_columns(units, 3),
        *new,
    )
    await con.execute(
        """INSERT INTO unit_rollup_membership
             (unit_type, unit_code, period, level, code, member_code)
           SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[],
                                $6::text[])
           ON CONFLICT (unit_type, unit_code, period, level) DO NOTHING""",
        *new,
    )
    return {(r[0], r[1], r[2]) for r in old}


async def district_rollups_of(
    con: Conn, municipalities: Sequence[tuple[str, date]]
) -> set[RollupKey]:
    """The rollups fed by the districts of these municipality-months: a municipality that
    reports itself replaces its districts above district level, so they change too."""
    if not municipalities:
        return set()
    siblings = await con.fetch(
        """SELECT DISTINCT m2.level, m2.code, m2.period
           FROM unnest($1::text[], $2::date[]) AS k(c, p)
           JOIN unit_rollup_membership m1
             ON m1.level = 'municipality' AND m1.unit_type = 'district'
            AND m1.code = k.c AND m1.period = k.p
           JOIN unit_rollup_membership m2
             ON (m2.unit_type, m2.unit_code, m2.period)
              = (m1.unit_type, m1.unit_code, m1.period)""",
        *_columns(municipalities, 2),
    )
    return {(r[0], r[1], r[2]) for r in siblings}


_SUMS = ", ".join(f"sum(c.{c})::bigint AS {c}" for c in INDICATOR_COLUMNS)
_RECOMPUTE = f"""
WITH keys AS (
    SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::date[]) AS k(level, code, period)
),
contrib AS (
    SELECT k.level, k.code, k.period, m.member_code,
           (f.unit_type = k.level AND f.unit_code = k.code) AS is_own,
           {", ".join("f." + c for c in INDICATOR_COLUMNS)}
    FROM keys k
    JOIN unit_rollup_membership m
      ON (m.level, m.code, m.period) = (k.level, k.code, k.period)
    JOIN unit_month_facts f
      ON (f.unit_type, f.unit_code, f.period) = (m.unit_type, m.unit_code, m.period)
    WHERE k.level = 'district' OR f.unit_type <> 'district' OR NOT EXISTS (
        SELECT 1 FROM unit_rollup_membership dm
        JOIN unit_month_facts mf
          ON mf.unit_type = 'municipality' AND mf.unit_code = dm.code AND mf.period = dm.period
        WHERE dm.unit_type = 'district' AND dm.unit_code = f.unit_code
          AND dm.period = f.period AND dm.level = 'municipality')
),
agg AS (
    SELECT c.level, c.code, c.period, c.is_own, {_SUMS},
           count(DISTINCT c.member_code)::int AS members_reported
    FROM contrib c GROUP BY c.level, c.code, c.period, c.is_own
),
chosen AS (
    SELECT DISTINCT ON (level, code, period) * FROM agg
    ORDER BY level, code, period, is_own DESC
)
SELECT c.level, c.code, c.period, {", ".join(INDICATOR_COLUMNS)},
       CASE WHEN c.is_own THEN 1 ELSE c.members_reported END AS members_reported,
       CASE WHEN c.is_own THEN 1 ELSE (
           SELECT count(*) FROM expected_membership e
           WHERE (e.level, e.code, e.period) = (c.level, c.code, c.period))::int
       END AS members_expected
FROM chosen c
"""


async def recompute_rollups(con: Conn, keys: Iterable[RollupKey]) -> list[RollupRow]:
    """Recompute ``keys`` from facts (under per-key advisory locks, so concurrent workers
    serialise), store them, and return the rows that changed or vanished."""
    ordered = sorted(set(keys))
    if not ordered:
        return []
    cols = _columns(ordered, 3)
    await _lock_rollups(con, cols)
    computed = await con.fetch(_RECOMPUTE, *cols)
    rows = [
        RollupRow(
            r["level"],
            r["code"],
            r["period"],
            tuple(r[c] for c in INDICATOR_COLUMNS),
            r["members_reported"],
            r["members_expected"],
        )
        for r in computed
        if not (r["level"] == "nav_office" and r["members_reported"] < r["members_expected"])
    ]
    changed = await _store_rollups(con, rows)
    kept = {(r.level, r.code, r.period) for r in rows}
    gone = [k for k in ordered if k not in kept]
    if gone:
        deleted = await con.fetch(
            """DELETE FROM rollup_month r
               USING unnest($1::text[], $2::text[], $3::date[]) AS k(l, c, p)
               WHERE (r.level, r.code, r.period) = (k.l, k.c, k.p)
               RETURNING r.level, r.code, r.period""",
            *_columns(gone, 3),
        )
        changed.extend(RollupRow(r[0], r[1], r[2], None) for r in deleted)
    return changed


async def _lock_rollups(con: Conn, cols: list[list[object]]) -> None:
    """Take the transaction-scoped advisory lock of each rollup key (level, code, period
    columns), in one fixed order, so that writers and outbox flushes serialise per rollup
    and never deadlock."""
    await con.execute(
        """SELECT pg_advisory_xact_lock(h) FROM (
             SELECT DISTINCT hashtextextended(l || ':' || c || ':' || p::text, 0) AS h
             FROM unnest($1::text[], $2::text[], $3::date[]) AS k(l, c, p) ORDER BY h) s""",
        *cols,
    )


async def _store_rollups(con: Conn, rows: Sequence[RollupRow]) -> list[RollupRow]:
    if not rows:
        return []
    cols = ", ".join(INDICATOR_COLUMNS)
    updates = ", ".join(
        f"{c} = excluded.{c}" for c in (*INDICATOR_COLUMNS, "members_reported", "members_expected")
    )
    compared = ", ".join(
        f"r.{c}" for c in (*INDICATOR_COLUMNS, "members_reported", "members_expected")
    )
    result = await con.fetch(
        f"""INSERT INTO rollup_month AS r
              (level, code, period, {cols}, members_reported, members_expected)
            SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::bigint[], $5::bigint[],
                                 $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
                                 $10::int[], $11::int[])
            ON CONFLICT (level, code, period) DO UPDATE SET {updates}, updated_at = now()
            WHERE ({compared}) IS DISTINCT FROM
                  ({compared.replace("r.", "excluded.")})
            RETURNING r.level, r.code, r.period""",
        [r.level for r in rows],
        [r.code for r in rows],
        [r.period for r in rows],
        *[[r.values[i] if r.values else None for r in rows] for i in range(6)],
        [r.members_reported for r in rows],
        [r.members_expected for r in rows],
    )
    written = {(r[0], r[1], r[2]) for r in result}
    return [r for r in rows if (r.level, r.code, r.period) in written]


async def enqueue_scorecards(con: Conn, keys: Iterable[RollupKey]) -> None:
    """Append changed rollups to the outbox (in the transaction that changed them)."""
    ordered = sorted(set(keys))
    if ordered:
        await con.execute(
            """INSERT INTO scorecard_outbox (level, code, period)
               SELECT * FROM unnest($1::text[], $2::text[], $3::date[])""",
            *_columns(ordered, 3),
        )


async def claim_scorecards(con: Conn, limit: int) -> tuple[list[int], list[RollupKey]]:
    """Lock up to ``limit`` outbox rows that no other flush holds; their ids and keys."""
    rows = await con.fetch(
        """SELECT id, level, code, period FROM scorecard_outbox
           ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
        limit,
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
        *_columns(keys, 3),
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


def _columns(rows: Sequence[Sequence[object]], n: int) -> list[list[object]]:
    """Row tuples → ``n`` column lists, for ``unnest($1::t[], ...)``."""
    return [[row[i] for row in rows] for i in range(n)]
