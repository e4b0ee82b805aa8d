"""The control report SSB and a municipality recognise: findings per municipality and bydel.

Pure: ``ControlSummary`` accumulates findings as they stream by (counts per unit, rule and
severity, a capped sample of findings per unit, the records not counted) and renders the
HTML section, in bokmål. No finding holds a person number, so nothing here can show one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html import escape

from services.compactor.controls import Finding

SEVERITIES = ("FATAL", "ERROR", "WARNING", "INFO")
CONTROLS_HEADER = (
    "fil", "linje", "kommune", "bydel", "kontroll", "alvorlighet", "felt", "melding", "talt",
    "skjema",
)  # fmt: skip


def csv_row(finding: Finding) -> tuple[str | int, ...]:
    """One finding as a line of ``controls.csv`` (columns ``CONTROLS_HEADER``)."""
    return (
        finding.file,
        finding.line,
        finding.municipality,
        finding.district,
        finding.rule,
        finding.severity.value,
        finding.field,
        finding.message,
        "ja" if finding.counted else "nei",
        finding.form,
    )


def unit_label(finding: Finding) -> str:
    """ "4601", or "0301 bydel 05" for an Oslo finding with a district."""
    if finding.district:
        return f"{finding.municipality} bydel {finding.district}"
    return finding.municipality


@dataclass(slots=True)
class ControlSummary:
    """Counts of findings per unit, rule and severity, with capped samples to show."""

    per_unit_shown: int = 100
    not_counted_shown: int = 1000
    by_unit: dict[str, Counter[str]] = field(default_factory=dict)
    by_rule: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    shown: dict[str, list[Finding]] = field(default_factory=dict)
    not_counted: list[Finding] = field(default_factory=list)
    not_counted_total: int = 0
    total: int = 0

    def add(self, finding: Finding) -> None:
        unit = unit_label(finding)
        self.by_unit.setdefault(unit, Counter())[finding.severity.value] += 1
        self.by_rule[(finding.form, finding.rule, finding.severity.value, finding.title)] += 1
        sample = self.shown.setdefault(unit, [])
        if len(sample) < self.per_unit_shown:
            sample.append(finding)
        if not finding.counted:
            self.not_counted_total += 1
            if len(self.not_counted) < self.not_counted_shown:
                self.not_counted.append(finding)
        self.total += 1

    def severity_totals(self) -> Counter[str]:
        totals: Counter[str] = Counter()
        for counts in self.by_unit.values():
            totals.update(counts)
        return totals

    def html(self) -> str:
        """The «Kontrollfunn» section of ``report.html``."""
        totals = self.severity_totals()
        out = [
            "<h2>Kontrollfunn (SSBs kontroller av 11F og 11CF)</h2>",
            "<p>"
            + ", ".join(f"{s}: {totals.get(s, 0)}" for s in SEVERITIES)
            + f". Poster som ikke er talt: {self.not_counted_total}.</p>",
            "<table><tr><th class='l'>skjema</th><th class='l'>kontroll</th>"
            "<th class='l'>alvorlighet</th><th class='l'>tittel</th><th>antall</th></tr>",
        ]
        for (form, rule, severity, title), count in sorted(self.by_rule.items()):
            out.append(
                f"<tr><td class='l'>{escape(form)}</td><td class='l'>{escape(rule)}</td>"
                f"<td class='l'>{severity}</td>"
                f"<td class='l'>{escape(title)}</td><td>{count}</td></tr>"
            )
        out.append("</table><h3>Per kommune og bydel</h3><table><tr><th class='l'>enhet</th>")
        out.append("".join(f"<th>{s}</th>" for s in SEVERITIES) + "</tr>")
        for unit in sorted(self.by_unit):
            counts = self.by_unit[unit]
            out.append(
                f"<tr><td class='l'><a href='#kontroll-{escape(unit)}'>{escape(unit)}</a></td>"
                + "".join(f"<td>{counts.get(s, 0)}</td>" for s in SEVERITIES)
                + "</tr>"
            )
        out.append("</table>")
        for unit in sorted(self.shown):
            sample, count = self.shown[unit], sum(self.by_unit[unit].values())
            more = f" (viser {len(sample)} av {count})" if count > len(sample) else ""
            out.append(
                f"<details id='kontroll-{escape(unit)}'><summary>{escape(unit)}: {count} "
                f"funn{more}</summary>{_findings_table(sample)}</details>"
            )
        out.append("<h3>Poster som ikke er talt</h3>")
        if self.not_counted:
            out.append(_findings_table(self.not_counted))
        else:
            out.append("<p>Ingen.</p>")
        return "".join(out)


def _findings_table(findings: list[Finding]) -> str:
    rows = [
        "<table><tr><th class='l'>fil</th><th>linje</th><th class='l'>kontroll</th>"
        "<th class='l'>alvorlighet</th><th class='l'>felt</th><th class='l'>melding</th></tr>"
    ]
    for f in findings:
        rows.append(
            f"<tr><td class='l'>{escape(f.file)}</td><td>{f.line}</td>"
            f"<td class='l'>{escape(f.rule)}</td><td class='l'>{f.severity.value}</td>"
            f"<td class='l'>{escape(f.field)}</td><td class='l'>{escape(f.message)}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)
