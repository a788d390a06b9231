-- 0022: collected once in the field (采集). A grid worker's phone submits a collection record — a resident moved in,
-- a flat now rented, a broken manhole cover — under the device's opId (the claim is in operation_ledger, in the same
-- transaction as the row); community staff approve or reject it. On approval it is applied to its registry through the
-- registries' write path, with this row's provenance (the worker, the device's time), in the transaction that marks
-- the row approved. The row keeps what was collected, as collected: it is the evidence of the change.
CREATE TABLE collection_record (
    id            text        PRIMARY KEY,
    unit_code     text        NOT NULL,  -- the collecting worker's grid: who may review it (prefix scope)
    registry      text        NOT NULL,  -- a registry slug (RegistryNames)
    action        text        NOT NULL CHECK (action IN ('create', 'update', 'end')),
    record_id     text,                  -- the registry row changed: named by update/end, the new row's id once a create is applied
    data          jsonb       NOT NULL,
    worker_id     text        NOT NULL,
    device_id     text        NOT NULL,
    op_id         text        NOT NULL,
    collected_at  timestamptz NOT NULL,  -- the device's time of the collection
    received_at   timestamptz NOT NULL,
    state         text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    reviewed_by   text,
    reviewed_at   timestamptz,
    note          text,                  -- the reviewer's note; a rejection's reason
    refusal       text,                  -- why the registry refused it (a field another source owns); the row stays pending
    case_id       text                   -- the case opened for a damaged or missing component
);
CREATE INDEX collection_record_by_unit ON collection_record (state, unit_code text_pattern_ops, id);

-- A review of a collection is an administrative change like any other: its row in admin_change.
ALTER TABLE admin_change DROP CONSTRAINT admin_change_entity_kind_check;
ALTER TABLE admin_change ADD CONSTRAINT admin_change_entity_kind_check
    CHECK (entity_kind IN ('operator', 'incident-category', 'department', 'supervision-schedule', 'collection'));

GRANT SELECT, INSERT, UPDATE ON collection_record TO {{app_role}};

-- A key place (重点场所) past its inspection is a subject of the overdue rules, watched by its grid's registry dues.
ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_subject_kind_check;
ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_subject_kind_check
    CHECK (subject_kind IN ('device', 'worker', 'key-person', 'incident', 'grid', 'community', 'key-place'));
