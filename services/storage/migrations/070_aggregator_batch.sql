-- 070: the aggregator's write path as one call per batch (`aggregator_apply_batch`), rollups
-- kept by difference, the registry's structure loaded once per period, the DLQ ledger with a
-- sent mark, and a version per rollup for the scorecard outbox.
--
-- The rules of aggregation live here, once (the Python reference model that the tests use as
-- an oracle is tests/support/model.py):
--   * a unit-period's fact is the highest revision; an equal revision with the same content
--     digest is a duplicate, with another digest a conflict (the first one seen stays);
--   * a contribution is one fact in one rollup it is a member of (`unit_rollup_membership`);
--     a district's fact is not effective above district level once its municipality
--     reported as a whole;
--   * a rollup shows its own unit's report when there is one (1 of 1 members); otherwise the
--     sums of its effective contributions (null where no member reported the indicator) and
--     the number of distinct direct members that reported; a NAV office without its own
--     report shows nothing until every expected area reported.
--
-- `rollup_state` holds, per rollup, the sums and non-null counts of the effective
-- contributions that are not the rollup's own report, and how many distinct direct members
-- they come from. A batch applies to it the difference between each changed unit's old and
-- new contributions, in the transaction of the revision-gated fact upsert: re-delivery
-- changes no fact, so it changes nothing here either.

ALTER TABLE rejected_reports ADD COLUMN IF NOT EXISTS dead_lettered boolean NOT NULL DEFAULT true;

CREATE SEQUENCE IF NOT EXISTS rollup_version_seq;
ALTER TABLE rollup_month
    ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT nextval('rollup_version_seq');

-- The structure each period was loaded with (a digest of the registry's expected units,
-- members and memberships), so that it is written once, not by every worker.
CREATE TABLE IF NOT EXISTS reference_periods (
    period    date        PRIMARY KEY,
    digest    text        NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

-- Every rollup each expected unit feeds at a period, and as which direct member.
CREATE TABLE IF NOT EXISTS reference_membership (
    period      date NOT NULL,
    unit_type   text NOT NULL,
    unit_code   text NOT NULL,
    level       text NOT NULL,
    code        text NOT NULL,
    member_code text NOT NULL,
    PRIMARY KEY (period, unit_type, unit_code, level)
);

CREATE TABLE IF NOT EXISTS rollup_state (
    level   text    NOT NULL,
    code    text    NOT NULL,
    period  date    NOT NULL,
    members integer NOT NULL DEFAULT 0,
    -- sums (s) and non-null counts (n) in INDICATORS order: recipients,
    -- recipients_with_children, recipients_main_livelihood, recipients_under_30,
    -- kroner_paid, qp_participants
    s1 bigint NOT NULL DEFAULT 0, s2 bigint NOT NULL DEFAULT 0, s3 bigint NOT NULL DEFAULT 0,
    s4 bigint NOT NULL DEFAULT 0, s5 bigint NOT NULL DEFAULT 0, s6 bigint NOT NULL DEFAULT 0,
    n1 integer NOT NULL DEFAULT 0, n2 integer NOT NULL DEFAULT 0, n3 integer NOT NULL DEFAULT 0,
    n4 integer NOT NULL DEFAULT 0, n5 integer NOT NULL DEFAULT 0, n6 integer NOT NULL DEFAULT 0,
    PRIMARY KEY (level, code, period)
);

-- The effective contributions that are not a rollup's own report, as they are now.
CREATE OR REPLACE VIEW rollup_contributions AS
SELECT m.level, m.code, m.period, m.member_code, m.unit_type, m.unit_code,
       f.recipients, f.recipients_with_children, f.recipients_main_livelihood,
       f.recipients_under_30, f.kroner_paid, f.qp_participants
FROM unit_rollup_membership m
JOIN unit_month_facts f USING (unit_type, unit_code, period)
WHERE NOT (m.level = m.unit_type AND m.code = m.unit_code)
  AND (m.level = 'district' OR m.unit_type <> 'district' OR NOT EXISTS (
      SELECT 1 FROM unit_rollup_membership dm
      JOIN unit_month_facts mf
        ON mf.unit_type = 'municipality' AND mf.unit_code = dm.code AND mf.period = dm.period
      WHERE dm.unit_type = 'district' AND dm.unit_code = m.unit_code
        AND dm.period = m.period AND dm.level = 'municipality'));

CREATE INDEX IF NOT EXISTS unit_rollup_membership_member
    ON unit_rollup_membership (level, code, period, member_code);

-- A database that already holds facts starts from their state.
INSERT INTO rollup_state (level, code, period, members, s1, s2, s3, s4, s5, s6,
                          n1, n2, n3, n4, n5, n6)
SELECT level, code, period, count(DISTINCT member_code),
       coalesce(sum(recipients), 0), coalesce(sum(recipients_with_children), 0),
       coalesce(sum(recipients_main_livelihood), 0), coalesce(sum(recipients_under_30), 0),
       coalesce(sum(kroner_paid), 0), coalesce(sum(qp_participants), 0),
       count(recipients), count(recipients_with_children), count(recipients_main_livelihood),
       count(recipients_under_30), count(kroner_paid), count(qp_participants)
FROM rollup_contributions
GROUP BY level, code, period
ON CONFLICT DO NOTHING;
