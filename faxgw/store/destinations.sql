-- name: destination_get
SELECT * FROM destinations WHERE number = :number;

-- name: destination_list
SELECT * FROM destinations WHERE number > :after ORDER BY number LIMIT :limit;

-- name: destination_upsert
INSERT INTO destinations (number, remote_csi, remote_nsf, remote_vendor, remote_capabilities,
                          last_bit_rate, last_coding, last_ecm, start_bit_rate, ecm,
                          pinned_csi, locked, calls, successes, tcf_failures,
                          last_tcf_failure_ms, v17_failures, last_v17_failure_ms,
                          ecm_failures, last_ecm_failure_ms, last_call_ms, last_success_ms,
                          updated_ms)
VALUES (:number, :remote_csi, :remote_nsf, :remote_vendor, :remote_capabilities,
        :last_bit_rate, :last_coding, :last_ecm, :start_bit_rate, :ecm,
        :pinned_csi, :locked, :calls, :successes, :tcf_failures,
        :last_tcf_failure_ms, :v17_failures, :last_v17_failure_ms,
        :ecm_failures, :last_ecm_failure_ms, :last_call_ms, :last_success_ms, :updated_ms)
ON CONFLICT (number) DO UPDATE SET
    remote_csi = excluded.remote_csi, remote_nsf = excluded.remote_nsf,
    remote_vendor = excluded.remote_vendor, remote_capabilities = excluded.remote_capabilities,
    last_bit_rate = excluded.last_bit_rate, last_coding = excluded.last_coding,
    last_ecm = excluded.last_ecm, start_bit_rate = excluded.start_bit_rate,
    ecm = excluded.ecm, pinned_csi = excluded.pinned_csi, locked = excluded.locked,
    calls = excluded.calls, successes = excluded.successes,
    tcf_failures = excluded.tcf_failures, last_tcf_failure_ms = excluded.last_tcf_failure_ms,
    v17_failures = excluded.v17_failures, last_v17_failure_ms = excluded.last_v17_failure_ms,
    ecm_failures = excluded.ecm_failures, last_ecm_failure_ms = excluded.last_ecm_failure_ms,
    last_call_ms = excluded.last_call_ms, last_success_ms = excluded.last_success_ms,
    updated_ms = excluded.updated_ms;
