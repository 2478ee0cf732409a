-- meterhub store: how far each terminal's events have been read (docs/collect.md).
--
-- A Q/GDW 1376.1 terminal numbers its important and normal events with
-- the counters EC1 and EC2 (0..255, wrapping); the collector keeps per
-- terminal and counter the value up to which the records are stored, so
-- that it reads (AFN0E F1/F2) exactly the records after it, including any
-- whose active report was lost.

CREATE TABLE event_counters (
    terminal_id INTEGER NOT NULL,
    counter INTEGER NOT NULL,           -- 1: EC1 (important), 2: EC2 (normal)
    value INTEGER NOT NULL,             -- 0..255: records before it are stored
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (terminal_id, counter)
) WITHOUT ROWID;
