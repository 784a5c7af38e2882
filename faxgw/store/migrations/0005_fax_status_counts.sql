-- Live faxes by status, kept by triggers in the transaction of every change:
-- GET /metrics and the systemd STATUS= line read these few rows instead of counting a
-- million faxes at every scrape. "Live" is what the faxgw_faxes gauge has always counted:
-- not archived. Triggers, not code in the store: every writer (the daemon, a CLI, a
-- migration, a hand-written UPDATE) keeps the counts right, inside its own transaction.
CREATE TABLE fax_status_counts (
    status  TEXT PRIMARY KEY,
    live    INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO fax_status_counts (status, live)
SELECT status, COUNT(*) FROM faxes WHERE archived_ms IS NULL GROUP BY status;

CREATE TRIGGER fax_status_counts_insert AFTER INSERT ON faxes
WHEN NEW.archived_ms IS NULL
BEGIN
    INSERT INTO fax_status_counts (status, live) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET live = live + 1;
END;

-- Fires only when the status or the archived flag really changes (most updates of a fax,
-- page counts and retry times, touch neither).
CREATE TRIGGER fax_status_counts_update AFTER UPDATE OF status, archived_ms ON faxes
WHEN OLD.status IS NOT NEW.status OR (OLD.archived_ms IS NULL) <> (NEW.archived_ms IS NULL)
BEGIN
    UPDATE fax_status_counts SET live = live - 1
    WHERE status = OLD.status AND OLD.archived_ms IS NULL;
    -- WHERE on the SELECT: SQLite's upsert needs it to parse ON CONFLICT after a SELECT.
    INSERT INTO fax_status_counts (status, live)
    SELECT NEW.status, 1 WHERE NEW.archived_ms IS NULL
    ON CONFLICT (status) DO UPDATE SET live = live + 1;
END;

CREATE TRIGGER fax_status_counts_delete AFTER DELETE ON faxes
WHEN OLD.archived_ms IS NULL
BEGIN
    UPDATE fax_status_counts SET live = live - 1 WHERE status = OLD.status;
END;
