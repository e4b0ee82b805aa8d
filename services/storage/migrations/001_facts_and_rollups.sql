-- 001: unit-month facts, rollups by assignment, the DLQ ledger, sealed years, reference
-- structure (expected units and memberships) and the read views.
--
-- `period` is a date, the first day of the month, in every table.
-- Written by the aggregator (services/aggregator) except `sealed_years` (the compactor).

-- The winning report per unit-month (highest revision; equal revision + same digest = duplicate).
CREATE TABLE IF NOT EXISTS unit_month_facts (
    unit_type                  text        NOT NULL
        CHECK (unit_type IN ('municipality', 'district', 'nav_office')),
    unit_code                  text        NOT NULL,
    period                     date        NOT NULL CHECK (extract(day FROM period) = 1),
    revision                   integer     NOT NULL CHECK (revision >= 1),
    event_id                   uuid        NOT NULL,
    content_digest             text        NOT NULL,
    source                     text        NOT NULL,
    reported_at                timestamptz NOT NULL,
    received_at                timestamptz NOT NULL,
    persisted_at               timestamptz NOT NULL DEFAULT now(),
    recipients                 integer CHECK (recipients >= 0),
    recipients_with_children   integer CHECK (recipients_with_children >= 0),
    recipients_main_livelihood integer CHECK (recipients_main_livelihood >= 0),
    recipients_under_30        integer CHECK (recipients_under_30 >= 0),
    kroner_paid                bigint  CHECK (kroner_paid >= 0),
    qp_participants            integer CHECK (qp_participants >= 0),
    PRIMARY KEY (unit_type, unit_code, period)
);
CREATE INDEX IF NOT EXISTS unit_month_facts_period ON unit_month_facts (period);

-- Every accepted (unit, period, revision) with its digest: detects an equal revision with
-- different content whatever the arrival order of the winning revision.
CREATE TABLE IF NOT EXISTS report_revisions (
    unit_type      text        NOT NULL,
    unit_code      text        NOT NULL,
    period         date        NOT NULL,
    revision       integer     NOT NULL,
    content_digest text        NOT NULL,
    event_id       uuid        NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_type, unit_code, period, revision)
);

-- Which rollups a reported unit feeds at a period, and as which direct member
-- (`member_code`: the municipality for county/nation/kostra_group, the area for nav_office,
-- the district or the municipality itself for municipality, itself for district/nav_office).
-- Filled by the aggregator from the registry as facts arrive.
CREATE TABLE IF NOT EXISTS unit_rollup_membership (
    unit_type   text NOT NULL,
    unit_code   text NOT NULL,
    period      date NOT NULL,
    level       text NOT NULL
        CHECK (level IN ('district', 'municipality', 'county', 'kostra_group',
                         'nav_office', 'nation')),
    code        text NOT NULL,
    member_code text NOT NULL,
    PRIMARY KEY (unit_type, unit_code, period, level)
);
CREATE INDEX IF NOT EXISTS unit_rollup_membership_rollup
    ON unit_rollup_membership (level, code, period);

-- Reference structure per period, loaded from the registry by the aggregator (per period,
-- when it first sees one): the units expected at each level ...
CREATE TABLE IF NOT EXISTS expected_units (
    period date NOT NULL,
    level  text NOT NULL,
    code   text NOT NULL,
    PRIMARY KEY (period, level, code)
);
-- ... and the direct members each rollup expects (municipalities of a county, the nation and
-- a KOSTRA group; areas of a NAV office; districts of a municipality that has them).
CREATE TABLE IF NOT EXISTS expected_membership (
    period      date NOT NULL,
    level       text NOT NULL,
    code        text NOT NULL,
    member_code text NOT NULL,
    PRIMARY KEY (period, level, code, member_code)
);

-- The aggregate per level-code-month, recomputed from facts by assignment.
-- district: its own report. municipality: its own report, else the sum of its districts.
-- county, nation, kostra_group: the sum of effective municipality/district facts
-- (a district fact is not effective when its municipality reported as a whole).
-- nav_office: its own report, else the sum of its areas once every area has reported.
-- Indicators are SUMs of reported (non-null) values; all null gives null.
CREATE TABLE IF NOT EXISTS rollup_month (
    level                      text        NOT NULL,
    code                       text        NOT NULL,
    period                     date        NOT NULL,
    recipients                 bigint,
    recipients_with_children   bigint,
    recipients_main_livelihood bigint,
    recipients_under_30        bigint,
    kroner_paid                bigint,
    qp_participants            bigint,
    members_reported           integer     NOT NULL,
    members_expected           integer     NOT NULL,
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (level, code, period)
);
CREATE INDEX IF NOT EXISTS rollup_month_period ON rollup_month (period, level);

-- The DLQ's ledger, one row per rejected origin record (no payload stored).
CREATE TABLE IF NOT EXISTS rejected_reports (
    origin_topic     text        NOT NULL,
    origin_partition integer     NOT NULL,
    origin_offset    bigint      NOT NULL,
    event_id         uuid,
    reason           text        NOT NULL,
    message          text        NOT NULL,
    rejected_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (origin_topic, origin_partition, origin_offset)
);
CREATE INDEX IF NOT EXISTS rejected_reports_reason ON rejected_reports (reason);

-- Written by the compactor when it seals a year; the aggregator then rejects `sealed_year`.
CREATE TABLE IF NOT EXISTS sealed_years (
    year         integer     PRIMARY KEY,
    sealed_at    timestamptz NOT NULL DEFAULT now(),
    input_digest text        NOT NULL,
    details      jsonb       NOT NULL DEFAULT '{}'::jsonb
);

-- Read models -------------------------------------------------------------------------------

-- Year to date per level-code-month: sums from January to the month.
CREATE OR REPLACE VIEW rollup_year_to_date AS
SELECT level, code, period,
       sum(kroner_paid) OVER w                         AS kroner_paid_ytd,
       sum(recipients) OVER w                          AS recipient_months_ytd,
       count(recipients) OVER w                        AS months_reported_ytd,
       (sum(recipients) OVER w)::numeric
           / nullif(count(recipients) OVER w, 0)       AS avg_monthly_recipients_ytd,
       sum(qp_participants) OVER w                     AS qp_participant_months_ytd
FROM rollup_month
WINDOW w AS (PARTITION BY level, code, date_trunc('year', period) ORDER BY period
             RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

-- Rolling 12 months ending at the month (inclusive).
CREATE OR REPLACE VIEW rollup_rolling_12m AS
SELECT level, code, period,
       sum(kroner_paid) OVER w                         AS kroner_paid_12m,
       sum(recipients) OVER w                          AS recipient_months_12m,
       count(recipients) OVER w                        AS months_reported_12m,
       (sum(recipients) OVER w)::numeric
           / nullif(count(recipients) OVER w, 0)       AS avg_monthly_recipients_12m
FROM rollup_month
WINDOW w AS (PARTITION BY level, code ORDER BY period
             RANGE BETWEEN INTERVAL '11 months' PRECEDING AND CURRENT ROW);

-- Change against the previous month and the same month last year (absolute; null if absent).
CREATE OR REPLACE VIEW rollup_change AS
SELECT r.level, r.code, r.period,
       r.recipients - pm.recipients   AS recipients_vs_prev_month,
       r.kroner_paid - pm.kroner_paid AS kroner_paid_vs_prev_month,
       r.recipients - py.recipients   AS recipients_vs_prev_year,
       r.kroner_paid - py.kroner_paid AS kroner_paid_vs_prev_year,
       pm.recipients                  AS prev_month_recipients,
       pm.kroner_paid                 AS prev_month_kroner_paid,
       py.recipients                  AS prev_year_recipients,
       py.kroner_paid                 AS prev_year_kroner_paid
FROM rollup_month r
LEFT JOIN rollup_month pm
       ON pm.level = r.level AND pm.code = r.code
      AND pm.period = (r.period - INTERVAL '1 month')::date
LEFT JOIN rollup_month py
       ON py.level = r.level AND py.code = r.code
      AND py.period = (r.period - INTERVAL '1 year')::date;

-- Coverage per period and level: codes with a rollup row / codes expected by the registry.
CREATE OR REPLACE VIEW coverage AS
SELECT e.period, e.level,
       count(r.code)                                      AS units_reported,
       count(*)                                           AS units_expected,
       round(count(r.code)::numeric / count(*), 4)        AS coverage
FROM expected_units e
LEFT JOIN rollup_month r
       ON r.level = e.level AND r.code = e.code AND r.period = e.period
GROUP BY e.period, e.level;
