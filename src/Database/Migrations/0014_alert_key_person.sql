-- 0014: the alert list knows which alerts are about a key person (重点人员) — the person itself, or a device
-- of theirs (AlertSubject.KeyPerson(): subject.keyPersonId in the payload) — so that it leaves them out for
-- roles that do not watch key persons, as the hub does. Alerts listed before this migration are about a key
-- person when their subject is one; their devices' payloads never named the person, and neither does the row.
ALTER TABLE alert ADD COLUMN key_person_id text;
UPDATE alert SET key_person_id = subject_id WHERE subject_kind = 'key-person';

CREATE OR REPLACE FUNCTION project_alert_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
BEGIN
    INSERT INTO alert AS a (id, district_code, unit_code, responsible_unit_code, rule_id, rule_version, severity,
                            state, subject_kind, subject_id, key_person_id, title, raised_at, updated_at, last_seq)
    VALUES (p ->> 'id', NEW.district_code, NEW.unit_code, p ->> 'responsibleUnitCode', p ->> 'ruleId',
            (p ->> 'ruleVersion')::integer, p ->> 'severity', p ->> 'state', p -> 'subject' ->> 'kind',
            p -> 'subject' ->> 'id',
            CASE WHEN p -> 'subject' ->> 'kind' = 'key-person' THEN p -> 'subject' ->> 'id' ELSE p -> 'subject' ->> 'keyPersonId' END,
            p ->> 'title', (p ->> 'raisedAt')::timestamptz, NEW.occurred_at, NEW.seq)
    ON CONFLICT (id) DO UPDATE
        SET state = EXCLUDED.state, responsible_unit_code = EXCLUDED.responsible_unit_code,
            updated_at = EXCLUDED.updated_at, last_seq = EXCLUDED.last_seq
        WHERE a.last_seq < EXCLUDED.last_seq;
    RETURN NULL;
END
$f$;
