-- faxgw schema, version 1. Times are integer milliseconds since the Unix epoch (UTC):
-- compact, indexable, and turned into ISO-8601 strings only at the API edge.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,            -- UUID
    name        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);

-- Only a SHA-256 of the key is kept: the key is shown once, at creation.
CREATE TABLE api_keys (
    key_hash    TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id);

CREATE TABLE faxes (
    id                 TEXT PRIMARY KEY,     -- UUID, the API's faxId
    tenant_id          TEXT NOT NULL REFERENCES tenants(id),
    status             TEXT NOT NULL,
    held_from          TEXT,                 -- the queued status a FaxHeld fax returns to
    phone_number       TEXT NOT NULL,        -- normalised: digits with an optional leading +
    failed_reason      TEXT,
    metadata           TEXT NOT NULL DEFAULT '{}',
    resolution         TEXT NOT NULL,
    header_line        TEXT,
    cover_page         TEXT,                 -- JSON, as the client sent it
    document_count     INTEGER NOT NULL,
    page_count         INTEGER,              -- known once the documents are rendered
    attempt_count      INTEGER NOT NULL DEFAULT 0,
    auto_retries_left  INTEGER NOT NULL,
    manual_pending     INTEGER NOT NULL DEFAULT 0,  -- 1: the queued attempt came from PUT /retry
    next_attempt_ms    INTEGER,              -- earliest time the scheduler may claim it
    webhook_failed     INTEGER NOT NULL DEFAULT 0,
    idempotency_key    TEXT,
    event_seq          INTEGER NOT NULL DEFAULT 0,  -- last outbox sequence number of this fax
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL,
    archived_ms        INTEGER,
    files_purged_ms    INTEGER
);
-- Search by submission date within a tenant (faxSentDate), newest pages by keyset.
CREATE INDEX faxes_tenant_created ON faxes(tenant_id, created_ms, id);
CREATE UNIQUE INDEX faxes_idempotency ON faxes(tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- The scheduler's claim: queued faxes by due time.
CREATE INDEX faxes_ready ON faxes(next_attempt_ms)
    WHERE status IN ('FaxReceived', 'FaxRetryAttempted', 'FaxRetry');
CREATE INDEX faxes_in_call ON faxes(phone_number) WHERE status = 'FaxAttemptInitiated';
-- The archive task: terminal faxes not archived yet, by the time they became terminal.
CREATE INDEX faxes_archivable ON faxes(updated_ms)
    WHERE archived_ms IS NULL AND status IN ('FaxSent', 'FaxFailed', 'FaxCancelled');
CREATE INDEX faxes_purgeable ON faxes(archived_ms)
    WHERE archived_ms IS NOT NULL AND files_purged_ms IS NULL;

CREATE TABLE fax_documents (
    fax_id      TEXT NOT NULL REFERENCES faxes(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,            -- 1-based, the order of the parts
    doc_type    TEXT NOT NULL,               -- pdf, tiff, png, jpeg, gif, bmp, text
    filename    TEXT,                        -- as the client named it (informational)
    size_bytes  INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    path        TEXT NOT NULL,               -- relative to the state directory
    PRIMARY KEY (fax_id, position)
);

CREATE TABLE fax_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    fax_id      TEXT NOT NULL REFERENCES faxes(id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    reason      TEXT
);
CREATE INDEX fax_history_fax ON fax_history(fax_id, id);

CREATE TABLE attempts (
    id               TEXT PRIMARY KEY,       -- UUID, the API's attemptId
    fax_id           TEXT NOT NULL REFERENCES faxes(id) ON DELETE CASCADE,
    number           INTEGER NOT NULL,       -- 1-based per fax
    manual           INTEGER NOT NULL,       -- 1: bought by PUT /retry
    modem            TEXT,
    started_ms       INTEGER NOT NULL,
    ended_ms         INTEGER,
    outcome          TEXT,                   -- machine code from the outcome catalogue
    failed_reason    TEXT,                   -- a sentence for people
    pages_total      INTEGER,
    pages_confirmed  INTEGER NOT NULL DEFAULT 0,
    remote_ident     TEXT,                   -- the receiver's CSI
    bit_rate         INTEGER,
    resolution       TEXT,
    coding           TEXT,                   -- MH, MR, MMR
    ecm              INTEGER,
    details          TEXT NOT NULL DEFAULT '{}',  -- T.30 details and trace (JSON)
    UNIQUE (fax_id, number)
);
-- The database itself refuses a second attempt in progress for one fax.
CREATE UNIQUE INDEX attempts_one_open ON attempts(fax_id) WHERE ended_ms IS NULL;

-- Pages the receiver confirmed (MCF), over all attempts: a retry resends only the others.
CREATE TABLE fax_pages_confirmed (
    fax_id        TEXT NOT NULL REFERENCES faxes(id) ON DELETE CASCADE,
    page          INTEGER NOT NULL,          -- 1-based
    attempt_id    TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    confirmed_ms  INTEGER NOT NULL,
    PRIMARY KEY (fax_id, page)
);

CREATE TABLE webhook_endpoints (
    id                   TEXT PRIMARY KEY,   -- UUID
    tenant_id            TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url                  TEXT NOT NULL,
    events               TEXT NOT NULL,      -- JSON array of status names
    description          TEXT,
    secret               TEXT NOT NULL,      -- needed in clear to sign (HMAC-SHA256)
    previous_secret      TEXT,               -- still signed with until previous_expires_ms
    previous_expires_ms  INTEGER,
    created_ms           INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id, created_ms);

-- One row per status change, written in the transaction of the change (the webhook worker delivers it).
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- global order
    event_id    TEXT NOT NULL UNIQUE,        -- UUID, the CloudEvents id
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    fax_id      TEXT NOT NULL REFERENCES faxes(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,            -- per fax, 1, 2, 3, ...
    type        TEXT NOT NULL,               -- faxgw.fax.<Status>
    created_ms  INTEGER NOT NULL,
    payload     TEXT NOT NULL,               -- the whole CloudEvents 1.0 JSON envelope
    UNIQUE (fax_id, seq)
);
CREATE INDEX outbox_tenant ON outbox(tenant_id, id);
