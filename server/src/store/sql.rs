//! SQL text both backends accept as written (`$n` parameters work in SQLite
//! too), so the two implementations cannot drift apart on it.

pub const ACQUIRE_LEASE: &str = "\
INSERT INTO job_leases (name, holder, acquired_at, expires_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET
    holder = excluded.holder,
    acquired_at = CASE WHEN job_leases.holder = excluded.holder
                       THEN job_leases.acquired_at ELSE excluded.acquired_at END,
    expires_at = excluded.expires_at
WHERE job_leases.holder = excluded.holder
   OR job_leases.expires_at <= excluded.acquired_at";

pub const RELEASE_LEASE: &str = "DELETE FROM job_leases WHERE name = $1 AND holder = $2";

pub const INSERT_DELIVERY: &str = "\
INSERT INTO deliveries
    (received_at, endpoint, ingest_key, external_id, method, uri, headers, body, remote_addr)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (endpoint, ingest_key, external_id) WHERE external_id IS NOT NULL DO NOTHING
RETURNING id";

pub const FIND_DELIVERY_BY_EXTERNAL_ID: &str = "\
SELECT id FROM deliveries WHERE endpoint = $1 AND ingest_key = $2 AND external_id = $3";

pub const DELIVERY_BY_ID: &str = "\
SELECT id, received_at, endpoint, ingest_key, external_id, method, uri, headers, body,
       remote_addr, outcome, outcome_detail, processed_at
FROM deliveries WHERE id = $1";

pub const RECENT_DELIVERIES: &str = "\
SELECT id, received_at, endpoint, ingest_key, external_id, method, uri, headers, body,
       remote_addr, outcome, outcome_detail, processed_at
FROM deliveries ORDER BY id DESC LIMIT $1";
