"""The control report: findings per municipality and bydel, records not counted."""

from __future__ import annotations

from services.compactor.control_report import CONTROLS_HEADER, ControlSummary, csv_row
from services.compactor.controls import Finding, Severity


def finding(**overrides: object) -> Finding:
    values: dict[str, object] = {
        "file": "11F.dat", "line": 3, "municipality": "0301", "field": "KJONN",
        "severity": Severity.ERROR, "message": "Korrigér kjønn.", "rule": "008",
        "title": "Kontroll 08 : Kjønn", "district": "05", "form": "11F",
    }  # fmt: skip
    values.update(overrides)
    return Finding(**values)  # type: ignore[arg-type]


def test_csv_row_has_every_column_in_order() -> None:
    row = csv_row(finding(counted=False))
    assert dict(zip(CONTROLS_HEADER, row, strict=True)) == {
        "fil": "11F.dat", "linje": 3, "kommune": "0301", "bydel": "05", "kontroll": "008",
        "alvorlighet": "ERROR", "felt": "KJONN", "melding": "Korrigér kjønn.", "talt": "nei",
        "skjema": "11F",
    }  # fmt: skip


def test_summary_counts_per_unit_rule_and_severity_and_lists_what_is_not_counted() -> None:
    summary = ControlSummary(per_unit_shown=1)
    summary.add(finding())
    summary.add(finding(line=4, severity=Severity.WARNING, rule="021", title="Kontroll 21"))
    summary.add(finding(municipality="4601", district="", rule="001", severity=Severity.FATAL,
                        title="Kontroll 001 : Recordlengde", counted=False))  # fmt: skip
    assert summary.by_unit["0301 bydel 05"] == {"ERROR": 1, "WARNING": 1}
    assert summary.by_unit["4601"] == {"FATAL": 1}
    assert summary.severity_totals() == {"ERROR": 1, "WARNING": 1, "FATAL": 1}
    assert summary.not_counted_total == 1
    html = summary.html()
    assert "Poster som ikke er talt: 1" in html
    assert "0301 bydel 05" in html and "(viser 1 av 2)" in html
    assert "Kontroll 001 : Recordlengde" in html
