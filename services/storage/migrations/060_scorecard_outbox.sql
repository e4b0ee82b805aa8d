-- 060: the transactional outbox of sosialpuls.scorecard-updates.v1.
--
-- The batch transaction that changes a rollup also records its key here; the key leaves
-- only after the broker acknowledged the rollup's current value (or its tombstone). A
-- worker that dies between the commit and the send leaves the key behind, and the next
-- flush (by any worker) sends it, so the compacted topic never misses a change.
CREATE TABLE IF NOT EXISTS scorecard_outbox (
    level       text        NOT NULL,
    code        text        NOT NULL,
    period      date        NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (level, code, period)
);
