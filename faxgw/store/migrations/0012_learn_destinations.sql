-- What faxgw learned about each number it called (the far machine, what worked, trouble
-- seen), and a fax's request to verify its recipient. number: digits only, E.164 without
-- its '+' where the dial plan knows our country code.
CREATE TABLE destinations (
    number TEXT PRIMARY KEY,
    remote_csi TEXT,
    remote_nsf TEXT,                 -- hex, as heard
    remote_vendor TEXT,              -- decoded from the NSF where the table knows it
    remote_capabilities TEXT NOT NULL DEFAULT '[]',  -- JSON list of DIS capabilities
    last_bit_rate INTEGER,           -- of the last call that trained
    last_coding TEXT,
    last_ecm INTEGER,
    start_bit_rate INTEGER,          -- the next call trains first at no more than this
    ecm INTEGER NOT NULL DEFAULT 1,  -- 0: the next call goes without ECM
    pinned_csi TEXT,                 -- the CSI a verified fax must meet
    locked INTEGER NOT NULL DEFAULT 0,  -- set by an admin: calls no longer change the above
    calls INTEGER NOT NULL DEFAULT 0,
    successes INTEGER NOT NULL DEFAULT 0,
    tcf_failures INTEGER NOT NULL DEFAULT 0,
    last_tcf_failure_ms INTEGER,
    v17_failures INTEGER NOT NULL DEFAULT 0,
    last_v17_failure_ms INTEGER,
    ecm_failures INTEGER NOT NULL DEFAULT 0,
    last_ecm_failure_ms INTEGER,
    last_call_ms INTEGER,
    last_success_ms INTEGER,
    updated_ms INTEGER NOT NULL
);

ALTER TABLE faxes ADD COLUMN verify_recipient INTEGER NOT NULL DEFAULT 0;
ALTER TABLE faxes ADD COLUMN expected_csi TEXT;
