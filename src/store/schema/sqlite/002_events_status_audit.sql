-- meterhub store schema 2: events, terminal link history, collection
-- status and audit.

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    meter_id INTEGER,                   -- NULL: an event of the terminal
    terminal_id INTEGER,
    code INTEGER NOT NULL,
    start_s INTEGER NOT NULL,
    end_s INTEGER,                      -- NULL: still open
    payload TEXT CHECK (payload IS NULL OR json_valid(payload))
);
CREATE INDEX events_meter ON events (meter_id, start_s);
CREATE INDEX events_terminal ON events (terminal_id, start_s);

CREATE TABLE terminal_link (
    terminal_id INTEGER NOT NULL,
    t_ms INTEGER NOT NULL,
    online INTEGER NOT NULL,            -- 1 came online, 0 went offline
    reason TEXT,
    PRIMARY KEY (terminal_id, t_ms, online)
) WITHOUT ROWID;

-- Day first: the daily success rate and "what failed today" read one
-- day's rows in key order; an upsert finds its row by the whole key.
CREATE TABLE collection_status (
    day INTEGER NOT NULL,               -- epoch seconds / 86400 of the UTC day
    item_class INTEGER NOT NULL,        -- enum store_item_class
    meter_id INTEGER NOT NULL,
    reason INTEGER NOT NULL,            -- enum store_reason, 0 = collected
    attempts INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (day, item_class, meter_id)
) WITHOUT ROWID;

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    who TEXT NOT NULL,
    t_ms INTEGER NOT NULL,
    what TEXT NOT NULL,
    result INTEGER NOT NULL             -- 0 or an MH_E* code
);
CREATE INDEX audit_time ON audit (t_ms);
