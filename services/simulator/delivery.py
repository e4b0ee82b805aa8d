"""When and how units deliver their monthly reports: first delivery, revisions, gaps. Pure.

Each unit-month is delivered early in the following month by most units, late by some;
about one in ten is revised once or twice (earlier revisions carry slightly different
figures, the highest revision is the truth); a few sloppy units never report some months.
Times come from the seeded generator and the period, never from the wall clock.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.personal_data import contains_fodselsnummer
from contracts.reports import INDICATORS, SUBGROUPS
from services.simulator.indicators import Values
from services.simulator.params import DeliveryParameters

DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SOURCES = ("fagsystem:sim-socio", "fagsystem:sim-velferd", "fagsystem:sim-acos")
OFFICE_SOURCE = "nav:sim-kontorrapport"


@dataclass(slots=True)
class Delivery:
    """One line of reports.jsonl before it is written.

    ``report`` is the v1 report as a JSON-ready dict, or None for a line that is not a
    report (``raw`` then holds the text). ``delivered_at`` (epoch seconds) and ``seq``
    order the lines; ``kind``/``reason`` tag an injected fault.
    """

    delivered_at: int
    seq: int
    report: dict[str, Any] | None
    raw: str | None = None
    kind: str | None = None
    reason: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str | None:
        return None if self.report is None else str(self.report["event_id"])


def timestamp(seconds: int) -> str:
    """ISO 8601 UTC with a ``Z``, whole seconds."""
    return (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def month_start(year: int, month: int) -> int:
    """Epoch seconds at 00:00 UTC on the first day of ``month`` (13 = January next year)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return int((datetime(year, month, 1, tzinfo=UTC) - _EPOCH).total_seconds())


def new_event_id(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator, never one that looks like a fødselsnummer."""
    while True:
        text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if not contains_fodselsnummer(text):
            return text


def make_report(
    rng: random.Random,
    unit_type: str,
    code: str,
    period: str,
    revision: int,
    reported_at: int,
    values: Values,
    source: str,
) -> dict[str, Any]:
    """A v1 report as a dict (the JSON written is this with sorted keys)."""
    return {
        "event_id": new_event_id(rng),
        "schema_version": 1,
        "unit": {"type": unit_type, "code": code},
        "period": period,
        "revision": revision,
        "source": source,
        "reported_at": timestamp(reported_at),
        "indicators": dict(values),
    }


def earlier_figures(rng: random.Random, final: Values) -> Values:
    """Slightly different, still valid figures for a revision that was later replaced."""
    shrink = rng.uniform(0.9, 1.0)
    recipients = round(final["recipients"] * shrink)
    out = {"recipients": recipients}
    for name in SUBGROUPS:
        out[name] = min(recipients, round(final[name] * shrink))
    out["kroner_paid"] = round(final["kroner_paid"] * rng.uniform(0.88, 1.02)) if recipients else 0
    out["qp_participants"] = round(final["qp_participants"] * rng.uniform(0.95, 1.05))
    return {name: out[name] for name in INDICATORS}


class DeliveryPlanner:
    """Plans the deliveries of every unit-month; owns its seeded generator."""

    def __init__(self, year: int, seed: int, params: DeliveryParameters) -> None:
        self.year = year
        self.params = params
        self.rng = random.Random(f"sosialpuls:{seed}:delivery")
        self.seq = 0

    def is_sloppy(self) -> bool:
        """Draw whether the next unit sometimes never reports a month."""
        return self.rng.random() < self.params.sloppy_unit_share

    def unit_month(
        self, unit_type: str, code: str, month: int, final: Values, sloppy: bool, source: str
    ) -> list[Delivery]:
        """The deliveries of one unit-month (month 1–12); empty when it is never reported."""
        p, rng = self.params, self.rng
        if sloppy and rng.random() < p.sloppy_miss_share:
            return []
        draw = rng.random()
        if draw < p.very_late_share:
            delay = rng.randrange(46 * DAY, 120 * DAY)
        elif draw < p.very_late_share + p.late_share:
            delay = rng.randrange(10 * DAY, 45 * DAY)
        else:
            delay = rng.randrange(6 * 3600, 7 * DAY)
        revisions = 1
        if rng.random() < p.revise_share:
            revisions = 3 if rng.random() < p.second_revision_share else 2
        at = month_start(self.year, month + 1) + delay
        period = f"{self.year}-{month:02d}"
        out = []
        for revision in range(1, revisions + 1):
            values = final if revision == revisions else earlier_figures(rng, final)
            report = make_report(rng, unit_type, code, period, revision, at, values, source)
            out.append(self.delivery(at, report))
            at += rng.randrange(2 * DAY, 60 * DAY)
        return out

    def delivery(self, at: int, report: dict[str, Any] | None, raw: str | None = None) -> Delivery:
        """A delivery with the next sequence number (ties in time keep creation order)."""
        self.seq += 1
        return Delivery(at, self.seq, report, raw)
