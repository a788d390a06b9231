-- 0003: the city model: unit polygons (the grid map), the rosters of grid workers and key persons,
-- and the append-only audit log of reads of personal data.

-- Every unit of the hierarchy with its polygon (WKB, WGS-84 lon/lat). One source for names,
-- parents and shapes: unit grains read their identity here, the spatial index its grids.
CREATE TABLE unit_map (
    code        text        PRIMARY KEY CHECK (code ~ '^[0-9]{4}([0-9]{2}([0-9]{3}){0,3})?$'),
    name        text        NOT NULL,
    parent_code text        REFERENCES unit_map (code) DEFERRABLE INITIALLY DEFERRED,
    geometry    bytea       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((parent_code IS NULL AND length(code) = 4) OR parent_code = left(code, length(parent_code)))
);
CREATE INDEX unit_map_by_parent ON unit_map (parent_code);

-- Bumped by every map import, so every silo knows to rebuild its index.
CREATE TABLE map_version (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    version     bigint      NOT NULL,
    imported_at timestamptz NOT NULL
);
INSERT INTO map_version (version, imported_at) VALUES (0, now());

-- 网格员: grid workers and the grid they are assigned to.
CREATE TABLE grid_worker (
    id             text    PRIMARY KEY,
    name           text    NOT NULL,
    phone          text    NOT NULL,
    assigned_grid  text    NOT NULL REFERENCES unit_map (code),
    home_lat       double precision NOT NULL,
    home_lon       double precision NOT NULL
);
CREATE INDEX grid_worker_by_grid ON grid_worker (assigned_grid text_pattern_ops);

-- 重点人员: key persons under supervision. name and id_number are personal data: every output masks
-- them by role and every read is written to audit_log.
CREATE TABLE key_person (
    id                text    PRIMARY KEY,
    name              text    NOT NULL,
    id_number         text    NOT NULL,
    category          text    NOT NULL CHECK (category IN ('community-corrections', 'released-prisoner', 'drug-rehabilitation', 'mental-disorder')),
    supervision_level text    NOT NULL CHECK (supervision_level IN ('strict', 'ordinary', 'lenient')),
    grid_code         text    NOT NULL REFERENCES unit_map (code),
    home_lat          double precision NOT NULL,
    home_lon          double precision NOT NULL
);
CREATE INDEX key_person_by_grid ON key_person (grid_code text_pattern_ops);

-- Who read what personal data, when, and with which role. Append-only for the application.
CREATE TABLE audit_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    role        text        NOT NULL,
    action      text        NOT NULL,
    subject     text        NOT NULL,
    unmasked    boolean     NOT NULL,
    detail      text
);

GRANT SELECT, INSERT, UPDATE, DELETE ON unit_map, grid_worker, key_person TO {{app_role}};
GRANT SELECT, UPDATE ON map_version TO {{app_role}};
GRANT SELECT, INSERT ON audit_log TO {{app_role}};
