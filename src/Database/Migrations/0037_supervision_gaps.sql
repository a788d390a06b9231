-- 0037: gaps of issue 29 (supervision workflows) — a joint mediation (三所联调) is an alert subject: its grain offers the parts'
-- deadline (subject kind 'mediation', deadline 'mediationPart') while a participating department's part is missing; a hand-over
-- request (异地协作监管) is one on the receiving side (subject kind 'hand-over', deadline 'handOverReceived', unit the receiving grid)
-- while it is unanswered, so the receiving district's screens show it.

ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_subject_kind_check;
ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_subject_kind_check
    CHECK (subject_kind IN ('device', 'worker', 'key-person', 'incident', 'grid', 'community', 'key-place', 'campaign-grid', 'mediation', 'hand-over'));

-- Drills (演练) with scripted device positions: each position of the scenario, handed to the device's key person as the drill's,
-- so the drill's clearing finds the persons whose drill alerts it ends. The device's own state is never touched by them.
CREATE TABLE drill_position (
    drill_id   text             NOT NULL REFERENCES drill (id),
    n          integer          NOT NULL CHECK (n >= 1),
    device_id  text             NOT NULL,
    person_id  text             NOT NULL,
    lat        double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon        double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    at         timestamptz      NOT NULL,
    PRIMARY KEY (drill_id, n)
);
GRANT SELECT, INSERT ON drill_position TO {{app_role}};

-- The outbox skips a drill's events (payload drillId): like its cases, a drill's alerts reach no receiver.
CREATE OR REPLACE FUNCTION enqueue_notifications() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
    v_kind text;
    v_subject text := 'alert';
    v_key text := NEW.district_code || ':' || NEW.seq;
    v_added integer;
BEGIN
    -- A drill's events (演练: its cases, the alerts its scripted positions raise) are exercises: no webhook.
    IF p ->> 'drillId' IS NOT NULL THEN
        RETURN NULL;
    END IF;
    IF NEW.type IN ('alert.escalated', 'alert.urged') AND jsonb_typeof(p -> 'supervision') = 'object' THEN
        v_kind := 'escalation';
    ELSIF NEW.type = 'alert.raised' AND p ->> 'severity' = 'critical' THEN
        v_kind := 'critical-alert';
    ELSIF NEW.type = 'incident.stage-changed' AND p ->> 'stage' = 'dispatched' THEN
        v_kind := 'task-assignment';
        v_subject := 'incident';
        IF p ? 'version' THEN
            v_key := 'incident:' || (p ->> 'id') || ':' || (p ->> 'version');
        END IF;
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO notification (subscription_id, kind, event_key, district_code, seq, unit_code, subject_kind, subject_id)
    SELECT s.id, v_kind, v_key, NEW.district_code, NEW.seq, NEW.unit_code, v_subject, p ->> 'id'
    FROM notification_subscription s
    WHERE NOT s.disabled AND v_kind = ANY (s.kinds) AND NEW.unit_code LIKE s.unit_code || '%'
    ON CONFLICT (subscription_id, event_key) DO NOTHING;
    GET DIAGNOSTICS v_added = ROW_COUNT;
    IF v_added > 0 THEN
        -- Delivered at commit: wakes the dispatchers, which otherwise look every Notifications:PollInterval.
        PERFORM pg_notify('notification_outbox', '');
    END IF;
    RETURN NULL;
END
$f$;

-- The alert list keeps a drill's mark (payload drillId), so every list and screen shows the drill's alerts as exercises.
ALTER TABLE alert ADD COLUMN drill_id text;
CREATE INDEX alert_by_drill ON alert (drill_id) WHERE drill_id IS NOT NULL;

CREATE OR REPLACE FUNCTION project_alert_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
BEGIN
    INSERT INTO alert AS a (id, district_code, unit_code, responsible_unit_code, rule_id, rule_version, severity,
                            state, subject_kind, subject_id, key_person_id, title, raised_at, updated_at, last_seq, assignee, drill_id)
    VALUES (p ->> 'id', NEW.district_code, NEW.unit_code, p ->> 'responsibleUnitCode', p ->> 'ruleId',
            (p ->> 'ruleVersion')::integer, p ->> 'severity', p ->> 'state', p -> 'subject' ->> 'kind',
            p -> 'subject' ->> 'id',
            CASE WHEN p -> 'subject' ->> 'kind' = 'key-person' THEN p -> 'subject' ->> 'id' ELSE p -> 'subject' ->> 'keyPersonId' END,
            p ->> 'title', (p ->> 'raisedAt')::timestamptz, NEW.occurred_at, NEW.seq, p ->> 'assignee', p ->> 'drillId')
    ON CONFLICT (id) DO UPDATE
        SET state = EXCLUDED.state, responsible_unit_code = EXCLUDED.responsible_unit_code,
            updated_at = EXCLUDED.updated_at, last_seq = EXCLUDED.last_seq, assignee = EXCLUDED.assignee
        WHERE a.last_seq < EXCLUDED.last_seq;
    RETURN NULL;
END
$f$;
