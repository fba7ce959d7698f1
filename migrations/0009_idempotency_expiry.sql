-- Idempotency keys and their stored answers expire (24 hours by default, --idempotency-ttl): the
-- janitor deletes the oldest in small batches, which this index finds without a scan.
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
