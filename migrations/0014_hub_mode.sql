-- privatelinkd: rebuilds tables
-- Hub mode (#16): endpoints with private DNS off and a private hosted zone per intake name in a
-- shared VPC, which spoke VPCs are then associated with. `setups.mode` gains 'hub'; SQLite cannot
-- change a CHECK constraint, so `setups` is rebuilt as 0012 did (the Migrator turns foreign keys
-- off around this transaction and runs `PRAGMA foreign_key_check` before the commit).
PRAGMA legacy_alter_table = ON;

CREATE TABLE setups_new (
    id                  TEXT PRIMARY KEY,          -- su_<ULID>: sorts by creation time
    site                TEXT NOT NULL,             -- catalog site id: us1, ap1, ap2, uk1
    mode                TEXT NOT NULL CHECK (mode IN ('same_region', 'cross_region', 'vpc_peering', 'hub')),
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

PRAGMA legacy_alter_table = OFF;
