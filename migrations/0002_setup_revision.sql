-- A revision counter per setup, bumped by triggers whenever the setup, one of its endpoints or one of
-- its jobs changes (in this process or any other). The API uses it as the ETag of a setup and to
-- reuse a rendered answer only while it is still exactly what SQLite holds.
ALTER TABLE setups ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER setups_revision_on_update AFTER UPDATE OF
    status, current_step, error_code, error_message, updated_at, subnet_ids, security_group_ids,
    services, peer, agent_version, account_id, role_arn
ON setups
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER endpoints_revision_on_insert AFTER INSERT ON endpoints
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER endpoints_revision_on_update AFTER UPDATE ON endpoints
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER endpoints_revision_on_delete AFTER DELETE ON endpoints
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = OLD.setup_id;
END;

CREATE TRIGGER jobs_revision_on_insert AFTER INSERT ON jobs
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER jobs_revision_on_update AFTER UPDATE ON jobs
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
