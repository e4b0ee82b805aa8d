"""One function per feed: read PostgreSQL, apply the sharing rules, shape the answer.

Every figure passes :func:`services.feeds.suppression.suppress` before it leaves; the
relations handed to it are those published in the same answer (a parent beside its
children). ``exempt`` holds the cells the caller may see unsuppressed (its own unit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, cast

from contracts.periods import periods_between, shift
from contracts.registry import Level
from services.feeds import anomalies as anomaly_rules
from services.feeds import queries
from services.feeds.figures import figure_status, month_view, per_1000, reporting_deadline
from services.feeds.names import Names
from services.feeds.patterns import Pattern, cell_values
from services.feeds.snapshots import Pool, Snapshot, Snapshots
from services.feeds.suppression import SUPPRESSED, Cell, CellKey, suppress
from services.feeds.tables import Table, Tables

Exempt = Callable[[str], bool]


VIEWER_PATTERNS = 512


class NotFound(Exception):
    """The unit has no figures in the range asked for."""


def _exempt(values: Iterable[CellKey], exempt: Exempt) -> frozenset[CellKey]:
    keys = list(values)
    mine = {u for u in {k.unit for k in keys} if exempt(u)}  # one access decision per unit
    return frozenset(k for k in keys if k.unit in mine)


class Feeds:
    """The feed handlers; dependencies passed in."""

    def __init__(
        self,
        names: Names,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        *,
        debounce: float = 0.0,
        pool: Pool | None = None,
    ) -> None:
        self.names = names
        self.today = today
        self.snapshots = Snapshots(names, debounce, pool)
        self.tables = Tables(names, self._hidden, background=pool is not None and debounce > 0)
        self._viewer_patterns: dict[tuple[str, frozenset[str]], tuple[int, frozenset[CellKey]]] = {}

    async def pattern(
        self, con: queries.Conn, first: str, last: str, viewer: Exempt | None = None
    ) -> set[CellKey]:
        """Cells hidden from ``viewer`` in ``first``..``last``, computed per period over every
        published unit and every additive relation (municipal tree, KOSTRA groups, NAV
        offices), so overlapping answers hide the same cells. Without a viewer (or for one
        that owns no unit) this is the pattern for outsiders; for a reporting unit its own
        cells count as known, and the outsiders' pattern is grown until nothing else is
        recoverable with them. Taken from the periods' snapshots (``snapshots.Snapshots``)."""
        return self._hidden(await self._snapshots(con, first, last), viewer)

    async def shows(self, con: queries.Conn, changed: Mapping[str, datetime]) -> bool:
        """Whether the snapshots of the ``changed`` periods (period -> the ``updated_at`` of
        a change) already hold those changes; starts the refresh of any that do not, so a
        live stream announces a change only once an answer can show it."""
        if not changed:
            return True
        versions = await queries.period_versions(con, min(changed), max(changed))
        wanted = {p: v for p, v in versions.items() if p in changed}
        snaps = await self.snapshots.of(con, wanted, wait=False)
        return all(p in snaps and snaps[p].version >= at for p, at in changed.items())

    async def _snapshots(
        self, con: queries.Conn, first: str, last: str, wait: bool = True
    ) -> dict[str, Snapshot]:
        """The complete snapshot of every period with figures in ``first``..``last``."""
        versions = await queries.period_versions(con, first, last)
        return await self.snapshots.of(con, versions, wait)

    def _hidden(self, snaps: dict[str, Snapshot], viewer: Exempt | None) -> set[CellKey]:
        hidden: set[CellKey] = set()
        for period, snap in snaps.items():
            base = snap.pattern
            hidden |= base.hidden if viewer is None else self._viewer_pattern(period, base, viewer)
        return hidden

    def _viewer_pattern(self, period: str, base: Pattern, viewer: Exempt) -> frozenset[CellKey]:
        own = frozenset(u for u in base.signature[0] if viewer(u))
        if not own:
            return base.hidden
        cached = self._viewer_patterns.get((period, own))
        if cached is not None and cached[0] == base.generation:
            return cached[1]
        exempt = frozenset(k for k in base.values if k.unit in own)
        cells = suppress(base.values, base.relations, exempt, base.hidden)
        hidden = frozenset(k for k, c in cells.items() if c.status == SUPPRESSED)
        if len(self._viewer_patterns) >= VIEWER_PATTERNS:
            self._viewer_patterns.pop(next(iter(self._viewer_patterns)))
        self._viewer_patterns[(period, own)] = (base.generation, hidden)
        return hidden

    def population(self, unit: str, period: str) -> int | None:
        level, _, code = unit.partition(":")
        try:
            return self.names.registry.population(cast(Level, level), code, int(period[:4]))
        except (KeyError, LookupError, ValueError):
            return None

    async def unit_indicators(
        self,
        con: queries.Conn,
        level: str,
        code: str,
        first: str,
        last: str,
        own: bool,
        viewer: Exempt | None = None,
    ) -> dict[str, Any]:
        """A unit's months ``first``..``last`` with derived figures, rates and status;
        ``viewer`` says which units the caller sees unsuppressed (None: an outsider)."""
        snaps = await self._snapshots(con, shift(first, -12), last)
        unit = f"{level}:{code}"
        rows = [s.rows[unit] for s in snaps.values() if unit in s.rows]
        if not any(first <= r["period"] <= last for r in rows):
            raise NotFound(f"{level} {code} has no figures from {first} to {last}")
        values = cell_values(rows)
        also = () if own else self._hidden(snaps, viewer)
        cells = suppress(values, (), _exempt(values, lambda _: own), also)
        sealed = await queries.sealed_years(con)
        meta = await queries.own_reports(con, level, code, first, last)
        by_period = {r["period"]: r for r in rows}
        months = []
        for period in periods_between(first, last):
            if period not in by_period:
                continue
            row = by_period[period]
            view = month_view(unit, period, cells, self.population(unit, period))
            own_report = meta.get(period, {})
            months.append(
                {
                    "period": period,
                    "status": figure_status(period, self.today(), sealed),
                    "revision": own_report.get("revision"),
                    "reported_at": _iso(own_report.get("reported_at")),
                    "members_reported": row["members_reported"],
                    "members_expected": row["members_expected"],
                    **view,
                }
            )
        return {
            "unit": {"type": level, "code": code, "name": self.names.name(unit, last)},
            "suppressed": not own,
            "months": months,
        }

    async def scorecard(
        self,
        con: queries.Conn,
        office: str,
        period: str,
        own: bool,
        viewer: Exempt | None = None,
    ) -> dict[str, Any]:
        """The office's month with comparisons, beside its county, KOSTRA group, nation."""
        reg = self.names.registry
        areas = reg.areas_of_office(office, period)
        if not areas and office not in {o.code for o in reg.nav_offices(period)}:
            raise NotFound(f"NAV office {office} does not exist at {period}")
        municipality = next(
            (
                code if kind == "municipality" else reg.municipality_of_district(code)
                for kind, code in areas
            ),
            None,
        )
        compare: list[tuple[str, str]] = [("nav_office", office)]
        if municipality is not None:
            compare.append(("county", reg.county_of(municipality, period)))
            group = self.names.group_of(municipality, period)
            if group:
                compare.append(("kostra_group", group))
        compare.append(("nation", "0"))
        answer: dict[str, Any] = {"office": office, "period": period, "suppressed": not own}
        for kind, code in compare:
            try:
                data = await self.unit_indicators(
                    con, kind, code, period, period, own and kind == "nav_office", viewer
                )
                answer[kind] = {"unit": data["unit"], **data["months"][0]}
            except NotFound:
                answer[kind] = None
        return answer

    async def table(
        self,
        con: queries.Conn,
        level: str,
        first: str,
        last: str,
        exempt: Exempt,
        max_units: int,
    ) -> Table:
        """The ``level`` and its ancestors over a range, suppressed with the hierarchy, from
        the periods' snapshots (``tables.Tables``: cached, rebuilt in the background)."""
        snaps = await self._snapshots(con, first, last, wait=False)
        return await self.tables.table(level, first, last, snaps, exempt, max_units)

    async def coverage(self, con: queries.Conn, period: str) -> dict[str, Any]:
        """Expected, reported and missing units per level, with how late each report was."""
        levels = await queries.coverage(con, period)
        deadline = reporting_deadline(period)
        reports = [
            {
                "unit": f"{r['unit_type']}:{r['unit_code']}",
                "revision": r["revision"],
                "received_at": _iso(r["received_at"]),
                "days_late": max(0, (r["received_at"].date() - deadline).days),
            }
            for r in await queries.report_times(con, period)
        ]
        for entry in levels:
            entry["coverage"] = float(entry["coverage"])
            missing = await queries.missing_units(con, period, entry["level"])
            entry["missing"] = [
                {"code": c, "name": self.names.name(f"{entry['level']}:{c}", period)}
                for c in missing
            ]
        return {
            "period": period,
            "deadline": deadline.isoformat(),
            "levels": levels,
            "late_reports": [r for r in reports if r["days_late"] > 0],
            "reports": len(reports),
        }

    async def anomalies(self, con: queries.Conn, period: str) -> dict[str, Any]:
        """Municipalities whose month looks wrong (see ``services.feeds.anomalies``)."""
        rows = await queries.rollups(con, ["municipality"], shift(period, -12), period)
        history: dict[str, list[int]] = {}
        current: dict[str, int | None] = {}
        reported: dict[str, set[str]] = {}
        for r in rows:
            reported.setdefault(r["period"], set()).add(r["code"])
            if r["period"] == period:
                current[r["code"]] = r["recipients"]
            elif r["recipients"] is not None:
                history.setdefault(r["code"], []).append(int(r["recipients"]))
        rates: dict[str, float] = {}
        for code, value in current.items():
            rate = per_1000(Cell(value), self.population(f"municipality:{code}", period))
            if isinstance(rate.value, float) and (value or 0) >= 4:
                rates[code] = rate.value
        groups = {c: g for c in rates if (g := self.names.group_of(c, period))}
        before = [reported.get(shift(period, -i), set()) for i in (1, 2, 3)]
        found = [
            *anomaly_rules.jumps(current, history),
            *anomaly_rules.group_outliers(rates, groups),
            *anomaly_rules.missing(reported.get(period, set()), before),
        ]
        names = self.names.names(period)
        return {
            "period": period,
            "anomalies": [
                {
                    "unit": {"type": "municipality", "code": a.unit},
                    "name": names.get(f"municipality:{a.unit}", a.unit),
                    "indicator": a.indicator,
                    "kind": a.kind,
                    "score": a.score,
                    "detail": a.detail if a.kind != "jump" else "uvanlig endring",
                }
                for a in found
            ],
        }


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
