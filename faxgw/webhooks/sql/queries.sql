-- Named queries of the webhook delivery ledger. Each starts with "-- name: <name>".
-- Only this file knows the column names of the core's outbox and endpoint tables.

-- name: release_in_flight
-- At start nothing is in flight: whatever was, died with the previous process and is
-- tried again (at least once).
UPDATE webhook_deliveries SET in_flight = 0 WHERE in_flight = 1;

-- name: fanout_cursor
SELECT last_event_id FROM webhook_fanout_cursor WHERE id = 1;

-- name: outbox_batch_end
-- The last event id of the next batch to fan out.
SELECT MAX(id) FROM (SELECT id FROM outbox WHERE id > :after ORDER BY id LIMIT :limit);

-- name: fan_out
-- One delivery per (event, endpoint of the event's tenant that wants its type). An
-- endpoint without a list of events wants them all.
INSERT OR IGNORE INTO webhook_deliveries
    (event_id, endpoint_id, tenant_id, fax_id, created_at, next_attempt_at)
SELECT o.id, e.id, o.tenant_id, o.fax_id, :now, :now
FROM outbox AS o
JOIN webhook_endpoints AS e ON e.tenant_id = o.tenant_id
WHERE o.id > :after AND o.id <= :upto
  AND (e.events IS NULL OR json_array_length(e.events) = 0 OR EXISTS (
        SELECT 1 FROM json_each(e.events) AS wanted
        WHERE wanted.value IN (o.status, 'com.faxgw.fax.' || o.status, '*')));

-- name: advance_cursor
UPDATE webhook_fanout_cursor SET last_event_id = :upto WHERE id = 1;

-- name: claimable
-- Heads of line that may start now: the oldest pending event of each (endpoint, fax)
-- (a later event waits until the earlier one is delivered or given up), not in flight,
-- due before :due_before, at most as many per endpoint as it has free slots.
WITH heads AS (
    SELECT d.event_id, d.endpoint_id, d.next_attempt_at,
           ROW_NUMBER() OVER (PARTITION BY d.endpoint_id
                              ORDER BY d.next_attempt_at, d.event_id) AS rank
    FROM webhook_deliveries AS d
    WHERE d.state = 'pending' AND d.in_flight = 0 AND d.next_attempt_at <= :due_before
      AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries AS earlier
            WHERE earlier.endpoint_id = d.endpoint_id AND earlier.fax_id = d.fax_id
              AND earlier.state = 'pending' AND earlier.event_id < d.event_id)
),
busy AS (
    SELECT endpoint_id, COUNT(*) AS n FROM webhook_deliveries
    WHERE state = 'pending' AND in_flight = 1 GROUP BY endpoint_id
)
SELECT h.event_id, h.endpoint_id, h.next_attempt_at
FROM heads AS h LEFT JOIN busy AS b ON b.endpoint_id = h.endpoint_id
WHERE h.rank + COALESCE(b.n, 0) <= :per_endpoint
ORDER BY h.next_attempt_at, h.event_id
LIMIT :limit;

-- name: mark_in_flight
UPDATE webhook_deliveries SET in_flight = 1
WHERE event_id = :event_id AND endpoint_id = :endpoint_id AND state = 'pending';

-- name: claimed_details
-- Everything one attempt needs; the endpoint's previous secret signs too until it expires.
SELECT d.event_id, d.endpoint_id, d.tenant_id, d.fax_id, d.attempts, d.first_attempt_at,
       o.status, o.payload, o.created_at,
       (SELECT COUNT(*) FROM outbox AS o2 WHERE o2.fax_id = o.fax_id AND o2.id <= o.id) AS sequence,
       e.url, e.secret,
       (SELECT p.secret FROM webhook_previous_secrets AS p
        WHERE p.endpoint_id = e.id AND p.expires_at > :now) AS previous_secret
FROM webhook_deliveries AS d
JOIN outbox AS o ON o.id = d.event_id
JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
WHERE d.event_id = :event_id AND d.endpoint_id = :endpoint_id;

-- name: drop_orphans
-- Deliveries to an endpoint the tenant deleted are dropped so they block no line.
UPDATE webhook_deliveries SET state = 'dropped', in_flight = 0, finished_at = :now
WHERE state = 'pending'
  AND NOT EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.id = webhook_deliveries.endpoint_id);

-- name: insert_attempt
INSERT INTO webhook_attempts
    (event_id, endpoint_id, number, started_at, duration_ms, status_code, error, response_excerpt)
VALUES (:event_id, :endpoint_id, :number, :started_at, :duration_ms, :status_code, :error, :excerpt);

-- name: mark_delivered
UPDATE webhook_deliveries
SET state = 'delivered', in_flight = 0, attempts = :number, finished_at = :now,
    first_attempt_at = COALESCE(first_attempt_at, :started_at)
WHERE event_id = :event_id AND endpoint_id = :endpoint_id;

-- name: reschedule
UPDATE webhook_deliveries
SET in_flight = 0, attempts = :number, next_attempt_at = :next_attempt_at,
    first_attempt_at = COALESCE(first_attempt_at, :started_at)
WHERE event_id = :event_id AND endpoint_id = :endpoint_id;

-- name: give_up
UPDATE webhook_deliveries
SET state = 'given_up', in_flight = 0, attempts = :number, finished_at = :now,
    first_attempt_at = COALESCE(first_attempt_at, :started_at)
WHERE event_id = :event_id AND endpoint_id = :endpoint_id;

-- name: decide_fax_failed
INSERT OR IGNORE INTO webhook_failed_faxes (fax_id, tenant_id, event_id, decided_at)
VALUES (:fax_id, :tenant_id, :event_id, :now);

-- name: unnotified_failures
SELECT fax_id, tenant_id, event_id FROM webhook_failed_faxes WHERE notified = 0;

-- name: mark_notified
UPDATE webhook_failed_faxes SET notified = 1 WHERE fax_id = :fax_id;
