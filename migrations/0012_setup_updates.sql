-- privatelinkd: rebuilds tables
-- In-place changes (PATCH /v1/setups/{id}): a setup may be `updating`, and its work is a job of
-- kind `update`. SQLite cannot change a CHECK constraint, so `setups` and `jobs` are rebuilt the
-- way SQLite's documentation says (new table, copy, drop, rename, then indexes and triggers),
-- with foreign keys off around this one transaction and `PRAGMA foreign_key_check` before the
-- commit (the Migrator does both for a file that starts with the line above).
PRAGMA legacy_alter_table = ON;

CREATE TABLE setups_new (
    id                  TEXT PRIMARY KEY,          -- su_<ULID>: sorts by creation time
    site                TEXT NOT NULL,             -- catalog site id: us1, ap1, ap2, uk1
    mode                TEXT NOT NULL CHECK (mode IN ('same_region', 'cross_region', 'vpc_peering')),
    region              TEXT NOT NULL,             -- where the endpoints are created
    service_region      TEXT NOT NULL,             -- the Datadog site's region (EC2 ServiceRegion)
    vpc_id              TEXT NOT NULL,
    subnet_ids          TEXT NOT NULL,             -- JSON array
    security_group_ids  TEXT NOT NULL,             -- JSON array
    services            TEXT NOT NULL,             -- JSON array of catalog service ids
    account_id          TEXT,
    role_arn            TEXT,
    peer                TEXT,                      -- JSON object, vpc_peering only
    agent_version       TEXT,
    status              TEXT NOT NULL CHECK (status IN (
                            'pending', 'provisioning', 'waiting', 'ready', 'updating',
                            'failed', 'degraded', 'deleting', 'deleted')),
    current_step        TEXT,                      -- the plan step being run, NULL when idle
    error_code          TEXT,
    error_message       TEXT,
    request             TEXT NOT NULL,             -- the normalized request, JSON
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    revision            INTEGER NOT NULL DEFAULT 0,
    peering_connection_id TEXT,
    peering_created     INTEGER NOT NULL DEFAULT 0,
    routes_added        TEXT,
    extra_services      TEXT NOT NULL DEFAULT '[]',
    created_by          TEXT,
    team                TEXT
);
INSERT INTO setups_new (
    id, site, mode, region, service_region, vpc_id, subnet_ids, security_group_ids, services, account_id, role_arn, peer,
    agent_version, status, current_step, error_code, error_message, request, created_at, updated_at, revision,
    peering_connection_id, peering_created, routes_added, extra_services, created_by, team)
SELECT
    id, site, mode, region, service_region, vpc_id, subnet_ids, security_group_ids, services, account_id, role_arn, peer,
    agent_version, status, current_step, error_code, error_message, request, created_at, updated_at, revision,
    peering_connection_id, peering_created, routes_added, extra_services, created_by, team
FROM setups;
DROP TABLE setups;
ALTER TABLE setups_new RENAME TO setups;
CREATE INDEX setups_by_status ON setups (status, id);
CREATE INDEX setups_by_vpc ON setups (vpc_id, id);
CREATE INDEX setups_by_team ON setups (team, id);
-- Now also when extra_services change (a PATCH may change them).
CREATE TRIGGER setups_revision_on_update AFTER UPDATE OF
    status, current_step, error_code, error_message, updated_at, subnet_ids, security_group_ids,
    services, extra_services, peer, agent_version, account_id, role_arn
ON setups
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.id;
END;

CREATE TABLE jobs_new (
    id                  TEXT PRIMARY KEY,          -- jb_<ULID>
    setup_id            TEXT NOT NULL REFERENCES setups (id),
    kind                TEXT NOT NULL CHECK (kind IN ('provision', 'update', 'teardown', 'reconcile', 'verify')),
    state               TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    steps               TEXT NOT NULL,             -- JSON array of step names: the plan
    current_step        TEXT,
    completed_steps     INTEGER NOT NULL DEFAULT 0,
    attempts            INTEGER NOT NULL DEFAULT 0,
    run_after           TEXT NOT NULL,
    lease_owner         TEXT,
    lease_expires_at    TEXT,
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    step_started_at     TEXT,
    requested_by        TEXT,
    api_request_id      TEXT
);
INSERT INTO jobs_new (
    id, setup_id, kind, state, steps, current_step, completed_steps, attempts, run_after, lease_owner, lease_expires_at,
    last_error, created_at, updated_at, step_started_at, requested_by, api_request_id)
SELECT
    id, setup_id, kind, state, steps, current_step, completed_steps, attempts, run_after, lease_owner, lease_expires_at,
    last_error, created_at, updated_at, step_started_at, requested_by, api_request_id
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_claimable ON jobs (state, run_after);
CREATE INDEX jobs_by_setup ON jobs (setup_id);
CREATE INDEX jobs_by_kind_state ON jobs (kind, state);
CREATE INDEX jobs_by_state_created ON jobs (state, created_at);
CREATE TRIGGER jobs_revision_on_insert AFTER INSERT ON jobs
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER jobs_revision_on_update AFTER UPDATE ON jobs
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;

PRAGMA legacy_alter_table = OFF;
