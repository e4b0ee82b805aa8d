"""The checks of SSB's 11F-only rules (``rules.sosialhjelp`` holds the rule table).

Pure functions of a ``RecordContext``; messages follow SSB's wording.
"""

from __future__ import annotations

from collections.abc import Callable

from services.compactor.rules.base import (
    MONTH_FIELDS,
    MONTH_SUFFIXES,
    RecordContext,
    Violation,
)
from services.compactor.rules.layout_codes import code_labels
from services.compactor.rules.persons import age_in_years, is_valid_duf

ADULT_AGE = 18
VERY_OLD_AGE = 96
PENSION_AGE = 62
SUM_MAX = 1_000_000  # SSB's check uses 1 000 000 (2025–) although its title says 600 000
SUM_MAX_2024 = 600_000
OLD_AGE_2024 = 68
PENSION_AGE_2025 = 60
NO_TRYGD = "12"
Y2024, Y2024_25, Y2025_26, Y2026 = (
    frozenset({2024}), frozenset({2024, 2025}), frozenset({2025, 2026}), frozenset({2026}),
)  # fmt: skip
SUM_MIN = 200
MANY_CHILDREN = 14
VILKAR_FIELDS: tuple[str, ...] = (
    "VILKARARBEID", "VILKARKURS", "VILKARUTD", "VILKARJOBBLOG", "VILKARJOBBTILB",
    "VILKARSAMT", "VILKAROKRETT", "VILKARLIVSH", "VILKARHELSE", "VILKARANNET",
    "VILKARDIGPLAN", "VILKARNORSKSAMISKOPPL",
)  # fmt: skip
BIDRAG_MONTHS = tuple(f"BIDRAG_{suffix}" for suffix in MONTH_SUFFIXES)
LAAN_MONTHS = tuple(f"LAAN_{suffix}" for suffix in MONTH_SUFFIXES)


def _label(ctx: RecordContext, name: str, code: str) -> str:
    return code_labels(ctx.form, ctx.year).get(name, {}).get(code, "Ukjent")


def _age(ctx: RecordContext, missing: int) -> int:
    age = age_in_years(ctx.text("PERSON_FODSELSNR"), ctx.year)
    return missing if age is None else age


def under_18(ctx: RecordContext) -> Violation | None:
    """2026: a number without a birth date counts as age -1 and is flagged."""
    age = _age(ctx, -1)
    if age >= ADULT_AGE:
        return None
    return Violation("PERSON_FODSELSNR", f"Deltakeren ({age} år) er under 18 år.")


def under_18_known_age(ctx: RecordContext) -> Violation | None:
    """2024–2025: only a number whose birth date is known can be under 18."""
    age = age_in_years(ctx.text("PERSON_FODSELSNR"), ctx.year)
    if age is None or age >= ADULT_AGE:
        return None
    return Violation("PERSON_FODSELSNR", f"Deltakeren ({age} år) er under 18 år.")


def age_68_or_over(ctx: RecordContext) -> Violation | None:
    """2024: the rule both forms shared then."""
    age = age_in_years(ctx.text("PERSON_FODSELSNR"), ctx.year)
    if age is None or age < OLD_AGE_2024:
        return None
    return Violation("PERSON_FODSELSNR", f"Deltakeren ({age} år) er 68 år eller eldre.")


def age_96_or_over(ctx: RecordContext) -> Violation | None:
    age = _age(ctx, 0)
    if age < VERY_OLD_AGE:
        return None
    return Violation("PERSON_FODSELSNR", f"Mottakeren ({age} år) er {VERY_OLD_AGE} år eller eldre.")


def coded(name: str, message: Callable[[RecordContext], str]) -> Callable[..., Violation | None]:
    """A check that ``name`` holds one of its layout codes."""

    def check(ctx: RecordContext) -> Violation | None:
        return None if ctx.code_exists(name) else Violation(name, message(ctx))

    return check


def vklo_codes(ctx: RecordContext) -> str:
    return (
        "Mottakerens viktigste kilde til livsopphold ved siste kontakt med sosial-/NAV-kontoret "
        f"skal oppgis. Fant '({ctx.text('VKLO')})', forventet én av "
        f"'({', '.join(sorted(ctx.codes.get('VKLO', ())))})'."
    )


def vklo_vs_arbsit(vklo: str, valid: frozenset[str]) -> Callable[..., Violation | None]:
    """When VKLO is ``vklo``, ARBSIT must be one of ``valid``."""

    def check(ctx: RecordContext) -> Violation | None:
        if ctx.text("VKLO") != vklo or ctx.text("ARBSIT") in valid:
            return None
        return Violation(
            "ARBSIT",
            "Mottakerens viktigste kilde til livsopphold ved siste kontakt med "
            f"sosial-/NAV-kontoret er {_label(ctx, 'VKLO', vklo)}. Arbeidssituasjonen er "
            f"'({ctx.text('ARBSIT')})', forventet én av '({', '.join(sorted(valid))})'. "
            "Feltet er obligatorisk å fylle ut.",
        )

    return check


def trygd_vs_trygdesit(ctx: RecordContext) -> Violation | None:
    valid = ctx.codes.get("TRYGDESIT", frozenset()) - {"12"}
    if ctx.text("VKLO") != "3" or ctx.text("TRYGDESIT") in valid:
        return None
    return Violation(
        "TRYGDESIT",
        "Mottakerens viktigste kilde til livsopphold ved siste kontakt med sosial-/NAV-kontoret "
        f"er Trygd/pensjon. Trygdesituasjonen er '({ctx.text('TRYGDESIT')})', forventet én av "
        f"'({', '.join(sorted(valid))})'. Feltet er obligatorisk å fylle ut.",
    )


def no_trygd_unless_vklo_3(ctx: RecordContext) -> Violation | None:
    """2024–2025 (020A): a main livelihood other than trygd/pensjon wants TRYGDESIT 12."""
    if ctx.text("VKLO") == "3" or ctx.text("TRYGDESIT") == NO_TRYGD:
        return None
    return Violation(
        "TRYGDESIT",
        "Mottakerens viktigste kilde til livsopphold ved siste kontakt med sosial-/NAV-kontoret "
        f"er ikke trygd/pensjon. Trygdesituasjonen er '({ctx.text('TRYGDESIT')})', forventet én "
        f"av '({NO_TRYGD} {_label(ctx, 'TRYGDESIT', NO_TRYGD)})'. Feltet er obligatorisk å "
        "fylle ut.",
    )


def pension_under_60(ctx: RecordContext) -> Violation | None:
    """2024–2025 (022): alderspensjon (07) and younger than 60."""
    if ctx.text("TRYGDESIT") != "07":
        return None
    age = _age(ctx, -1)
    if age >= PENSION_AGE_2025:
        return None
    return Violation(
        "TRYGDESIT", f"Mottakeren ({age} år) er yngre enn 60 år og mottar alderspensjon."
    )


def trygdesit_codes(ctx: RecordContext) -> str:
    return (
        "Mottakerens trygdesituasjon ved siste kontakt med sosial-/NAV-kontoret skal oppgis. "
        f"Fant '({ctx.text('TRYGDESIT')})', forventet én av "
        f"'({', '.join(sorted(ctx.codes.get('TRYGDESIT', ())))})'."
    )


def pension_too_young(ctx: RecordContext) -> Violation | None:
    if ctx.text("TRYGDESIT") != "07":
        return None
    age = _age(ctx, -1)
    if age >= PENSION_AGE:
        return None
    return Violation(
        "TRYGDESIT", f"Mottakeren ({age} år) er yngre enn 62 år og mottar alderspensjon."
    )


def trygd_needs_children(trygdesit: str, what: str) -> Callable[..., Violation | None]:
    def check(ctx: RecordContext) -> Violation | None:
        if ctx.text("TRYGDESIT") != trygdesit:
            return None
        if ctx.text("BU18") == "1" and ctx.int_or_zero("ANTBU18") > 0:
            return None
        return Violation(
            "TRYGDESIT",
            f"Mottakeren mottar {what}, men det er ikke oppgitt barn under 18 år i husholdningen.",
        )

    return check


def _trygd_message(ctx: RecordContext) -> str:
    trygd, arbsit = ctx.text("TRYGDESIT"), ctx.text("ARBSIT")
    return (
        f"Mottakeren mottar trygd ({trygd} {_label(ctx, 'TRYGDESIT', trygd)}), men det er "
        f"oppgitt ugyldig kode ({arbsit} {_label(ctx, 'ARBSIT', arbsit)}) på arbeidssituasjon."
    )


_NOT_JOBSEEKER = frozenset({"02", "03", "04", "05", "06", "07"})


def pension_vs_arbsit(ctx: RecordContext) -> Violation | None:
    if ctx.text("TRYGDESIT") not in ("04", "07") or ctx.text("ARBSIT") in _NOT_JOBSEEKER:
        return None
    return Violation("ARBSIT", _trygd_message(ctx))


def aap_vs_arbsit(ctx: RecordContext) -> Violation | None:
    if (ctx.text("VKLO"), ctx.text("TRYGDESIT"), ctx.text("ARBSIT")) != ("3", "11", "08"):
        return None
    return Violation("ARBSIT", _trygd_message(ctx))


def arbsit_codes(ctx: RecordContext) -> str:
    return (
        "Mottakerens arbeidssituasjon ved siste kontakt med sosial-/NAV-kontoret er ikke fylt "
        f"ut, eller feil kode er benyttet. Utfylt verdi er '({ctx.text('ARBSIT')})'. "
        "Feltet er obligatorisk å fylle ut."
    )


def months(ctx: RecordContext) -> Violation | None:
    if any(ctx.code_exists(name) for name in MONTH_FIELDS):
        return None
    return Violation(
        "STMND_1",
        "Det er ikke krysset av for hvilke måneder mottakeren har fått utbetalt økonomisk "
        f"sosialhjelp (bidrag ({ctx.text('BIDRAG')}) eller lån ({ctx.text('LAAN')})) i løpet "
        "av rapporteringsåret. Feltet er obligatorisk å fylle ut.",
    )


def _total(ctx: RecordContext) -> int:
    return ctx.int_or_zero("BIDRAG") + ctx.int_or_zero("LAAN")


def sum_missing(ctx: RecordContext) -> Violation | None:
    if ctx.int_or_zero("BIDRAG") > 0 or ctx.int_or_zero("LAAN") > 0:
        return None
    return Violation(
        "BIDRAG",
        "Det er ikke oppgitt hvor mye mottakeren har fått i økonomisk sosialhjelp (bidrag "
        f"({ctx.text('BIDRAG')}) eller lån ({ctx.text('LAAN')})) i løpet av året, eller feltet "
        "inneholder andre tegn enn tall. Feltet er obligatorisk å fylle ut.",
    )


def _sum_message(ctx: RecordContext, how: str, limit: int) -> str:
    return (
        f"Det samlede stønadsbeløpet (summen ({_total(ctx)}) av bidrag ({ctx.text('BIDRAG')}) "
        f"og lån ({ctx.text('LAAN')})) som mottakeren har fått i løpet av rapporteringsåret "
        f"{how} Statistisk sentralbyrås kontrollgrense på kr. ({limit}),-."
    )


def sum_max(ctx: RecordContext) -> Violation | None:
    limit = SUM_MAX_2024 if ctx.year <= 2024 else SUM_MAX  # 2024: 600 000 or more
    total = _total(ctx)
    if total < limit or (limit == SUM_MAX and total == SUM_MAX):
        return None
    return Violation("BIDRAG", _sum_message(ctx, "overstiger", limit))


def sum_min(ctx: RecordContext) -> Violation | None:
    if _total(ctx) > SUM_MIN:
        return None
    return Violation("BIDRAG", _sum_message(ctx, "er lik/lavere enn", SUM_MIN))


def monthly_sum(total: str, months: tuple[str, ...], what: str) -> Callable[..., Violation | None]:
    def check(ctx: RecordContext) -> Violation | None:
        spread = ctx.int_sum(months)
        if ctx.int_or_zero(total) == spread:
            return None
        return Violation(
            total,
            f"Det er ikke fylt ut {what} ({spread}) fordelt på måneder eller sum stemmer ikke "
            f"med sum {what} ({ctx.text(total)}) utbetalt i løpet av året.",
        )

    return check


def duf(ctx: RecordContext) -> Violation | None:
    if not ctx.is_blank("PERSON_FODSELSNR") or is_valid_duf(ctx.text("PERSON_DUF")):
        return None
    return Violation(
        "PERSON_DUF",
        "Det er ikke oppgitt fødselsnummer/d-nummer på sosialhjelpsmottakeren eller "
        "fødselsnummeret/d-nummeret inneholder feil. Oppgi ett 12-sifret DUF-nummer.",
    )


VILKAR_MISSING = (
    "Det er ikke krysset av for om det stilles vilkår til mottakeren etter sosialtjenesteloven. "
    "Registreres for første vilkår i kalenderåret. Feltet er obligatorisk."
)
_IF_YES = "Feltet for 'Hvis ja på spørsmålet Stilles det vilkår til mottakeren etter sosialtjenesteloven', "  # noqa: E501


def vilkar_date(name: str, what: str) -> Callable[..., Violation | None]:
    def check(ctx: RecordContext) -> Violation | None:
        if ctx.text("VILKARSOSLOV") != "1" or ctx.date_or_none(name) is not None:
            return None
        return Violation(
            name,
            f"{_IF_YES}så skal utbetalingsvedtakets {what}({ctx.text(name)}) oppgis. "
            "Feltet er obligatorisk å fylle ut.",
        )

    return check


def vilkar_types(ctx: RecordContext) -> Violation | None:
    if ctx.text("VILKARSOSLOV") != "1" or any(ctx.code_exists(n) for n in VILKAR_FIELDS):
        return None
    return Violation(
        "VILKARARBEID",
        f"{_IF_YES}så skal det oppgis hvilke vilkår som stilles til mottakeren. "
        "Feltet er obligatorisk å fylle ut.",
    )


def obligatory(text: str, name: str) -> Callable[[RecordContext], str]:
    def message(ctx: RecordContext) -> str:
        return f"{text} Utfylt verdi er '({ctx.text(name)})'. Feltet er obligatorisk å fylle ut."

    return message
