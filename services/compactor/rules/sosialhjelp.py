"""SSB's record rules only Skjema 11F (økonomisk sosialhjelp) has: 006, 007, 014–043.

Each reporting year runs the rules of the validator SSB released for it: 2026 the newest
(48 rules), 2025 and 2024 the older ones (020A, 022 alder, 023 overgangsstønad, 023B
barnetrygd in 2025, 007 at 68 år and 030 at 600 000 kr in 2024); ``years`` says which.

Data first: each rule is a ``Rule`` in ``SOSIALHJELP_RULES`` with SSB's id, title and
severity; its check is a pure function in ``sosialhjelp_checks``. Code lists come from the year's
layout (``RecordContext.codes``), so a code SSB adds in a new layout is valid that year.
"""

from __future__ import annotations

from dataclasses import replace

from services.compactor.rules import sosialhjelp_checks as c
from services.compactor.rules.base import MONTH_FIELDS, Rule, Severity
from services.compactor.rules.sosialhjelp_checks import (
    BIDRAG_MONTHS,
    LAAN_MONTHS,
    VILKAR_FIELDS,
    Y2024,
    Y2024_25,
    Y2025_26,
    Y2026,
)

_MEMO = frozenset({
    "014", "015", "016", "017", "018", "019", "020A", "020B", "021", "023", "023B", "023C",
    "024", "024B", "025", "032", "033", "035", "039", "040", "043",
})  # fmt: skip
E, W = Severity.ERROR, Severity.WARNING
_VKLO = "Kontroll {n}: Viktigste kilde til livsopphold i relasjon til arbeidssituasjon. {what}"
_RULES: tuple[Rule, ...] = (
    Rule("006", "Kontroll 06 : Alder under 18 år", ("PERSON_FODSELSNR",), W, c.under_18,
         years=Y2026),
    Rule("006", "Kontroll 06 : Alder under 18 år", ("PERSON_FODSELSNR",), W,
         c.under_18_known_age, years=Y2024_25),
    Rule("007", "Kontroll 07 : Alder over 96 år eller over", ("PERSON_FODSELSNR",), W,
         c.age_96_or_over, years=Y2025_26),
    Rule("007", "Kontroll 07 : Alder over 67 år eller over", ("PERSON_FODSELSNR",), W,
         c.age_68_or_over, years=Y2024),
    Rule("014", "Kontroll 14: Viktigste kilde til livsopphold. Gyldige verdier", ("VKLO",), E,
         c.coded("VKLO", c.vklo_codes)),
    Rule("015", _VKLO.format(n=15, what="Arbeidsinntekt"), ("VKLO", "ARBSIT"), E,
         c.vklo_vs_arbsit("1", frozenset({"01", "02"}))),
    Rule("016", _VKLO.format(n=16, what="Kursstønad/lønn i arbeidsmarkedstiltak."),
         ("VKLO", "ARBSIT"), E, c.vklo_vs_arbsit("2", frozenset({"03", "05", "06"}))),
    Rule("017", _VKLO.format(n=17, what="Stipend/lån."), ("VKLO", "ARBSIT"), E,
         c.vklo_vs_arbsit("4", frozenset({"03"}))),
    Rule("018", _VKLO.format(n=18, what="Introduksjonsstøtte."), ("VKLO", "ARBSIT"), E,
         c.vklo_vs_arbsit("6", frozenset({"09"}))),
    Rule("019", _VKLO.format(n=19, what="Kvalifiseringsstønad"), ("VKLO", "ARBSIT"), E,
         c.vklo_vs_arbsit("8", frozenset({"10"}))),
    Rule("020A", "Kontroll 20_A: Viktigste kilde til livsopphold i relasjon til "
         "arbeidssituasjon. Trygd/pensjon", ("VKLO", "TRYGDESIT"), W, c.no_trygd_unless_vklo_3,
         years=Y2024_25),
    Rule("020B", "Kontroll 20_B: Viktigste kilde til livsopphold i relasjon til "
         "arbeidssituasjon. Trygd/pensjon", ("VKLO", "TRYGDESIT"), E, c.trygd_vs_trygdesit),
    Rule("021", _VKLO.format(n=21, what="Sosialhjelp."), ("VKLO", "ARBSIT"), W,
         c.vklo_vs_arbsit("5", frozenset({"02", "03", "04", "05", "06", "07", "08"}))),
    Rule("022", "Kontroll 22: Trygdesituasjon. Gyldige koder.", ("TRYGDESIT",), E,
         c.coded("TRYGDESIT", c.trygdesit_codes), years=Y2026),
    Rule("022", "Kontroll 22: Tilknytning til trygdesystemet og alder. 62 år eller yngre med "
         "alderspensjon.", ("TRYGDESIT", "PERSON_FODSELSNR"), E, c.pension_under_60,
         years=Y2024_25),
    Rule("023", "Kontroll 23: Tilknytning til trygdesystemet og barn. Overgangsstønad.",
         ("TRYGDESIT", "BU18", "ANTBU18"), E, c.trygd_needs_children("05", "overgangsstønad"),
         years=Y2024_25),
    Rule("023A", "Kontroll 23A: Tilknytning til trygdesystemet og alder. Yngre enn 62 år med "
         "alderspensjon.", ("TRYGDESIT", "PERSON_FODSELSNR"), E, c.pension_too_young,
         years=Y2026),
    Rule("023B", "Kontroll 23B: Tilknytning til trygdesystemet og barn. Overgangsstønad.",
         ("TRYGDESIT", "BU18", "ANTBU18"), E, c.trygd_needs_children("05", "overgangsstønad"),
         years=Y2026),
    Rule("023B", "Kontroll 23B: Tilknytning til trygdesystemet og barn. Barnetrygd.",
         ("TRYGDESIT", "BU18", "ANTBU18"), E, c.trygd_needs_children("13", "barnetrygd"),
         years=frozenset({2025})),
    Rule("023C", "Kontroll 23C: Tilknytning til trygdesystemet og barn. Barnetrygd.",
         ("TRYGDESIT", "BU18", "ANTBU18"), E, c.trygd_needs_children("13", "barnetrygd"),
         years=Y2026),
    Rule("024", "Kontroll 24: Tilknytning til trygdesystemet og arbeidssituasjon. "
         "Uføretrygd/alderspensjon og ikke arbeidssøker.", ("TRYGDESIT", "ARBSIT"), W,
         c.pension_vs_arbsit),
    Rule("024B", "Kontroll 24B: Tilknytning til trygdesystemet og arbeidssituasjon. "
         "Arbeidsavklaringspenger.", ("VKLO", "TRYGDESIT", "ARBSIT"), E, c.aap_vs_arbsit),
    Rule("025", "Kontroll 25: Arbeidssituasjon. Gyldige koder.", ("ARBSIT",), E,
         c.coded("ARBSIT", c.arbsit_codes)),
    Rule("026", "Kontroll 26: Stønadsmåneder. Gyldige koder.", MONTH_FIELDS, E, c.months),
    Rule("027", "Kontroll 27: Stønadssum mangler eller har ugyldige tegn.", ("BIDRAG", "LAAN"),
         E, c.sum_missing),
    Rule("030", "Kontroll 30: Stønadssum på kr 600 000,- eller mer.", ("BIDRAG", "LAAN"), W,
         c.sum_max),
    Rule("031", "Kontroll 31: Stønadssum på kr 200,- eller lavere.", ("BIDRAG", "LAAN"), W,
         c.sum_min),
    Rule("032", "Kontroll 32: Økonomiskrådgivning. Gyldige koder.", ("GITT_OKONOMIRAD",), E,
         c.coded("GITT_OKONOMIRAD", c.obligatory(
             "Det er ikke krysset av for om mottakeren er gitt økonomisk rådgiving i "
             "forbindelse med utbetaling av økonomisk sosialhjelp.", "GITT_OKONOMIRAD"))),
    Rule("033", "Kontroll 33: Utarbeidelse av individuell plan. Gyldige koder.",
         ("FAAT_INDIVIDUELL_PLAN",), E, c.coded("FAAT_INDIVIDUELL_PLAN", c.obligatory(
             "Det er ikke krysset av for om mottakeren har fått utarbeidet individuell plan.",
             "FAAT_INDIVIDUELL_PLAN"))),
    Rule("035", "Kontroll 35: Boligsituasjon. Gyldige koder.", ("BOSIT",), E,
         c.coded("BOSIT", c.obligatory(
             "Det er ikke krysset av for mottakerens boligsituasjon.", "BOSIT"))),
    Rule("036", "Kontroll 36: Bidrag fordelt på måneder", ("BIDRAG", *BIDRAG_MONTHS), W,
         c.monthly_sum("BIDRAG", BIDRAG_MONTHS, "bidrag")),
    Rule("037", "Kontroll 37: Lån fordelt på måneder", ("LAAN", *LAAN_MONTHS), W,
         c.monthly_sum("LAAN", LAAN_MONTHS, "lån")),
    Rule("038", "Kontroll 38: DUF-nummer", ("PERSON_FODSELSNR", "PERSON_DUF"), W, c.duf),
    Rule("039", "Kontroll 39: Første vilkår i året, vilkår", ("VILKARSOSLOV",), E,
         c.coded("VILKARSOSLOV", lambda _ctx: c.VILKAR_MISSING)),
    Rule("040", "Kontroll 40: Første vilkår i året, vilkår til søkerens samboer/ektefelle",
         ("VILKARSAMEKT",), E, c.coded("VILKARSAMEKT", lambda _ctx: c.VILKAR_MISSING)),
    Rule("041", "Kontroll 41: Dato for utbetalingsvedtak", ("VILKARSOSLOV", "UTBETDATO"), E,
         c.vilkar_date("UTBETDATO", "dato ")),
    Rule("042", "Kontroll 42: Til og med Dato for utbetalingsvedtak",
         ("VILKARSOSLOV", "UTBETTOMDATO"), E, c.vilkar_date("UTBETTOMDATO", "til og med dato ")),
    Rule("043", "Kontroll 43: Type vilkår det stilles til mottakeren",
         ("VILKARSOSLOV", *VILKAR_FIELDS), E, c.vilkar_types),
)  # fmt: skip

SOSIALHJELP_RULES: tuple[Rule, ...] = tuple(replace(rule, memo=rule.id in _MEMO) for rule in _RULES)
"""The rules; those in ``_MEMO`` read nothing but their small-domain fields (codes)."""
