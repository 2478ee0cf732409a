-- meterhub store schema: an event is stored once however often it is
-- reported or read again, and the collection status keeps the outcome of
-- the day's first attempt beside the latest.

-- What tells two occurrences apart that share meter, code and start
-- (1376.1: the point and the start/restore flag of the ERC record; 698.45:
-- the record's sequence number 2022); 0 when the source has nothing more.
ALTER TABLE events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
-- Copies stored before this key existed: keep the first of each.
DELETE FROM events WHERE id NOT IN (
    SELECT min(id) FROM events
    GROUP BY coalesce(terminal_id, 0), coalesce(meter_id, 0), code, start_s);
-- NULL meter or terminal ids would never collide in a unique index: 0 stands for them.
CREATE UNIQUE INDEX events_once ON events
    (coalesce(terminal_id, 0), coalesce(meter_id, 0), code, start_s, seq);

-- The reason of the day's first attempt: written with the row, never updated,
-- so first-try and after-patch success are both counted from the rows.
ALTER TABLE collection_status ADD COLUMN first_reason INTEGER NOT NULL DEFAULT 0;
UPDATE collection_status SET first_reason = reason;
