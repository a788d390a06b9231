-- 0030: corrections officers (社区矫正) and travel leave (外出请假), issue 29.
--
-- Each supervised person has a named responsible officer: a corrections account whose scope holds the person. The
-- person's grain puts the officer on every alert it opens (the payload's "assignee"), and the alert list keeps it, so
-- an officer lists the alerts that are theirs first (GET /api/v1/alerts?assignee=me).
CREATE TABLE key_person_officer (
    person_id   text        PRIMARY KEY REFERENCES key_person (id),
    officer     text        NOT NULL REFERENCES operator_account (username),
    assigned_by text        NOT NULL,
    assigned_at timestamptz NOT NULL
);
CREATE INDEX key_person_officer_by_officer ON key_person_officer (officer);
GRANT SELECT, INSERT, UPDATE, DELETE ON key_person_officer TO {{app_role}};

ALTER TABLE alert ADD COLUMN assignee text;
CREATE INDEX alert_by_assignee ON alert (assignee, raised_at DESC, id) WHERE assignee IS NOT NULL;

CREATE OR REPLACE FUNCTION project_alert_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
BEGIN
    INSERT INTO alert AS a (id, district_code, unit_code, responsible_unit_code, rule_id, rule_version, severity,
                            state, subject_kind, subject_id, key_person_id, title, raised_at, updated_at, last_seq, assignee)
    VALUES (p ->> 'id', NEW.district_code, NEW.unit_code, p ->> 'responsibleUnitCode', p ->> 'ruleId',
            (p ->> 'ruleVersion')::integer, p ->> 'severity', p ->> 'state', p -> 'subject' ->> 'kind',
            p -> 'subject' ->> 'id',
            CASE WHEN p -> 'subject' ->> 'kind' = 'key-person' THEN p -> 'subject' ->> 'id' ELSE p -> 'subject' ->> 'keyPersonId' END,
            p ->> 'title', (p ->> 'raisedAt')::timestamptz, NEW.occurred_at, NEW.seq, p ->> 'assignee')
    ON CONFLICT (id) DO UPDATE
        SET state = EXCLUDED.state, responsible_unit_code = EXCLUDED.responsible_unit_code,
            updated_at = EXCLUDED.updated_at, last_seq = EXCLUDED.last_seq, assignee = EXCLUDED.assignee
        WHERE a.last_seq < EXCLUDED.last_seq;
    RETURN NULL;
END
$f$;
REVOKE ALL ON FUNCTION project_alert_event() FROM PUBLIC;

-- Travel leave: a temporary allowed area (a unit's polygon, added to the person's district) from leave_from until
-- return_by. While approved and not returned, the person's grain offers return_by as the deadline `travelReturn`;
-- past it the temporary area ends, so a person still away is outside their allowed area again.
CREATE TABLE key_person_travel_leave (
    id           text        PRIMARY KEY,
    person_id    text        NOT NULL REFERENCES key_person (id),
    area_code    text        NOT NULL REFERENCES unit_map (code),
    reason       text        NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    leave_from   timestamptz NOT NULL,
    return_by    timestamptz NOT NULL,
    requested_by text        NOT NULL,
    requested_at timestamptz NOT NULL,
    state        text        NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'approved', 'refused', 'returned')),
    answered_by  text,
    answered_at  timestamptz,
    answer_note  text        CHECK (length(answer_note) <= 2000),
    returned_by  text,
    returned_at  timestamptz,
    CHECK (return_by > leave_from),
    CHECK ((state = 'returned') = (returned_at IS NOT NULL))
);
-- At most one leave requested or running per person.
CREATE UNIQUE INDEX key_person_travel_leave_open ON key_person_travel_leave (person_id) WHERE state IN ('requested', 'approved');
CREATE INDEX key_person_travel_leave_by_person ON key_person_travel_leave (person_id, requested_at DESC);
GRANT SELECT, INSERT, UPDATE ON key_person_travel_leave TO {{app_role}};
