-- 0010: one idempotency ledger for the writes the gateway stores itself. Each took its operation id
-- in a table of its own (incident_request, and op_id columns on zones, visits, rules and silences);
-- now every such write claims (caller, op_id) here, in the transaction of the write. The
-- event-sourced writes keep their operation id in their event_log row, the store of record.
CREATE TABLE operation_ledger (
    caller       text        NOT NULL,
    op_id        text        NOT NULL CHECK (length(op_id) BETWEEN 1 AND 200),
    kind         text        NOT NULL,  -- what was written: incident.report, key-person.zone, key-person.visit, alert-rule.save, alert-silence.create
    request_hash text,                  -- null only for rows from before the ledger kept digests (rules, silences): a retry replays them
    result_id    text        NOT NULL,  -- what the write created: the answer to a replay is read from it
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, op_id)
);

-- What earlier writes claimed, so their retries still replay. A caller's op id was unique per table
-- only; should two tables hold the same (caller, op_id), the oldest keeps it.
INSERT INTO operation_ledger (caller, op_id, kind, request_hash, result_id, claimed_at)
SELECT DISTINCT ON (caller, op_id) caller, op_id, kind, request_hash, result_id, claimed_at FROM (
    SELECT caller, op_id, 'incident.report' AS kind, request_hash, incident_id AS result_id, created_at AS claimed_at FROM incident_request
    UNION ALL SELECT created_by, op_id, 'key-person.zone', request, id, created_at FROM key_person_zone
    UNION ALL SELECT recorded_by, op_id, 'key-person.visit', request, id, recorded_at FROM key_person_visit
    UNION ALL SELECT changed_by, op_id, 'alert-rule.save', NULL, id || '/' || version, changed_at FROM alert_rule
    UNION ALL SELECT created_by, op_id, 'alert-silence.create', NULL, id::text, created_at FROM alert_silence
) AS earlier
ORDER BY caller, op_id, claimed_at;

DROP TABLE incident_request;
ALTER TABLE key_person_zone DROP COLUMN op_id, DROP COLUMN request;
ALTER TABLE key_person_visit DROP COLUMN op_id, DROP COLUMN request;
ALTER TABLE alert_rule DROP COLUMN op_id;
ALTER TABLE alert_silence DROP COLUMN op_id;

GRANT SELECT, INSERT ON operation_ledger TO {{app_role}};
