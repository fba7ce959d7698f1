-- privatelinkd schema, version 1: setups, their endpoints, durable jobs, the append-only
-- transition log and idempotency keys. Times are ISO-8601 UTC text (2026-11-27T10:53:27.123Z),
-- so they sort and compare as text.

-- One request for PrivateLink connectivity from one VPC to one Datadog site.
CREATE TABLE setups (
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
                            'pending', 'provisioning', 'waiting', 'ready',
                            'failed', 'degraded', 'deleting', 'deleted')),
    current_step        TEXT,                      -- the plan step being run, NULL when idle
    error_code          TEXT,
    error_message       TEXT,
    request             TEXT NOT NULL,             -- the normalized request, JSON
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX setups_by_status ON setups (status, id);
CREATE INDEX setups_by_vpc ON setups (vpc_id, id);

-- One interface VPC endpoint per distinct Datadog PrivateLink service of a setup. On ap2 and uk1
-- the two logs services share one endpoint service, so one row may serve several catalog services.
CREATE TABLE endpoints (
    id                  TEXT PRIMARY KEY,          -- ep_<ULID>
    setup_id            TEXT NOT NULL REFERENCES setups (id),
    services            TEXT NOT NULL,             -- JSON array of catalog service ids served
    service_name        TEXT NOT NULL,             -- com.amazonaws.vpce.<region>.vpce-svc-…
    private_dns_name    TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN (
                            'requested', 'pendingAcceptance', 'pending', 'available', 'deleting',
                            'deleted', 'rejected', 'failed', 'expired', 'partial', 'missing')),
    vpc_endpoint_id     TEXT,                      -- vpce-…, once AWS answered
    dns_name            TEXT,                      -- the endpoint's regional DNS name
    client_token        TEXT,                      -- deterministic, persisted before the create call
    adopted             INTEGER NOT NULL DEFAULT 0 CHECK (adopted IN (0, 1)),
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (setup_id, service_name)
);
CREATE INDEX endpoints_by_vpce ON endpoints (vpc_endpoint_id);

-- The durable work queue. A worker claims a job by setting lease_owner and lease_expires_at in
-- one transaction; a job whose lease expired may be claimed again.
CREATE TABLE jobs (
    id                  TEXT PRIMARY KEY,          -- jb_<ULID>
    setup_id            TEXT NOT NULL REFERENCES setups (id),
    kind                TEXT NOT NULL CHECK (kind IN ('provision', 'teardown', 'reconcile', 'verify')),
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
    updated_at          TEXT NOT NULL
);
CREATE INDEX jobs_claimable ON jobs (state, run_after);
CREATE INDEX jobs_by_setup ON jobs (setup_id);

-- Every state change of a setup, endpoint or job, written in the same transaction as the change.
CREATE TABLE transitions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    setup_id            TEXT NOT NULL REFERENCES setups (id),
    entity_type         TEXT NOT NULL CHECK (entity_type IN ('setup', 'endpoint', 'job')),
    entity_id           TEXT NOT NULL,
    from_state          TEXT,                      -- NULL when the entity is created
    to_state            TEXT NOT NULL,
    at                  TEXT NOT NULL,
    actor               TEXT NOT NULL,             -- api, worker:<id>, reconciler, …
    reason              TEXT
);
CREATE INDEX transitions_by_setup ON transitions (setup_id, id);
CREATE INDEX transitions_by_entity ON transitions (entity_type, entity_id, id);

CREATE TRIGGER transitions_append_only_update BEFORE UPDATE ON transitions
BEGIN
    SELECT RAISE(ABORT, 'transitions are append-only');
END;
CREATE TRIGGER transitions_append_only_delete BEFORE DELETE ON transitions
BEGIN
    SELECT RAISE(ABORT, 'transitions are append-only');
END;

-- Idempotency-Key header: the first answer to a key, replayed for the same request.
CREATE TABLE idempotency_keys (
    scope               TEXT NOT NULL,             -- "POST /v1/setups"
    key                 TEXT NOT NULL,
    request_hash        TEXT NOT NULL,             -- SHA-256 of the normalized request
    status_code         INTEGER NOT NULL,
    response            TEXT NOT NULL,             -- the JSON body answered
    setup_id            TEXT REFERENCES setups (id),
    created_at          TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
