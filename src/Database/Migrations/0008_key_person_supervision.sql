-- 0008: supervising key persons — how often a check-in and a visit (回访) are due per supervision
-- level, the forbidden places of each person, and the visits grid workers record.

-- The schedule per supervision level. Data, not code: a city changes it with one UPDATE.
CREATE TABLE supervision_schedule (
    level          text     PRIMARY KEY CHECK (level IN ('strict', 'ordinary', 'lenient')),
    check_in_every interval NOT NULL CHECK (check_in_every > interval '0'),
    visit_every    interval NOT NULL CHECK (visit_every > interval '0')
);
INSERT INTO supervision_schedule (level, check_in_every, visit_every) VALUES
    ('strict',   interval '1 day',  interval '7 days'),
    ('ordinary', interval '7 days', interval '30 days'),
    ('lenient',  interval '30 days', interval '90 days');

-- The moment supervision began: the first check-in and the first visit fall due one interval after it.
ALTER TABLE key_person ADD COLUMN supervised_since timestamptz NOT NULL DEFAULT now();

-- Forbidden places (禁止进入区域) of one person: a circle or a polygon (GeoJSON coordinates [[lon,lat],...]).
-- Removal is a mark, not a delete, so what was forbidden when stays answerable.
CREATE TABLE key_person_zone (
    id          text        PRIMARY KEY,
    person_id   text        NOT NULL REFERENCES key_person (id),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    center_lat  double precision,
    center_lon  double precision,
    radius_m    double precision CHECK (radius_m > 0),
    polygon     jsonb,
    created_by  text        NOT NULL,
    op_id       text        NOT NULL,
    request     text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    removed_by  text,
    removed_at  timestamptz,
    UNIQUE (created_by, op_id),
    CHECK ((polygon IS NULL) = (radius_m IS NOT NULL) AND (radius_m IS NULL) = (center_lat IS NULL) AND (center_lat IS NULL) = (center_lon IS NULL))
);
CREATE INDEX key_person_zone_by_person ON key_person_zone (person_id) WHERE removed_at IS NULL;

-- Visits (回访) recorded by grid workers or corrections staff. An 'absent' visit (nobody found)
-- is kept but does not count as the visit that was due.
CREATE TABLE key_person_visit (
    id          text        PRIMARY KEY,
    person_id   text        NOT NULL REFERENCES key_person (id),
    visited_at  timestamptz NOT NULL,
    outcome     text        NOT NULL CHECK (outcome IN ('met', 'concern', 'absent')),
    notes       text        NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    recorded_by text        NOT NULL,
    op_id       text        NOT NULL,
    request     text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (recorded_by, op_id)
);
CREATE INDEX key_person_visit_by_person ON key_person_visit (person_id, visited_at DESC);

-- Overdue rules are not only for case stages: a person's check-in and visit have deadlines too.
ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_kind_check;
ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_kind_check
    CHECK (kind IN ('threshold', 'absence', 'zone', 'time-window', 'rate', 'stage-overdue', 'overdue'));

GRANT SELECT ON supervision_schedule TO {{app_role}};
GRANT SELECT, INSERT, UPDATE ON key_person_zone TO {{app_role}};
GRANT SELECT, INSERT ON key_person_visit TO {{app_role}};
