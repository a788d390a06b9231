-- 0017: the receiving side sees what it receives, and roll-ups follow a roster that moves people.
--
-- The case list knows every unit and department a case involves — where it is, the responsible (lead) unit,
-- a unit asked to take it over, its co-handlers (协办) — as `involved`: each involved unit's code with all its
-- ancestors' (so `involved @> ARRAY[unit]` is "involves the unit or a unit below it"), and each involved
-- department's code. A case crossing districts is written to both districts' logs (each copy numbered by its
-- own district's writer); `version` (the case's own event count, in every copy) lets this projection take a
-- copy once, whichever district's copy commits first.
ALTER TABLE incident ADD COLUMN pending_transfer_to text;
ALTER TABLE incident ADD COLUMN co_handlers text[] NOT NULL DEFAULT '{}';
ALTER TABLE incident ADD COLUMN involved text[] NOT NULL DEFAULT '{}';
ALTER TABLE incident ADD COLUMN version integer NOT NULL DEFAULT 0;

CREATE FUNCTION incident_involved(codes text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $f$
    SELECT coalesce(array_agg(DISTINCT c), '{}') FROM (
        SELECT left(code, n) AS c
        FROM unnest(codes) AS code, unnest(ARRAY[4, 6, 9, 12, 15]) AS n
        WHERE code ~ '^[0-9]+$' AND n <= length(code)
        UNION
        SELECT code FROM unnest(codes) AS code WHERE code IS NOT NULL AND code !~ '^[0-9]+$'
    ) AS s WHERE c IS NOT NULL
$f$;

UPDATE incident SET involved = incident_involved(ARRAY[unit_code, responsible_code]);
CREATE INDEX incident_by_involved ON incident USING gin (involved);

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
        -- A copy already taken (from another district's log), or an older event: nothing to do.
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
                          pending_transfer_to, co_handlers, involved, version)
    VALUES (p ->> 'id', left(p ->> 'unitCode', 6), p ->> 'unitCode', p ->> 'responsibleCode', p ->> 'assignedWorker',
            p ->> 'category', p ->> 'urgency', p ->> 'stage', (p ->> 'stageEnteredAt')::timestamptz,
            (p ->> 'stageDeadline')::timestamptz, (p ->> 'dueAt')::timestamptz, coalesce((p ->> 'overdue')::boolean, false),
            (p ->> 'reportedAt')::timestamptz, (p ->> 'dispatchedAt')::timestamptz, (p ->> 'closedAt')::timestamptz,
            coalesce((p ->> 'reworkCount')::integer, 0), coalesce((p ->> 'extensionCount')::integer, 0),
            coalesce((p ->> 'verifiedCount')::integer, 0), minutes, NEW.occurred_at, NEW.seq,
            p ->> 'pendingTransferTo', co,
            incident_involved(ARRAY[p ->> 'unitCode', p ->> 'responsibleCode', p ->> 'pendingTransferTo'] || co), v);
    RETURN NULL;
END
$f$;

-- Roll-ups follow the roster: a re-import that moves a worker or a key person to another grid is noted here,
-- and the silos' RosterWatch tells the person's grain, which retires its entry at the old grid.
CREATE TABLE roster_change (
    seq       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind      text        NOT NULL CHECK (kind IN ('worker', 'key-person')),
    id        text        NOT NULL,
    old_grid  text        NOT NULL,
    new_grid  text        NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION note_roster_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
BEGIN
    IF TG_TABLE_NAME = 'grid_worker' AND OLD.assigned_grid IS DISTINCT FROM NEW.assigned_grid THEN
        INSERT INTO roster_change (kind, id, old_grid, new_grid) VALUES ('worker', NEW.id, OLD.assigned_grid, NEW.assigned_grid);
    ELSIF TG_TABLE_NAME = 'key_person' AND OLD.grid_code IS DISTINCT FROM NEW.grid_code THEN
        INSERT INTO roster_change (kind, id, old_grid, new_grid) VALUES ('key-person', NEW.id, OLD.grid_code, NEW.grid_code);
    END IF;
    RETURN NULL;
END
$f$;

CREATE TRIGGER grid_worker_notes_moves AFTER UPDATE OF assigned_grid ON grid_worker
    FOR EACH ROW EXECUTE FUNCTION note_roster_change();
CREATE TRIGGER key_person_notes_moves AFTER UPDATE OF grid_code ON key_person
    FOR EACH ROW EXECUTE FUNCTION note_roster_change();

REVOKE ALL ON FUNCTION note_roster_change() FROM PUBLIC;
GRANT SELECT ON roster_change TO {{app_role}};
