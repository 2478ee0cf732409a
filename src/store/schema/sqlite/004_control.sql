-- meterhub store: load-management commands and the protect list (docs/control.md).
--
-- A command is who asked for what, why and when, its confirmation by a
-- second operator when it needs one, and one row per target with the
-- device's result (verified by reading the device's state back).

CREATE TABLE protect_list (
    id INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,        -- enum store_protect_kind
    ref TEXT NOT NULL,            -- customer code, meter address or terminal address
    reason TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_ms INTEGER NOT NULL,
    UNIQUE (kind, ref)
);

CREATE TABLE control_commands (
    id INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,        -- enum control_kind
    params TEXT NOT NULL,         -- JSON
    who TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    state INTEGER NOT NULL,       -- enum store_control_state
    confirmer TEXT NOT NULL DEFAULT '',
    confirmed_ms INTEGER NOT NULL DEFAULT 0,
    finished_ms INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE control_targets (
    command_id INTEGER NOT NULL REFERENCES control_commands (id),
    terminal_id INTEGER NOT NULL,
    pn INTEGER NOT NULL,
    result INTEGER NOT NULL,      -- enum store_control_result
    detail TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (command_id, terminal_id, pn)
);

-- Prepayment: a meter's balance (yuan x 10^4), its warning threshold, the
-- registers last settled (import active energy per tariff, kWh x 10^4),
-- and the payments that raised it.
CREATE TABLE prepay_accounts (
    meter_id INTEGER PRIMARY KEY,
    balance_e4 INTEGER NOT NULL,
    warn_e4 INTEGER NOT NULL,
    state INTEGER NOT NULL,       -- enum store_prepay_state
    settled_t INTEGER NOT NULL,   -- data time of the registers settled, epoch s
    reg1_e4 INTEGER NOT NULL,
    reg2_e4 INTEGER NOT NULL,
    reg3_e4 INTEGER NOT NULL,
    reg4_e4 INTEGER NOT NULL,
    command_id INTEGER NOT NULL,  -- the last control command it caused, 0 none
    updated_ms INTEGER NOT NULL
);

CREATE TABLE prepay_payments (
    id INTEGER PRIMARY KEY,
    meter_id INTEGER NOT NULL,
    amount_e4 INTEGER NOT NULL,
    who TEXT NOT NULL,
    ref TEXT NOT NULL,
    t_ms INTEGER NOT NULL
);
