-- /metrics counts rows by status at every scrape: covering indexes make each count an index-only
-- scan, and the oldest queued job one index probe.
CREATE INDEX jobs_by_kind_state ON jobs (kind, state);
CREATE INDEX jobs_by_state_created ON jobs (state, created_at);
CREATE INDEX verifications_by_state ON verifications (state);
CREATE INDEX verification_checks_by_code ON verification_checks (code);
