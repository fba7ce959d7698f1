-- What the provisioning workers need beyond the first schema.
-- jobs.step_started_at: when the current step began (the endpoint timeout counts from the start of
--   wait_available). endpoints.generation: bumped when a failed endpoint is retried, so its next
--   ClientToken differs (AWS refuses a reused token with other parameters).
-- endpoints.dns_hosted_zone_id: the Route53 zone of the endpoint's DNS name (alias targets).
ALTER TABLE jobs ADD COLUMN step_started_at TEXT;
ALTER TABLE endpoints ADD COLUMN generation INTEGER NOT NULL DEFAULT 1;
ALTER TABLE endpoints ADD COLUMN dns_hosted_zone_id TEXT;
ALTER TABLE endpoints ADD COLUMN network_interface_ids TEXT;  -- JSON array, for verification

-- The poller's question: every endpoint still moving on AWS's side.
CREATE INDEX endpoints_waiting ON endpoints (state) WHERE state IN ('pending', 'pendingAcceptance');
