-- meterhub store schema 1: the asset archive and readings.
-- Archive rows keep surrogate ids (stable across re-imports, which match on
-- the natural keys below); readings refer to meters and terminals by id.

CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,          -- transformer area id from the archive
    region INTEGER NOT NULL             -- region code (BCD digits as a number: 0x0171 = 369)
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    class INTEGER NOT NULL              -- enum archive_customer_class
);

CREATE TABLE terminals (
    id INTEGER PRIMARY KEY,
    region INTEGER NOT NULL,
    address TEXT NOT NULL,              -- as in the archive CSV
    kind INTEGER NOT NULL,              -- enum archive_terminal_kind
    protocol INTEGER NOT NULL,          -- enum archive_protocol
    channel_group TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,  -- 0: no longer in the archive (refused at login)
    UNIQUE (region, address)            -- the front-end's lookup at login
);

CREATE TABLE meters (
    id INTEGER PRIMARY KEY,
    address INTEGER NOT NULL UNIQUE,    -- 12 decimal digits
    protocol INTEGER NOT NULL,
    phases INTEGER NOT NULL,
    ct INTEGER NOT NULL,
    pt INTEGER NOT NULL,
    rated_voltage_v INTEGER NOT NULL,
    contract_w INTEGER NOT NULL,
    tariff TEXT NOT NULL,
    pv INTEGER NOT NULL,
    pv_peak_w INTEGER NOT NULL,
    customer_id INTEGER REFERENCES customers (id),
    area_id INTEGER REFERENCES areas (id),
    area_meter INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1   -- 0: no longer in the archive; readings kept
);
-- An area's daily totals start from its meters.
CREATE INDEX meters_area ON meters (area_id);

-- Measurement point Pn of a terminal: which meter it reads.
CREATE TABLE points (
    terminal_id INTEGER NOT NULL REFERENCES terminals (id),
    pn INTEGER NOT NULL,
    meter_id INTEGER NOT NULL UNIQUE REFERENCES meters (id),
    PRIMARY KEY (terminal_id, pn)
) WITHOUT ROWID;

-- One row per (meter, item, data time): the key makes storing idempotent,
-- and as the clustering order of a WITHOUT ROWID table it is the only index
-- readings need. A meter's curve over a month, an area's daily totals (per
-- meter of the area) and a day's missing data (per active meter) are all
-- range scans or point lookups on it; a second index would halve the
-- insert rate for no query we run.
CREATE TABLE readings (
    meter_id INTEGER NOT NULL,
    item INTEGER NOT NULL,              -- OBIS code packed in 32 bits (proto/item.h)
    data_time INTEGER NOT NULL,         -- epoch seconds UTC: freeze or sample time
    mantissa INTEGER NOT NULL,          -- value = mantissa * 10^exponent, exact
    exponent INTEGER NOT NULL,
    quality INTEGER NOT NULL,           -- enum store_quality
    protocol INTEGER NOT NULL,          -- enum archive_protocol it came over
    terminal_id INTEGER NOT NULL,       -- 0: unknown
    received_ms INTEGER NOT NULL,       -- arrival, epoch milliseconds UTC
    revisions INTEGER NOT NULL DEFAULT 0, -- times a conflicting value replaced it
    PRIMARY KEY (meter_id, item, data_time)
) WITHOUT ROWID;
