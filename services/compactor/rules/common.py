"""SSB's record rules both forms share: 003 kommunenummer and bydelsnummer, 004 oppgaveår,
004A fødselsdato, 005 fødselsnummer, 008 kjønn, 009 sivilstand, 010–013 barn under 18.

Messages follow SSB's wording; none quotes a person number.
"""

from __future__ import annotations

from dataclasses import replace

from services.compactor.rules.base import RecordContext, Rule, Severity, Violation
from services.compactor.rules.persons import is_valid_fnr_or_dnr

YES = "1"
MANY_CHILDREN = 14
YEARS_WITH_BIRTH_DATE = frozenset({2025, 2026})


def _codes(ctx: RecordContext, name: str) -> str:
    return ", ".join(sorted(ctx.codes.get(name, ())))


def _kommunenummer(ctx: RecordContext) -> Violation | None:
    code = ctx.text("KOMMUNE_NR")
    problem = ctx.lookups.municipality_problem(code)
    if problem is None:
        return None
    return Violation("KOMMUNE_NR", f"Korrigér kommunenummeret. Fant '{code}': {problem}.")


def _bydelsnummer(ctx: RecordContext) -> Violation | None:
    municipality, bydel = ctx.text("KOMMUNE_NR"), ctx.text("BYDELSNR")
    districts = ctx.lookups.districts.get(municipality)
    if districts is not None:
        if bydel in districts:
            return None
        return Violation(
            "BYDELSNR",
            f"Korrigér bydel. Fant '{bydel}', forventet en av {', '.join(sorted(districts))}.",
        )
    if not bydel:
        return None
    return Violation("BYDELSNR", f"Korrigér bydel. Fant '{bydel}', forventet blank / '  '.")


def _oppgaveaar(ctx: RecordContext) -> Violation | None:
    value = ctx.int_or_zero("VERSION")
    if (2000 + value if 1 <= value <= 99 else value) == ctx.year:
        return None
    return Violation(
        "VERSION",
        f"Korrigér årgang. Fant '{ctx.text('VERSION')}', forventet {ctx.year - 2000}.",
    )


def _fodselsdato(ctx: RecordContext) -> Violation | None:
    if not ctx.has("FODSELSDATO") or ctx.date_or_none("FODSELSDATO") is not None:
        return None
    return Violation(
        "FODSELSDATO",
        "Det er ikke oppgitt fødselsdato eller fødselsdato er ugyldig. Korriger fødselsdato til "
        f"en gyldig dato. Fant ({ctx.text('FODSELSDATO')}), forventet (DDMMÅÅÅÅ)",
    )


def _fodselsnummer(ctx: RecordContext) -> Violation | None:
    if is_valid_fnr_or_dnr(ctx.text("PERSON_FODSELSNR"), ctx.year):
        return None
    return Violation(
        "PERSON_FODSELSNR",
        "Det er ikke oppgitt fødselsnummer/d-nummer på deltakeren eller fødselsnummeret/"
        "d-nummeret inneholder feil. Med mindre det er snakk om en utenlandsk statsborger som "
        "ikke er tildelt norsk personnummer eller d-nummer, skal feltet inneholde deltakeren "
        "fødselsnummer/d-nummer (11 siffer).",
    )


def _kjonn(ctx: RecordContext) -> Violation | None:
    if ctx.code_exists("KJONN"):
        return None
    return Violation(
        "KJONN",
        f"Korrigér kjønn. Fant '{ctx.text('KJONN')}', forventet én av {_codes(ctx, 'KJONN')}. "
        "Mottakerens kjønn er ikke fylt ut, eller feil kode er benyttet. Feltet er "
        "obligatorisk å fylle ut.",
    )


def _sivilstand(ctx: RecordContext) -> Violation | None:
    if ctx.code_exists("EKTSTAT"):
        return None
    return Violation(
        "EKTSTAT",
        f"Korrigér sivilstand. Fant '{ctx.text('EKTSTAT')}', forventet én av "
        f"{_codes(ctx, 'EKTSTAT')}. Mottakerens sivilstand/sivilstatus ved siste kontakt med "
        "sosial-/NAV-kontoret er ikke fylt ut, eller feil kode er benyttet. Feltet er "
        "obligatorisk å fylle ut.",
    )


def _har_barn(ctx: RecordContext) -> Violation | None:
    if ctx.code_exists("BU18"):
        return None
    return Violation(
        "BU18",
        f"Korrigér forsørgerplikt. Fant '{ctx.text('BU18')}', forventet én av "
        f"{_codes(ctx, 'BU18')}. Det er ikke krysset av for om deltakeren har barn under 18 år, "
        "som deltakeren (eventuelt ektefelle/samboer) har forsørgerplikt for, og som bor i "
        "husholdningen ved siste kontakt. Feltet er obligatorisk å fylle ut.",
    )


def _har_barn_mangler_antall(ctx: RecordContext) -> Violation | None:
    if ctx.text("BU18") != YES or ctx.int_or_zero("ANTBU18") > 0:
        return None
    return Violation(
        "ANTBU18",
        "Det er krysset av for at det bor barn under 18 år i husholdningen som mottaker eller "
        "ektefelle/samboer har forsørgerplikt for, men det er ikke oppgitt hvor mange barn "
        f"'({ctx.text('ANTBU18')})' som bor i husholdningen. Feltet er obligatorisk å fylle ut "
        "når det er oppgitt at det bor barn under 18 år i husholdningen.",
    )


def _antall_uten_har_barn(ctx: RecordContext) -> Violation | None:
    if ctx.int_or_zero("ANTBU18") <= 0 or ctx.text("BU18") == YES:
        return None
    return Violation(
        "BU18",
        f"Det er oppgitt {ctx.text('ANTBU18')} barn under 18 år som bor i husholdningen som "
        "mottaker eller ektefelle/samboer har forsørgerplikt for, men det er ikke oppgitt at det "
        "bor barn i husholdningen. Feltet er obligatorisk å fylle ut når det er oppgitt antall "
        "barn under 18 år som bor i husholdningen.",
    )


def _mange_barn(ctx: RecordContext) -> Violation | None:
    if ctx.int_or_zero("ANTBU18") < MANY_CHILDREN:
        return None
    return Violation(
        "ANTBU18",
        f"Antall barn ({ctx.text('ANTBU18')}) under 18 år i husholdningen er {MANY_CHILDREN} "
        "eller flere, er dette riktig?",
    )


_MEMO = frozenset({"003K", "003B", "004", "008", "009", "010", "011", "012", "013"})
E = Severity.ERROR
_RULES: tuple[Rule, ...] = (
    Rule("003K", "Kontroll 03 : Kommunenummer", ("KOMMUNE_NR",), E, _kommunenummer),
    Rule("003B", "Kontroll 03 : Bydelsnummer", ("KOMMUNE_NR", "BYDELSNR"), E, _bydelsnummer),
    Rule("004", "Kontroll 04 : Oppgaveår", ("VERSION",), E, _oppgaveaar),
    Rule(
        "004A", "Kontroll 04A : Fødselsdato", ("FODSELSDATO",), E, _fodselsdato,
        years=YEARS_WITH_BIRTH_DATE,
    ),
    Rule("005", "Kontroll 05 : Fødselsnummer", ("PERSON_FODSELSNR",), E, _fodselsnummer),
    Rule("008", "Kontroll 08 : Kjønn", ("KJONN",), E, _kjonn),
    Rule("009", "Kontroll 09 : Sivilstand", ("EKTSTAT",), E, _sivilstand),
    Rule(
        "010", "Kontroll 10 : Forsørgerplikt for barn under 18 år i husholdningen. "
        "Gyldige verdier", ("BU18",), E, _har_barn,
    ),
    Rule(
        "011", "Kontroll 11 : Det bor barn under 18 år i husholdningen. Mangler antall barn.",
        ("BU18", "ANTBU18"), E, _har_barn_mangler_antall,
    ),
    Rule(
        "012", "Kontroll 12 : Det bor barn under 18 år i husholdningen.", ("BU18", "ANTBU18"),
        E, _antall_uten_har_barn,
    ),
    Rule(
        "013", "Kontroll 13 : Mange barn under 18 år i husholdningen.", ("ANTBU18",), E,
        _mange_barn,
    ),
)  # fmt: skip

COMMON_RULES: tuple[Rule, ...] = tuple(replace(rule, memo=rule.id in _MEMO) for rule in _RULES)
"""The rules; those in ``_MEMO`` read nothing but their small-domain fields (codes)."""
