-- 060: the transactional outbox of sosialpuls.scorecard-updates.v1.
--
-- The batch transaction that changes a rollup appends its key here. A flush claims rows
-- (FOR UPDATE SKIP LOCKED, so a stalled worker delays only its own claim and blocks no
-- one), sends each key's current figures, and deletes the rows once the broker acknowledged
-- and PostgreSQL still holds what was sent. A worker that dies between its commit and its
-- send leaves the rows for the next flush, so the compacted topic never misses a change.
-- Append-only: writers never wait on a flush.
CREATE TABLE IF NOT EXISTS scorecard_outbox (
    id          bigserial   PRIMARY KEY,
    level       text        NOT NULL,
    code        text        NOT NULL,
    period      date        NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
