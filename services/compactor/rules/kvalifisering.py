"""SSB's record rules specific to Skjema 11CF (kvalifiseringsstønad): 006, 007, 014–039.

The table below is the whole 11CF-only control set as data, in SSB's order (its
``KvalifiseringMain``): id, SSB's title, the fields read, SSB's severity, and the pure
check (``rules.kvalifisering_checks``). Learned from SSB's rules and their unit tests in
statisticsnorway/kostra-kontrollprogram; written anew. Rules both forms share (003, 004,
004A, 005, 008–013) are in ``rules.common``, 005A/005B in ``rules.duplicates``, 000/001
in ``rules.file_level``.

Years: reporting year Y is controlled in the spring of Y+1, so 2024 follows SSB's release
v2025.04.04 (2024 layout), 2025 the release v2026.01.19 and 2026 SSB's newest code. Only
007 differs: in 2024 "68 år eller eldre" (age > 67), from 2025 "over 68 år" (age > 68).
"""

from __future__ import annotations

from contracts.kostra.layout import YEARS
from services.compactor.rules import kvalifisering_checks as c
from services.compactor.rules.base import MONTH_FIELDS, Rule, Severity

_YEARS_2024 = frozenset(y for y in YEARS if y <= 2024)
_YEARS_FROM_2025 = frozenset(y for y in YEARS if y >= 2025)
_FNR = ("PERSON_FODSELSNR",)
_E, _W = Severity.ERROR, Severity.WARNING
_MONTHS_AND_STATUS = ("STATUS", *MONTH_FIELDS)

KVALIFISERING_RULES: tuple[Rule, ...] = (
    Rule(
        "006", "Kontroll 06 : Alder under 18 år", _FNR, _E,
        c.age_rule(lambda age: age < 18, "Deltakeren ({age} år) er under 18 år."),
    ),
    Rule(
        "007", "Kontroll 07 : Alder over 67 år eller over", _FNR, _W,
        c.age_rule(lambda age: age > 67, "Deltakeren ({age} år) er 68 år eller eldre."),
        years=_YEARS_2024,
    ),
    Rule(
        "007", "Kontroll 07 : Alder er 68 år eller over", _FNR, _W,
        c.age_rule(lambda age: age > 68, "Deltakeren ({age} år) er over 68 år."),
        years=_YEARS_FROM_2025,
    ),
    Rule(
        "014", "Kontroll 14 : Dato for registrert søknad ved NAV-kontoret",
        ("KOMMUNE_NR", "VERSION", "REG_DATO"), _E,
        c.date_rule(
            "REG_DATO", "Hvilken dato ble søknaden registrert ved NAV-kontoret?",
            by_version=True,
        ),
    ),
    Rule(
        "015", "Kontroll 15 : Dato for fattet vedtak om program (søknad innvilget)",
        ("KOMMUNE_NR", "VERSION", "VEDTAK_DATO"), _E,
        c.date_rule(
            "VEDTAK_DATO", "Hvilken dato det ble fattet vedtak om program? (søknad innvilget)",
            by_version=True,
        ),
    ),
    Rule(
        "016", "Kontroll 16 : Dato for når deltakeren begynte i program (iverksettelse)",
        ("KOMMUNE_NR", "BEGYNT_DATO"), _E,
        c.date_rule(
            "BEGYNT_DATO", "Hvilken dato begynte deltakeren i program? (iverksettelse)",
            by_version=False,
        ),
    ),
    Rule(
        "019", "Kontroll 19 : Kvalifiseringsprogram i annen kommune", ("KVP_KOMM",), _E,
        c.from_other_municipality,
    ),
    Rule(
        "020", "Kontroll 20 : Kvalifiseringsprogram i annen kommune. Kommunenummer",
        ("KVP_KOMM", "KOMMNR_KVP_KOMM"), _E, c.other_municipality_number,
    ),
    Rule(
        "021",
        "Kontroll 21 : Ytelser de to siste månedene før registrert søknad ved NAV-kontoret",
        ("YTELSE_SOSHJELP", "YTELSE_TYPE_SOSHJ"), _E, c.benefits,
    ),
    Rule(
        "026",
        "Kontroll 26 : Mottatt økonomisk sosialhjelp, kommunal bostøtte eller Husbankens "
        "bostøtte i tillegg til kvalifiseringsstønad i løpet av ÅÅÅÅ",
        ("KVP_MED_ASTONAD",), _E, c.received_support,
    ),
    Rule(
        "027",
        "Kontroll 27 : Mottatt økonomisk sosialhjelp, kommunal bostøtte eller Husbankens "
        "bostøtte i tillegg til kvalifiseringsstønad i løpet av ÅÅÅÅ. Svaralternativer",
        ("KVP_MED_ASTONAD", *c.RECEIVED_SUPPORT_FIELDS), _E, c.support_answers,
    ),
    Rule(
        "028", "Kontroll 28 : Måneder med kvalifiseringsstønad. Gyldige koder",
        (*_MONTHS_AND_STATUS, "KVP_STONAD"), _W, c.months_missing,
    ),
    Rule(
        "029", "Kontroll 29 : Kvalifiseringssum mangler eller har ugyldige tegn",
        ("STATUS", "KVP_STONAD"), _W, c.amount_missing,
    ),
    Rule(
        "030", "Kontroll 30 : Har varighet, men mangler kvalifiseringssum",
        (*_MONTHS_AND_STATUS, "KVP_STONAD"), _W, c.months_without_amount,
    ),
    Rule(
        "031", "Kontroll 31 : Har kvalifiseringssum, men mangler varighet",
        (*_MONTHS_AND_STATUS, "KVP_STONAD"), _W, c.amount_without_months,
    ),
    Rule(
        "032", "Kontroll 32 : Kvalifiseringssum på kr 600000,- eller mer", ("KVP_STONAD",), _W,
        c.amount_above_limit,
    ),
    Rule(
        "036",
        "Kontroll 36 : Status for deltakelse i kvalifiseringsprogram per 31.12.ÅÅÅÅ. "
        "Gyldige verdier",
        ("STATUS",), _E, c.status,
    ),
    Rule(
        "037",
        "Kontroll 37 : Dato for avsluttet program (gjelder fullførte, avsluttede etter avtale "
        "og varig avbrutte program, ikke for permisjoner) (DDMMÅÅ)",
        ("STATUS", "AVSL_DATO"), _E, c.end_date,
    ),
    Rule(
        "038",
        "Kontroll 38 : Fullførte/avsluttede program – til hvilken situasjon gikk deltakeren? "
        "Gyldige verdier",
        ("STATUS", *c.SITUATION_FIELDS), _E, c.situation_after,
    ),
    Rule(
        "039",
        "Kontroll 39 : Fullførte/avsluttede program – til hvilken inntektskilde gikk "
        "deltakeren? Gyldige verdier",
        ("STATUS", "AVSL_VIKTIGSTE_INNTEKT"), _E, c.income_after,
    ),
)  # fmt: skip
