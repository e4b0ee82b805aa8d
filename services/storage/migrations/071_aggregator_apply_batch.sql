-- 071: `aggregator_apply_batch`, the aggregator's write path in one call per batch (the
-- tables and the rules it keeps are described in 070).

-- Apply one batch. Arguments (json arrays, built by the aggregator's PostgresStore):
--   reports:     [idx, unit_type, unit_code, period, revision, digest, event_id, source,
--                 reported_at, v1..v6, topic, partition, offset] per valid report, in order
--   rejections:  [topic, partition, offset, event_id, reason, message] decided before
--   structure:   [period, digest, [[level, code]], [[level, code, member]],
--                 [[unit_type, unit_code, level, code, member]]] for periods to (re)load
--   memberships: [unit_type, unit_code, period, level, code, member] for units outside
--                the loaded structure
--   sent:        [outbox id, level, code, period, version or null] sent since the last call
-- Returns {answer: {dedup, superseded, written: [idx], letters: [[topic, partition, offset,
-- reason, message, event_id]], rollups: [[outbox id, level, code, period, present, v1..v6,
-- members_reported, members_expected, version]], resend: [same]}, steps: {step: ms}}.
CREATE OR REPLACE FUNCTION aggregator_apply_batch(
    p_reports json, p_rejections json, p_structure json, p_memberships json, p_sent json,
    p_received_at timestamptz
) RETURNS json LANGUAGE plpgsql
-- the batch's statements are short; compiling them (JIT) costs more than it saves
SET jit = off
AS $fn$
DECLARE
    s jsonb;
    v_period date;
    v_dedup int;
    v_superseded int;
    v_clock timestamptz := clock_timestamp();
    v_steps text := '';
    result json;
BEGIN
    IF to_regclass('pg_temp.agg_in') IS NULL THEN
        CREATE TEMP TABLE agg_in (
            idx int, t text, c text, p date, rev int, digest text, event_id uuid,
            source text, reported_at timestamptz,
            v1 int, v2 int, v3 int, v4 int, v5 bigint, v6 int,
            topic text, part int, off bigint) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_gate (
            idx int, t text, c text, p date, rev int, digest text, event_id uuid,
            topic text, part int, off bigint, outcome text) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_old (
            t text, c text, p date, v1 int, v2 int, v3 int, v4 int, v5 bigint, v6 int)
            ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_written (t text, c text, p date) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_mem (
            t text, c text, p date, level text, code text, member text) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_oldmem (
            t text, c text, p date, level text, code text, member text) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_affected (
            t text, c text, p date, kind text, old_exists bool, new_exists bool,
            o1 int, o2 int, o3 int, o4 int, o5 bigint, o6 int,
            n1 int, n2 int, n3 int, n4 int, n5 bigint, n6 int) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_contrib (
            level text, code text, p date, member text, was bool, is_now bool,
            d1 bigint, d2 bigint, d3 bigint, d4 bigint, d5 bigint, d6 bigint,
            c1 int, c2 int, c3 int, c4 int, c5 int, c6 int) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_touched (level text, code text, p date) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_changed (
            level text, code text, p date, present bool,
            v1 bigint, v2 bigint, v3 bigint, v4 bigint, v5 bigint, v6 bigint,
            mr int, me int, version bigint) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_reloaded (p date) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_dist (t text, c text, p date, old_muni bool, new_muni bool)
            ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE agg_pairs (level text, code text, p date, member text, is_now bool)
            ON COMMIT DELETE ROWS;
    END IF;

    -- 1. the registry's structure, for periods whose stored digest differs ----------------
    FOR s IN SELECT e FROM jsonb_array_elements(p_structure::jsonb) e LOOP
        v_period := (s->>0)::date;
        PERFORM pg_advisory_xact_lock(7271, hashtext(v_period::text));
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM reference_periods WHERE period = v_period AND digest = s->>1);
        DELETE FROM expected_units WHERE period = v_period;
        DELETE FROM expected_membership WHERE period = v_period;
        DELETE FROM reference_membership WHERE period = v_period;
        INSERT INTO expected_units (period, level, code)
        SELECT v_period, e->>0, e->>1 FROM jsonb_array_elements(s->2) e ON CONFLICT DO NOTHING;
        INSERT INTO expected_membership (period, level, code, member_code)
        SELECT v_period, e->>0, e->>1, e->>2 FROM jsonb_array_elements(s->3) e
        ON CONFLICT DO NOTHING;
        INSERT INTO reference_membership (period, unit_type, unit_code, level, code, member_code)
        SELECT v_period, e->>0, e->>1, e->>2, e->>3, e->>4 FROM jsonb_array_elements(s->4) e
        ON CONFLICT DO NOTHING;
        INSERT INTO reference_periods (period, digest) VALUES (v_period, s->>1)
        ON CONFLICT (period) DO UPDATE SET digest = excluded.digest, loaded_at = now();
        INSERT INTO agg_reloaded VALUES (v_period);
    END LOOP;

    v_steps := v_steps || format('"structure":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 2. the batch, and the memberships of its units ------------------------------------
    INSERT INTO agg_in
    SELECT (e->>0)::int, e->>1, e->>2, (e->>3)::date, (e->>4)::int, e->>5, (e->>6)::uuid,
           e->>7, (e->>8)::timestamptz, (e->>9)::int, (e->>10)::int, (e->>11)::int,
           (e->>12)::int, (e->>13)::bigint, (e->>14)::int, e->>15, (e->>16)::int,
           (e->>17)::bigint
    FROM jsonb_array_elements(p_reports::jsonb) e;

    ANALYZE agg_in;
    -- units outside the loaded structure come with their memberships
    INSERT INTO agg_mem
    SELECT e->>0, e->>1, (e->>2)::date, e->>3, e->>4, e->>5
    FROM jsonb_array_elements(p_memberships::jsonb) e;

    v_steps := v_steps || format('"input":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 3. one lock per municipality (a district counts under it) or NAV office, in one
    --    order: a unit's fact, its districts' effectiveness and its member counts change
    --    under one lock, so two workers never compute a difference from the same old state
    PERFORM pg_advisory_xact_lock(7270, h) FROM (
        SELECT DISTINCT hashtext(CASE WHEN i.t = 'district' THEN coalesce(
                   (SELECT r.code FROM reference_membership r
                     WHERE (r.period, r.unit_type, r.unit_code, r.level)
                         = (i.p, i.t, i.c, 'municipality')),
                   (SELECT m.code FROM agg_mem m
                     WHERE (m.t, m.c, m.p, m.level) = (i.t, i.c, i.p, 'municipality')),
                   i.c) ELSE i.c END) AS h
        FROM (SELECT DISTINCT t, c, p FROM agg_in) i
        ORDER BY 1) locks;

    v_steps := v_steps || format('"locks":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 4. the revision gate ---------------------------------------------------------------
    INSERT INTO agg_gate
    SELECT i.idx, i.t, i.c, i.p, i.rev, i.digest, i.event_id, i.topic, i.part, i.off,
           CASE
               WHEN rr.content_digest IS NOT NULL THEN
                   CASE WHEN rr.content_digest = i.digest THEN 'dedup' ELSE 'conflict' END
               WHEN row_number() OVER same = 1 THEN 'new'
               WHEN first_value(i.digest) OVER same = i.digest THEN 'dedup'
               ELSE 'conflict'
           END
    FROM agg_in i
    LEFT JOIN report_revisions rr
           ON (rr.unit_type, rr.unit_code, rr.period, rr.revision) = (i.t, i.c, i.p, i.rev)
    WINDOW same AS (PARTITION BY i.t, i.c, i.p, i.rev ORDER BY i.idx);
    ANALYZE agg_gate;

    INSERT INTO report_revisions (unit_type, unit_code, period, revision, content_digest, event_id)
    SELECT t, c, p, rev, digest, event_id FROM agg_gate WHERE outcome = 'new'
    ORDER BY t, c, p, rev
    ON CONFLICT DO NOTHING;

    SELECT count(*) FILTER (WHERE outcome = 'dedup'),
           count(*) FILTER (WHERE outcome = 'new' AND rev < greatest(winner, before))
      INTO v_dedup, v_superseded
    FROM (SELECT g.outcome, g.rev, coalesce(f.revision, 0) AS winner,
                 coalesce(max(g.rev) FILTER (WHERE g.outcome = 'new') OVER (
                     PARTITION BY g.t, g.c, g.p ORDER BY g.idx
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
          FROM agg_gate g
          LEFT JOIN unit_month_facts f ON (f.unit_type, f.unit_code, f.period) = (g.t, g.c, g.p)
         ) x;

    v_steps := v_steps || format('"gate":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 5. the ledger: rejects decided by the caller and conflicts -------------------------
    INSERT INTO rejected_reports
        (origin_topic, origin_partition, origin_offset, event_id, reason, message, dead_lettered)
    SELECT * FROM (
        SELECT e->>0, (e->>1)::int, (e->>2)::bigint, (e->>3)::uuid, e->>4, e->>5, false
        FROM jsonb_array_elements(p_rejections::jsonb) e
        UNION ALL
        SELECT topic, part, off, event_id, 'conflicting_revision',
               format('%s:%s %s revision %s was already reported with different figures; '
                      'send a higher revision to correct it', t, c, to_char(p, 'YYYY-MM'), rev),
               false
        FROM agg_gate WHERE outcome = 'conflict') r
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;

    v_steps := v_steps || format('"ledger":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 6. facts: the winning new revision per unit-period, where it beats the stored one ----
    INSERT INTO agg_old
    SELECT f.unit_type, f.unit_code, f.period, f.recipients, f.recipients_with_children,
           f.recipients_main_livelihood, f.recipients_under_30, f.kroner_paid, f.qp_participants
    FROM unit_month_facts f
    WHERE (f.unit_type, f.unit_code, f.period) IN (SELECT t, c, p FROM agg_gate WHERE outcome = 'new');

    WITH win AS (
        SELECT DISTINCT ON (g.t, g.c, g.p) i.*
        FROM agg_gate g JOIN agg_in i USING (idx)
        WHERE g.outcome = 'new'
        ORDER BY g.t, g.c, g.p, g.rev DESC
    ), up AS (
        INSERT INTO unit_month_facts AS f
            (unit_type, unit_code, period, revision, event_id, content_digest, source,
             reported_at, received_at, recipients, recipients_with_children,
             recipients_main_livelihood, recipients_under_30, kroner_paid, qp_participants)
        SELECT t, c, p, rev, event_id, digest, source, reported_at, p_received_at,
               v1, v2, v3, v4, v5, v6
        FROM win ORDER BY t, c, p
        ON CONFLICT (unit_type, unit_code, period) DO UPDATE
           SET revision = excluded.revision, event_id = excluded.event_id,
               content_digest = excluded.content_digest, source = excluded.source,
               reported_at = excluded.reported_at, received_at = excluded.received_at,
               recipients = excluded.recipients,
               recipients_with_children = excluded.recipients_with_children,
               recipients_main_livelihood = excluded.recipients_main_livelihood,
               recipients_under_30 = excluded.recipients_under_30,
               kroner_paid = excluded.kroner_paid, qp_participants = excluded.qp_participants,
               persisted_at = now()
         WHERE excluded.revision > f.revision
        RETURNING f.unit_type, f.unit_code, f.period
    )
    INSERT INTO agg_written SELECT * FROM up;

    v_steps := v_steps || format('"facts":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 7. memberships: written once, with a unit-period's first fact (they change only with
    --    the registry: a reloaded structure remaps the units whose memberships differ) ------
    ANALYZE agg_written;
    INSERT INTO agg_mem
    SELECT r.unit_type, r.unit_code, r.period, r.level, r.code, r.member_code
    FROM agg_written w
    JOIN reference_membership r ON (r.period, r.unit_type, r.unit_code) = (w.p, w.t, w.c)
    WHERE NOT EXISTS (SELECT 1 FROM agg_old o WHERE (o.t, o.c, o.p) = (w.t, w.c, w.p))
      AND NOT EXISTS (SELECT 1 FROM agg_mem m WHERE (m.t, m.c, m.p) = (w.t, w.c, w.p));

    IF EXISTS (SELECT 1 FROM agg_reloaded) THEN
        -- units of a reloaded period whose stored memberships differ from the new structure
        INSERT INTO agg_oldmem
        SELECT m.unit_type, m.unit_code, m.period, m.level, m.code, m.member_code
        FROM unit_rollup_membership m
        JOIN (SELECT DISTINCT d.unit_type, d.unit_code, d.period FROM (
                  (SELECT unit_type, unit_code, period, level, code, member_code
                     FROM unit_rollup_membership WHERE period IN (SELECT p FROM agg_reloaded)
                   EXCEPT
                   SELECT unit_type, unit_code, period, level, code, member_code
                     FROM reference_membership WHERE period IN (SELECT p FROM agg_reloaded))
                  UNION ALL
                  (SELECT unit_type, unit_code, period, level, code, member_code
                     FROM reference_membership WHERE period IN (SELECT p FROM agg_reloaded)
                   EXCEPT
                   SELECT unit_type, unit_code, period, level, code, member_code
                     FROM unit_rollup_membership WHERE period IN (SELECT p FROM agg_reloaded))
              ) d
              WHERE EXISTS (SELECT 1 FROM unit_rollup_membership s
                            WHERE (s.unit_type, s.unit_code, s.period)
                                = (d.unit_type, d.unit_code, d.period))
                AND EXISTS (SELECT 1 FROM reference_membership r
                            WHERE (r.period, r.unit_type, r.unit_code)
                                = (d.period, d.unit_type, d.unit_code))
             ) u ON (u.unit_type, u.unit_code, u.period) = (m.unit_type, m.unit_code, m.period);
        INSERT INTO agg_mem
        SELECT r.unit_type, r.unit_code, r.period, r.level, r.code, r.member_code
        FROM reference_membership r
        JOIN (SELECT DISTINCT t, c, p FROM agg_oldmem) k
          ON (r.period, r.unit_type, r.unit_code) = (k.p, k.t, k.c);
    END IF;
    ANALYZE agg_oldmem;

    -- the stored memberships that differ go, the missing ones come
    DELETE FROM unit_rollup_membership m
    USING (SELECT t, c, p, level, code, member FROM agg_oldmem
           EXCEPT
           SELECT t, c, p, level, code, member FROM agg_mem) gone
    WHERE (m.unit_type, m.unit_code, m.period, m.level) = (gone.t, gone.c, gone.p, gone.level);
    INSERT INTO unit_rollup_membership (unit_type, unit_code, period, level, code, member_code)
    SELECT * FROM (
        SELECT n.t, n.c, n.p, n.level, n.code, n.member
        FROM agg_mem n
        WHERE EXISTS (SELECT 1 FROM agg_written w WHERE (w.t, w.c, w.p) = (n.t, n.c, n.p))
           OR EXISTS (SELECT 1 FROM agg_oldmem o WHERE (o.t, o.c, o.p) = (n.t, n.c, n.p))
        EXCEPT
        SELECT t, c, p, level, code, member FROM agg_oldmem) fresh
    ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING;

    v_steps := v_steps || format('"memberships":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 8. the units whose contributions may change, old and new ---------------------------
    INSERT INTO agg_affected
    SELECT w.t, w.c, w.p, 'written', o.t IS NOT NULL, true,
           o.v1, o.v2, o.v3, o.v4, o.v5, o.v6,
           f.recipients, f.recipients_with_children, f.recipients_main_livelihood,
           f.recipients_under_30, f.kroner_paid, f.qp_participants
    FROM agg_written w
    JOIN unit_month_facts f ON (f.unit_type, f.unit_code, f.period) = (w.t, w.c, w.p)
    LEFT JOIN agg_old o ON (o.t, o.c, o.p) = (w.t, w.c, w.p);
    -- districts whose municipality reported for the first time, and remapped units
    INSERT INTO agg_affected
    SELECT f.unit_type, f.unit_code, f.period, k.kind, true, true,
           f.recipients, f.recipients_with_children, f.recipients_main_livelihood,
           f.recipients_under_30, f.kroner_paid, f.qp_participants,
           f.recipients, f.recipients_with_children, f.recipients_main_livelihood,
           f.recipients_under_30, f.kroner_paid, f.qp_participants
    FROM (SELECT DISTINCT ON (t, c, p) t, c, p, kind FROM (
              SELECT dm.unit_type AS t, dm.unit_code AS c, dm.period AS p, 'flipped' AS kind
              FROM agg_affected a
              JOIN unit_rollup_membership dm
                ON dm.level = 'municipality' AND dm.code = a.c AND dm.period = a.p
               AND dm.unit_type = 'district'
              WHERE a.t = 'municipality' AND NOT a.old_exists
              UNION ALL
              SELECT t, c, p, 'remapped' FROM agg_oldmem) x
          ORDER BY t, c, p, kind DESC) k
    JOIN unit_month_facts f ON (f.unit_type, f.unit_code, f.period) = (k.t, k.c, k.p)
    WHERE NOT EXISTS (SELECT 1 FROM agg_written w WHERE (w.t, w.c, w.p) = (k.t, k.c, k.p));
    ANALYZE agg_affected;

    -- a district counts above district level only while its municipality has no fact:
    -- before (a municipality written now had one only if it existed before) and now
    INSERT INTO agg_dist
    SELECT a.t, a.c, a.p,
           CASE WHEN ma.t IS NOT NULL THEN ma.old_exists ELSE mf.unit_code IS NOT NULL END,
           mf.unit_code IS NOT NULL
    FROM agg_affected a
    JOIN unit_rollup_membership dm
      ON (dm.unit_type, dm.unit_code, dm.period, dm.level) = (a.t, a.c, a.p, 'municipality')
    LEFT JOIN unit_month_facts mf
      ON (mf.unit_type, mf.unit_code, mf.period) = ('municipality', dm.code, dm.period)
    LEFT JOIN agg_affected ma ON (ma.t, ma.c, ma.p) = ('municipality', dm.code, dm.period)
    WHERE a.t = 'district';

    -- each unit's contribution to each rollup it is a member of, before (was) and now
    -- (is_now), never to the rollup's own report; remapped units' old memberships apart
    INSERT INTO agg_contrib
    SELECT level, code, p, member, was, is_now,
           CASE WHEN is_now THEN coalesce(n1, 0) ELSE 0 END - CASE WHEN was THEN coalesce(o1, 0) ELSE 0 END,
           CASE WHEN is_now THEN coalesce(n2, 0) ELSE 0 END - CASE WHEN was THEN coalesce(o2, 0) ELSE 0 END,
           CASE WHEN is_now THEN coalesce(n3, 0) ELSE 0 END - CASE WHEN was THEN coalesce(o3, 0) ELSE 0 END,
           CASE WHEN is_now THEN coalesce(n4, 0) ELSE 0 END - CASE WHEN was THEN coalesce(o4, 0) ELSE 0 END,
           CASE WHEN is_now THEN coalesce(n5, 0) ELSE 0 END - CASE WHEN was THEN coalesce(o5, 0) ELSE 0 END,
           CASE WHEN is_now THEN coalesce(n6, 0) ELSE 0 END - CASE WHEN was THEN coalesce(o6, 0) ELSE 0 END,
           (is_now AND n1 IS NOT NULL)::int - (was AND o1 IS NOT NULL)::int,
           (is_now AND n2 IS NOT NULL)::int - (was AND o2 IS NOT NULL)::int,
           (is_now AND n3 IS NOT NULL)::int - (was AND o3 IS NOT NULL)::int,
           (is_now AND n4 IS NOT NULL)::int - (was AND o4 IS NOT NULL)::int,
           (is_now AND n5 IS NOT NULL)::int - (was AND o5 IS NOT NULL)::int,
           (is_now AND n6 IS NOT NULL)::int - (was AND o6 IS NOT NULL)::int
    FROM (
        SELECT u.level, u.code, a.p, u.member_code AS member,
               a.old_exists AND NOT r.remapped
                   AND (u.level = 'district' OR NOT coalesce(d.old_muni, false)) AS was,
               a.new_exists AND (u.level = 'district' OR NOT coalesce(d.new_muni, false)) AS is_now,
               a.o1, a.o2, a.o3, a.o4, a.o5, a.o6, a.n1, a.n2, a.n3, a.n4, a.n5, a.n6
        FROM agg_affected a
        CROSS JOIN LATERAL (SELECT EXISTS (
            SELECT 1 FROM agg_oldmem o WHERE (o.t, o.c, o.p) = (a.t, a.c, a.p)) AS remapped) r
        JOIN unit_rollup_membership u ON (u.unit_type, u.unit_code, u.period) = (a.t, a.c, a.p)
        LEFT JOIN agg_dist d ON (d.t, d.c, d.p) = (a.t, a.c, a.p)
        WHERE NOT (u.level = a.t AND u.code = a.c)
        UNION ALL
        SELECT m.level, m.code, a.p, m.member, true, false,
               a.o1, a.o2, a.o3, a.o4, a.o5, a.o6, NULL, NULL, NULL, NULL, NULL, NULL
        FROM agg_affected a
        JOIN agg_oldmem m ON (m.t, m.c, m.p) = (a.t, a.c, a.p)
        LEFT JOIN agg_dist d ON (d.t, d.c, d.p) = (a.t, a.c, a.p)
        WHERE a.old_exists AND NOT (m.level = a.t AND m.code = a.c)
          AND (m.level = 'district' OR NOT coalesce(d.old_muni, false))
    ) x
    WHERE was OR is_now;
    ANALYZE agg_contrib;

    v_steps := v_steps || format('"contributions":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 9. rollup state by difference: sums, non-null counts, distinct members -------------
    -- (rollup, member) pairs that gained or lost their last effective contribution among
    -- the changed units; the member count changes unless an unchanged unit still counts
    INSERT INTO agg_pairs
    SELECT level, code, p, member, bool_or(is_now)
    FROM agg_contrib GROUP BY level, code, p, member
    HAVING bool_or(was) <> bool_or(is_now);
    ANALYZE agg_pairs;
    -- (statistics lag behind a first fill in this very transaction: hash joins, not loops)
    SET LOCAL enable_nestloop = off;
    WITH others AS MATERIALIZED (
        SELECT DISTINCT ch.level, ch.code, ch.p, ch.member
        FROM agg_pairs ch
        JOIN unit_rollup_membership u
          ON u.level = ch.level AND u.code = ch.code AND u.period = ch.p
         AND u.member_code = ch.member
        LEFT JOIN agg_affected a
          ON a.t = u.unit_type AND a.c = u.unit_code AND a.p = u.period
        LEFT JOIN unit_rollup_membership dm
          ON dm.unit_type = u.unit_type AND dm.unit_code = u.unit_code AND dm.period = u.period
         AND dm.level = 'municipality' AND u.unit_type = 'district'
        LEFT JOIN unit_month_facts mf
          ON mf.unit_type = 'municipality' AND mf.unit_code = dm.code AND mf.period = dm.period
        WHERE a.t IS NULL
          AND NOT (u.level = u.unit_type AND u.code = u.unit_code)
          AND (u.level = 'district' OR u.unit_type <> 'district' OR mf.unit_code IS NULL)
    ), member_delta AS (
        SELECT ch.level, ch.code, ch.p,
               sum(CASE WHEN ch.is_now THEN 1 ELSE -1 END)::int AS d
        FROM agg_pairs ch
        LEFT JOIN others o
          ON o.level = ch.level AND o.code = ch.code AND o.p = ch.p AND o.member = ch.member
        WHERE o.level IS NULL
        GROUP BY ch.level, ch.code, ch.p
    ), sums AS (
        SELECT level, code, p,
               sum(d1) AS s1, sum(d2) AS s2, sum(d3) AS s3, sum(d4) AS s4, sum(d5) AS s5,
               sum(d6) AS s6, sum(c1) AS n1, sum(c2) AS n2, sum(c3) AS n3, sum(c4) AS n4,
               sum(c5) AS n5, sum(c6) AS n6
        FROM agg_contrib GROUP BY level, code, p
    ), delta AS (
        SELECT s.*, coalesce(md.d, 0) AS members
        FROM sums s LEFT JOIN member_delta md USING (level, code, p)
        WHERE (s1, s2, s3, s4, s5, s6, n1, n2, n3, n4, n5, n6, coalesce(md.d, 0))
              IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    ), up AS (
        INSERT INTO rollup_state AS r
            (level, code, period, members, s1, s2, s3, s4, s5, s6, n1, n2, n3, n4, n5, n6)
        SELECT level, code, p, members, s1, s2, s3, s4, s5, s6, n1, n2, n3, n4, n5, n6
        FROM delta ORDER BY level, code, p
        ON CONFLICT (level, code, period) DO UPDATE
           SET members = r.members + excluded.members,
               s1 = r.s1 + excluded.s1, s2 = r.s2 + excluded.s2, s3 = r.s3 + excluded.s3,
               s4 = r.s4 + excluded.s4, s5 = r.s5 + excluded.s5, s6 = r.s6 + excluded.s6,
               n1 = r.n1 + excluded.n1, n2 = r.n2 + excluded.n2, n3 = r.n3 + excluded.n3,
               n4 = r.n4 + excluded.n4, n5 = r.n5 + excluded.n5, n6 = r.n6 + excluded.n6
        RETURNING r.level, r.code, r.period
    )
    INSERT INTO agg_touched SELECT * FROM up;
    SET LOCAL enable_nestloop = on;
    INSERT INTO agg_touched SELECT t, c, p FROM agg_written;
    INSERT INTO agg_touched SELECT DISTINCT level, code, period FROM rollup_month
    WHERE period IN (SELECT p FROM agg_reloaded);
    INSERT INTO agg_touched SELECT DISTINCT level, code, period FROM rollup_state
    WHERE period IN (SELECT p FROM agg_reloaded);

    v_steps := v_steps || format('"rollup_state":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 10. the figures of the touched rollups, stored where they changed, into the outbox --
    WITH k AS (
        SELECT DISTINCT level, code, p FROM agg_touched
    ), fig AS (
        SELECT k.level, k.code, k.p, own.unit_type IS NOT NULL AS own,
               own.recipients AS o1, own.recipients_with_children AS o2,
               own.recipients_main_livelihood AS o3, own.recipients_under_30 AS o4,
               own.kroner_paid AS o5, own.qp_participants AS o6,
               coalesce(st.members, 0) AS members,
               st.s1, st.s2, st.s3, st.s4, st.s5, st.s6, st.n1, st.n2, st.n3, st.n4, st.n5, st.n6,
               (SELECT count(*) FROM expected_membership e
                 WHERE (e.level, e.code, e.period) = (k.level, k.code, k.p))::int AS expected
        FROM k
        LEFT JOIN unit_month_facts own
               ON (own.unit_type, own.unit_code, own.period) = (k.level, k.code, k.p)
        LEFT JOIN rollup_state st ON (st.level, st.code, st.period) = (k.level, k.code, k.p)
    ), val AS (
        SELECT level, code, p,
               own OR (members > 0 AND NOT (level = 'nav_office' AND members < expected))
                   AS shown,
               CASE WHEN own THEN o1 WHEN n1 > 0 THEN s1 END AS v1,
               CASE WHEN own THEN o2 WHEN n2 > 0 THEN s2 END AS v2,
               CASE WHEN own THEN o3 WHEN n3 > 0 THEN s3 END AS v3,
               CASE WHEN own THEN o4 WHEN n4 > 0 THEN s4 END AS v4,
               CASE WHEN own THEN o5 WHEN n5 > 0 THEN s5 END AS v5,
               CASE WHEN own THEN o6 WHEN n6 > 0 THEN s6 END AS v6,
               CASE WHEN own THEN 1 ELSE members END AS mr,
               CASE WHEN own THEN 1 ELSE expected END AS me
        FROM fig
    ), up AS (
        INSERT INTO rollup_month AS r
            (level, code, period, recipients, recipients_with_children,
             recipients_main_livelihood, recipients_under_30, kroner_paid, qp_participants,
             members_reported, members_expected)
        SELECT level, code, p, v1, v2, v3, v4, v5, v6, mr, me
        FROM val WHERE shown ORDER BY level, code, p
        ON CONFLICT (level, code, period) DO UPDATE
           SET recipients = excluded.recipients,
               recipients_with_children = excluded.recipients_with_children,
               recipients_main_livelihood = excluded.recipients_main_livelihood,
               recipients_under_30 = excluded.recipients_under_30,
               kroner_paid = excluded.kroner_paid, qp_participants = excluded.qp_participants,
               members_reported = excluded.members_reported,
               members_expected = excluded.members_expected,
               version = nextval('rollup_version_seq'), updated_at = now()
         WHERE (r.recipients, r.recipients_with_children, r.recipients_main_livelihood,
                r.recipients_under_30, r.kroner_paid, r.qp_participants,
                r.members_reported, r.members_expected)
               IS DISTINCT FROM
               (excluded.recipients, excluded.recipients_with_children,
                excluded.recipients_main_livelihood, excluded.recipients_under_30,
                excluded.kroner_paid, excluded.qp_participants,
                excluded.members_reported, excluded.members_expected)
        RETURNING r.level, r.code, r.period, true, r.recipients, r.recipients_with_children,
                  r.recipients_main_livelihood, r.recipients_under_30, r.kroner_paid,
                  r.qp_participants, r.members_reported, r.members_expected, r.version
    ), gone AS (
        DELETE FROM rollup_month r
        USING val
        WHERE NOT val.shown AND (r.level, r.code, r.period) = (val.level, val.code, val.p)
        RETURNING r.level, r.code, r.period, false, NULL::bigint, NULL::bigint, NULL::bigint,
                  NULL::bigint, NULL::bigint, NULL::bigint, 0, 0, NULL::bigint
    )
    INSERT INTO agg_changed SELECT * FROM up UNION ALL SELECT * FROM gone;

    v_steps := v_steps || format('"rollup_month":%s,',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    v_clock := clock_timestamp();

    -- 11. release what was sent and is still current, or changed now (this batch's own
    --     outbox row then stands for the key); what another worker changed goes again ---
    WITH sent AS (
        SELECT (e->>0)::bigint AS id, e->>1 AS level, e->>2 AS code, (e->>3)::date AS p,
               (e->>4)::bigint AS version
        FROM jsonb_array_elements(p_sent::jsonb) e
    ), now_ AS (
        SELECT s.*, r.version AS current FROM sent s
        LEFT JOIN rollup_month r ON (r.level, r.code, r.period) = (s.level, s.code, s.p)
    ), released AS (
        DELETE FROM scorecard_outbox o
        WHERE o.id IN (SELECT x.id FROM scorecard_outbox x
                       WHERE x.id IN (SELECT id FROM now_ n
                                      WHERE n.current IS NOT DISTINCT FROM n.version
                                         OR EXISTS (SELECT 1 FROM agg_changed c
                                                    WHERE (c.level, c.code, c.p)
                                                        = (n.level, n.code, n.p)))
                       FOR UPDATE SKIP LOCKED)
    ), queued AS (
        INSERT INTO scorecard_outbox (level, code, period)
        SELECT level, code, p FROM agg_changed ORDER BY level, code, p
        RETURNING id, level, code, period
    )
    SELECT json_build_object(
        'dedup', v_dedup,
        'superseded', v_superseded,
        'written', (SELECT coalesce(json_agg(g.idx), '[]') FROM agg_gate g
                    JOIN agg_written w USING (t, c, p)
                    WHERE g.outcome = 'new'
                      AND g.rev = (SELECT f.revision FROM unit_month_facts f
                                   WHERE (f.unit_type, f.unit_code, f.period) = (g.t, g.c, g.p))),
        'letters', (SELECT coalesce(json_agg(json_build_array(
                        r.origin_topic, r.origin_partition, r.origin_offset, r.reason,
                        r.message, r.event_id)), '[]')
                    FROM rejected_reports r
                    WHERE NOT r.dead_lettered
                      AND (r.origin_topic, r.origin_partition, r.origin_offset) IN (
                          SELECT e->>0, (e->>1)::int, (e->>2)::bigint
                          FROM jsonb_array_elements(p_rejections::jsonb) e
                          UNION ALL
                          SELECT topic, part, off FROM agg_gate WHERE outcome = 'conflict')),
        'rollups', (SELECT coalesce(json_agg(json_build_array(
                        q.id, c.level, c.code, c.p, c.present, c.v1, c.v2, c.v3, c.v4, c.v5,
                        c.v6, c.mr, c.me, c.version)), '[]')
                    FROM queued q JOIN agg_changed c
                      ON (c.level, c.code, c.p) = (q.level, q.code, q.period)),
        'resend', (SELECT coalesce(json_agg(json_build_array(
                        n.id, n.level, n.code, n.p, r.level IS NOT NULL, r.recipients,
                        r.recipients_with_children, r.recipients_main_livelihood,
                        r.recipients_under_30, r.kroner_paid, r.qp_participants,
                        coalesce(r.members_reported, 0), coalesce(r.members_expected, 0),
                        r.version)), '[]')
                   FROM now_ n
                   LEFT JOIN rollup_month r ON (r.level, r.code, r.period) = (n.level, n.code, n.p)
                   WHERE n.current IS DISTINCT FROM n.version
                     AND NOT EXISTS (SELECT 1 FROM agg_changed c
                                     WHERE (c.level, c.code, c.p) = (n.level, n.code, n.p))))
      INTO result;
    v_steps := v_steps || format('"outbox_and_answer":%s',
        round((extract(epoch FROM clock_timestamp() - v_clock) * 1000)::numeric, 2));
    RETURN json_build_object('answer', result, 'steps', ('{' || v_steps || '}')::json);
END;
$fn$;
