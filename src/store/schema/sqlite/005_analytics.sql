-- meterhub store schema: the results of the daily analysis over stored
-- readings (meterhub analyze): consumption per meter and day, line loss per
-- area and day, alarms. Energies in 0.1 Wh (kWh x 10^4), exact; NULL where
-- unknown. Each table is keyed so that analysing a day again replaces its
-- rows instead of adding to them.

CREATE TABLE consumption_day (
    meter_id INTEGER NOT NULL,
    day INTEGER NOT NULL,               -- local day number
    quality INTEGER NOT NULL,           -- enum store_quality: valid or estimated
    status INTEGER NOT NULL,            -- enum metering_status of the import total
    import_wh10 INTEGER, import_t1 INTEGER, import_t2 INTEGER, import_t3 INTEGER,
    import_t4 INTEGER,
    export_wh10 INTEGER, export_t1 INTEGER, export_t2 INTEGER, export_t3 INTEGER,
    export_t4 INTEGER,
    PRIMARY KEY (meter_id, day)
) WITHOUT ROWID;

CREATE TABLE lineloss_day (
    area_id INTEGER NOT NULL REFERENCES areas (id),
    day INTEGER NOT NULL,
    supply_wh10 INTEGER NOT NULL,
    users_wh10 INTEGER NOT NULL,
    loss_wh10 INTEGER NOT NULL,
    rate_ppm INTEGER NOT NULL,
    rise_wh10 INTEGER,                  -- NULL: no history to compare with
    flags INTEGER NOT NULL,             -- LINELOSS_* bits
    users INTEGER NOT NULL,
    missing INTEGER NOT NULL,
    suspect1 INTEGER, suspect2 INTEGER, suspect3 INTEGER, -- meter ids, best first
    PRIMARY KEY (area_id, day)
) WITHOUT ROWID;

CREATE TABLE alarms (
    id INTEGER PRIMARY KEY,
    type INTEGER NOT NULL,              -- enum anomaly_type
    phase INTEGER NOT NULL,             -- 0..2, 255: not a phase's
    meter_id INTEGER NOT NULL,          -- 0: none (a terminal's alarm)
    terminal_id INTEGER NOT NULL,       -- 0: none
    area_id INTEGER REFERENCES areas (id),
    start_s INTEGER NOT NULL,
    end_s INTEGER,                      -- NULL: still holds
    first_day INTEGER NOT NULL,
    last_day INTEGER NOT NULL,
    value_milli INTEGER NOT NULL,
    limit_milli INTEGER NOT NULL,
    evidence TEXT NOT NULL,
    ack_who TEXT,
    ack_ms INTEGER
);
-- The natural key: an alarm that continues is the same row.
CREATE UNIQUE INDEX alarms_key ON alarms (type, meter_id, terminal_id, phase, start_s);
CREATE INDEX alarms_meter ON alarms (meter_id, start_s);
CREATE INDEX alarms_open ON alarms (end_s);

-- Voltage quality of a meter's day from its stored voltage curve (app/quality).
CREATE TABLE quality_day (
    meter_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    samples INTEGER NOT NULL,           -- supplied samples judged (all phases)
    qualified_ppm INTEGER NOT NULL,     -- share of supplied time within limits x 10^6
    above_s INTEGER NOT NULL,           -- time above / below the limits (phases summed)
    below_s INTEGER NOT NULL,
    vmax_mv INTEGER NOT NULL, t_vmax INTEGER NOT NULL,
    vmin_mv INTEGER NOT NULL, t_vmin INTEGER NOT NULL,
    unbalance_ppm INTEGER NOT NULL,     -- largest three-phase unbalance x 10^6
    outages INTEGER NOT NULL,
    outage_s INTEGER NOT NULL,
    PRIMARY KEY (meter_id, day)
) WITHOUT ROWID;
