-- Retention of the webhook delivery log (outbox, webhook_deliveries, webhook_attempts).
-- The archive task deletes old outbox events oldest first; their deliveries and attempts
-- go with them (ON DELETE CASCADE from 0002). This index lets each bounded batch find the
-- old events without scanning the rest of the outbox.
CREATE INDEX outbox_created ON outbox(created_ms, id);
