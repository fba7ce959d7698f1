-- A verification asked for a hub's spoke (POST /v1/setups/{id}/spokes/{spoke_id}/verify): the same
-- checks, recorded with the spoke they were asked for.
ALTER TABLE verifications ADD COLUMN spoke_id TEXT REFERENCES spokes (id);
