-- 0016: grids and communities as subjects of their own rules — rate rules over the cases and alerts of a grid, and
-- member-share rules (most phones of a grid or community silent at once) whose unit alert inhibits the member alerts
-- below it. Rules may now target communities and be of kind member-share; a unit counts its members' devices by whom
-- they are bound to, so device credentials are found by that.
ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_kind_check;
ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_kind_check
    CHECK (kind IN ('threshold', 'absence', 'zone', 'time-window', 'rate', 'member-share', 'stage-overdue', 'overdue'));
ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_subject_kind_check;
ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_subject_kind_check
    CHECK (subject_kind IN ('device', 'worker', 'key-person', 'incident', 'grid', 'community'));

CREATE INDEX device_credential_by_bound_to ON device_credential (bound_to);
