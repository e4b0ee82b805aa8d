"""PostgreSQL reader of the stream's winning reports for a year (``unit_month_facts``)."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.compactor.config import INDICATORS
from services.compactor.derive import UnitKey

_QUERY = f"""
SELECT unit_type, unit_code, extract(month FROM period)::int AS month, {", ".join(INDICATORS)}
FROM unit_month_facts
WHERE period >= $1 AND period < $2 AND unit_type IN ('municipality', 'district')
"""


class StreamReadError(RuntimeError):
    """The stream's facts could not be read from PostgreSQL."""


async def read_stream_facts(
    database_url: str, year: int
) -> dict[UnitKey, dict[int, dict[str, int | None]]]:
    """Per municipality/district unit and month: the six indicators of the winning report."""
    try:
        con = await asyncpg.connect(database_url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise StreamReadError(f"cannot connect to PostgreSQL: {exc}") from exc
    try:
        async with con.transaction(isolation="repeatable_read", readonly=True):
            rows = await con.fetch(_QUERY, date(year, 1, 1), date(year + 1, 1, 1))
    except asyncpg.PostgresError as exc:
        raise StreamReadError(f"cannot read unit_month_facts: {exc}") from exc
    finally:
        await con.close()
    facts: dict[UnitKey, dict[int, dict[str, int | None]]] = {}
    for row in rows:
        unit = (str(row["unit_type"]), str(row["unit_code"]))
        facts.setdefault(unit, {})[int(row["month"])] = {name: row[name] for name in INDICATORS}
    return facts
