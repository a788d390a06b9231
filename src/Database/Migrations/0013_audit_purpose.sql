-- 0013: why personal data was read is a column from a closed set, not free text in the detail.
-- The codes are those of AccessPurposes (src/Database/Audit/AccessPurposes.cs); the labels live there.
-- Rows written before carry their purpose, if any, as free text in `detail`, which stays as it was;
-- the two reads whose purpose was always the same get it as a value.
ALTER TABLE audit_log ADD COLUMN purpose text;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_purpose
    CHECK (purpose IN ('visit', 'correction', 'case-handling', 'emergency', 'audit-review', 'monitoring'));
UPDATE audit_log SET purpose = 'visit' WHERE action = 'key-person.visit-tasks';
UPDATE audit_log SET purpose = 'monitoring' WHERE action = 'key-person.watch';
