-- 0015: 督办 (supervision) records. Every escalation of an alert urges a unit: the payload of the event that does it
-- (alert.escalated, or alert.urged when the alert is urged again at the district) carries the record as "supervision",
-- and the reply's event (alert.supervision-replied) carries it again with the reply. Like the alert list, the table is
-- not written by the application: a trigger on event_log keeps it in the transaction that commits each such event.
-- The alert list also keeps each alert's escalation level and its number of 督办, so that lists can show them.

ALTER TABLE alert ADD COLUMN escalation_level integer NOT NULL DEFAULT 0;
ALTER TABLE alert ADD COLUMN supervision_count integer NOT NULL DEFAULT 0;
UPDATE alert a SET escalation_level = coalesce((e.payload::jsonb ->> 'escalationLevel')::integer, 0)
FROM event_log e WHERE e.district_code = a.district_code AND e.seq = a.last_seq;
CREATE INDEX alert_by_responsible ON alert (responsible_unit_code, raised_at DESC, id);

CREATE TABLE alert_supervision (
    id              text        PRIMARY KEY,            -- <alert id>-<number>
    alert_id        text        NOT NULL,
    number          integer     NOT NULL CHECK (number > 0),
    district_code   text        NOT NULL,
    unit_code       text        NOT NULL,               -- where the alert's subject is: who may see the record
    urged_unit_code text        NOT NULL,               -- the unit urged, who replies
    level           integer     NOT NULL,
    reason          text        NOT NULL,
    repeated        boolean     NOT NULL,
    rule_id         text        NOT NULL,
    rule_version    integer     NOT NULL,
    subject_kind    text        NOT NULL,
    subject_id      text        NOT NULL,
    key_person_id   text,
    issued_at       timestamptz NOT NULL,
    reply_due_at    timestamptz NOT NULL,
    replied_at      timestamptz,
    replied_by      text,
    reply           text,
    issued_seq      bigint      NOT NULL,
    replied_seq     bigint,
    UNIQUE (alert_id, number)
);
CREATE INDEX alert_supervision_by_subject ON alert_supervision (subject_kind, subject_id, issued_at);
CREATE INDEX alert_supervision_by_urged ON alert_supervision (urged_unit_code, issued_at DESC);

CREATE FUNCTION project_alert_supervision() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
    s jsonb := NEW.payload::jsonb -> 'supervision';
BEGIN
    -- Runs after event_log_projects_alerts (triggers fire in name order), so the alert's row exists.
    IF NEW.type IN ('alert.escalated', 'alert.urged') THEN
        UPDATE alert SET escalation_level = coalesce((p ->> 'escalationLevel')::integer, 0),
                         supervision_count = coalesce((p ->> 'supervisionCount')::integer, supervision_count)
        WHERE id = p ->> 'id';
    END IF;
    IF s IS NULL OR jsonb_typeof(s) <> 'object' THEN
        RETURN NULL;
    END IF;
    INSERT INTO alert_supervision AS a (id, alert_id, number, district_code, unit_code, urged_unit_code, level, reason, repeated,
                                        rule_id, rule_version, subject_kind, subject_id, key_person_id, issued_at, reply_due_at,
                                        replied_at, replied_by, reply, issued_seq, replied_seq)
    VALUES (s ->> 'id', s ->> 'alertId', (s ->> 'number')::integer, NEW.district_code, NEW.unit_code, s ->> 'unitCode',
            (s ->> 'level')::integer, s ->> 'reason', coalesce((s ->> 'repeated')::boolean, false), s ->> 'ruleId',
            (s ->> 'ruleVersion')::integer, p -> 'subject' ->> 'kind', p -> 'subject' ->> 'id',
            CASE WHEN p -> 'subject' ->> 'kind' = 'key-person' THEN p -> 'subject' ->> 'id' ELSE p -> 'subject' ->> 'keyPersonId' END,
            (s ->> 'at')::timestamptz, (s ->> 'replyDueAt')::timestamptz, (s ->> 'repliedAt')::timestamptz, s ->> 'repliedBy',
            s ->> 'reply', NEW.seq, CASE WHEN s ->> 'repliedAt' IS NULL THEN NULL ELSE NEW.seq END)
    ON CONFLICT (id) DO UPDATE
        SET replied_at = EXCLUDED.replied_at, replied_by = EXCLUDED.replied_by, reply = EXCLUDED.reply, replied_seq = EXCLUDED.replied_seq
        WHERE EXCLUDED.replied_at IS NOT NULL AND a.replied_at IS NULL;
    RETURN NULL;
END
$f$;

CREATE TRIGGER event_log_projects_supervisions AFTER INSERT ON event_log
    FOR EACH ROW WHEN (NEW.type IN ('alert.escalated', 'alert.urged', 'alert.supervision-replied'))
    EXECUTE FUNCTION project_alert_supervision();

REVOKE ALL ON FUNCTION project_alert_supervision() FROM PUBLIC;
GRANT SELECT ON alert_supervision TO {{app_role}};

-- A case list shows how far its open alerts have escalated: found by subject.
CREATE INDEX alert_open_by_subject ON alert (subject_kind, subject_id) WHERE state <> 'resolved';
