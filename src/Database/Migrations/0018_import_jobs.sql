-- 0018: imports through the product. An import is a job (a row here) that a gateway runs in the background;
-- rosters are ended rather than deleted, with the history of every change an import made; a unit may exist
-- without a polygon until the map supplies one; roster_change also notes ends and returns.

-- One uploaded file and what became of it. The file itself stays in the row until the job ends, so any gateway
-- can run a queued job; a running job's runner renews heartbeat_at, and a job whose heartbeat stopped is failed.
CREATE TABLE import_job (
    id            uuid        PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('divisions', 'map', 'workers', 'key-persons')),
    unit_code     text        NOT NULL,  -- the file's scope: rows outside it are refused, rows missing within it are ended
    caller_unit   text        NOT NULL,  -- the submitter's own unit: a person moved in from elsewhere must come from within it
    state         text        NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    file_name     text        NOT NULL,
    file_sha256   text        NOT NULL,
    content       bytea,                 -- the file, until the job ends
    submitted_by  text        NOT NULL,
    submitted_at  timestamptz NOT NULL,
    started_at    timestamptz,
    finished_at   timestamptz,
    runner        text,                  -- the process running it
    heartbeat_at  timestamptz,
    rows_read     integer     NOT NULL DEFAULT 0,
    accepted      integer     NOT NULL DEFAULT 0,
    rejected      integer     NOT NULL DEFAULT 0,
    errors        jsonb       NOT NULL DEFAULT '[]',  -- the first refused lines: [{line, field?, reason}]
    failure       text,                               -- why a job failed as a whole (its file, its runner)
    added         integer     NOT NULL DEFAULT 0,
    updated       integer     NOT NULL DEFAULT 0,
    ended         integer     NOT NULL DEFAULT 0,
    unchanged     integer     NOT NULL DEFAULT 0
);
CREATE INDEX import_job_open ON import_job (state, submitted_at) WHERE state IN ('queued', 'running');
CREATE INDEX import_job_by_hash ON import_job (kind, file_sha256) WHERE state = 'succeeded';

-- What each import changed, old → new (the row as JSON), per job: adds, updates, ends and returns.
CREATE TABLE import_change (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id     uuid        NOT NULL REFERENCES import_job (id),
    subject    text        NOT NULL CHECK (subject IN ('unit', 'worker', 'key-person')),
    subject_id text        NOT NULL,
    action     text        NOT NULL CHECK (action IN ('added', 'updated', 'ended', 'returned')),
    old_value  jsonb,
    new_value  jsonb,
    at         timestamptz NOT NULL
);
CREATE INDEX import_change_by_subject ON import_change (subject, subject_id);

-- Ended, not deleted: a worker or key person missing from a re-import of their unit's roster.
ALTER TABLE grid_worker ADD COLUMN ended_at timestamptz, ADD COLUMN ended_by_job uuid REFERENCES import_job (id);
ALTER TABLE key_person ADD COLUMN ended_at timestamptz, ADD COLUMN ended_by_job uuid REFERENCES import_job (id);

-- A division list names units before the map draws them.
ALTER TABLE unit_map ALTER COLUMN geometry DROP NOT NULL;

-- Ends (new_grid null) and returns are roster changes too: the live grains hear of them as of moves.
ALTER TABLE roster_change ALTER COLUMN new_grid DROP NOT NULL;

CREATE OR REPLACE FUNCTION note_roster_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
BEGIN
    -- Nested: PL/pgSQL evaluates a condition whole, and a key person's row has no assigned_grid.
    IF TG_TABLE_NAME = 'grid_worker' THEN
        IF OLD.assigned_grid IS DISTINCT FROM NEW.assigned_grid OR (OLD.ended_at IS NULL) <> (NEW.ended_at IS NULL) THEN
            INSERT INTO roster_change (kind, id, old_grid, new_grid)
            VALUES ('worker', NEW.id, OLD.assigned_grid, CASE WHEN NEW.ended_at IS NULL THEN NEW.assigned_grid END);
        END IF;
    ELSIF OLD.grid_code IS DISTINCT FROM NEW.grid_code OR (OLD.ended_at IS NULL) <> (NEW.ended_at IS NULL) THEN
        INSERT INTO roster_change (kind, id, old_grid, new_grid)
        VALUES ('key-person', NEW.id, OLD.grid_code, CASE WHEN NEW.ended_at IS NULL THEN NEW.grid_code END);
    END IF;
    RETURN NULL;
END
$f$;

DROP TRIGGER grid_worker_notes_moves ON grid_worker;
DROP TRIGGER key_person_notes_moves ON key_person;
CREATE TRIGGER grid_worker_notes_moves AFTER UPDATE OF assigned_grid, ended_at ON grid_worker
    FOR EACH ROW EXECUTE FUNCTION note_roster_change();
CREATE TRIGGER key_person_notes_moves AFTER UPDATE OF grid_code, ended_at ON key_person
    FOR EACH ROW EXECUTE FUNCTION note_roster_change();
REVOKE ALL ON FUNCTION note_roster_change() FROM PUBLIC;

GRANT SELECT, INSERT, UPDATE ON import_job TO {{app_role}};
GRANT SELECT, INSERT ON import_change TO {{app_role}};
