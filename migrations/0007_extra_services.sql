-- AWS's own services a setup asked endpoints for beside the Datadog ones (extra_services, e.g.
-- ["secretsmanager"] for the Lambda Extension's DD_API_KEY_SECRET_ARN). JSON array.
ALTER TABLE setups ADD COLUMN extra_services TEXT NOT NULL DEFAULT '[]';
