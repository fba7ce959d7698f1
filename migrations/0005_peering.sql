-- VPC peering mode: the Route53 private hosted zones per endpoint and the peering connection.
CREATE TABLE hosted_zones (
    id                  TEXT PRIMARY KEY,          -- hz_<ULID>
    setup_id            TEXT NOT NULL REFERENCES setups (id),
    endpoint_id         TEXT NOT NULL REFERENCES endpoints (id),
    name                TEXT NOT NULL,             -- the endpoint service's private DNS name
    zone_id             TEXT,                      -- Route53's id, once created (or adopted)
    caller_reference    TEXT NOT NULL,             -- deterministic: CreateHostedZone's idempotency key
    adopted             INTEGER NOT NULL DEFAULT 0 CHECK (adopted IN (0, 1)),
    record_upserted     INTEGER NOT NULL DEFAULT 0 CHECK (record_upserted IN (0, 1)),
    associated_vpcs     TEXT NOT NULL DEFAULT '[]', -- JSON array of "vpc-…@region" beyond the endpoint VPC
    authorized_vpcs     TEXT NOT NULL DEFAULT '[]', -- JSON array of "vpc-…@region" authorized across accounts
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (setup_id, endpoint_id)
);

ALTER TABLE setups ADD COLUMN peering_connection_id TEXT;
ALTER TABLE setups ADD COLUMN peering_created INTEGER NOT NULL DEFAULT 0;
ALTER TABLE setups ADD COLUMN routes_added TEXT;   -- JSON array of "rtb-…:cidr" privatelinkd added

CREATE TRIGGER hosted_zones_revision_on_insert AFTER INSERT ON hosted_zones
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER hosted_zones_revision_on_update AFTER UPDATE ON hosted_zones
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
