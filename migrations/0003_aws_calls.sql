-- Every attempt of every AWS call, appended as it completes. Answers "which call failed for this
-- setup and what did AWS say" with one query. No credentials or request bodies are stored.
CREATE TABLE aws_calls (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    at                  TEXT NOT NULL,             -- when the attempt was sent
    account_id          TEXT,                      -- the account called, when known
    region              TEXT NOT NULL,
    service             TEXT NOT NULL CHECK (service IN ('ec2', 'route53', 'sts')),
    action              TEXT NOT NULL,             -- CreateVpcEndpoint, ChangeResourceRecordSets, …
    attempt             INTEGER NOT NULL CHECK (attempt >= 1),
    http_status         INTEGER,                   -- NULL when no HTTP answer came back
    error_code          TEXT,                      -- AWS's code, or a transport failure
    error_message       TEXT,
    request_id          TEXT,                      -- AWS's request id, for support cases
    duration_ms         REAL NOT NULL,             -- the HTTP exchange alone
    throttle_wait_ms    REAL NOT NULL DEFAULT 0,   -- time held by the client-side rate limiter first
    setup_id            TEXT REFERENCES setups (id),
    job_id              TEXT
);
CREATE INDEX aws_calls_by_setup ON aws_calls (setup_id, id);
CREATE INDEX aws_calls_by_time ON aws_calls (at);

CREATE TRIGGER aws_calls_append_only_update BEFORE UPDATE ON aws_calls
BEGIN
    SELECT RAISE(ABORT, 'aws_calls is append-only');
END;
CREATE TRIGGER aws_calls_append_only_delete BEFORE DELETE ON aws_calls
BEGIN
    SELECT RAISE(ABORT, 'aws_calls is append-only');
END;
