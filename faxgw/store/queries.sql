-- Named queries of the store. At load time `{from:<action>}` is replaced by the statuses
-- faxgw.lifecycle allows that action from (an SQL list) and `{to:<action>}` by the status it
-- leads to: the lifecycle table stays the only place that says which move is legal, and the
-- planner still sees literal values (so the partial indexes on status apply).

-- name: tenant_insert
INSERT INTO tenants (id, name, created_ms) VALUES (:id, :name, :now);

-- name: api_key_insert
INSERT INTO api_keys (key_hash, tenant_id, created_ms) VALUES (:key_hash, :tenant_id, :now);

-- name: tenant_by_key
-- A revoked key (revoked_ms reached) is no key: 401 from the next request on.
SELECT tenant_id FROM api_keys
WHERE key_hash = :key_hash AND (revoked_ms IS NULL OR revoked_ms > :now);

-- name: tenant_list
SELECT t.id, t.name, t.created_ms,
       COUNT(k.key_hash) FILTER (WHERE k.revoked_ms IS NULL OR k.revoked_ms > :now) AS key_count
FROM tenants t LEFT JOIN api_keys k ON k.tenant_id = t.id
GROUP BY t.id ORDER BY t.created_ms, t.id;

-- name: tenant_by_id
SELECT id, name, created_ms FROM tenants WHERE id = :id;

-- name: tenants_named
SELECT id, name, created_ms FROM tenants WHERE name = :name ORDER BY created_ms, id;

-- name: api_keys_of
-- The key id is the start of the key's SHA-256: it names a key without revealing it.
SELECT substr(key_hash, 1, 16) AS key_id, key_hash, tenant_id, created_ms, revoked_ms
FROM api_keys WHERE tenant_id = :tenant_id ORDER BY created_ms, key_hash;

-- name: api_key_by_id
SELECT substr(key_hash, 1, 16) AS key_id, key_hash, tenant_id, created_ms, revoked_ms
FROM api_keys WHERE substr(key_hash, 1, 16) = :key_id;

-- name: api_key_revoke
-- Never moves a revocation later: revoking a key in its rotation grace ends it now.
UPDATE api_keys SET revoked_ms = :at
WHERE key_hash = :key_hash AND (revoked_ms IS NULL OR revoked_ms > :at);

-- name: api_keys_revoke_others
UPDATE api_keys SET revoked_ms = :at
WHERE tenant_id = :tenant_id AND key_hash != :keep AND (revoked_ms IS NULL OR revoked_ms > :at);

-- name: tenant_by_name
SELECT id, name, created_ms FROM tenants WHERE name = :name ORDER BY created_ms LIMIT 1;

-- name: fax_insert
INSERT INTO faxes (id, tenant_id, status, phone_number, phone_e164, metadata, resolution, header_line,
                   cover_page, document_count, auto_retries_left, next_attempt_ms,
                   idempotency_key, request_sha256, page_count, event_seq, created_ms, updated_ms,
                   verify_recipient, expected_csi)
VALUES (:id, :tenant_id, {to:submit}, :phone_number, :phone_e164, :metadata, :resolution, :header_line,
        :cover_page, :document_count, :auto_retries_left, :now,
        :idempotency_key, :request_sha256, :page_count, 1, :now, :now,
        :verify_recipient, :expected_csi)
RETURNING *;

-- name: document_insert
INSERT INTO fax_documents (fax_id, position, doc_type, filename, size_bytes, sha256, path)
VALUES (:fax_id, :position, :doc_type, :filename, :size_bytes, :sha256, :path);

-- name: fax_by_idempotency_key
SELECT * FROM faxes WHERE tenant_id = :tenant_id AND idempotency_key = :key;

-- name: fax_get
SELECT * FROM faxes WHERE id = :id AND tenant_id = :tenant_id AND archived_ms IS NULL;

-- name: fax_get_any
SELECT * FROM faxes WHERE id = :id;

-- name: fax_documents
SELECT * FROM fax_documents WHERE fax_id = :fax_id ORDER BY position;

-- name: history_insert
INSERT INTO fax_history (fax_id, status, at_ms, reason) VALUES (:fax_id, :status, :now, :reason);

-- name: history_of
SELECT * FROM fax_history WHERE fax_id = :fax_id ORDER BY id;

-- name: outbox_insert
INSERT INTO outbox (event_id, tenant_id, fax_id, seq, type, created_ms, payload)
VALUES (:event_id, :tenant_id, :fax_id, :seq, :type, :now, :payload);

-- name: outbox_after
SELECT * FROM outbox WHERE id > :after_id ORDER BY id LIMIT :limit;

-- name: fax_hold
UPDATE faxes SET held_from = status, status = {to:hold}, updated_ms = :now,
                 event_seq = event_seq + 1
WHERE id = :id AND tenant_id = :tenant_id AND archived_ms IS NULL AND status IN {from:hold}
RETURNING *;

-- name: fax_revive
-- Back to the queued status it was held from, due at once; the retry budget is untouched.
UPDATE faxes SET status = held_from, held_from = NULL, next_attempt_ms = :now,
                 updated_ms = :now, event_seq = event_seq + 1
WHERE id = :id AND tenant_id = :tenant_id AND archived_ms IS NULL AND status IN {from:revive}
RETURNING *;

-- name: fax_retry
-- One manual attempt, queued now; the failure reason stays in the history.
UPDATE faxes SET status = {to:retry}, manual_pending = 1, failed_reason = NULL,
                 next_attempt_ms = :now, updated_ms = :now, event_seq = event_seq + 1
WHERE id = :id AND tenant_id = :tenant_id AND archived_ms IS NULL AND status IN {from:retry}
RETURNING *;

-- name: fax_stop
UPDATE faxes SET status = {to:stop}, held_from = NULL, next_attempt_ms = NULL,
                 updated_ms = :now, event_seq = event_seq + 1
WHERE id = :id AND tenant_id = :tenant_id AND archived_ms IS NULL AND status IN {from:stop}
RETURNING *;

-- name: fax_cancel_done
UPDATE faxes SET status = {to:cancel_done}, updated_ms = :now, event_seq = event_seq + 1
WHERE id = :id AND status IN {from:cancel_done}
RETURNING *;

-- name: fax_status_of
SELECT status, archived_ms FROM faxes WHERE id = :id AND tenant_id = :tenant_id;

-- name: claim_next
-- The oldest due fax, never a number already in a call. One statement: two claimers (or a
-- claim racing a client's stop) cannot both take the same fax.
UPDATE faxes SET status = {to:claim}, attempt_count = attempt_count + 1,
                 next_attempt_ms = NULL, updated_ms = :now, event_seq = event_seq + 1
WHERE id = (
    SELECT f.id FROM faxes f
    WHERE f.status IN {from:claim} AND f.next_attempt_ms <= :now AND f.archived_ms IS NULL
      AND (:tenant_id IS NULL OR f.tenant_id = :tenant_id)
      AND f.phone_e164 NOT IN (SELECT phone_e164 FROM faxes WHERE status = 'FaxAttemptInitiated')
    ORDER BY f.next_attempt_ms, f.created_ms LIMIT 1)
  AND status IN {from:claim}
RETURNING *;

-- name: claim_one
UPDATE faxes SET status = {to:claim}, attempt_count = attempt_count + 1,
                 next_attempt_ms = NULL, updated_ms = :now, event_seq = event_seq + 1
WHERE id = :id AND archived_ms IS NULL AND status IN {from:claim}
RETURNING *;

-- name: ready_tenants
-- INDEXED BY: left alone, the planner walks the whole tenant index to make them distinct.
SELECT DISTINCT tenant_id FROM faxes INDEXED BY faxes_ready
WHERE status IN {from:claim} AND next_attempt_ms <= :now AND archived_ms IS NULL;

-- name: attempt_insert
INSERT INTO attempts (id, fax_id, number, manual, modem, started_ms)
VALUES (:id, :fax_id, :number, :manual, :modem, :now);

-- name: attempt_get_open
SELECT * FROM attempts WHERE id = :id AND ended_ms IS NULL;

-- name: attempts_open
SELECT id FROM attempts WHERE ended_ms IS NULL ORDER BY started_ms;

-- name: attempts_interrupted_of
SELECT COUNT(*) FROM attempts WHERE fax_id = :fax_id AND outcome = 'interrupted';

-- name: attempt_end
UPDATE attempts SET ended_ms = :now, outcome = :outcome, failed_reason = :failed_reason,
       pages_total = :pages_total, remote_ident = :remote_ident, bit_rate = :bit_rate,
       resolution = :resolution, coding = :coding, ecm = :ecm, details = :details,
       pages_confirmed = (SELECT COUNT(*) FROM fax_pages_confirmed WHERE attempt_id = :id)
WHERE id = :id AND ended_ms IS NULL;

-- name: fax_attempt_end
UPDATE faxes SET status = :status, failed_reason = :failed_reason,
       auto_retries_left = auto_retries_left - :retry_spent, manual_pending = 0,
       next_attempt_ms = :next_attempt_ms, updated_ms = :now, event_seq = event_seq + 1
WHERE id = :id AND status IN {from:attempt_sent}
RETURNING *;

-- name: fax_page_count_set
-- The scheduler knows the page count once the documents are rendered.
UPDATE faxes SET page_count = :pages WHERE id = :id AND page_count IS NOT :pages;

-- name: page_confirm
INSERT INTO fax_pages_confirmed (fax_id, page, attempt_id, confirmed_ms)
SELECT fax_id, :page, id, :now FROM attempts WHERE id = :attempt_id AND ended_ms IS NULL
ON CONFLICT (fax_id, page) DO NOTHING;

-- name: attempt_pages_sync
UPDATE attempts SET pages_confirmed =
    (SELECT COUNT(*) FROM fax_pages_confirmed WHERE attempt_id = :attempt_id)
WHERE id = :attempt_id;

-- name: pages_confirmed_of
SELECT page FROM fax_pages_confirmed WHERE fax_id = :fax_id ORDER BY page;

-- name: attempts_of
SELECT * FROM attempts WHERE fax_id = :fax_id ORDER BY number;

-- name: attempt_of
SELECT * FROM attempts WHERE fax_id = :fax_id AND id = :id;

-- name: webhook_failed_mark
-- Once per fax (the condition); the sequence moves on because an outbox event follows.
UPDATE faxes SET webhook_failed = 1, updated_ms = :now, event_seq = event_seq + 1
WHERE id = :id AND webhook_failed = 0
RETURNING *;

-- name: endpoint_insert
INSERT INTO webhook_endpoints (id, tenant_id, url, events, description, secret, created_ms)
VALUES (:id, :tenant_id, :url, :events, :description, :secret, :now)
RETURNING *;

-- name: endpoint_count
SELECT COUNT(*) FROM webhook_endpoints WHERE tenant_id = :tenant_id;

-- name: endpoints_of
SELECT * FROM webhook_endpoints WHERE tenant_id = :tenant_id ORDER BY created_ms, id;

-- name: endpoint_delete
DELETE FROM webhook_endpoints WHERE id = :id AND tenant_id = :tenant_id RETURNING *;

-- name: archive_terminal
UPDATE faxes SET archived_ms = :now
WHERE id IN (SELECT id FROM faxes
             WHERE archived_ms IS NULL AND status IN ('FaxSent', 'FaxFailed', 'FaxCancelled')
               AND updated_ms < :before_ms LIMIT :batch);

-- name: purge_candidates
SELECT id FROM faxes
WHERE archived_ms IS NOT NULL AND files_purged_ms IS NULL AND updated_ms < :before_ms
LIMIT :batch;

-- name: mark_purged
UPDATE faxes SET files_purged_ms = :now WHERE id = :id;

-- name: delivery_log_purge
-- Outbox events created before :before_ms, oldest first, at most :batch; their deliveries
-- and attempts go by ON DELETE CASCADE. Never an event the webhook fan-out has not read yet
-- (id above its cursor: it has no deliveries so far, not "none pending"), nor one with a
-- delivery still pending (in flight, or waiting for a retry or for its turn in line).
DELETE FROM outbox
WHERE id IN (
    SELECT o.id FROM outbox AS o INDEXED BY outbox_created
    WHERE o.created_ms < :before_ms
      AND o.id <= (SELECT last_event_id FROM webhook_fanout_cursor WHERE id = 1)
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d
                      WHERE d.event_id = o.id AND d.state = 'pending')
    ORDER BY o.created_ms, o.id
    LIMIT :batch);
