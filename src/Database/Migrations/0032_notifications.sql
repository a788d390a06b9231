-- 0032: notifications beyond the screen (通知外发). Escalations (督办), critical alerts and task assignments leave the system
-- as outgoing webhooks. Administrators subscribe a unit (and everything below it) to kinds of notification; a trigger on
-- event_log writes one outbox row per matching subscription in the transaction that commits the event, so nothing
-- acknowledged to its caller can be lost before it is sent. The silos' dispatchers claim due rows (FOR UPDATE SKIP LOCKED),
-- POST them, and retry with backoff until delivered or dead-lettered. Subscriptions are administrative changes
-- (admin_change entity kind 'notification-subscription'). docs/notifications.md.
CREATE TABLE notification_subscription (
    id             text        PRIMARY KEY,
    name           text        NOT NULL,
    unit_code      text        NOT NULL,               -- this unit and every unit below it (prefix)
    kinds          text[]      NOT NULL CHECK (kinds <@ ARRAY['escalation', 'critical-alert', 'task-assignment'] AND cardinality(kinds) > 0),
    url            text        NOT NULL,
    format         text        NOT NULL CHECK (format IN ('json', 'wecom', 'dingtalk')),
    secret_sealed  bytea,                              -- the signing secret, AES-GCM sealed (PersonalDataCipher); null: unsigned
    disabled       boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL,
    created_by     text        NOT NULL
);
CREATE INDEX notification_subscription_by_unit ON notification_subscription (unit_code text_pattern_ops, id);

-- The outbox: one row per (subscription, notification). event_key makes the copies of one case event in several districts'
-- logs (a transferred case) one notification: 'incident:<id>:<version>'; an alert event is '<district>:<seq>'.
CREATE TABLE notification (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id  text        NOT NULL REFERENCES notification_subscription (id),
    kind             text        NOT NULL CHECK (kind IN ('escalation', 'critical-alert', 'task-assignment')),
    event_key        text        NOT NULL,
    district_code    text        NOT NULL,
    seq              bigint      NOT NULL,              -- the event, in event_log (district_code, seq)
    unit_code        text        NOT NULL,              -- the event's unit: who may see the notification
    subject_kind     text        NOT NULL CHECK (subject_kind IN ('alert', 'incident')),
    subject_id       text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),  -- due; while a dispatcher holds it, the end of its lease
    last_attempt_at  timestamptz,
    last_status      integer,                           -- the receiver's HTTP status of the last attempt; null: no answer
    last_error       text,
    delivered_at     timestamptz,
    UNIQUE (subscription_id, event_key)
);
CREATE INDEX notification_due ON notification (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notification_by_subject ON notification (subject_kind, subject_id, id);
CREATE INDEX notification_by_unit ON notification (unit_code text_pattern_ops, id DESC);
CREATE INDEX notification_by_subscription ON notification (subscription_id, id DESC);

CREATE FUNCTION enqueue_notifications() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
    v_kind text;
    v_subject text := 'alert';
    v_key text := NEW.district_code || ':' || NEW.seq;
    v_added integer;
BEGIN
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

CREATE TRIGGER event_log_enqueues_notifications AFTER INSERT ON event_log
    FOR EACH ROW WHEN (NEW.type IN ('alert.escalated', 'alert.urged', 'alert.raised', 'incident.stage-changed'))
    EXECUTE FUNCTION enqueue_notifications();

REVOKE ALL ON FUNCTION enqueue_notifications() FROM PUBLIC;

ALTER TABLE admin_change DROP CONSTRAINT admin_change_entity_kind_check;
ALTER TABLE admin_change ADD CONSTRAINT admin_change_entity_kind_check
    CHECK (entity_kind IN ('operator', 'incident-category', 'department', 'supervision-schedule', 'collection', 'machine-client',
                           'notification-subscription'));

GRANT SELECT, INSERT, UPDATE ON notification_subscription TO {{app_role}};
-- The application never inserts outbox rows (the trigger does) nor deletes them: it claims and records attempts.
GRANT SELECT, UPDATE ON notification TO {{app_role}};
