-- 0037: gaps of issue 29 (supervision workflows) — a joint mediation (三所联调) is an alert subject: its grain offers the parts'
-- deadline (subject kind 'mediation', deadline 'mediationPart') while a participating department's part is missing; a hand-over
-- request (异地协作监管) is one on the receiving side (subject kind 'hand-over', deadline 'handOverReceived', unit the receiving grid)
-- while it is unanswered, so the receiving district's screens show it.

ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_subject_kind_check;
ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_subject_kind_check
    CHECK (subject_kind IN ('device', 'worker', 'key-person', 'incident', 'grid', 'community', 'key-place', 'campaign-grid', 'mediation', 'hand-over'));
