-- 0019: administration of what a centre sets up — every change an administrator makes (accounts, case
-- categories, departments, supervision schedules) is one row of admin_change, written in the
-- transaction of the change itself: who (actor, role), when, what (entity kind and key), old and new.

CREATE TABLE admin_change (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text        NOT NULL,
    actor_role  text        NOT NULL,
    entity_kind text        NOT NULL CHECK (entity_kind IN ('operator', 'incident-category', 'department', 'supervision-schedule')),
    entity_key  text        NOT NULL,
    unit_code   text        NOT NULL,  -- the unit the entity belongs to: who may read the change (prefix scope)
    action      text        NOT NULL,
    old_value   jsonb,                 -- null: the entity was created
    new_value   jsonb       NOT NULL,
    op_id       text        NOT NULL
);
CREATE INDEX admin_change_by_entity ON admin_change (entity_kind, entity_key, id DESC);
CREATE INDEX admin_change_by_unit ON admin_change (unit_code text_pattern_ops, id DESC);

-- One reading of every administrative change: admin_change, and the alert rules' own history (each version
-- keeps who changed it and when; its old value is the version before). Nothing is written twice.
CREATE VIEW admin_change_log AS
SELECT 'change-' || c.id AS ref, c.at, c.actor, c.actor_role, c.entity_kind, c.entity_key, c.unit_code, c.action,
       c.old_value, c.new_value, c.op_id
FROM admin_change c
UNION ALL
SELECT 'alert-rule-' || v.id || '-' || v.version, v.changed_at, v.changed_by, NULL, 'alert-rule', v.id, v.unit_scope,
       CASE WHEN v.version = 1 THEN 'create' ELSE 'change' END,
       lag(v.value) OVER (PARTITION BY v.id ORDER BY v.version), v.value, NULL
FROM (
    SELECT r.id, r.version, r.changed_at, r.changed_by, r.unit_scope,
           jsonb_build_object('version', r.version, 'title', r.title, 'kind', r.kind, 'subjectKind', r.subject_kind,
               'unitScope', r.unit_scope, 'severity', r.severity, 'parameters', r.parameters, 'pendingSeconds', r.pending_seconds,
               'recoverySeconds', r.recovery_seconds, 'escalation', r.escalation, 'enabled', r.enabled) AS value
    FROM alert_rule r
) v;

-- A department that is disabled takes no new cases; the cases it has stay readable.
ALTER TABLE department ADD COLUMN disabled boolean NOT NULL DEFAULT false;

-- The supervision schedule is what the key persons' deadline rules read: a change moves the same revision a rule's
-- change moves, so every silo reloads it with the rules and running key-person grains use it without a restart.
CREATE TRIGGER supervision_schedule_changed AFTER INSERT OR UPDATE ON supervision_schedule
    FOR EACH STATEMENT EXECUTE FUNCTION bump_alert_config_revision();

-- A category's deadlines are changed through the API; running cases keep what each stage began with.
GRANT SELECT, INSERT, UPDATE ON supervision_schedule TO {{app_role}};
-- Append-only for the application, like audit_log.
GRANT SELECT, INSERT ON admin_change TO {{app_role}};
GRANT SELECT ON admin_change_log TO {{app_role}};
