-- 050: the compactor's sealed annual figures and the audit of seals.
-- `sealed_years` is created by 001 (aggregator); repeated here only if it is missing.

CREATE TABLE IF NOT EXISTS sealed_years (
    year         integer     PRIMARY KEY,
    sealed_at    timestamptz NOT NULL DEFAULT now(),
    input_digest text        NOT NULL,
    details      jsonb       NOT NULL DEFAULT '{}'::jsonb
);

-- One row per sealed unit-year: the reconciled months (per indicator the reconciled value,
-- the stream and form values and the status) and the annual kroner three ways.
-- Exactly what was published to sosialpuls.annual-reconciled.v1 for the unit-year.
CREATE TABLE IF NOT EXISTS annual_reconciled (
    year            integer     NOT NULL,
    unit_type       text        NOT NULL CHECK (unit_type IN ('municipality', 'district')),
    unit_code       text        NOT NULL,
    input_digest    text        NOT NULL,
    kroner_stream   bigint,
    kroner_forms    bigint,
    kroner_accounts bigint,
    accounts_status text,
    problems        integer     NOT NULL CHECK (problems >= 0),
    record          jsonb       NOT NULL,
    sealed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, unit_type, unit_code)
);

-- Every seal, reseal and refused seal attempt (who, when, which inputs).
CREATE TABLE IF NOT EXISTS seal_audit (
    id              bigserial   PRIMARY KEY,
    year            integer     NOT NULL,
    action          text        NOT NULL CHECK (action IN ('seal', 'reseal', 'refused')),
    previous_digest text,
    input_digest    text        NOT NULL,
    actor           text        NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    details         jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS seal_audit_year ON seal_audit (year, at);
