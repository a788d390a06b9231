-- 0006: incidents (事件) — categories and departments as data, the request ledger that makes
-- "report" idempotent, and the case list the database keeps from the event log (the store of record).

-- Categories with their deadlines per stage and urgency: {"normal": {"reported": "PT2H", ...}, "urgent": {...}}.
-- A duration in whole days ("P3D") ends at 24:00 Asia/Shanghai of that day; any other is exact.
CREATE TABLE incident_category (
    code      text  PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,40}$'),
    name      text  NOT NULL,
    deadlines jsonb NOT NULL
);

-- Departments (职能部门) that cases can be dispatched or transferred to, per district.
CREATE TABLE department (
    code          text PRIMARY KEY CHECK (code ~ '^[0-9]{6}-[A-Z]{2,8}$'),
    name          text NOT NULL,
    district_code text NOT NULL CHECK (district_code ~ '^[0-9]{6}$' AND left(code, 6) = district_code)
);

-- Department staff sign in like operators; their scope is their department's cases.
ALTER TABLE operator_account ADD COLUMN department_code text REFERENCES department (code);
ALTER TABLE operator_account DROP CONSTRAINT operator_account_role_check;
ALTER TABLE operator_account ADD CONSTRAINT operator_account_role_check
    CHECK (role IN ('admin', 'operator', 'staff', 'worker', 'corrections', 'auditor', 'department'));
ALTER TABLE operator_account ADD CONSTRAINT department_staff_have_a_department
    CHECK ((role = 'department') = (department_code IS NOT NULL));

-- Which case a caller's report created: a retried report finds its case, a reused opId with another body is refused.
CREATE TABLE incident_request (
    caller       text        NOT NULL,
    op_id        text        NOT NULL,
    request_hash text        NOT NULL,
    incident_id  text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, op_id)
);

-- The case list, kept by a trigger on event_log in the transaction that commits each case event.
-- stage_minutes accumulates the minutes spent in each stage, for the assessment KPIs.
CREATE TABLE incident (
    id                  text        PRIMARY KEY,
    district_code       text        NOT NULL,
    unit_code           text        NOT NULL,
    responsible_code    text,
    assigned_worker     text,
    category            text        NOT NULL,
    urgency             text        NOT NULL,
    stage               text        NOT NULL,
    stage_entered_at    timestamptz NOT NULL,
    stage_deadline      timestamptz,
    due_at              timestamptz,
    overdue             boolean     NOT NULL DEFAULT false,
    reported_at         timestamptz NOT NULL,
    dispatched_at       timestamptz,
    closed_at           timestamptz,
    rework_count        integer     NOT NULL DEFAULT 0,
    extension_count     integer     NOT NULL DEFAULT 0,
    verified_count      integer     NOT NULL DEFAULT 0,
    stage_minutes       jsonb       NOT NULL DEFAULT '{}',
    updated_at          timestamptz NOT NULL,
    last_seq            bigint      NOT NULL
);
CREATE INDEX incident_by_unit ON incident (unit_code text_pattern_ops, reported_at DESC, id);
CREATE INDEX incident_by_responsible ON incident (responsible_code, stage);
CREATE INDEX incident_by_worker ON incident (assigned_worker, stage) WHERE assigned_worker IS NOT NULL;

CREATE FUNCTION project_incident_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
    old incident%ROWTYPE;
    minutes jsonb := '{}';
BEGIN
    SELECT * INTO old FROM incident WHERE id = p ->> 'id' FOR UPDATE;
    IF FOUND THEN
        IF old.last_seq >= NEW.seq THEN
            RETURN NULL;
        END IF;
        minutes := old.stage_minutes;
        IF old.stage <> p ->> 'stage' THEN
            minutes := jsonb_set(minutes, ARRAY[old.stage],
                to_jsonb(coalesce((minutes ->> old.stage)::numeric, 0)
                         + extract(epoch FROM (NEW.occurred_at - old.stage_entered_at)) / 60));
        END IF;
        DELETE FROM incident WHERE id = old.id;
    END IF;
    INSERT INTO incident (id, district_code, unit_code, responsible_code, assigned_worker, category, urgency, stage,
                          stage_entered_at, stage_deadline, due_at, overdue, reported_at, dispatched_at, closed_at,
                          rework_count, extension_count, verified_count, stage_minutes, updated_at, last_seq)
    VALUES (p ->> 'id', NEW.district_code, p ->> 'unitCode', p ->> 'responsibleCode', p ->> 'assignedWorker',
            p ->> 'category', p ->> 'urgency', p ->> 'stage', (p ->> 'stageEnteredAt')::timestamptz,
            (p ->> 'stageDeadline')::timestamptz, (p ->> 'dueAt')::timestamptz, coalesce((p ->> 'overdue')::boolean, false),
            (p ->> 'reportedAt')::timestamptz, (p ->> 'dispatchedAt')::timestamptz, (p ->> 'closedAt')::timestamptz,
            coalesce((p ->> 'reworkCount')::integer, 0), coalesce((p ->> 'extensionCount')::integer, 0),
            coalesce((p ->> 'verifiedCount')::integer, 0), minutes, NEW.occurred_at, NEW.seq);
    RETURN NULL;
END
$f$;

CREATE TRIGGER event_log_projects_incidents AFTER INSERT ON event_log
    FOR EACH ROW WHEN (NEW.type LIKE 'incident.%') EXECUTE FUNCTION project_incident_event();

REVOKE ALL ON FUNCTION project_incident_event() FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON incident_category, department TO {{app_role}};
GRANT SELECT, INSERT ON incident_request TO {{app_role}};
GRANT SELECT ON incident TO {{app_role}};
