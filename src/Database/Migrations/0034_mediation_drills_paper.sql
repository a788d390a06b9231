-- 0034: three supervision workflows of issue 29 — joint mediation (三所联调 / 大调解), drills (演练) and paper mode (人+纸).

-- Joint mediation: a dispute case worked by several departments (police station, judicial office, law firm…), each with
-- its part, by parts_due_at; sessions scheduled; closed with an outcome (agreement, or failed → referred) only once every
-- participating department has recorded its part (the close checks it in its own transaction, under the case's lock).
CREATE TABLE mediation_case (
    id            text        PRIMARY KEY,
    unit_code     text        NOT NULL REFERENCES unit_map (code),
    incident_id   text,                   -- the case of the closed loop the dispute came from, if any
    title         text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description   text        NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    opened_by     text        NOT NULL,
    opened_at     timestamptz NOT NULL,
    parts_due_at  timestamptz NOT NULL,
    state         text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    outcome       text        CHECK (outcome IN ('agreement', 'referred')),
    referred_to   text        CHECK (length(referred_to) <= 200),
    outcome_note  text        CHECK (length(outcome_note) <= 2000),
    closed_by     text,
    closed_at     timestamptz,
    CHECK ((state = 'closed') = (outcome IS NOT NULL AND closed_at IS NOT NULL)),
    CHECK (outcome IS DISTINCT FROM 'referred' OR referred_to IS NOT NULL),
    CHECK (parts_due_at > opened_at)
);
CREATE INDEX mediation_case_by_unit ON mediation_case (unit_code text_pattern_ops, id);

CREATE TABLE mediation_part (
    case_id         text        NOT NULL REFERENCES mediation_case (id),
    department_code text        NOT NULL REFERENCES department (code),
    part            text        NOT NULL CHECK (length(part) BETWEEN 1 AND 200),  -- what the department does (治安调查, 法律释明…)
    recorded_by     text,
    recorded_at     timestamptz,
    record          text        CHECK (length(record) <= 4000),
    PRIMARY KEY (case_id, department_code),
    CHECK ((recorded_at IS NULL) = (record IS NULL))
);
CREATE INDEX mediation_part_by_department ON mediation_part (department_code);

CREATE TABLE mediation_session (
    case_id      text        NOT NULL REFERENCES mediation_case (id),
    n            integer     NOT NULL CHECK (n >= 1),
    scheduled_at timestamptz NOT NULL,
    place        text        NOT NULL DEFAULT '' CHECK (length(place) <= 200),
    scheduled_by text        NOT NULL,
    PRIMARY KEY (case_id, n)
);

GRANT SELECT, INSERT, UPDATE ON mediation_case, mediation_part, mediation_session TO {{app_role}};

-- Drills: a run within a unit; the cases opened under it carry its id (`drillId` in their payload, projected here as
-- drill_id) and are marked on every screen, left out of the assessment KPIs, and cancelled when the drill is cleared.
CREATE TABLE drill (
    id          text        PRIMARY KEY,
    unit_code   text        NOT NULL REFERENCES unit_map (code),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    started_by  text        NOT NULL,
    started_at  timestamptz NOT NULL,
    state       text        NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'cleared')),
    cleared_by  text,
    cleared_at  timestamptz,
    CHECK ((state = 'cleared') = (cleared_at IS NOT NULL))
);
CREATE INDEX drill_by_unit ON drill (unit_code text_pattern_ops, id);
GRANT SELECT, INSERT, UPDATE ON drill TO {{app_role}};

ALTER TABLE incident ADD COLUMN drill_id text;
CREATE INDEX incident_by_drill ON incident (drill_id) WHERE drill_id IS NOT NULL;

-- The case's position in the case list too (WGS-84, null for a case reported by grid only), so figures by place — the
-- cases in a property company's compounds (0035) — are a query; the cases before this migration take it from their latest event.
ALTER TABLE incident ADD COLUMN lat double precision;
ALTER TABLE incident ADD COLUMN lon double precision;
UPDATE incident i SET lat = (e.payload::jsonb ->> 'lat')::double precision, lon = (e.payload::jsonb ->> 'lon')::double precision
FROM event_log e
WHERE e.district_code = i.district_code AND e.seq = i.last_seq AND e.type LIKE 'incident.%' AND e.payload::jsonb ->> 'id' = i.id;

CREATE OR REPLACE FUNCTION project_incident_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    p jsonb := NEW.payload::jsonb;
    v integer := coalesce((p ->> 'version')::integer, 0);
    old incident%ROWTYPE;
    minutes jsonb := '{}';
    co text[] := CASE WHEN jsonb_typeof(p -> 'coHandlers') = 'array'
                      THEN ARRAY(SELECT jsonb_array_elements_text(p -> 'coHandlers')) ELSE '{}' END;
BEGIN
    SELECT * INTO old FROM incident WHERE id = p ->> 'id' FOR UPDATE;
    IF FOUND THEN
        IF (v > 0 AND old.version >= v) OR (v = 0 AND old.district_code = NEW.district_code AND old.last_seq >= NEW.seq) THEN
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
                          rework_count, extension_count, verified_count, stage_minutes, updated_at, last_seq,
                          pending_transfer_to, co_handlers, involved, version, drill_id, lat, lon)
    VALUES (p ->> 'id', left(p ->> 'unitCode', 6), p ->> 'unitCode', p ->> 'responsibleCode', p ->> 'assignedWorker',
            p ->> 'category', p ->> 'urgency', p ->> 'stage', (p ->> 'stageEnteredAt')::timestamptz,
            (p ->> 'stageDeadline')::timestamptz, (p ->> 'dueAt')::timestamptz, coalesce((p ->> 'overdue')::boolean, false),
            (p ->> 'reportedAt')::timestamptz, (p ->> 'dispatchedAt')::timestamptz, (p ->> 'closedAt')::timestamptz,
            coalesce((p ->> 'reworkCount')::integer, 0), coalesce((p ->> 'extensionCount')::integer, 0),
            coalesce((p ->> 'verifiedCount')::integer, 0), minutes, NEW.occurred_at, NEW.seq,
            p ->> 'pendingTransferTo', co,
            incident_involved(ARRAY[p ->> 'unitCode', p ->> 'responsibleCode', p ->> 'pendingTransferTo'] || co), v,
            p ->> 'drillId', (p ->> 'lat')::double precision, (p ->> 'lon')::double precision);
    RETURN NULL;
END
$f$;

-- Paper mode (人+纸): a paper form entered afterwards by community staff is a collection record like a phone's, with its
-- channel 'paper', the form's number, who typed it in, and collected_at the date written on the paper (not the typing's).
ALTER TABLE collection_record ADD COLUMN channel text NOT NULL DEFAULT 'device' CHECK (channel IN ('device', 'paper'));
ALTER TABLE collection_record ADD COLUMN paper_form text CHECK (length(paper_form) <= 100);
ALTER TABLE collection_record ADD COLUMN entered_by text;
ALTER TABLE collection_record ADD CONSTRAINT collection_record_paper_entered CHECK ((channel = 'paper') = (entered_by IS NOT NULL));
