-- 0021: the six base-information registries (六类网格基础信息库, 一标三实): standard addresses, population,
-- housing, organisations, key places and city components. Rows to query, not actors. Every row names its grid
-- (unit_code), the source that wrote it, who collected it and when, and a version; every earlier version is kept in
-- registry_history and every change is a row of registry_change, the change feed departments read.
-- All writes go through OpsCentre.Database.Registries.RegistryWriter, which owns the validation and the
-- field-ownership rule (一数一源, registry_field_owner).

-- Full-text search for Chinese text with PostgreSQL's own means: pg_trgm needs word characters, and the
-- databases run under the C locale, where no CJK character is one. So every searchable text becomes a tsvector
-- of its CJK characters (unigrams) and adjacent pairs (bigrams) and of its ASCII letter/digit runs; a fragment
-- is found through a GIN index by the AND of its own pairs, then confirmed by position(). pg_trgm serves the
-- ASCII side (codes, numbers) where it helps; it is a trusted extension, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION registry_grams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT g) FILTER (WHERE g <> '')), ''::tsvector) FROM (
        SELECT substr(run, i, 2) AS g
        FROM regexp_matches(lower(coalesce(t, '')), '([^\x01-\x7f]+)', 'g') AS m (r), LATERAL (SELECT m.r[1] AS run) x,
             generate_series(1, char_length(run) - 1) AS i
        UNION ALL
        SELECT substr(run, i, 1)
        FROM regexp_matches(lower(coalesce(t, '')), '([^\x01-\x7f]+)', 'g') AS m (r), LATERAL (SELECT m.r[1] AS run) x,
             generate_series(1, char_length(run)) AS i
        UNION ALL
        SELECT m.r[1] FROM regexp_matches(lower(coalesce(t, '')), '([a-z0-9]+)', 'g') AS m (r)
    ) AS grams
$f$;

-- 一数一源: which source owns which field of which registry. Field names are the write path's (camelCase, as in
-- RegistryWrite.Data). A write from another source that would change an owned field's value is refused.
CREATE TABLE registry_field_owner (
    registry text NOT NULL CHECK (registry IN ('address', 'population', 'housing', 'organisation', 'place', 'component')),
    field    text NOT NULL,
    source   text NOT NULL,
    PRIMARY KEY (registry, field)
);
INSERT INTO registry_field_owner (registry, field, source) VALUES
    ('address',       'road',             'civil-affairs'),      -- 地名: road names are set by civil affairs (民政)
    ('address',       'number',           'public-security'),    -- 门牌号: house numbers by the police (公安)
    ('population',    'name',             'public-security'),    -- 户籍/居住登记: identity is the police's
    ('population',    'idNumber',         'public-security'),
    ('population',    'gender',           'public-security'),
    ('population',    'birthYear',        'public-security'),
    ('population',    'registrationStart',  'public-security'),  -- 居住登记 dates: issued by the police station
    ('population',    'registrationExpiry', 'public-security'),
    ('population',    'keyPersonId',      'community'),          -- the link to a key-person record: community staff
    ('housing',       'ownerId',          'housing-authority'),  -- 产权人: the housing authority's register (房管)
    ('organisation',  'name',             'market-regulator'),   -- 营业执照: licence and registered name (市场监管)
    ('organisation',  'licenceNumber',    'market-regulator'),
    ('place',         'civilDefence',     'public-security'),    -- 人防/物防/技防 assessment (平安院落): the police
    ('place',         'physicalDefence',  'public-security'),
    ('place',         'technicalDefence', 'public-security'),
    ('component',     'code',             'urban-management'),   -- 部件普查: the component census is urban management's (城管)
    ('component',     'category',         'urban-management');

-- Columns every registry row carries: its grid, its provenance, its version and its soft removal. provenance holds,
-- per field, who last wrote it: {"field": {"source": …, "collectedBy": …, "collectedAt": …}}.

-- 标准地址: the key the other registries hang on, each in one grid.
CREATE TABLE registry_address (
    id           text        PRIMARY KEY,
    unit_code    text        NOT NULL REFERENCES unit_map (code),
    road         text        NOT NULL,
    number       text        NOT NULL,
    building     text,
    unit         text,
    room         text,
    lat          double precision,
    lon          double precision,
    source       text        NOT NULL,
    collected_by text        NOT NULL,
    collected_at timestamptz NOT NULL,
    version      integer     NOT NULL CHECK (version >= 1),
    removed_at   timestamptz,
    provenance   jsonb       NOT NULL DEFAULT '{}',
    -- One run of text, as the address is said (红星路二段12号3栋2单元502): a fragment may span two parts.
    search       tsvector    GENERATED ALWAYS AS (registry_grams(road || number || coalesce(building, '') || coalesce(unit, '')
                                                  || coalesce(room, ''))) STORED
);
CREATE INDEX registry_address_by_unit ON registry_address (unit_code text_pattern_ops);
CREATE INDEX registry_address_search ON registry_address USING gin (search);

-- 实有人口: residents, registered (户籍) or floating (流动人口) with their residence registration (居住登记).
-- ID number and phone are encrypted (AES-GCM, key from configuration) with a keyed hash (HMAC-SHA256) for exact lookup.
CREATE TABLE registry_person (
    id                  text        PRIMARY KEY,
    unit_code           text        NOT NULL REFERENCES unit_map (code),
    name                text        NOT NULL,
    id_number_cipher    bytea,
    id_number_hash      bytea,
    phone_cipher        bytea,
    phone_hash          bytea,
    gender              text        CHECK (gender IN ('male', 'female')),
    birth_year          integer     CHECK (birth_year BETWEEN 1880 AND 2200),
    address_id          text        REFERENCES registry_address (id),
    residence           text        NOT NULL CHECK (residence IN ('registered', 'floating')),
    registration_start  date,
    registration_expiry date,
    key_person_id       text        REFERENCES key_person (id),
    source              text        NOT NULL,
    collected_by        text        NOT NULL,
    collected_at        timestamptz NOT NULL,
    version             integer     NOT NULL CHECK (version >= 1),
    removed_at          timestamptz,
    provenance          jsonb       NOT NULL DEFAULT '{}',
    search              tsvector    GENERATED ALWAYS AS (registry_grams(name)) STORED,
    CHECK ((id_number_cipher IS NULL) = (id_number_hash IS NULL)),
    CHECK ((phone_cipher IS NULL) = (phone_hash IS NULL))
);
CREATE INDEX registry_person_by_unit ON registry_person (unit_code text_pattern_ops);
CREATE INDEX registry_person_search ON registry_person USING gin (search);
CREATE UNIQUE INDEX registry_person_one_id_number ON registry_person (id_number_hash) WHERE removed_at IS NULL;
CREATE INDEX registry_person_by_phone ON registry_person (phone_hash);
CREATE INDEX registry_person_by_address ON registry_person (address_id);
CREATE INDEX registry_person_registration_due ON registry_person (registration_expiry)
    WHERE residence = 'floating' AND removed_at IS NULL;

-- 实有房屋: a dwelling at an address, owner-occupied, rented (with its tenant) or vacant.
CREATE TABLE registry_housing (
    id           text        PRIMARY KEY,
    unit_code    text        NOT NULL REFERENCES unit_map (code),
    address_id   text        NOT NULL REFERENCES registry_address (id),
    use          text        NOT NULL CHECK (use IN ('owner-occupied', 'rented', 'vacant')),
    owner_id     text        REFERENCES registry_person (id),
    tenant_id    text        REFERENCES registry_person (id),
    source       text        NOT NULL,
    collected_by text        NOT NULL,
    collected_at timestamptz NOT NULL,
    version      integer     NOT NULL CHECK (version >= 1),
    removed_at   timestamptz,
    provenance   jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX registry_housing_by_unit ON registry_housing (unit_code text_pattern_ops);
CREATE INDEX registry_housing_by_address ON registry_housing (address_id);

-- 实有单位/组织: enterprises, shops, social organisations, property-management companies, residents' committees.
CREATE TABLE registry_organisation (
    id             text        PRIMARY KEY,
    unit_code      text        NOT NULL REFERENCES unit_map (code),
    name           text        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('enterprise', 'shop', 'social-organisation', 'property-management', 'residents-committee')),
    licence_number text,
    address_id     text        REFERENCES registry_address (id),
    source         text        NOT NULL,
    collected_by   text        NOT NULL,
    collected_at   timestamptz NOT NULL,
    version        integer     NOT NULL CHECK (version >= 1),
    removed_at     timestamptz,
    provenance     jsonb       NOT NULL DEFAULT '{}',
    search         tsvector    GENERATED ALWAYS AS (registry_grams(name)) STORED
);
CREATE INDEX registry_organisation_by_unit ON registry_organisation (unit_code text_pattern_ops);
CREATE INDEX registry_organisation_search ON registry_organisation USING gin (search);
CREATE INDEX registry_organisation_by_licence ON registry_organisation (licence_number);

-- 重点场所: schools, hospitals, markets, compounds (院落), with their 人防/物防/技防 status and next inspection.
CREATE TABLE registry_key_place (
    id                  text        PRIMARY KEY,
    unit_code           text        NOT NULL REFERENCES unit_map (code),
    name                text        NOT NULL,
    kind                text        NOT NULL CHECK (kind IN ('school', 'hospital', 'market', 'compound')),
    civil_defence       text        NOT NULL CHECK (civil_defence IN ('met', 'partial', 'unmet')),
    physical_defence    text        NOT NULL CHECK (physical_defence IN ('met', 'partial', 'unmet')),
    technical_defence   text        NOT NULL CHECK (technical_defence IN ('met', 'partial', 'unmet')),
    next_inspection_due date,
    address_id          text        REFERENCES registry_address (id),
    source              text        NOT NULL,
    collected_by        text        NOT NULL,
    collected_at        timestamptz NOT NULL,
    version             integer     NOT NULL CHECK (version >= 1),
    removed_at          timestamptz,
    provenance          jsonb       NOT NULL DEFAULT '{}',
    search              tsvector    GENERATED ALWAYS AS (registry_grams(name)) STORED
);
CREATE INDEX registry_key_place_by_unit ON registry_key_place (unit_code text_pattern_ops);
CREATE INDEX registry_key_place_search ON registry_key_place USING gin (search);
CREATE INDEX registry_key_place_inspection_due ON registry_key_place (next_inspection_due) WHERE removed_at IS NULL;

-- 城市部件: manhole covers, street lamps, hydrants… code = district (6) + category (4, GB/T 30428.2 style) + serial (6).
CREATE TABLE registry_component (
    id           text        PRIMARY KEY,
    unit_code    text        NOT NULL REFERENCES unit_map (code),
    code         text        NOT NULL CHECK (code ~ '^[0-9]{16}$'),
    category     text        NOT NULL CHECK (category ~ '^[0-9]{4}$'),
    lat          double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon          double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    state        text        NOT NULL CHECK (state IN ('normal', 'damaged', 'missing', 'obstructed')),
    address_id   text        REFERENCES registry_address (id),
    source       text        NOT NULL,
    collected_by text        NOT NULL,
    collected_at timestamptz NOT NULL,
    version      integer     NOT NULL CHECK (version >= 1),
    removed_at   timestamptz,
    provenance   jsonb       NOT NULL DEFAULT '{}',
    CHECK (substr(code, 7, 4) = category)
);
CREATE INDEX registry_component_by_unit ON registry_component (unit_code text_pattern_ops);
CREATE UNIQUE INDEX registry_component_one_code ON registry_component (code) WHERE removed_at IS NULL;
CREATE INDEX registry_component_code_prefix ON registry_component (code text_pattern_ops);

-- Every earlier version of every row, with its provenance: the row as it was stored (personal fields as their
-- ciphertexts), replaced at the time of the change that superseded it.
CREATE TABLE registry_history (
    registry     text        NOT NULL,
    id           text        NOT NULL,
    version      integer     NOT NULL,
    row_data     jsonb       NOT NULL,
    source       text        NOT NULL,
    collected_by text        NOT NULL,
    collected_at timestamptz NOT NULL,
    replaced_at  timestamptz NOT NULL,
    PRIMARY KEY (registry, id, version)
);

-- The change feed (一次采集、多次利用): one row per change, paged by position. Field names only, never values.
CREATE TABLE registry_change (
    position       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registry       text        NOT NULL,
    id             text        NOT NULL,
    unit_code      text        NOT NULL,
    action         text        NOT NULL CHECK (action IN ('create', 'update', 'remove')),
    version        integer     NOT NULL,
    changed_fields text[]      NOT NULL,
    source         text        NOT NULL,
    collected_by   text        NOT NULL,
    op_id          text        NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX registry_change_by_record ON registry_change (registry, id, version);
CREATE INDEX registry_change_by_unit ON registry_change (unit_code text_pattern_ops, position);

GRANT SELECT ON registry_field_owner TO {{app_role}};
GRANT SELECT, INSERT, UPDATE ON registry_address, registry_person, registry_housing, registry_organisation,
    registry_key_place, registry_component TO {{app_role}};
GRANT SELECT, INSERT ON registry_history, registry_change TO {{app_role}};
GRANT EXECUTE ON FUNCTION registry_grams(text) TO {{app_role}};
