"""The reference ``content_digest``: the implementation every stored digest was made with,
kept as the oracle the faster direct form is compared with (tests and bench_contract)."""

from __future__ import annotations

import hashlib
import json

from contracts.reports import IndicatorReportV1


def reference_digest(report: IndicatorReportV1) -> str:
    """The implementation every stored digest was made with (before the direct form)."""
    content = {
        "unit": {"type": report.unit.type, "code": report.unit.code},
        "period": report.period,
        "revision": report.revision,
        "indicators": report.indicators.model_dump(),
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
