-- meterhub store: orderly-use plans (有序用电) and their reports (docs/control.md).
--
-- A plan is a target reduction over a time window; one row per user says
-- what it was asked to shed, the command that asked it and the load
-- measured before and after.

CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    who TEXT NOT NULL,
    area TEXT NOT NULL DEFAULT '',
    target_w INTEGER NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    max_pct INTEGER NOT NULL,
    expect_w INTEGER NOT NULL,
    short_w INTEGER NOT NULL,
    baseline_w INTEGER NOT NULL,
    after_w INTEGER NOT NULL
);

CREATE TABLE plan_users (
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    seq INTEGER NOT NULL,             -- place in the plan's list
    meter_id INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    customer TEXT NOT NULL,
    terminal_id INTEGER NOT NULL,
    state INTEGER NOT NULL,           -- enum plan_user_state
    pct INTEGER NOT NULL,
    contract_w INTEGER NOT NULL,
    current_w INTEGER NOT NULL,
    expect_w INTEGER NOT NULL,
    command_id INTEGER NOT NULL,      -- control_commands.id, 0 none
    released_id INTEGER NOT NULL,
    baseline_w INTEGER,               -- NULL: not measured
    after_w INTEGER,
    detail TEXT NOT NULL,
    PRIMARY KEY (plan_id, seq)
);
