-- Verification runs and what each checked. A run is written when it is requested (queued), moves to
-- running, and ends passed, failed or error together with its checks, in one transaction. From then
-- on neither the run nor its checks can change or be deleted (the triggers refuse it): a new
-- verification is a new row, so the history answers audits.
CREATE TABLE verifications (
    id                       TEXT PRIMARY KEY,   -- vf_<ULID>
    setup_id                 TEXT NOT NULL REFERENCES setups (id),
    job_id                   TEXT REFERENCES jobs (id),
    trigger                  TEXT NOT NULL CHECK (trigger IN ('manual', 'on_ready')),
    state                    TEXT NOT NULL CHECK (state IN ('queued', 'running', 'passed', 'failed', 'error')),
    requested_by             TEXT NOT NULL,
    resolver                 TEXT,               -- 'system' (resolv.conf) or the --dns-server HOST:PORT
    endpoint_addresses_known INTEGER,            -- 1: answers compared with the endpoints' IPs; 0: private only
    note                     TEXT,               -- why the endpoints' IPs are unknown, or why the run errored
    checks_total             INTEGER,
    checks_passed            INTEGER,
    created_at               TEXT NOT NULL,
    started_at               TEXT,
    finished_at              TEXT
);
CREATE INDEX verifications_by_setup ON verifications (setup_id, created_at);

-- One row per hostname checked (a service's hostname, and its anchor name on two-level DNS sites).
CREATE TABLE verification_checks (
    verification_id          TEXT NOT NULL REFERENCES verifications (id),
    position                 INTEGER NOT NULL,
    service                  TEXT NOT NULL,
    hostname                 TEXT NOT NULL,
    passed                   INTEGER NOT NULL,
    code                     TEXT NOT NULL,      -- ok, dns_public, dns_other_endpoint, tcp_unreachable, tls_name_mismatch, …
    message                  TEXT NOT NULL,
    dns_status               TEXT NOT NULL,      -- NOERROR, NXDOMAIN, SERVFAIL, TIMEOUT, …
    resolver                 TEXT NOT NULL,      -- the server that answered, ip:port
    answers                  TEXT NOT NULL,      -- JSON: [{name, type, ttl, value}], as dig shows them
    addresses                TEXT NOT NULL,      -- JSON: the A records' addresses
    expected_addresses       TEXT,               -- JSON: the endpoint's network-interface IPs, NULL when unknown
    probes                   TEXT NOT NULL,      -- JSON: [{address, tcp, tls: {status, protocol, subject, issuer}}]
    PRIMARY KEY (verification_id, position)
);

CREATE TRIGGER verifications_final BEFORE UPDATE ON verifications
WHEN OLD.state IN ('passed', 'failed', 'error')
BEGIN
    SELECT RAISE(ABORT, 'a finished verification is never changed');
END;
CREATE TRIGGER verifications_kept BEFORE DELETE ON verifications
BEGIN
    SELECT RAISE(ABORT, 'verifications are never deleted');
END;
CREATE TRIGGER verification_checks_final BEFORE UPDATE ON verification_checks
BEGIN
    SELECT RAISE(ABORT, 'verification checks are never changed');
END;
CREATE TRIGGER verification_checks_kept BEFORE DELETE ON verification_checks
BEGIN
    SELECT RAISE(ABORT, 'verification checks are never deleted');
END;

-- The setup shows its latest verification: its revision (the API's ETag) follows them.
CREATE TRIGGER verifications_revision_on_insert AFTER INSERT ON verifications
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
CREATE TRIGGER verifications_revision_on_update AFTER UPDATE ON verifications
BEGIN
    UPDATE setups SET revision = revision + 1 WHERE id = NEW.setup_id;
END;
