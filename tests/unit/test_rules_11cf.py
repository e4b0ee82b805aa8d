"""Skjema 11CF rules (SSB's ``KvalifiseringMain``): each rule with failing and passing
records taken from SSB's own unit tests, for every year 2024–2026; the rule list, the
severities and the simulator's clean 11CF file (0 ERROR/FATAL)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from contracts.kostra import ENCODING, decode_record, load_layout
from contracts.kostra.layout import YEARS
from services.compactor.rules import RecordContext, Severity, rules_for
from services.compactor.rules.kvalifisering_checks import STATUS_LABELS
from services.compactor.rules.layout_codes import code_labels, code_lists, date_patterns
from services.simulator import SimulationConfig, simulate
from services.simulator.fnr import synthetic_fodselsnummer

Value = str | int | date | None
Values = Mapping[str, Value]

SSB_11CF_IDS = (
    "000", "001", "003K", "003B", "004", "004A", "005", "005A", "005B", "006", "007", "008",
    "009", "010", "011", "012", "013", "014", "015", "016", "019", "020", "021", "026",
    "027", "028", "029", "030", "031", "032", "036", "037", "038", "039",
)  # fmt: skip
"""SSB's KvalifiseringMain, in order: 34 rules (004A only from reporting year 2025)."""

SSB_SEVERITY = {
    "006": Severity.ERROR, "007": Severity.WARNING, "008": Severity.ERROR,
    "009": Severity.ERROR, "010": Severity.ERROR, "011": Severity.ERROR,
    "012": Severity.ERROR, "013": Severity.ERROR, "014": Severity.ERROR,
    "015": Severity.ERROR, "016": Severity.ERROR, "019": Severity.ERROR,
    "020": Severity.ERROR, "021": Severity.ERROR, "026": Severity.ERROR,
    "027": Severity.ERROR, "028": Severity.WARNING, "029": Severity.WARNING,
    "030": Severity.WARNING, "031": Severity.WARNING, "032": Severity.WARNING,
    "036": Severity.ERROR, "037": Severity.ERROR, "038": Severity.ERROR,
    "039": Severity.ERROR,
}  # fmt: skip

MONTHS_MARKED = {f"STMND_{m}": f"{m:02d}" for m in range(1, 13)}
NO_MONTHS: dict[str, Value] = {f"STMND_{m}": None for m in range(1, 13)}
SUPPORT = ("KVP_MED_KOMMBOS", "KVP_MED_HUSBANKBOS", "KVP_MED_SOSHJ_ENGANG",
           "KVP_MED_SOSHJ_PGM", "KVP_MED_SOSHJ_SUP")  # fmt: skip
SUPPORT_CODES = dict(zip(SUPPORT, ("4", "5", "9", "8", "7"), strict=True))
SITUATIONS = ("AVSL_ORDINAERTARB", "AVSL_ARBLONNSTILS", "AVSL_ARBMARK", "AVSL_SKOLE",
              "AVSL_UFORE", "AVSL_AAP", "AVSL_OK_AVKLAR", "AVSL_UTEN_OK_AVKLAR",
              "AVSL_ANNET", "AVSL_UKJENT")  # fmt: skip


def fnr_aged(age: int, year: int) -> str:
    """A valid synthetic fødselsnummer of someone ``age`` years old in ``year`` (SSB's age)."""
    return synthetic_fodselsnummer(date(year - age, 6, 15), False, random.Random(age), set())


def clean_values(year: int) -> dict[str, Value]:
    """A participant record that passes every 11CF record rule in ``year``."""
    return {
        "KOMMUNE_NR": "4601", "VERSION": f"{year % 100:02d}", "BYDELSNR": None,
        "FODSELSDATO": date(year - 30, 6, 15), "PERSON_JOURNALNR": "00000042",
        "PERSON_FODSELSNR": fnr_aged(30, year), "KJONN": "1", "EKTSTAT": "1", "BU18": "2",
        "ANTBU18": None, "REG_DATO": date(year - 1, 11, 10),
        "VEDTAK_DATO": date(year - 1, 12, 1), "BEGYNT_DATO": date(year, 1, 2),
        "KVP_KOMM": "2", "KVP_MED_ASTONAD": "2", **MONTHS_MARKED, "KVP_STONAD": 228_000,
        "STATUS": "1", "SAKSBEHANDLER": "SB01",
    }  # fmt: skip


def _text(value: Value, pattern: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d%m%Y" if pattern == "ddMMyyyy" else "%d%m%y")
    return str(value).strip()


def context(year: int, values: Values) -> RecordContext:
    """The record as the reader hands it to the rules: every layout field, stripped."""
    layout = load_layout("11CF", year)
    patterns = date_patterns("11CF", year)
    merged = {**clean_values(year), **values}
    fields = {name: _text(merged.get(name), patterns.get(name, "")) for name in layout.names}
    return RecordContext(fields, year, "11CF", 1, patterns, code_lists("11CF", year))


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    values: Callable[[int], Values]
    message: str | None = None
    """None: the record passes; else a part of SSB's message the finding must hold."""
    fails: bool = True
    years: tuple[int, ...] = YEARS


def ok(rule: str, name: str, values: Callable[[int], Values], **kw: object) -> Case:
    return Case(rule, name, values, None, False, **kw)  # type: ignore[arg-type]


def bad(rule: str, name: str, values: Callable[[int], Values], message: str = "",
        **kw: object) -> Case:  # fmt: skip
    return Case(rule, name, values, message, True, **kw)  # type: ignore[arg-type]


def field_is(name: str, value: Value) -> Callable[[int], Values]:
    return lambda y: {name: value}


def ytelse(sosialhjelp: str, kind: str) -> Values:
    return {"YTELSE_SOSHJELP": sosialhjelp, "YTELSE_TYPE_SOSHJ": kind}


def _dates(name: str) -> list[Case]:
    """014/015/016 share SSB's cases: valid, 5 years old, invalid, Oslo exempt."""
    rule = {"REG_DATO": "014", "VEDTAK_DATO": "015", "BEGYNT_DATO": "016"}[name]
    cases = [
        ok(rule, "date in the reporting year", lambda y: {name: date(y, 1, 1)}),
        ok(rule, "date 4 years back", lambda y: {name: date(y - 4, 1, 1)}),
        bad(rule, "date 5 years back", lambda y: {name: date(y - 5, 1, 1)},
            "enten mangler utfylling, har ugyldig dato eller dato som er eldre enn 4 år"),
        bad(rule, "letters", lambda y: {name: "aaaaaaaa" if y >= 2025 else "aaaaaa"},
            "med verdien (aaaaaa"),
        bad(rule, "blank", lambda y: {name: None}, "med verdien ()"),
        ok(rule, "30 February (SSB's SMART reader takes the month's last day)",
           lambda y: {name: f"3002{y}" if y >= 2025 else f"3002{y % 100}"}),
        bad(rule, "month 13", lambda y: {name: f"0113{y}" if y >= 2025 else f"0113{y % 100}"}),
        ok(rule, "Oslo, 5 years back", lambda y: {"KOMMUNE_NR": "0301", "BYDELSNR": "01",
                                                  name: date(y - 5, 1, 1)}),
        ok(rule, "Oslo, letters", lambda y: {"KOMMUNE_NR": "0301", "BYDELSNR": "01",
                                             name: "aaaaaaaa" if y >= 2025 else "aaaaaa"}),
    ]  # fmt: skip
    if rule == "016":
        cases.append(bad(rule, "next year", lambda y: {name: date(y + 1, 1, 1)}))
    else:
        cases.append(ok(rule, "next year (SSB checks only the age)",
                        lambda y: {name: date(y + 1, 1, 1)}))  # fmt: skip
    return cases


def ended(status: str, end: Callable[[int], Value]) -> Callable[[int], Values]:
    """A record of ``status`` whose AVSL_DATO is ``end(year)``."""
    return lambda y: {"STATUS": status, "AVSL_DATO": end(y)}


def _end_dates() -> list[Case]:
    cases = []
    for s in ("3", "4", "5", "7"):
        cases += [
            ok("037", f"status {s}, 1 January", ended(s, lambda y: date(y, 1, 1))),
            ok("037", f"status {s}, 31 December", ended(s, lambda y: date(y, 12, 31))),
            bad("037", f"status {s}, blank", ended(s, lambda y: None),
                "må fylles ut dersom det er krysset av for svaralternativ [3=Fullført program "
                "eller avsluttet etter avtale, 4=Program er varig avbrutt på grunn av "
                "uteblivelse, 5=Program ble avbrutt på grunn av flytting til annen kommune, "
                "7=Deltakerens program er avsluttet etter avbrudd]"),
            bad("037", f"status {s}, last year", ended(s, lambda y: date(y - 1, 1, 1))),
            bad("037", f"status {s}, next year", ended(s, lambda y: date(y + 1, 1, 1))),
            bad("037", f"status {s}, 31 June",
                ended(s, lambda y: f"3106{y}" if y >= 2025 else f"3106{y % 100}")),
        ]  # fmt: skip
    cases.append(ok("037", "status 2 (permisjon), blank", lambda y: {"STATUS": "2"}))
    return cases


CASES: list[Case] = [
    ok("006", "18 years", lambda y: {"PERSON_FODSELSNR": fnr_aged(18, y)}),
    ok("006", "blank fødselsnummer", lambda y: {"PERSON_FODSELSNR": None}),
    bad("006", "17 years", lambda y: {"PERSON_FODSELSNR": fnr_aged(17, y)},
        "Deltakeren (17 år) er under 18 år."),
    ok("007", "67 years (2024)", lambda y: {"PERSON_FODSELSNR": fnr_aged(67, y)}, years=(2024,)),
    bad("007", "68 years (2024)", lambda y: {"PERSON_FODSELSNR": fnr_aged(68, y)},
        "Deltakeren (68 år) er 68 år eller eldre.", years=(2024,)),
    ok("007", "68 years (2025-)", lambda y: {"PERSON_FODSELSNR": fnr_aged(68, y)},
       years=(2025, 2026)),
    bad("007", "69 years (2025-)", lambda y: {"PERSON_FODSELSNR": fnr_aged(69, y)},
        "Deltakeren (69 år) er over 68 år.", years=(2025, 2026)),
    ok("007", "blank fødselsnummer", lambda y: {"PERSON_FODSELSNR": None}),
    ok("008", "mann", lambda y: {"KJONN": "1"}),
    ok("008", "kvinne", lambda y: {"KJONN": "2"}),
    bad("008", "blank", lambda y: {"KJONN": None}),
    bad("008", "invalid", lambda y: {"KJONN": "4"}),
    *[ok("009", f"sivilstand {c}", field_is("EKTSTAT", c)) for c in "12345"],
    bad("009", "blank", lambda y: {"EKTSTAT": None}),
    bad("009", "invalid", lambda y: {"EKTSTAT": "6"}),
    ok("010", "ja", lambda y: {"BU18": "1", "ANTBU18": 1}),
    ok("010", "nei", lambda y: {"BU18": "2"}),
    bad("010", "code 3", lambda y: {"BU18": "3"}),
    ok("011", "no answer, 0 children", lambda y: {"BU18": "0", "ANTBU18": 0}),
    ok("011", "ja, 1 child", lambda y: {"BU18": "1", "ANTBU18": 1}),
    ok("011", "no answer, 1 child", lambda y: {"BU18": "0", "ANTBU18": 1}),
    bad("011", "ja, 0 children", lambda y: {"BU18": "1", "ANTBU18": 0}),
    ok("012", "no answer, 0 children", lambda y: {"BU18": "0", "ANTBU18": 0}),
    ok("012", "ja, 1 child", lambda y: {"BU18": "1", "ANTBU18": 1}),
    ok("012", "ja, 0 children", lambda y: {"BU18": "1", "ANTBU18": 0}),
    bad("012", "no answer, 1 child", lambda y: {"BU18": "0", "ANTBU18": 1}),
    ok("013", "13 children", lambda y: {"BU18": "1", "ANTBU18": 13}),
    bad("013", "14 children", lambda y: {"BU18": "1", "ANTBU18": 14}),
    *_dates("REG_DATO"),
    *_dates("VEDTAK_DATO"),
    *_dates("BEGYNT_DATO"),
    ok("019", "ja", lambda y: {"KVP_KOMM": "1", "KOMMNR_KVP_KOMM": "1106"}),
    ok("019", "nei", lambda y: {"KVP_KOMM": "2"}),
    bad("019", "invalid code", lambda y: {"KVP_KOMM": "4"},
        "Feltet for 'Kommer deltakeren fra kvalifiseringsprogram i annen kommune?' er ikke "
        "fylt ut, eller feil kode er benyttet (4). Feltet er obligatorisk å fylle ut."),
    bad("019", "blank", lambda y: {"KVP_KOMM": None}, "feil kode er benyttet ()"),
    ok("020", "ja, 1106", lambda y: {"KVP_KOMM": "1", "KOMMNR_KVP_KOMM": "1106"}),
    ok("020", "nei, 1106", lambda y: {"KVP_KOMM": "2", "KOMMNR_KVP_KOMM": "1106"}),
    ok("020", "nei, blank", lambda y: {"KVP_KOMM": "2", "KOMMNR_KVP_KOMM": None}),
    bad("020", "ja, 4242", lambda y: {"KVP_KOMM": "1", "KOMMNR_KVP_KOMM": "4242"},
        "Det er svart '1=Ja' på om deltakeren kommer fra kvalifiseringsprogram i annen "
        "kommune, men kommunenummer ('4242') mangler eller er ugyldig. Feltet er "
        "obligatorisk å fylle ut."),
    bad("020", "ja, blank", lambda y: {"KVP_KOMM": "1", "KOMMNR_KVP_KOMM": None},
        "kommunenummer ('') mangler"),
    ok("021", "no sosialhjelp, any type", lambda y: ytelse("0", "9")),
    ok("021", "sosialhjelp, type 2", lambda y: ytelse("1", "2")),
    ok("021", "sosialhjelp, type 3", lambda y: ytelse("1", "3")),
    bad("021", "sosialhjelp, type 9", lambda y: ytelse("1", "9"),
        "Feltet for 'Hadde deltakeren i løpet av de siste to månedene før registrert søknad "
        "ved NAV-kontoret en eller flere av følgende ytelser?' inneholder ugyldige verdier."),
    bad("021", "sosialhjelp, no type", lambda y: {"YTELSE_SOSHJELP": "1"}),
    ok("026", "ja", lambda y: {"KVP_MED_ASTONAD": "1", "KVP_MED_KOMMBOS": "4"}),
    ok("026", "nei", lambda y: {"KVP_MED_ASTONAD": "2"}),
    bad("026", "invalid", lambda y: {"KVP_MED_ASTONAD": "9"},
        "er ikke utfylt eller feil kode (9) er benyttet. Feltet er obligatorisk å fylle ut."),
    bad("026", "blank", lambda y: {"KVP_MED_ASTONAD": None}, "feil kode () er benyttet"),
    bad("027", "ja, all blank", lambda y: {"KVP_MED_ASTONAD": "1"},
        "har ugyldige koder. Feltet er obligatorisk å fylle ut. Det er mottatt støtte."),
    bad("027", "ja, all 0", lambda y: {"KVP_MED_ASTONAD": "1", **dict.fromkeys(SUPPORT, "0")},
        "Det er mottatt støtte."),
    ok("027", "ja, all marked", lambda y: {"KVP_MED_ASTONAD": "1", **SUPPORT_CODES}),
    ok("027", "nei, all blank", lambda y: {"KVP_MED_ASTONAD": "2"}),
    ok("027", "nei, all 0", lambda y: {"KVP_MED_ASTONAD": "2", **dict.fromkeys(SUPPORT, "0")}),
    bad("027", "nei, all marked", lambda y: {"KVP_MED_ASTONAD": "2", **SUPPORT_CODES},
        "Det er IKKE mottatt støtte."),
    ok("028", "permisjon, no months", lambda y: {"STATUS": "2", **NO_MONTHS}),
    ok("028", "in programme, all months", lambda y: {"STATUS": "1", **MONTHS_MARKED}),
    bad("028", "in programme, no months",
        lambda y: {"STATUS": "1", "KVP_STONAD": 1000, **NO_MONTHS},
        "Det er ikke krysset av for hvilke måneder deltakeren har fått utbetalt "
        "kvalifiseringsstønad (1000) i løpet av rapporteringsåret."),
    bad("028", "ended, wrong month code", lambda y: {"STATUS": "4", "AVSL_DATO": date(y, 3, 1),
                                                     **NO_MONTHS, "STMND_1": "1"}),
    ok("029", "invalid status, 0", lambda y: {"STATUS": "X", "KVP_STONAD": 0}),
    ok("029", "in programme, 1", lambda y: {"STATUS": "1", "KVP_STONAD": 1}),
    bad("029", "in programme, 0", lambda y: {"STATUS": "1", "KVP_STONAD": 0},
        "Det er ikke oppgitt hvor mye deltakeren har fått i kvalifiseringsstønad (0) i løpet "
        "av året, eller feltet inneholder andre tegn enn tall."),
    bad("029", "in programme, blank", lambda y: {"STATUS": "1", "KVP_STONAD": None}, "stønad ()"),
    bad("029", "in programme, letters", lambda y: {"STATUS": "1", "KVP_STONAD": "X"}, "stønad (X)"),
    ok("030", "permisjon, months and amount", lambda y: {"STATUS": "2", "KVP_STONAD": 2}),
    ok("030", "permisjon, nothing", lambda y: {"STATUS": "2", "KVP_STONAD": None, **NO_MONTHS}),
    ok("030", "in programme, months and amount", lambda y: {"STATUS": "1", "KVP_STONAD": 2}),
    ok("030", "in programme, no months, 0",
       lambda y: {"STATUS": "1", "KVP_STONAD": 0, **NO_MONTHS}),
    bad("030", "in programme, months, blank", lambda y: {"STATUS": "1", "KVP_STONAD": None},
        "Det er ikke oppgitt hvor mye deltakeren har fått i kvalifiseringsstønad"),
    ok("031", "other status, nothing", lambda y: {"STATUS": "X", "KVP_STONAD": None, **NO_MONTHS}),
    ok("031", "months and amount", lambda y: {"STATUS": "1", "KVP_STONAD": 2}),
    ok("031", "no months, no amount", lambda y: {"STATUS": "1", "KVP_STONAD": None, **NO_MONTHS}),
    bad("031", "no months, amount", lambda y: {"STATUS": "1", "KVP_STONAD": 1, **NO_MONTHS},
        "Deltakeren har fått kvalifiseringsstønad (1) i løpet av året, men mangler utfylling "
        "for hvilke måneder stønaden gjelder. Feltet er obligatorisk å fylle ut."),
    ok("032", "blank", lambda y: {"KVP_STONAD": None}),
    ok("032", "42", lambda y: {"KVP_STONAD": 42}),
    ok("032", "600000", lambda y: {"KVP_STONAD": 600_000}),
    bad("032", "600001", lambda y: {"KVP_STONAD": 600_001},
        "Kvalifiseringsstønaden (600001) som deltakeren har fått i løpet av rapporteringsåret "
        "overstiger Statistisk sentralbyrås kontrollgrense på NOK 600000,-."),
    *[ok("036", f"status {s}", field_is("STATUS", s)) for s in "1234567"],
    bad("036", "status X", lambda y: {"STATUS": "X"}, "Korrigér status. Fant 'X', forventet én av"),
    bad("036", "blank", lambda y: {"STATUS": None}, "Fant ''"),
    *_end_dates(),
    ok("038", "permisjon", lambda y: {"STATUS": "2"}),
    ok("038", "status 3, ordinært arbeid", lambda y: {"STATUS": "3", "AVSL_ORDINAERTARB": "01"}),
    ok("038", "status 7, ordinært arbeid", lambda y: {"STATUS": "7", "AVSL_ORDINAERTARB": "01"}),
    ok("038", "status 3, ukjent", lambda y: {"STATUS": "3", "AVSL_UKJENT": "17"}),
    bad("038", "status 3, nothing", lambda y: {"STATUS": "3"},
        "Feltet 'Ved fullført program eller program avsluttet etter avtale (gjelder ikke "
        "flytting) – hva var deltakerens situasjon umiddelbart etter avslutningen'?"),
    bad("038", "status 7, nothing", lambda y: {"STATUS": "7"}, "Må fylles ut dersom"),
    bad("038", "status 3, wrong code", lambda y: {"STATUS": "3", "AVSL_ORDINAERTARB": "02"}),
    bad("038", "status 7, wrong code", lambda y: {"STATUS": "7", "AVSL_ORDINAERTARB": "02"}),
    ok("039", "in programme, blank", lambda y: {"STATUS": "1"}),
    ok("039", "status 3, code 01", lambda y: {"STATUS": "3", "AVSL_VIKTIGSTE_INNTEKT": "01"}),
    ok("039", "status 7, blank (SSB checks 3 only)", lambda y: {"STATUS": "7"}),
    bad("039", "status 3, blank", lambda y: {"STATUS": "3"},
        "Feltet 'Hva var deltakerens <b>viktigste</b> inntektskilde umiddelbart etter "
        "avslutningen?"),
    bad("039", "status 3, code 02", lambda y: {"STATUS": "3", "AVSL_VIKTIGSTE_INNTEKT": "02"}),
]  # fmt: skip

PARAMS = [
    pytest.param(case, year, id=f"{case.rule}-{year}-{case.name}")
    for case in CASES
    for year in case.years
]


@pytest.mark.parametrize(("case", "year"), PARAMS)
def test_rule_case(case: Case, year: int) -> None:
    ctx = context(year, case.values(year))
    rule = rules_for("11CF").for_year(year).rule(case.rule)
    violation = rule.check(ctx)
    if not case.fails:
        assert violation is None, violation
        return
    assert violation is not None and case.message is not None
    assert case.message in violation.message
    assert violation.field in ctx.fields
    fnr = ctx.text("PERSON_FODSELSNR")
    assert not fnr or fnr not in violation.message


def test_every_11cf_rule_has_a_failing_and_a_passing_case_each_year() -> None:
    for year in YEARS:
        ids = {rule.id for rule in rules_for("11CF").for_year(year).rules if rule.scope == "record"}
        ids -= {"003K", "003B", "004", "004A", "005"}  # common rules, tested with 11F
        covered = {(c.rule, c.fails) for c in CASES if year in c.years}
        assert ids == set(SSB_SEVERITY)
        for rule_id in ids:
            assert (rule_id, True) in covered and (rule_id, False) in covered, rule_id


@pytest.mark.parametrize("year", YEARS)
def test_the_clean_record_passes_every_record_rule(year: int) -> None:
    assert rules_for("11CF").for_year(year).run(context(year, {})) == []


@pytest.mark.parametrize("year", YEARS)
def test_rule_list_and_severities_are_ssbs(year: int) -> None:
    rules = rules_for("11CF").for_year(year)
    expected = [i for i in SSB_11CF_IDS if year >= 2025 or i != "004A"]
    assert list(rules.ids) == expected
    for rule_id, severity in SSB_SEVERITY.items():
        assert rules.rule(rule_id).severity is severity, rule_id


def test_007_title_and_limit_follow_the_year() -> None:
    assert rules_for("11CF").for_year(2024).rule("007").title == (
        "Kontroll 07 : Alder over 67 år eller over"
    )
    assert rules_for("11CF").for_year(2025).rule("007").title == (
        "Kontroll 07 : Alder er 68 år eller over"
    )


@pytest.mark.parametrize("year", YEARS)
def test_status_labels_in_messages_are_the_layouts(year: int) -> None:
    assert dict(code_labels("11CF", year)["STATUS"]) == STATUS_LABELS


@pytest.mark.parametrize("year", [2024, 2026])
def test_simulated_11cf_file_has_no_error_or_fatal(year: int, tmp_path: Path) -> None:
    simulate(SimulationConfig(year, 7, 0.02, "none"), tmp_path)
    layout = load_layout("11CF", year)
    rules = rules_for("11CF").for_year(year)
    lines = (tmp_path / "11CF.dat").read_bytes().decode(ENCODING).split("\n")[:-1]
    statuses: set[str] = set()
    assert len(lines) > 50
    for line_no, line in enumerate(lines, start=1):
        assert len(line) == layout.record_length
        fields = decode_record(layout, line)
        statuses.add(fields["STATUS"])
        ctx = RecordContext(
            fields, year, "11CF", line_no, date_patterns("11CF", year), code_lists("11CF", year)
        )
        grave = [f for f in rules.run(ctx) if f.severity in (Severity.ERROR, Severity.FATAL)]
        assert grave == [], (line_no, grave)
    assert {"1", "3", "4", "7"} <= statuses  # the rules for ended programmes were exercised


def test_docs_list_every_11cf_rule_with_its_severity_and_title() -> None:
    text = (Path(__file__).parents[2] / "docs" / "compactor.md").read_text(encoding="utf-8")
    section = text.split("## Skjema 11CF", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:4] for line in section.splitlines() if line.startswith("| 0")]
    documented = {tuple(cell.strip() for cell in cells) for cells in rows}
    rules = rules_for("11CF").rules
    assert documented == {(rule.id, rule.severity.value, rule.title) for rule in rules}
