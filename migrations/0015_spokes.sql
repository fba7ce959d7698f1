-- privatelinkd: rebuilds tables
-- Spokes (#16): VPCs that reach a hub's endpoints over a VPC peering or a Transit Gateway, with the
-- hub's zones associated with them. A spoke is added and removed by jobs of their own (kinds
-- add_spoke, remove_spoke, with jobs.spoke_id), and its status moves are transitions of entity
-- type 'spoke'. SQLite cannot change a CHECK constraint: `jobs` and `transitions` are rebuilt (new
-- table, copy, drop, rename, then indexes and triggers), foreign keys off around the transaction.
PRAGMA legacy_alter_table = ON;

CREATE TABLE spokes (
    id                  TEXT PRIMARY KEY,          -- sp_<ULID>
    setup_id            TEXT NOT NULL REFERENCES setups (id),
    status              TEXT NOT NULL CHECK (status IN ('pending', 'provisioning', 'ready', 'failed', 'deleting', 'deleted')),
    vpc_id              TEXT NOT NULL,
    region              TEXT NOT NULL,
    account_id          TEXT,
    transport           TEXT NOT NULL CHECK (transport IN ('peering', 'transit_gateway')),
    transit_gateway_id  TEXT,
    request             TEXT NOT NULL,             -- the normalized request, JSON
    peering_connection_id TEXT,                    -- given, or created by the spoke's job
    peering_created     INTEGER NOT NULL DEFAULT 0 CHECK (peering_created IN (0, 1)),
    routes_added        TEXT NOT NULL DEFAULT '[]', -- JSON array of "rtb-…:cidr" this spoke added
    associated_zones    TEXT NOT NULL DEFAULT '[]', -- JSON array of zone ids associated with the spoke's VPC by this spoke
    authorized_zones    TEXT NOT NULL DEFAULT '[]', -- JSON array of zone ids this spoke's VPC was authorized on
    current_step        TEXT,
    error_code          TEXT,
    error_message       TEXT,
    created_by          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX spokes_by_setup ON spokes (setup_id, id);
-- One live spoke per VPC and hub.
CREATE UNIQUE INDEX spokes_one_live_per_vpc ON spokes (setup_id, vpc_id, region) WHERE status <> 'deleted';
CREATE TRIGGER spokes_revision_on_insert AFTER INSERT ON spokes
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER spokes_revision_on_update AFTER UPDATE ON spokes
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;

CREATE TABLE jobs_new (
    id                  TEXT PRIMARY KEY,          -- jb_<ULID>
    setup_id            TEXT NOT NULL REFERENCES setups (id),
    kind                TEXT NOT NULL CHECK (kind IN ('provision', 'update', 'teardown', 'reconcile', 'verify', 'add_spoke', 'remove_spoke')),
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
    api_request_id      TEXT,
    spoke_id            TEXT REFERENCES spokes (id) -- add_spoke and remove_spoke jobs only
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
CREATE INDEX jobs_by_spoke ON jobs (spoke_id) WHERE spoke_id IS NOT NULL;
CREATE TRIGGER jobs_revision_on_insert AFTER INSERT ON jobs
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER jobs_revision_on_update AFTER UPDATE ON jobs
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;

CREATE TABLE transitions_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    setup_id            TEXT NOT NULL REFERENCES setups (id),
    entity_type         TEXT NOT NULL CHECK (entity_type IN ('setup', 'endpoint', 'job', 'spoke')),
    entity_id           TEXT NOT NULL,
    from_state          TEXT,                      -- NULL when the entity is created
    to_state            TEXT NOT NULL,
    at                  TEXT NOT NULL,
    actor               TEXT NOT NULL,             -- token:<name>, user:<email>, worker:<id>, reconciler, …
    reason              TEXT,
    api_request_id      TEXT
);
INSERT INTO transitions_new (id, setup_id, entity_type, entity_id, from_state, to_state, at, actor, reason, api_request_id)
SELECT id, setup_id, entity_type, entity_id, from_state, to_state, at, actor, reason, api_request_id FROM transitions;
DROP TABLE transitions;
ALTER TABLE transitions_new RENAME TO transitions;
CREATE INDEX transitions_by_setup ON transitions (setup_id, id);
CREATE INDEX transitions_by_entity ON transitions (entity_type, entity_id, id);
CREATE INDEX transitions_by_api_request ON transitions (api_request_id) WHERE api_request_id IS NOT NULL;
CREATE TRIGGER transitions_append_only_update BEFORE UPDATE ON transitions
BEGIN
    SELECT RAISE(ABORT, 'transitions are append-only');
END;
CREATE TRIGGER transitions_append_only_delete BEFORE DELETE ON transitions
BEGIN
    SELECT RAISE(ABORT, 'transitions are append-only');
END;

PRAGMA legacy_alter_table = OFF;
