-- Two additions: the request fingerprint and key revocation.
--
-- The fingerprint (SHA-256 over the normalised fields and the documents' hashes) of a
-- submission that carried an Idempotency-Key: a repeat with the same key but another request
-- is refused with 422 instead of being answered with the first fax. NULL for faxes submitted
-- without a key, and for those stored before this migration (a repeat of those is replayed).
ALTER TABLE faxes ADD COLUMN request_sha256 TEXT;

-- When an API key stops working: set at once by `faxgw tenant key revoke`, or in the future
-- by `faxgw tenant key rotate --grace-seconds N` (the old key keeps working N seconds).
ALTER TABLE api_keys ADD COLUMN revoked_ms INTEGER;
