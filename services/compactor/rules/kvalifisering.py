"""SSB's record rules specific to Skjema 11CF (kvalifiseringsstønad): 006, 007, 014–039.

Learned from SSB's ``KvalifiseringMain`` (statisticsnorway/kostra-kontrollprogram) and its
unit tests; written anew here. Each rule is data (id, SSB's title, the fields it reads,
SSB's severity) plus a pure check of one record. Rules common to both forms (003, 004,
004A, 005, 008–013) are in ``rules.common``; 005A/005B in ``rules.duplicates``; 000/001 in
``rules.file_level``.

Which SSB release a year follows: reporting year Y is delivered and controlled in the
spring of Y+1, so 2024 follows the release of April 2025 (v2025.04.04, 2024 layout), 2025
the one of January 2026 (v2026.01.19) and 2026 SSB's newest code. The rules differ only in
007 (age limit): in 2024 "68 år eller eldre" (age > 67), from 2025 "over 68 år" (age > 68).
The date fields are DDMMÅÅ in the 2024 layout and DDMMÅÅÅÅ from 2025; the layout's pattern
is read from ``RecordContext.date_patterns``.

Messages never hold a fødselsnummer: 006/007 name the age only.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from contracts.kostra.layout import YEARS
from services.compactor.rules.base import (
    MONTH_FIELDS,
    OSLO,
    RecordContext,
    Rule,
    Severity,
    Violation,
)

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
    "KVP_MED_KOMMBOS",
    "KVP_MED_HUSBANKBOS",
    "KVP_MED_SOSHJ_ENGANG",
    "KVP_MED_SOSHJ_PGM",
    "KVP_MED_SOSHJ_SUP",
)
SITUATION_FIELDS: tuple[str, ...] = (
    "AVSL_ORDINAERTARB",
    "AVSL_ARBLONNSTILS",
    "AVSL_ARBMARK",
    "AVSL_SKOLE",
    "AVSL_UFORE",
    "AVSL_AAP",
    "AVSL_OK_AVKLAR",
    "AVSL_UTEN_OK_AVKLAR",
    "AVSL_ANNET",
    "AVSL_UKJENT",
)
MANDATORY = "Feltet er obligatorisk å fylle ut."

_YEARS_2024 = frozenset(y for y in YEARS if y <= 2024)
_YEARS_FROM_2025 = frozenset(y for y in YEARS if y >= 2025)
_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")
_SUFFIX_EXCEPTIONS = ("00100", "00200", "99999")


def code_list_text(codes: tuple[str, ...]) -> str:
    """SSB's rendering of a code list in a message: ``[3=…, 4=…]``."""
    return "[" + ", ".join(f"{code}={STATUS_LABELS[code]}" for code in codes) + "]"


# --- age from fødselsnummer, as SSB's validator reads it -------------------------------


def _ddmmyy(text: str) -> date | None:
    """A ``ddMMyy`` date with years 2000–2099, a day past the month's end moved back."""
    day, month, year = int(text[0:2]), int(text[2:4]), 2000 + int(text[4:6])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _shift_years(day: date, years: int) -> date:
    """``day`` moved ``years`` back (29 February becomes 28 February when needed)."""
    year = day.year - years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def birth_date_from_fnr(fnr: str, year: int) -> date | None:
    """The birth date SSB derives from a fødselsnummer (D-number and FREG synthetic month
    handled), or None when it is not 11 digits or not a date."""
    if not _ELEVEN_DIGITS.fullmatch(fnr):
        return None
    if fnr.endswith(_SUFFIX_EXCEPTIONS):
        born = _ddmmyy(fnr[:6])
        if born is None:
            return None
        return _shift_years(born, 100) if born > date(year + 1, 12, 31) else born
    first, third = int(fnr[0]), int(fnr[2])
    digits = f"{first - 4 if first > 3 else first}{fnr[1]}{third - 8 if third >= 8 else third}"
    born = _ddmmyy(digits + fnr[3:6])
    if born is None:
        return None
    individual, yy = int(fnr[6:9]), int(fnr[4:6])
    if individual >= 500 and yy <= 39:
        return born  # 2000–2039
    if 500 <= individual <= 749 and yy >= 54:
        return _shift_years(born, 200)  # 1854–1899
    if individual <= 499 or individual >= 900:
        return _shift_years(born, 100)  # 1900–1999
    return born


def age_in_years(ctx: RecordContext) -> int | None:
    """Reporting year minus birth year (SSB's age), or None without a readable fnr."""
    born = birth_date_from_fnr(ctx.text("PERSON_FODSELSNR"), ctx.year)
    return None if born is None else ctx.year - born.year


# --- 006, 007: age ----------------------------------------------------------------------


def _under_18(ctx: RecordContext) -> Violation | None:
    age = age_in_years(ctx)
    if age is None or age >= 18:
        return None
    return Violation("PERSON_FODSELSNR", f"Deltakeren ({age} år) er under 18 år.")


def _aged_68_or_more(ctx: RecordContext) -> Violation | None:
    age = age_in_years(ctx)
    if age is None or age <= 67:
        return None
    return Violation("PERSON_FODSELSNR", f"Deltakeren ({age} år) er 68 år eller eldre.")


def _over_68(ctx: RecordContext) -> Violation | None:
    age = age_in_years(ctx)
    if age is None or age <= 68:
        return None
    return Violation("PERSON_FODSELSNR", f"Deltakeren ({age} år) er over 68 år.")


# --- 014–016: programme dates -----------------------------------------------------------


def _version_year(ctx: RecordContext) -> int:
    """VERSION as SSB reads it for 014/015: two digits mean 20xx, not a number means 0."""
    version = ctx.int_or_zero("VERSION")
    return 2000 + version if 1 <= version <= 99 else version


def _date_message(question: str, ctx: RecordContext, name: str) -> str:
    return (
        f"Feltet for '{question}' med verdien ({ctx.text(name)}) enten mangler utfylling, "
        "har ugyldig dato eller dato som er eldre enn 4 år fra rapporteringsåret "
        f"({ctx.year}). {MANDATORY}"
    )


def _registered(ctx: RecordContext) -> Violation | None:
    if ctx.municipality == OSLO:
        return None
    day = ctx.date_or_none("REG_DATO")
    if day is not None and _version_year(ctx) - day.year <= MAX_AGE_YEARS:
        return None
    question = "Hvilken dato ble søknaden registrert ved NAV-kontoret?"
    return Violation("REG_DATO", _date_message(question, ctx, "REG_DATO"))


def _decided(ctx: RecordContext) -> Violation | None:
    if ctx.municipality == OSLO:
        return None
    day = ctx.date_or_none("VEDTAK_DATO")
    if day is not None and _version_year(ctx) - day.year <= MAX_AGE_YEARS:
        return None
    question = "Hvilken dato det ble fattet vedtak om program? (søknad innvilget)"
    return Violation("VEDTAK_DATO", _date_message(question, ctx, "VEDTAK_DATO"))


def _began(ctx: RecordContext) -> Violation | None:
    if ctx.municipality == OSLO:
        return None
    day = ctx.date_or_none("BEGYNT_DATO")
    if day is not None and ctx.year - day.year <= MAX_AGE_YEARS and day.year <= ctx.year:
        return None
    question = "Hvilken dato begynte deltakeren i program? (iverksettelse)"
    return Violation("BEGYNT_DATO", _date_message(question, ctx, "BEGYNT_DATO"))


# --- 019–027: programme in another municipality, benefits, support ---------------------


def _from_other_municipality(ctx: RecordContext) -> Violation | None:
    if ctx.code_exists("KVP_KOMM"):
        return None
    return Violation(
        "KVP_KOMM",
        "Feltet for 'Kommer deltakeren fra kvalifiseringsprogram i annen kommune?' er ikke "
        f"fylt ut, eller feil kode er benyttet ({ctx.text('KVP_KOMM')}). {MANDATORY}",
    )


def _other_municipality_number(ctx: RecordContext) -> Violation | None:
    if ctx.text("KVP_KOMM") != JA or ctx.code_exists("KOMMNR_KVP_KOMM"):
        return None
    return Violation(
        "KOMMNR_KVP_KOMM",
        "Det er svart '1=Ja' på om deltakeren kommer fra kvalifiseringsprogram i annen "
        f"kommune, men kommunenummer ('{ctx.text('KOMMNR_KVP_KOMM')}') mangler eller er "
        f"ugyldig. {MANDATORY}",
    )


def _benefits(ctx: RecordContext) -> Violation | None:
    if ctx.text("YTELSE_SOSHJELP") != JA or ctx.code_exists("YTELSE_TYPE_SOSHJ"):
        return None
    return Violation(
        "YTELSE_TYPE_SOSHJ",
        "Feltet for 'Hadde deltakeren i løpet av de siste to månedene før registrert søknad "
        "ved NAV-kontoret en eller flere av følgende ytelser?' inneholder ugyldige verdier.",
    )


def _received_support(ctx: RecordContext) -> Violation | None:
    if ctx.code_exists("KVP_MED_ASTONAD"):
        return None
    return Violation(
        "KVP_MED_ASTONAD",
        f"Feltet for 'Har deltakeren i {ctx.year} i løpet av perioden med "
        "kvalifiseringsstønad også mottatt  økonomisk sosialhjelp, kommunal bostøtte eller "
        "Husbankens bostøtte?', er ikke utfylt eller feil kode "
        f"({ctx.text('KVP_MED_ASTONAD')}) er benyttet. {MANDATORY}",
    )


def _support_answers(ctx: RecordContext) -> Violation | None:
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


def _months_missing(ctx: RecordContext) -> Violation | None:
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


def _amount_missing(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") != FORTSATT_I_PROGRAM or ctx.int_or_zero("KVP_STONAD") > 0:
        return None
    return Violation("KVP_STONAD", _amount_message(ctx))


def _months_without_amount(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") == PERMISJON or not _has_months(ctx):
        return None
    if not ctx.is_blank("KVP_STONAD"):
        return None
    return Violation("KVP_STONAD", _amount_message(ctx))


def _amount_without_months(ctx: RecordContext) -> Violation | None:
    if ctx.text("STATUS") != FORTSATT_I_PROGRAM or ctx.int_or_zero("KVP_STONAD") <= 0:
        return None
    if _has_months(ctx):
        return None
    return Violation(
        "STMND_1",
        f"Deltakeren har fått kvalifiseringsstønad ({ctx.text('KVP_STONAD')}) i løpet av "
        f"året, men mangler utfylling for hvilke måneder stønaden gjelder. {MANDATORY}",
    )


def _amount_above_limit(ctx: RecordContext) -> Violation | None:
    if ctx.int_or_zero("KVP_STONAD") <= STONAD_SUM_MAX:
        return None
    return Violation(
        "KVP_STONAD",
        f"Kvalifiseringsstønaden ({ctx.text('KVP_STONAD')}) som deltakeren har fått i løpet "
        "av rapporteringsåret overstiger Statistisk sentralbyrås kontrollgrense på NOK "
        f"{STONAD_SUM_MAX},-.",
    )


# --- 036–039: status and the programme's end --------------------------------------------


def _status(ctx: RecordContext) -> Violation | None:
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


def _end_date(ctx: RecordContext) -> Violation | None:
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


def _situation_after(ctx: RecordContext) -> Violation | None:
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


def _income_after(ctx: RecordContext) -> Violation | None:
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


_E, _W = Severity.ERROR, Severity.WARNING
_MONTHS_AND_STATUS = ("STATUS", *MONTH_FIELDS)

KVALIFISERING_RULES: tuple[Rule, ...] = (
    Rule("006", "Kontroll 06 : Alder under 18 år", ("PERSON_FODSELSNR",), _E, _under_18),
    Rule(
        "007", "Kontroll 07 : Alder over 67 år eller over", ("PERSON_FODSELSNR",), _W,
        _aged_68_or_more, years=_YEARS_2024,
    ),
    Rule(
        "007", "Kontroll 07 : Alder er 68 år eller over", ("PERSON_FODSELSNR",), _W, _over_68,
        years=_YEARS_FROM_2025,
    ),
    Rule(
        "014", "Kontroll 14 : Dato for registrert søknad ved NAV-kontoret",
        ("KOMMUNE_NR", "VERSION", "REG_DATO"), _E, _registered,
    ),
    Rule(
        "015", "Kontroll 15 : Dato for fattet vedtak om program (søknad innvilget)",
        ("KOMMUNE_NR", "VERSION", "VEDTAK_DATO"), _E, _decided,
    ),
    Rule(
        "016", "Kontroll 16 : Dato for når deltakeren begynte i program (iverksettelse)",
        ("KOMMUNE_NR", "BEGYNT_DATO"), _E, _began,
    ),
    Rule(
        "019", "Kontroll 19 : Kvalifiseringsprogram i annen kommune", ("KVP_KOMM",), _E,
        _from_other_municipality,
    ),
    Rule(
        "020", "Kontroll 20 : Kvalifiseringsprogram i annen kommune. Kommunenummer",
        ("KVP_KOMM", "KOMMNR_KVP_KOMM"), _E, _other_municipality_number,
    ),
    Rule(
        "021",
        "Kontroll 21 : Ytelser de to siste månedene før registrert søknad ved NAV-kontoret",
        ("YTELSE_SOSHJELP", "YTELSE_TYPE_SOSHJ"), _E, _benefits,
    ),
    Rule(
        "026",
        "Kontroll 26 : Mottatt økonomisk sosialhjelp, kommunal bostøtte eller Husbankens "
        "bostøtte i tillegg til kvalifiseringsstønad i løpet av ÅÅÅÅ",
        ("KVP_MED_ASTONAD",), _E, _received_support,
    ),
    Rule(
        "027",
        "Kontroll 27 : Mottatt økonomisk sosialhjelp, kommunal bostøtte eller Husbankens "
        "bostøtte i tillegg til kvalifiseringsstønad i løpet av ÅÅÅÅ. Svaralternativer",
        ("KVP_MED_ASTONAD", *RECEIVED_SUPPORT_FIELDS), _E, _support_answers,
    ),
    Rule(
        "028", "Kontroll 28 : Måneder med kvalifiseringsstønad. Gyldige koder",
        (*_MONTHS_AND_STATUS, "KVP_STONAD"), _W, _months_missing,
    ),
    Rule(
        "029", "Kontroll 29 : Kvalifiseringssum mangler eller har ugyldige tegn",
        ("STATUS", "KVP_STONAD"), _W, _amount_missing,
    ),
    Rule(
        "030", "Kontroll 30 : Har varighet, men mangler kvalifiseringssum",
        (*_MONTHS_AND_STATUS, "KVP_STONAD"), _W, _months_without_amount,
    ),
    Rule(
        "031", "Kontroll 31 : Har kvalifiseringssum, men mangler varighet",
        (*_MONTHS_AND_STATUS, "KVP_STONAD"), _W, _amount_without_months,
    ),
    Rule(
        "032", "Kontroll 32 : Kvalifiseringssum på kr 600000,- eller mer", ("KVP_STONAD",), _W,
        _amount_above_limit,
    ),
    Rule(
        "036",
        "Kontroll 36 : Status for deltakelse i kvalifiseringsprogram per 31.12.ÅÅÅÅ. "
        "Gyldige verdier",
        ("STATUS",), _E, _status,
    ),
    Rule(
        "037",
        "Kontroll 37 : Dato for avsluttet program (gjelder fullførte, avsluttede etter avtale "
        "og varig avbrutte program, ikke for permisjoner) (DDMMÅÅ)",
        ("STATUS", "AVSL_DATO"), _E, _end_date,
    ),
    Rule(
        "038",
        "Kontroll 38 : Fullførte/avsluttede program – til hvilken situasjon gikk deltakeren? "
        "Gyldige verdier",
        ("STATUS", *SITUATION_FIELDS), _E, _situation_after,
    ),
    Rule(
        "039",
        "Kontroll 39 : Fullførte/avsluttede program – til hvilken inntektskilde gikk "
        "deltakeren? Gyldige verdier",
        ("STATUS", "AVSL_VIKTIGSTE_INNTEKT"), _E, _income_after,
    ),
)  # fmt: skip
