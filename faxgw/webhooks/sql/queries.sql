-- Named queries of the webhook delivery ledger. Each starts with "-- name: <name>".
-- Tables: webhook_* from migration 0002; outbox and webhook_endpoints from 0001 (read only,
-- except the secret rotation).

-- name: fanout_cursor
SELECT last_event_id FROM webhook_fanout_cursor WHERE id = 1;

-- name: outbox_batch_end
SELECT MAX(id) FROM (SELECT id FROM outbox WHERE id > :after ORDER BY id LIMIT :limit);

-- name: fan_out
-- One delivery per (event, endpoint of the event's tenant that wants its status).
INSERT OR IGNORE INTO webhook_deliveries
    (event_id, endpoint_id, tenant_id, fax_id, created_ms, next_attempt_ms)
SELECT o.id, e.id, o.tenant_id, o.fax_id, :now, :now
FROM outbox AS o
JOIN webhook_endpoints AS e ON e.tenant_id = o.tenant_id
WHERE o.id > :after AND o.id <= :upto
  AND EXISTS (SELECT 1 FROM json_each(e.events) AS wanted
              WHERE wanted.value = substr(o.type, :prefix_len + 1));

-- name: advance_cursor
UPDATE webhook_fanout_cursor SET last_event_id = :upto WHERE id = 1 AND last_event_id = :after;

-- name: heads
-- Heads of line in the order they are due, with everything their attempts need: the
-- oldest pending event of its (endpoint, fax) (a later event waits until the earlier one
-- is delivered or given up), not in flight, at an existing endpoint and of a tenant with a
-- free slot. The worker, the only writer, knows what it has in flight: :in_flight is a JSON
-- array of "event_id|endpoint_id", :saturated and :saturated_tenants JSON arrays of the
-- endpoint and tenant ids without a free slot; it caps the rest itself, and takes the rows that are due: the first one that
-- is not tells it when to look again (one query a turn, not two). Walks the due index in
-- order and stops at :limit, so its cost does not grow with the pending deliveries
-- queued behind the first heads. A rotated secret signs until it expires.
SELECT d.event_id, d.endpoint_id, d.next_attempt_ms, d.attempts, d.first_attempt_ms,
       d.created_ms AS queued_ms,
       o.event_id AS cloud_event_id, o.tenant_id, o.fax_id, o.seq, o.type, o.created_ms, o.payload,
       e.url, e.secret,
       CASE WHEN e.previous_expires_ms > :now THEN e.previous_secret END AS previous_secret
FROM webhook_deliveries AS d
JOIN outbox AS o ON o.id = d.event_id
JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
WHERE d.state = 'pending'
  AND d.endpoint_id NOT IN (SELECT value FROM json_each(:saturated))
  AND d.tenant_id NOT IN (SELECT value FROM json_each(:saturated_tenants))
  AND d.event_id || '|' || d.endpoint_id NOT IN (SELECT value FROM json_each(:in_flight))
  AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries AS earlier
        WHERE earlier.endpoint_id = d.endpoint_id AND earlier.fax_id = d.fax_id
          AND earlier.state = 'pending' AND earlier.event_id < d.event_id)
ORDER BY d.next_attempt_ms, d.event_id
LIMIT :limit;

-- name: drop_orphans
-- Deliveries to an endpoint the tenant deleted are dropped so they block no line.
UPDATE webhook_deliveries SET state = 'dropped', finished_ms = :now
WHERE state = 'pending'
  AND NOT EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.id = webhook_deliveries.endpoint_id);

-- name: insert_attempt
INSERT INTO webhook_attempts
    (event_id, endpoint_id, number, started_ms, duration_ms, status_code, error, response_excerpt)
VALUES (:event_id, :endpoint_id, :number, :started_ms, :duration_ms, :status_code, :error, :excerpt);

-- name: settle
-- One attempt's consequence: delivered, given up, or (still pending) tried again at
-- :next_attempt_ms. One statement for all three, so a batch of outcomes is one executemany.
UPDATE webhook_deliveries
SET state = :state, attempts = :number,
    next_attempt_ms = COALESCE(:next_attempt_ms, next_attempt_ms),
    finished_ms = CASE WHEN :state = 'pending' THEN NULL ELSE :now END,
    first_attempt_ms = COALESCE(first_attempt_ms, :started_ms)
WHERE event_id = :event_id AND endpoint_id = :endpoint_id;

-- name: events_of_tenant
-- GET /fax/events: the tenant's events in the order they happened, after a given event.
SELECT id, event_id AS cloud_event_id, tenant_id, fax_id, seq, type, created_ms, payload
FROM outbox
WHERE tenant_id = :tenant_id AND id > :after_id
ORDER BY id LIMIT :limit;

-- name: event_position
SELECT id FROM outbox WHERE tenant_id = :tenant_id AND event_id = :cloud_event_id;

-- name: events_of_fax
SELECT id, event_id AS cloud_event_id, tenant_id, fax_id, seq, type, created_ms, payload
FROM outbox WHERE fax_id = :fax_id AND tenant_id = :tenant_id ORDER BY id;

-- name: deliveries_of_fax
SELECT d.event_id, d.endpoint_id, d.state, d.attempts, d.created_ms,
       d.first_attempt_ms, d.next_attempt_ms, d.finished_ms, e.url
FROM webhook_deliveries AS d LEFT JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
WHERE d.fax_id = :fax_id ORDER BY d.event_id, d.endpoint_id;

-- name: attempts_of_fax
SELECT a.event_id, a.endpoint_id, a.number, a.started_ms, a.duration_ms, a.status_code,
       a.error, a.response_excerpt
FROM webhook_attempts AS a JOIN webhook_deliveries AS d
  ON d.event_id = a.event_id AND d.endpoint_id = a.endpoint_id
WHERE d.fax_id = :fax_id ORDER BY a.event_id, a.endpoint_id, a.number;

-- name: rotate_secret
-- The current secret becomes the previous one (replacing any older previous one) and
-- keeps signing until :expires_ms.
UPDATE webhook_endpoints
SET previous_secret = secret, previous_expires_ms = :expires_ms, secret = :secret
WHERE id = :id AND tenant_id = :tenant_id
RETURNING *;
