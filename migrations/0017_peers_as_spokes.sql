-- A vpc_peering setup is a hub with one spoke made in the same request (#16): its peer becomes a
-- spoke row (setup_peer = 1), and what the peer's steps made moves there from the setup and its
-- zones: the peering connection, the routes added, the zones associated with and authorized for
-- the agents' VPC. The spoke's id is the setup's ULID with the spoke prefix; its status follows the
-- setup's; a transition of entity 'spoke' by 'migration' records the move. The columns the data
-- came from are then dropped, so there is one place that says what a peer made. The setups'
-- revisions (their ETags) stay as they were: the move changes no answer about a setup.
ALTER TABLE spokes ADD COLUMN setup_peer INTEGER NOT NULL DEFAULT 0 CHECK (setup_peer IN (0, 1));

DROP TRIGGER spokes_revision_on_insert;
DROP TRIGGER spokes_revision_on_update;

INSERT INTO spokes (
    id, setup_id, status, vpc_id, region, account_id, transport, transit_gateway_id, request,
    peering_connection_id, peering_created, routes_added, associated_zones, authorized_zones,
    current_step, error_code, error_message, created_by, created_at, updated_at, setup_peer)
SELECT
    'sp_' || substr(s.id, 4),
    s.id,
    CASE s.status
        WHEN 'pending' THEN 'pending'
        WHEN 'provisioning' THEN 'provisioning'
        WHEN 'waiting' THEN 'provisioning'
        -- Failed while being deleted: the peer is being deleted with it. Failed while provisioning:
        -- the peer's steps may not have run. Failed in a later change: the peer was in place.
        WHEN 'failed' THEN CASE
            WHEN (SELECT j.kind FROM jobs j WHERE j.setup_id = s.id AND j.kind IN ('provision', 'update', 'teardown')
                ORDER BY j.id DESC LIMIT 1) = 'teardown' THEN 'deleting'
            WHEN (SELECT j.state FROM jobs j WHERE j.setup_id = s.id AND j.kind = 'provision' ORDER BY j.id DESC LIMIT 1) = 'succeeded'
                THEN 'ready'
            ELSE 'failed' END
        WHEN 'deleting' THEN 'deleting'
        WHEN 'deleted' THEN 'deleted'
        ELSE 'ready'                                   -- ready, updating, degraded
    END,
    json_extract(s.peer, '$.vpc_id'),
    json_extract(s.peer, '$.region'),
    json_extract(s.peer, '$.account_id'),
    'peering',
    NULL,
    json_set(s.peer, '$.transport', 'peering'),
    coalesce(s.peering_connection_id, json_extract(s.peer, '$.peering_connection_id')),
    s.peering_created,
    coalesce(s.routes_added, '[]'),
    (SELECT json_group_array(h.zone_id) FROM hosted_zones h
        WHERE h.setup_id = s.id AND h.zone_id IS NOT NULL
        AND EXISTS (SELECT 1 FROM json_each(h.associated_vpcs) v
            WHERE v.value = json_extract(s.peer, '$.vpc_id') || '@' || json_extract(s.peer, '$.region'))),
    (SELECT json_group_array(h.zone_id) FROM hosted_zones h
        WHERE h.setup_id = s.id AND h.zone_id IS NOT NULL
        AND EXISTS (SELECT 1 FROM json_each(h.authorized_vpcs) v
            WHERE v.value = json_extract(s.peer, '$.vpc_id') || '@' || json_extract(s.peer, '$.region'))),
    NULL,
    s.error_code,                                      -- kept only while the spoke is failed (below)
    s.error_message,
    s.created_by,
    s.created_at,
    s.updated_at,
    1
FROM setups s
WHERE s.mode = 'vpc_peering' AND json_type(s.peer) = 'object';

UPDATE spokes SET error_code = NULL, error_message = NULL WHERE setup_peer = 1 AND status <> 'failed';

CREATE TRIGGER spokes_revision_on_insert AFTER INSERT ON spokes
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER spokes_revision_on_update AFTER UPDATE ON spokes
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;

-- Each peer's first transition records the status the migration gave it (not always `pending`:
-- the peer had come that far before it was a spoke), by the actor 'migration'.
INSERT INTO transitions (setup_id, entity_type, entity_id, from_state, to_state, at, actor, reason)
SELECT sp.setup_id, 'spoke', sp.id, NULL, sp.status, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'migration',
    'the vpc_peering setup''s peer, kept as its spoke (migration 0017)'
FROM spokes sp WHERE sp.setup_peer = 1;

-- The peer's pieces live on its spoke row now.
ALTER TABLE setups DROP COLUMN peering_connection_id;
ALTER TABLE setups DROP COLUMN peering_created;
ALTER TABLE setups DROP COLUMN routes_added;
ALTER TABLE hosted_zones DROP COLUMN associated_vpcs;
ALTER TABLE hosted_zones DROP COLUMN authorized_vpcs;
