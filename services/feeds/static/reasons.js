// The gateway's reason codes as plain bokmål sentences for the reporting page.
// problemText({field, reason, message}) → a sentence; the gateway's own (English) message
// stays available as the technical detail.
"use strict";

const FIELD_LABELS = {
  "indicators.recipients": "Mottakere",
  "indicators.recipients_with_children": "Med forsørgeransvar for barn",
  "indicators.recipients_main_livelihood": "Sosialhjelp som hovedinntekt",
  "indicators.recipients_under_30": "Under 30 år",
  "indicators.kroner_paid": "Utbetalt (kr)",
  "indicators.qp_participants": "Deltakere i KVP",
};

const SCHEMA_SENTENCES = {
  period: "Måneden må skrives ÅÅÅÅ-MM, for eksempel 2025-03.",
  revision: "Revisjonen må være et helt tall, 1 eller høyere.",
  "unit.type": "Enhetstypen må være municipality (kommune), district (bydel) eller nav_office (NAV-kontor).",
  "unit.code": "Enhetsnummeret har feil form: 4 siffer for kommune og NAV-kontor, 6 siffer for bydel.",
  event_id: "Hendelses-ID-en (event_id) må være en UUID.",
  schema_version: "schema_version må være tallet 1.",
  reported_at: "Rapporteringstidspunktet (reported_at) må være et tidspunkt med tidssone.",
  source: "Kildesystemet (source) må fylles ut.",
};

function fieldLabel(field) {
  return FIELD_LABELS[field] || field;
}

function schemaSentence(field) {
  if (field && FIELD_LABELS[field]) {
    return `«${fieldLabel(field)}» må være et helt tall. La cellen stå tom hvis tallet ikke er rapportert.`;
  }
  if (field && SCHEMA_SENTENCES[field]) return SCHEMA_SENTENCES[field];
  if (field) return `Feltet «${field}» mangler, er ukjent eller har feil verdi.`;
  return "Linjen kan ikke leses som en rapport. Sjekk at cellene er skilt med semikolon og at antallet celler stemmer med overskriftslinjen.";
}

const REASONS = {
  malformed_json: () => "Innholdet er ikke gyldig JSON.",
  schema_violation: (p) => schemaSentence(p.field),
  negative_value: (p) => `«${fieldLabel(p.field)}» kan ikke være negativt.`,
  subgroup_exceeds_recipients: (p) => `«${fieldLabel(p.field)}» kan ikke være større enn «Mottakere».`,
  kroner_without_recipients: () => "Det er oppgitt utbetalte kroner, men ingen mottakere. Utbetaling krever minst én mottaker.",
  future_period: () => "Måneden ligger fram i tid. Du kan rapportere for inneværende og tidligere måneder.",
  personal_data: () => "Linjen ser ut til å inneholde et fødselsnummer eller D-nummer. Slike opplysninger skal aldri sendes – fjern dem og send på nytt.",
  unknown_unit: () => "Enheten finnes ikke i registeret. Sjekk enhetstypen og enhetsnummeret.",
  retired_unit: () => "Enheten var ikke i bruk denne måneden (nedlagt eller slått sammen). Rapporter under enhetens nye nummer.",
  conflicting_revision: () => "Samme revisjon er sendt før med andre tall. Øk revisjonsnummeret når du retter tall.",
  sealed_year: () => "Året er avsluttet og avstemt mot KOSTRA og kan ikke lenger endres her.",
  broker_unavailable: () => "Rapporten kunne ikke tas imot akkurat nå. Send den på nytt om litt.",
  csv_unreadable: () => "Filen kan ikke leses. Sjekk at den er lagret som «CSV UTF-8» med semikolon mellom cellene, og at første linje er overskriftene.",
  forbidden_unit: () => "Innsendingen gjelder en annen enhet enn din. Ingenting ble sendt – fjern linjene for andre enheter.",
  missing_token: () => "Du er ikke logget inn. Logg inn med enhetens tilgangsnøkkel.",
  invalid_token: () => "Tilgangsnøkkelen er ugyldig eller utløpt. Logg inn på nytt.",
  insufficient_scope: () => "Tilgangsnøkkelen gir ikke rett til å sende inn rapporter.",
  rate_limited: () => "For mange innsendinger på kort tid. Vent litt og prøv igjen.",
  body_too_large: () => "Filen er for stor. Del den opp (høyst 1000 linjer per opplasting).",
  gateway_unavailable: () => "Mottaket svarer ikke akkurat nå. Prøv igjen om litt.",
};

function problemText(problem) {
  const sentence = REASONS[problem.reason];
  return sentence ? sentence(problem) : `Rapporten ble avvist (${problem.reason}).`;
}
