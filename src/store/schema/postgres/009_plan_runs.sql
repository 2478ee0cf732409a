-- meterhub store (PostgreSQL): the life of an orderly-use plan (有序用电) run by the
-- station's clock (docs/control.md "Plans by the clock").
--
-- One row per plan that is carried out by the station rather than by hand:
-- where it stands (enum plan_run_state: pending a second operator,
-- scheduled, active, released, cancelled, closed unexecuted, failed), why
-- it was made, who confirmed, cancelled or released it and when it
-- started and ended. The station reads the open ones at each tick and
-- after a restart, so the state survives the process.

CREATE TABLE plan_runs (
    plan_id bigint PRIMARY KEY REFERENCES plans (id),
    state bigint NOT NULL,
    reason text NOT NULL,
    confirmer text NOT NULL DEFAULT '',
    ended_by text NOT NULL DEFAULT '',   -- who cancelled or released it; "" the clock
    updated_ms bigint NOT NULL,
    started_ms bigint NOT NULL DEFAULT 0,
    ended_ms bigint NOT NULL DEFAULT 0,
    detail text NOT NULL DEFAULT ''
);

CREATE INDEX plan_runs_state ON plan_runs (state, plan_id);
