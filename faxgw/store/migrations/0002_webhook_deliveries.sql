-- Webhook delivery tracking. One row per (outbox event, endpoint that wants it);
-- the webhook worker is its only writer. Times are integer ms since the epoch, as in 0001.
-- What is in flight lives only in the worker's memory: after a crash every pending row is
-- simply tried again (at least once), with nothing to reset.

CREATE TABLE webhook_deliveries (
    event_id          INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    endpoint_id       TEXT    NOT NULL,       -- no FK: the record outlives a deleted endpoint
    tenant_id         TEXT    NOT NULL,
    fax_id            TEXT    NOT NULL,
    state             TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'delivered', 'given_up', 'dropped')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    created_ms        INTEGER NOT NULL,
    first_attempt_ms  INTEGER,               -- the give-up clock starts here
    next_attempt_ms   INTEGER NOT NULL,
    finished_ms       INTEGER,
    PRIMARY KEY (event_id, endpoint_id)
) WITHOUT ROWID;

-- Only pending rows are indexed, so these stay small however long the history grows.
CREATE INDEX webhook_deliveries_due
    ON webhook_deliveries (next_attempt_ms, event_id) WHERE state = 'pending';
-- The line of one fax at one endpoint: its head is the pending row with the lowest event_id.
CREATE INDEX webhook_deliveries_line
    ON webhook_deliveries (endpoint_id, fax_id, event_id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_fax ON webhook_deliveries (fax_id, event_id);

CREATE TABLE webhook_attempts (
    event_id          INTEGER NOT NULL,
    endpoint_id       TEXT    NOT NULL,
    number            INTEGER NOT NULL,       -- 1-based per delivery
    started_ms        INTEGER NOT NULL,
    duration_ms       REAL    NOT NULL,
    status_code       INTEGER,                -- NULL: no HTTP answer (timeout, refused, ...)
    error             TEXT,
    response_excerpt  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, endpoint_id, number),
    FOREIGN KEY (event_id, endpoint_id)
        REFERENCES webhook_deliveries (event_id, endpoint_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- How far the fan-out has read the outbox (one row).
CREATE TABLE webhook_fanout_cursor (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id  INTEGER NOT NULL
);
INSERT INTO webhook_fanout_cursor (id, last_event_id) VALUES (1, 0);
