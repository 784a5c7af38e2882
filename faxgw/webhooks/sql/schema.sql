-- Webhook delivery tracking. One row per (outbox event, endpoint) that wants it; the
-- worker is its only writer. Moved into the store's numbered migrations once the core
-- store exists; kept here so the ledger can be read and tested on its own.

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    event_id         INTEGER NOT NULL,
    endpoint_id      TEXT    NOT NULL,
    tenant_id        TEXT    NOT NULL,
    fax_id           TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'given_up', 'dropped')),
    in_flight        INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       REAL    NOT NULL,
    first_attempt_at REAL,
    next_attempt_at  REAL    NOT NULL,
    finished_at      REAL,
    PRIMARY KEY (event_id, endpoint_id)
) WITHOUT ROWID;

-- Ready work, oldest due first; only pending rows are indexed, so the index stays small
-- however long the delivered history grows.
CREATE INDEX IF NOT EXISTS webhook_deliveries_due
    ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

-- The line of one fax at one endpoint: the head is the pending row with the lowest event_id.
CREATE INDEX IF NOT EXISTS webhook_deliveries_line
    ON webhook_deliveries (endpoint_id, fax_id, event_id) WHERE state = 'pending';

CREATE INDEX IF NOT EXISTS webhook_deliveries_fax ON webhook_deliveries (fax_id, event_id);

CREATE TABLE IF NOT EXISTS webhook_attempts (
    event_id         INTEGER NOT NULL,
    endpoint_id      TEXT    NOT NULL,
    number           INTEGER NOT NULL,
    started_at       REAL    NOT NULL,
    duration_ms      REAL    NOT NULL,
    status_code      INTEGER,
    error            TEXT,
    response_excerpt TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, endpoint_id, number),
    FOREIGN KEY (event_id, endpoint_id)
        REFERENCES webhook_deliveries (event_id, endpoint_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- How far the fan-out has read the outbox (a single row).
CREATE TABLE IF NOT EXISTS webhook_fanout_cursor (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id INTEGER NOT NULL
);
INSERT OR IGNORE INTO webhook_fanout_cursor (id, last_event_id) VALUES (1, 0);

-- FaxWebhookUpdateFailed is recorded once per fax: this row says it was decided, and
-- `notified` that the fax's history has it (so a crash in between is finished at start).
CREATE TABLE IF NOT EXISTS webhook_failed_faxes (
    fax_id     TEXT    PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    event_id   INTEGER NOT NULL,
    decided_at REAL    NOT NULL,
    notified   INTEGER NOT NULL DEFAULT 0
);

-- A rotated secret keeps signing (next to the new one) until expires_at.
CREATE TABLE IF NOT EXISTS webhook_previous_secrets (
    endpoint_id TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    expires_at  REAL NOT NULL
);
