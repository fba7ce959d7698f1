-- Endpoints are shared by reference: setup B may adopt the endpoint setup A created. A teardown
-- deletes an endpoint only when no other live setup uses it, and the last user deletes it when
-- privatelinkd created it. created_by keeps that fact on every row that refers to the endpoint
-- (A's own, and B's adopted one): the setup whose job created it; NULL when it existed before
-- privatelinkd.
ALTER TABLE endpoints ADD COLUMN created_by TEXT;

UPDATE endpoints SET created_by = setup_id WHERE adopted = 0 AND vpc_endpoint_id IS NOT NULL;
UPDATE endpoints SET created_by = (
    SELECT o.setup_id FROM endpoints o
    WHERE o.vpc_endpoint_id = endpoints.vpc_endpoint_id AND o.adopted = 0
    ORDER BY o.id LIMIT 1)
WHERE adopted = 1 AND vpc_endpoint_id IS NOT NULL;
