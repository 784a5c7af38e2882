-- The number in E.164 beside what the client typed: search and the one-call-per-number rule
-- compare this one, so "5550100" and "+15550100" are the same number. Rows from before keep
-- their number as it was stored (the country code was not known to the store).
ALTER TABLE faxes ADD COLUMN phone_e164 TEXT NOT NULL DEFAULT '';
UPDATE faxes SET phone_e164 = phone_number;
CREATE INDEX faxes_in_call_e164 ON faxes(phone_e164) WHERE status = 'FaxAttemptInitiated';
CREATE INDEX faxes_tenant_e164 ON faxes(tenant_id, phone_e164);
