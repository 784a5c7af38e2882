-- Received faxes. Times are integer ms since the epoch, as in 0001.

-- Events of received faxes go through the same outbox as those of sent faxes, with the
-- received fax's id in outbox.fax_id (the webhook worker's SQL calls it so): that column
-- can no longer reference faxes(id). Removing a FOREIGN KEY clause does not change what is
-- stored, so SQLite allows it as an edit of the table's definition (SQLite "ALTER TABLE",
-- section "Making other kinds of table schema changes"); a rebuild of the table would
-- instead cascade-delete its webhook deliveries. Events of sent faxes are never deleted
-- with their fax (fax rows are kept for good), so the cascade lost nothing.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'REFERENCES faxes(id) ON DELETE CASCADE', '')
WHERE type = 'table' AND name = 'outbox';
PRAGMA writable_schema = RESET;

CREATE TABLE received_faxes (
    id              TEXT PRIMARY KEY,          -- UUID, the API's receivedId
    -- NULL: no routing rule matched and there is no default tenant; kept for the admin.
    tenant_id       TEXT REFERENCES tenants(id),
    routed_by       TEXT NOT NULL,             -- modem, called_number, default, none, admin
    modem           TEXT NOT NULL,             -- the [[modem]] name that answered
    called_number   TEXT,                      -- DID / dialled number, when the line reports it
    caller_number   TEXT,                      -- caller ID, when the line reports it
    caller_name     TEXT,
    remote_ident    TEXT,                      -- the sender's TSI
    status          TEXT NOT NULL
                    CHECK (status IN ('receiving', 'received', 'partial', 'failed')),
    partial_reason  TEXT,                      -- why a partial or failed fax ended early
    outcome         TEXT,                      -- machine code from the outcome catalogue
    page_count      INTEGER NOT NULL DEFAULT 0,
    resolution      TEXT,
    coding          TEXT,
    ecm             INTEGER,
    bit_rate        INTEGER,
    started_ms      INTEGER NOT NULL,
    ended_ms        INTEGER,
    read_ms         INTEGER,                   -- marked read by the tenant
    folder          TEXT NOT NULL,             -- relative to the state directory
    details         TEXT NOT NULL DEFAULT '{}',  -- the session's T.30 details and trace (JSON)
    event_seq       INTEGER NOT NULL DEFAULT 0,  -- last outbox sequence number of this fax
    archived_ms     INTEGER,
    files_purged_ms INTEGER
);
CREATE INDEX received_tenant_started ON received_faxes(tenant_id, started_ms, id);
CREATE INDEX received_open ON received_faxes(status) WHERE status = 'receiving';
CREATE INDEX received_archivable ON received_faxes(ended_ms)
    WHERE archived_ms IS NULL AND status <> 'receiving';
CREATE INDEX received_purgeable ON received_faxes(archived_ms)
    WHERE archived_ms IS NOT NULL AND files_purged_ms IS NULL;

-- One row per page kept whole, written as the page arrives.
CREATE TABLE received_pages (
    received_id      TEXT NOT NULL REFERENCES received_faxes(id) ON DELETE CASCADE,
    page             INTEGER NOT NULL,         -- 1-based
    resolution       TEXT NOT NULL,
    coding           TEXT NOT NULL,
    width_px         INTEGER NOT NULL,
    height_px        INTEGER NOT NULL,
    total_lines      INTEGER NOT NULL,
    bad_lines        INTEGER NOT NULL,
    ecm              INTEGER NOT NULL,
    received_ms      INTEGER NOT NULL,
    PRIMARY KEY (received_id, page)
) WITHOUT ROWID;
