"""The pure checks of SSB's 11CF-only rules; the rule table is ``rules.kvalifisering``.

Each check reads one record (``RecordContext``) and returns a ``Violation`` with SSB's
message in bokmål, or None. Code lists and date patterns come from the year's layout
(``RecordContext.codes`` / ``date_patterns``): the dates are DDMMÅÅ in 2024 and DDMMÅÅÅÅ
from 2025. No message holds a fødselsnummer: 006/007 name the age only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from services.compactor.rules.base import (
    MONTH_FIELDS,
    OSLO,
    Check,
    RecordContext,
    Violation,
)
from services.compactor.rules.persons import age_in_years

JA, NEI = "1", "2"
PERMISJON = "2"
FORTSATT_I_PROGRAM = "1"
FULLFORT_PROGRAM = "3"
MAX_AGE_YEARS = 4
"""014–016: a date more than this many years before the reporting year is refused."""
STONAD_SUM_MAX = 600_000
"""032: SSB's control limit for a year's kvalifiseringsstønad (kroner)."""

STATUS_LABELS: dict[str, str] = {
    "1": "Fortsatt i program",
    "2": "Permisjon/avtalt avbrudd fra program",
    "3": "Fullført program eller avsluttet etter avtale",
    "4": "Program er varig avbrutt på grunn av uteblivelse",
    "5": "Program ble avbrutt på grunn av flytting til annen kommune",
    "6": "Kun for Oslos bydeler: Flyttet til annen bydel før programperioden var over",
    "7": "Deltakerens program er avsluttet etter avbrudd",
}
"""STATUS's code list in the 2024–2026 layouts (a test checks it against the YAML)."""
STATUSES_REQUIRING_END_DATE: tuple[str, ...] = ("3", "4", "5", "7")
STATUSES_REQUIRING_SITUATION: tuple[str, ...] = ("3", "7")
RECEIVED_SUPPORT_FIELDS: tuple[str, ...] = (
    "KVP_MED_KOMMBOS", "KVP_MED_HUSBANKBOS", "KVP_MED_SOSHJ_ENGANG", "KVP_MED_SOSHJ_PGM",
    "KVP_MED_SOSHJ_SUP",
)  # fmt: skip
SITUATION_FIELDS: tuple[str, ...] = (
    "AVSL_ORDINAERTARB", "AVSL_ARBLONNSTILS", "AVSL_ARBMARK", "AVSL_SKOLE", "AVSL_UFORE",
    "AVSL_AAP", "AVSL_OK_AVKLAR", "AVSL_UTEN_OK_AVKLAR", "AVSL_ANNET", "AVSL_UKJENT",
)  # fmt: skip
MANDATORY = "Feltet er obligatorisk å fylle ut."


def code_list_text(codes: tuple[str, ...]) -> str:
    """SSB's rendering of a code list in a message: ``[3=…, 4=…]``."""
    return "[" + ", ".join(f"{code}={STATUS_LABELS[code]}" for code in codes) + "]"


# --- 006, 007: age ----------------------------------------------------------------------


def age_rule(refused: Callable[[int], bool], message: str) -> Check:
    """A check refusing an age (``message`` has ``{age}``); no readable fnr passes."""

    def check(ctx: RecordContext) -> Violation | None:
        age = age_in_years(ctx.text("PERSON_FODSELSNR"), ctx.year)
        if age is None or not refused(age):
            return None
        return Violation("PERSON_FODSELSNR", message.format(age=age))

    return check


# --- 014–016: programme dates -----------------------------------------------------------


def _version_year(ctx: RecordContext) -> int:
    """VERSION as SSB reads it for 014/015: two digits mean 20xx, not a number means 0."""
    version = ctx.int_or_zero("VERSION")
    return 2000 + version if 1 <= version <= 99 else version


def date_rule(name: str, question: str, *, by_version: bool) -> Check:
    """A mandatory programme date at most 4 years older than the reporting year (014/015:
    the year in VERSION, 016: the reporting year, and no later than 31 December); Oslo
    is exempt."""

    def check(ctx: RecordContext) -> Violation | None:
        if ctx.municipality == OSLO:
            return None
        day = ctx.date_or_none(name)
        if day is not None:
            reference = _version_year(ctx) if by_version else ctx.year
            in_future = not by_version and day.year > ctx.year
            if reference - day.year <= MAX_AGE_YEARS and not in_future:
                return None
        return Violation(
            name,
            f"Feltet for '{question}' med verdien ({ctx.text(name)}) enten mangler utfylling, "
            "har ugyldig dato eller dato som er eldre enn 4 år fra rapporteringsåret "
            f"({ctx.year}). {MANDATORY}",
        )

    return check


# --- 019–027: programme in another municipality, benefits, support ---------------------


def from_other_municipality(ctx: RecordContext) -> Violation | None:
    if ctx.code_exists("KVP_KOMM"):
        return None
    return Violation(
        "KVP_KOMM",
        "Feltet for 'Kommer deltakeren fra kvalifiseringsprogram i annen kommune?' er ikke "
        f"fylt ut, eller feil kode er benyttet ({ctx.text('KVP_KOMM')}). {MANDATORY}",
    )


def other_municipality_number(ctx: RecordContext) -> Violation | None:
    if ctx.text("KVP_KOMM") != JA or ctx.code_exists("KOMMNR_KVP_KOMM"):
        return None
    return Violation(
        "KOMMNR_KVP_KOMM",
        "Det er svart '1=Ja' på om deltakeren kommer fra kvalifiseringsprogram i annen "
        f"kommune, men kommunenummer ('{ctx.text('KOMMNR_KVP_KOMM')}') mangler eller er "
        f"ugyldig. {MANDATORY}",
    )


def benefits(ctx: RecordContext) -> Violation | None:
    if ctx.text("YTELSE_SOSHJELP") != JA or ctx.code_exists("YTELSE_TYPE_SOSHJ"):
        return None
    return Violation(
        "YTELSE_TYPE_SOSHJ",
        "Feltet for 'Hadde deltakeren i løpet av de siste to månedene før registrert søknad "
        "ved NAV-kontoret en eller flere av følgende ytelser?' inneholder ugyldige verdier.",
    )


def received_support(ctx: RecordContext) -> Violation | None:
    if ctx.code_exists("KVP_MED_ASTONAD"):
        return None
    return Violation(
        "KVP_MED_ASTONAD",
        f"Feltet for 'Har deltakeren i {ctx.year} i løpet av perioden med "
        "kvalifiseringsstønad også mottatt  økonomisk sosialhjelp, kommunal bostøtte eller "
        "Husbankens bostøtte?', er ikke utfylt eller feil kode "
        f"({ctx.text('KVP_MED_ASTONAD')}) er benyttet. {MANDATORY}",
    )


def support_answers(ctx: RecordContext) -> Violation | None:
    answer = ctx.text("KVP_MED_ASTONAD")
    marked = [ctx.code_exists(name) for name in RECEIVED_SUPPORT_FIELDS]
    values = "{" + ", ".join(f"{name}={ctx.text(name)}" for name in RECEIVED_SUPPORT_FIELDS)
    if answer == JA and not any(marked):
        verdict = f"Det er mottatt støtte. {values}}}."
    elif answer == NEI and any(marked):
        verdict = f"Det er IKKE mottatt støtte. {values}}}"
    else:
        return None
    return Violation(
        "KVP_MED_ASTONAD",
        f'Svaralternativer for feltet "Har deltakeren i {ctx.year} i løpet av perioden med '
        "kvalifiseringsstønad mottatt økonomisk sosialhjelp, kommunal bostøtte eller "
        f'Husbankens bostøtte?" har ugyldige koder. {MANDATORY} {verdict}',
    )


# --- 028–032: months and amount of kvalifiseringsstønad --------------------------------


def _has_months(ctx: RecordContext) -> bool:
    return any(ctx.code_exists(name) for name in MONTH_FIELDS)


def months_missing(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") == PERMISJON or _has_months(ctx):
        return None
    return Violation(
        "STMND_1",
        "Det er ikke krysset av for hvilke måneder deltakeren har fått utbetalt "
        f"kvalifiseringsstønad ({ctx.text('KVP_STONAD')}) i løpet av rapporteringsåret.",
    )


def _amount_message(ctx: RecordContext) -> str:
    return (
        "Det er ikke oppgitt hvor mye deltakeren har fått i kvalifiseringsstønad "
        f"({ctx.text('KVP_STONAD')}) i løpet av året, eller feltet inneholder andre tegn "
        "enn tall."
    )


def amount_missing(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") != FORTSATT_I_PROGRAM or ctx.int_or_zero("KVP_STONAD") > 0:
        return None
    return Violation("KVP_STONAD", _amount_message(ctx))


def months_without_amount(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") == PERMISJON or not _has_months(ctx):
        return None
    if not ctx.is_blank("KVP_STONAD"):
        return None
    return Violation("KVP_STONAD", _amount_message(ctx))


def amount_without_months(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") != FORTSATT_I_PROGRAM or ctx.int_or_zero("KVP_STONAD") <= 0:
        return None
    if _has_months(ctx):
        return None
    return Violation(
        "STMND_1",
        f"Deltakeren har fått kvalifiseringsstønad ({ctx.text('KVP_STONAD')}) i løpet av "
        f"året, men mangler utfylling for hvilke måneder stønaden gjelder. {MANDATORY}",
    )


def amount_above_limit(ctx: RecordContext) -> Violation | None:
    if ctx.int_or_zero("KVP_STONAD") <= STONAD_SUM_MAX:
        return None
    return Violation(
        "KVP_STONAD",
        f"Kvalifiseringsstønaden ({ctx.text('KVP_STONAD')}) som deltakeren har fått i løpet "
        "av rapporteringsåret overstiger Statistisk sentralbyrås kontrollgrense på NOK "
        f"{STONAD_SUM_MAX},-.",
    )


# --- 036–039: status and the programme's end --------------------------------------------


def status(ctx: RecordContext) -> Violation | None:
    if ctx.code_exists("STATUS"):
        return None
    return Violation(
        "STATUS",
        f"Korrigér status. Fant '{ctx.text('STATUS')}', forventet én av "
        f"'{code_list_text(tuple(STATUS_LABELS))}'. {MANDATORY}",
    )


def _exact_date(ctx: RecordContext, name: str) -> date | None:
    """The date of ``name`` only when its day exists in its month (no moving back)."""
    day = ctx.date_or_none(name)
    if day is None or day.day != int(ctx.text(name)[:2]):
        return None
    return day


def end_date(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") not in STATUSES_REQUIRING_END_DATE:
        return None
    day = _exact_date(ctx, "AVSL_DATO")
    if day is not None and day.year == ctx.year:
        return None
    return Violation(
        "AVSL_DATO",
        "Feltet for 'Hvilken dato avsluttet deltakeren programmet?', må fylles ut dersom det "
        f"er krysset av for svaralternativ {code_list_text(STATUSES_REQUIRING_END_DATE)} "
        "under feltet for 'Hva er status for deltakelsen i kvalifiseringsprogrammet per "
        f"31.12.{ctx.year}'?",
    )


def situation_after(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") not in STATUSES_REQUIRING_SITUATION:
        return None
    if any(ctx.code_exists(name) for name in SITUATION_FIELDS):
        return None
    return Violation(
        "AVSL_ORDINAERTARB",
        "Feltet 'Ved fullført program eller program avsluttet etter avtale (gjelder ikke "
        "flytting) – hva var deltakerens situasjon umiddelbart etter avslutningen'? Må fylles "
        "ut dersom det er krysset av for svaralternativ 3 = Deltakeren har fullført program "
        "eller avsluttet program etter avtale (gjelder ikke flytting) under feltet for 'Hva "
        f"er status for deltakelsen i kvalifiseringsprogrammet per 31.12.{ctx.year}'?",
    )


def income_after(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") != FULLFORT_PROGRAM or ctx.code_exists("AVSL_VIKTIGSTE_INNTEKT"):
        return None
    return Violation(
        "AVSL_VIKTIGSTE_INNTEKT",
        "Feltet 'Hva var deltakerens <b>viktigste</b> inntektskilde umiddelbart etter "
        "avslutningen? Må fylles ut dersom det er krysset av for svaralternativ 3 = "
        "Deltakeren har fullført program eller avsluttet program etter avtale (gjelder ikke "
        "flytting) eller 7 = Deltakeren program er avsluttet etter avbrudd under feltet for "
        "'Hva er status for deltakelsen i kvalifiseringsprogrammet per per "
        f"31.12.{ctx.year}'?",
    )
