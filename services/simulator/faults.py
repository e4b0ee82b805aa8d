"""The ``standard`` fault profile for reports.jsonl: what a real stream throws at the system.

Each injected line is tagged with its kind and, when the system must reject it, the
``contracts.reports.Reason`` string; duplicates and out-of-order revisions are not rejects
(reason None) and change nothing in the truth. Pure apart from consulting the registry.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from datetime import date
from typing import Any

from contracts.registry import RETIRED_UNIT, UNKNOWN_UNIT, Registry, UnitRejected
from contracts.reports import Reason
from services.simulator.delivery import (
    DAY,
    Delivery,
    DeliveryPlanner,
    month_start,
    new_event_id,
    timestamp,
)
from services.simulator.fnr import synthetic_fodselsnummer
from services.simulator.params import FaultParameters

Group = tuple[str, str]
"""(unit key, period)."""


def report_json(report: dict[str, Any]) -> str:
    """The one canonical JSON text of a report (sorted keys, compact, UTF-8)."""
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class FaultInjector:
    """Adds the standard profile's bad lines to a list of clean deliveries."""

    def __init__(
        self,
        registry: Registry,
        planner: DeliveryPlanner,
        seed: int,
        params: FaultParameters,
    ) -> None:
        self.registry = registry
        self.planner = planner
        self.year = planner.year
        self.params = params
        self.rng = random.Random(f"sosialpuls:{seed}:faults")

    def inject(self, clean: list[Delivery]) -> list[Delivery]:
        """``clean`` plus the bad lines (out-of-order revisions are re-timed in place)."""
        rng = self.rng
        n = max(self.params.minimum, round(len(clean) * self.params.per_thousand / 1000))
        groups: dict[Group, list[Delivery]] = {}
        for d in clean:
            assert d.report is not None
            key = (f"{d.report['unit']['type']}:{d.report['unit']['code']}", d.report["period"])
            groups.setdefault(key, []).append(d)
        keys = sorted(groups)
        revised = [k for k in keys if len(groups[k]) >= 2]
        chosen = rng.sample(revised, min(n, len(revised)))
        for key in chosen:
            self._out_of_order(groups[key])
        rest = [k for k in keys if k not in set(chosen)]
        picks = rng.sample(rest, min(2 * n, len(rest)))
        added = [self._conflict(groups[k][-1]) for k in picks[:n]]
        added += [self._duplicate(rng.choice(groups[k])) for k in picks[n:]]
        makers: list[Callable[[dict[str, Any]], Delivery]] = [
            self._malformed,
            self._unknown_unit,
            self._retired_unit,
            self._negative,
            self._subgroup,
            self._personal_data,
        ]
        for make in makers:
            for _ in range(n):
                template = rng.choice(clean).report
                assert template is not None
                added.append(make(template))
        return clean + added

    # --- faults that are not rejects ---------------------------------------------------

    def _out_of_order(self, revisions: list[Delivery]) -> None:
        first, second = revisions[0], revisions[1]
        first.delivered_at = second.delivered_at + self.rng.randrange(3600, 5 * DAY)
        first.kind = "out_of_order"

    def _duplicate(self, original: Delivery) -> Delivery:
        d = self.planner.delivery(original.delivered_at + self.rng.randrange(60, 3 * DAY), None)
        d.report = original.report
        d.kind = "duplicate"
        return d

    def _conflict(self, final: Delivery) -> Delivery:
        assert final.report is not None
        report = copy.deepcopy(final.report)
        report["event_id"] = new_event_id(self.rng)
        values = report["indicators"]
        if values["recipients"] > 0:
            values["kroner_paid"] += self.rng.randrange(100, 5000)
        else:
            values["qp_participants"] += 1
        delay = self.rng.randrange(DAY, 20 * DAY)
        reported = final.delivered_at + delay
        report["reported_at"] = timestamp(reported)
        return self._tagged(reported, report, "conflicting_revision", Reason.CONFLICTING_REVISION)

    # --- rejects -------------------------------------------------------------------------

    def _fresh(self, template: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        report = copy.deepcopy(template)
        report["event_id"] = new_event_id(self.rng)
        start = month_start(self.year, 2)
        at = self.rng.randrange(start, month_start(self.year + 1, 2))
        report["reported_at"] = timestamp(at)
        return at, report

    def _tagged(self, at: int, report: dict[str, Any] | None, kind: str, reason: str) -> Delivery:
        d = self.planner.delivery(at, report)
        d.kind, d.reason = kind, reason
        return d

    def _malformed(self, template: dict[str, Any]) -> Delivery:
        at, report = self._fresh(template)
        text = report_json(report)
        d = self._tagged(at, None, "malformed_json", Reason.MALFORMED_JSON)
        d.raw = text[: self.rng.randrange(10, len(text) - 1)]
        return d

    def _unit_code(self, reason: str, candidates: list[str], period: str) -> str:
        for code in candidates:
            try:
                self.registry.check_unit("municipality", code, period)
            except UnitRejected as rejected:
                if rejected.reason == reason:
                    return code
        raise RuntimeError(f"no municipality code gives {reason} at {period}")

    def _unknown_unit(self, template: dict[str, Any]) -> Delivery:
        at, report = self._fresh(template)
        tries = [f"{self.rng.randrange(10_000):04d}" for _ in range(50)]
        code = self._unit_code(UNKNOWN_UNIT, tries, report["period"])
        report["unit"] = {"type": "municipality", "code": code}
        return self._tagged(at, report, "unknown_unit", Reason.UNKNOWN_UNIT)

    def _retired_unit(self, template: dict[str, Any]) -> Delivery:
        at, report = self._fresh(template)
        old = sorted(m.code for m in self.registry.municipalities("2023-01"))
        self.rng.shuffle(old)
        code = self._unit_code(RETIRED_UNIT, old, report["period"])
        report["unit"] = {"type": "municipality", "code": code}
        return self._tagged(at, report, "retired_unit", Reason.RETIRED_UNIT)

    def _negative(self, template: dict[str, Any]) -> Delivery:
        at, report = self._fresh(template)
        report["indicators"]["kroner_paid"] = -self.rng.randrange(100, 20_000)
        return self._tagged(at, report, "negative_value", Reason.NEGATIVE_VALUE)

    def _subgroup(self, template: dict[str, Any]) -> Delivery:
        at, report = self._fresh(template)
        values = report["indicators"]
        values["recipients_under_30"] = values["recipients"] + self.rng.randint(1, 5)
        return self._tagged(
            at, report, "subgroup_exceeds_recipients", Reason.SUBGROUP_EXCEEDS_RECIPIENTS
        )

    def _personal_data(self, template: dict[str, Any]) -> Delivery:
        at, report = self._fresh(template)
        birth = date(self.rng.randint(1950, 2000), self.rng.randint(1, 12), self.rng.randint(1, 28))
        number = synthetic_fodselsnummer(birth, self.rng.random() < 0.5, self.rng, set())
        report["source"] = f"{report['source']} sak {number}"
        return self._tagged(at, report, "personal_data", Reason.PERSONAL_DATA)
