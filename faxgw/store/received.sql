-- Named queries of received faxes (tables from migration 0004). Each block starts
-- with "-- name: <name>". Kept apart from queries.sql so that both change without conflict.

-- name: tenant_exists
SELECT 1 FROM tenants WHERE id = :tenant_id;

-- name: received_insert
INSERT INTO received_faxes (id, tenant_id, routed_by, modem, called_number, caller_number,
                            caller_name, status, started_ms, folder)
VALUES (:id, :tenant_id, :routed_by, :modem, :called_number, :caller_number, :caller_name,
        'receiving', :now, :folder);

-- name: page_insert
INSERT OR REPLACE INTO received_pages (received_id, page, resolution, coding, width_px,
                                       height_px, total_lines, bad_lines, ecm, received_ms)
VALUES (:received_id, :page, :resolution, :coding, :width_px, :height_px, :total_lines,
        :bad_lines, :ecm, :now);

-- name: page_insert_missing
-- Recovery after a crash: a page on disk whose row was never written; rows kept win.
INSERT OR IGNORE INTO received_pages (received_id, page, resolution, coding, width_px,
                                      height_px, total_lines, bad_lines, ecm, received_ms)
VALUES (:received_id, :page, :resolution, :coding, :width_px, :height_px, :total_lines,
        :bad_lines, :ecm, :now);

-- name: page_count_update
-- The page count, and the format the pages came in (the last page's: the call's format).
UPDATE received_faxes
SET page_count = (SELECT COUNT(*) FROM received_pages WHERE received_id = :id),
    resolution = :resolution, coding = :coding, ecm = :ecm
WHERE id = :id;

-- name: bump_seq
UPDATE received_faxes SET event_seq = event_seq + 1 WHERE id = :id RETURNING *;

-- name: received_finish
-- Only a call still receiving is finished (a crash recovery and a late finish cannot both).
UPDATE received_faxes
SET status = :status, partial_reason = :partial_reason, outcome = :outcome,
    remote_ident = :remote_ident, bit_rate = :bit_rate,
    resolution = COALESCE(:resolution, resolution), coding = COALESCE(:coding, coding),
    ecm = COALESCE(:ecm, ecm), ended_ms = :now, details = :details,
    page_count = (SELECT COUNT(*) FROM received_pages WHERE received_id = :id)
WHERE id = :id AND status = 'receiving'
RETURNING *;

-- name: received_open
SELECT id, folder FROM received_faxes INDEXED BY received_open WHERE status = 'receiving';

-- name: received_get
SELECT * FROM received_faxes WHERE id = :id;

-- name: pages_of
SELECT * FROM received_pages WHERE received_id = :id ORDER BY page;

-- name: pages_of_many
-- The pages of a page of search results, in one trip (:ids is a JSON array).
SELECT * FROM received_pages
WHERE received_id IN (SELECT value FROM json_each(:ids))
ORDER BY received_id, page;

-- name: received_search
-- A tenant's received faxes (or, with :unrouted = 1, those kept for the admin), oldest
-- first by the time the call began, keyset-paginated on (started_ms, id).
SELECT * FROM received_faxes
WHERE ((:unrouted = 1 AND tenant_id IS NULL) OR (:unrouted = 0 AND tenant_id = :tenant_id))
  AND started_ms >= :since_ms AND started_ms < :before_ms
  AND (:sender IS NULL OR remote_ident LIKE :sender ESCAPE '\' OR caller_number LIKE :sender ESCAPE '\'
       -- by digits: the filter +15550102 matches the TSI "+1 5550102"
       OR (:sender_digits IS NOT NULL AND (
             REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(COALESCE(remote_ident, ''),
               ' ', ''), '+', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', '') LIKE :sender_digits
          OR REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(COALESCE(caller_number, ''),
               ' ', ''), '+', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', '') LIKE :sender_digits)))
  AND (:unread = 0 OR read_ms IS NULL)
  AND (started_ms, id) > (:after_ms, :after_id)
ORDER BY started_ms, id
LIMIT :limit;

-- name: received_mark_read
UPDATE received_faxes SET read_ms = COALESCE(read_ms, :now)
WHERE id = :id AND tenant_id = :tenant_id
RETURNING *;

-- name: received_delete
DELETE FROM received_faxes WHERE id = :id AND tenant_id = :tenant_id AND status <> 'receiving'
RETURNING id, folder;

-- name: received_assign
-- The admin gives a fax kept for it to a tenant.
UPDATE received_faxes SET tenant_id = :tenant_id, routed_by = 'admin'
WHERE id = :id AND tenant_id IS NULL
RETURNING *;

-- name: received_archive
UPDATE received_faxes SET archived_ms = :now
WHERE id IN (SELECT id FROM received_faxes INDEXED BY received_archivable
             WHERE archived_ms IS NULL AND status <> 'receiving' AND ended_ms < :before_ms
             LIMIT :limit);

-- name: received_purge_candidates
SELECT id, folder FROM received_faxes INDEXED BY received_purgeable
WHERE archived_ms IS NOT NULL AND files_purged_ms IS NULL AND ended_ms < :before_ms
LIMIT :limit;

-- name: received_mark_purged
UPDATE received_faxes SET files_purged_ms = :now WHERE id = :id;
