-- 0005: the alert engine — rules and silences as versioned data, and the alert list kept by the
-- database from the event log (the store of record) in the same transaction as each event.

-- Every version of every rule. The current rule is its highest version; a rule is switched off by a
-- new version with enabled = false, so the history of who changed what stays whole.
CREATE TABLE alert_rule (
    id               text        NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9.-]{1,62}$'),
    version          integer     NOT NULL CHECK (version > 0),
    title            text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('threshold', 'absence', 'zone', 'time-window', 'rate', 'stage-overdue')),
    subject_kind     text        NOT NULL CHECK (subject_kind IN ('device', 'worker', 'key-person', 'incident', 'grid')),
    unit_scope       text        NOT NULL,
    severity         text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    parameters       jsonb       NOT NULL,
    pending_seconds  integer     NOT NULL CHECK (pending_seconds >= 0),
    recovery_seconds integer     NOT NULL CHECK (recovery_seconds >= 0),
    escalation       jsonb,      -- null: never escalates
    enabled          boolean     NOT NULL,
    changed_by       text        NOT NULL,
    changed_at       timestamptz NOT NULL DEFAULT now(),
    op_id            text        NOT NULL,
    PRIMARY KEY (id, version),
    UNIQUE (changed_by, op_id)
);

-- Silences for planned work: alerts of matching rules in matching units are suppressed while one runs.
CREATE TABLE alert_silence (
    id          uuid        PRIMARY KEY,
    unit_scope  text        NOT NULL,
    rule_id     text,       -- null: every rule
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    reason      text        NOT NULL,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_early_at timestamptz,
    ended_by    text,
    op_id       text        NOT NULL,
    UNIQUE (created_by, op_id),
    CHECK (ends_at > starts_at)
);

-- One counter that moves on every rule or silence change: silos compare it to know when to reload.
CREATE TABLE alert_config_revision (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    revision  bigint  NOT NULL
);
INSERT INTO alert_config_revision VALUES (true, 1);

CREATE FUNCTION bump_alert_config_revision() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
BEGIN
    UPDATE alert_config_revision SET revision = revision + 1;
    RETURN NULL;
END
$f$;

CREATE TRIGGER alert_rule_changed AFTER INSERT OR UPDATE ON alert_rule
    FOR EACH STATEMENT EXECUTE FUNCTION bump_alert_config_revision();
CREATE TRIGGER alert_silence_changed AFTER INSERT OR UPDATE ON alert_silence
    FOR EACH STATEMENT EXECUTE FUNCTION bump_alert_config_revision();

-- Events are found by the id of the object they concern (an alert's or a case's history).
CREATE INDEX event_log_by_subject ON event_log ((payload ->> 'id'), seq);

-- The alert list. Not written by the application: a trigger on event_log keeps it, inside the
-- transaction that commits each alert event, so the list and the log never disagree.
CREATE TABLE alert (
    id                    text        PRIMARY KEY,
    district_code         text        NOT NULL,
    unit_code             text        NOT NULL,
    responsible_unit_code text        NOT NULL,
    rule_id               text        NOT NULL,
    rule_version          integer     NOT NULL,
    severity              text        NOT NULL,
    state                 text        NOT NULL,
    subject_kind          text        NOT NULL,
    subject_id            text        NOT NULL,
    title                 text        NOT NULL,
    raised_at             timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    last_seq              bigint      NOT NULL
);
CREATE INDEX alert_by_unit ON alert (unit_code text_pattern_ops, raised_at DESC, id);
CREATE INDEX alert_by_state ON alert (state, unit_code text_pattern_ops);

CREATE FUNCTION project_alert_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
BEGIN
    INSERT INTO alert AS a (id, district_code, unit_code, responsible_unit_code, rule_id, rule_version, severity,
                            state, subject_kind, subject_id, title, raised_at, updated_at, last_seq)
    VALUES (p ->> 'id', NEW.district_code, NEW.unit_code, p ->> 'responsibleUnitCode', p ->> 'ruleId',
            (p ->> 'ruleVersion')::integer, p ->> 'severity', p ->> 'state', p -> 'subject' ->> 'kind',
            p -> 'subject' ->> 'id', p ->> 'title', (p ->> 'raisedAt')::timestamptz, NEW.occurred_at, NEW.seq)
    ON CONFLICT (id) DO UPDATE
        SET state = EXCLUDED.state, responsible_unit_code = EXCLUDED.responsible_unit_code,
            updated_at = EXCLUDED.updated_at, last_seq = EXCLUDED.last_seq
        WHERE a.last_seq < EXCLUDED.last_seq;
    RETURN NULL;
END
$f$;

CREATE TRIGGER event_log_projects_alerts AFTER INSERT ON event_log
    FOR EACH ROW WHEN (NEW.type LIKE 'alert.%') EXECUTE FUNCTION project_alert_event();

REVOKE ALL ON FUNCTION bump_alert_config_revision(), project_alert_event() FROM PUBLIC;
GRANT SELECT, INSERT ON alert_rule TO {{app_role}};
GRANT SELECT, INSERT, UPDATE ON alert_silence TO {{app_role}};
GRANT SELECT ON alert_config_revision, alert TO {{app_role}};
