-- Identity: API tokens (only a SHA-256 of each secret is kept), their append-only lifecycle, and
-- who asked for every change. `api_request_id` is the X-Request-Id of the HTTP request that caused
-- a row (aws_calls.request_id already holds AWS's own request id).
CREATE TABLE api_tokens (
    id                  TEXT PRIMARY KEY,          -- the token's public lookup part: plk_<id>_<secret>
    name                TEXT NOT NULL UNIQUE,      -- audit rows say token:<name>; never reused
    role                TEXT NOT NULL CHECK (role IN ('reader', 'operator', 'admin')),
    team                TEXT,                      -- NULL: platform-wide
    secret_sha256       TEXT NOT NULL,             -- hex SHA-256 of the whole token
    created_at          TEXT NOT NULL,
    expires_at          TEXT,                      -- NULL: never
    last_used_at        TEXT,                      -- written at most once a minute per token
    revoked_at          TEXT
);

CREATE TABLE token_events (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id            TEXT NOT NULL,
    token_name          TEXT NOT NULL,
    event               TEXT NOT NULL CHECK (event IN ('created', 'revoked', 'expired_use_refused')),
    at                  TEXT NOT NULL,
    actor               TEXT NOT NULL,             -- cli:<user>, token:<name>
    detail              TEXT
);
CREATE INDEX token_events_by_token ON token_events (token_id, id);

CREATE TRIGGER token_events_append_only_update BEFORE UPDATE ON token_events
BEGIN
    SELECT RAISE(ABORT, 'token_events is append-only');
END;
CREATE TRIGGER token_events_append_only_delete BEFORE DELETE ON token_events
BEGIN
    SELECT RAISE(ABORT, 'token_events is append-only');
END;

ALTER TABLE setups ADD COLUMN created_by TEXT;      -- token:<name>, user:<email>, api (no authentication)
ALTER TABLE setups ADD COLUMN team TEXT;            -- the creating token's or person's team; NULL: none
CREATE INDEX setups_by_team ON setups (team, id);

ALTER TABLE transitions ADD COLUMN api_request_id TEXT;
CREATE INDEX transitions_by_api_request ON transitions (api_request_id) WHERE api_request_id IS NOT NULL;

ALTER TABLE jobs ADD COLUMN requested_by TEXT;      -- who asked for the job (workers act for them)
ALTER TABLE jobs ADD COLUMN api_request_id TEXT;

ALTER TABLE aws_calls ADD COLUMN api_request_id TEXT;
CREATE INDEX aws_calls_by_api_request ON aws_calls (api_request_id) WHERE api_request_id IS NOT NULL;
