-- 0012: every audit row names the unit it concerns — the person's grid when the subject is known,
-- else the reader's own unit — so that the auditor also sees probes of ids that do not exist.
ALTER TABLE audit_log ADD COLUMN unit_code text;
UPDATE audit_log a SET unit_code = coalesce(
    (SELECT k.grid_code FROM key_person k WHERE k.id = a.subject),
    substring(a.detail FROM 'unit=([0-9]+)'),
    '');
ALTER TABLE audit_log ALTER COLUMN unit_code SET NOT NULL;
CREATE INDEX audit_log_by_unit ON audit_log (unit_code text_pattern_ops, id DESC);
