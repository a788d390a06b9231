-- 0035: the responsibility list (权责清单) and property companies' supervision (物业监督), issue 29.

-- The responsibility list of a district: category × place → the default responsible department (or unit), as versioned
-- data. A version is the whole list as published at once; the current list is the district's highest version, earlier
-- ones stay readable. An entry's place is a unit code within the district (the district itself, a street, community or
-- grid): for a case the entry of its category whose place is the longest prefix of the case's unit applies. `auto`
-- entries dispatch a newly reported case at once (受理 and 派遣 by the list); the others offer one-step dispatch.
CREATE TABLE responsibility_list_version (
    district_code text        NOT NULL CHECK (district_code ~ '^[0-9]{6}$'),
    version       integer     NOT NULL CHECK (version >= 1),
    note          text        NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    published_by  text        NOT NULL,
    published_at  timestamptz NOT NULL,
    PRIMARY KEY (district_code, version)
);

CREATE TABLE responsibility_entry (
    district_code    text    NOT NULL,
    version          integer NOT NULL,
    category         text    NOT NULL REFERENCES incident_category (code),
    place_code       text    NOT NULL CHECK (place_code ~ '^[0-9]{6}([0-9]{3}){0,3}$' AND left(place_code, 6) = district_code),
    responsible_code text    NOT NULL,
    auto             boolean NOT NULL DEFAULT false,
    PRIMARY KEY (district_code, version, category, place_code),
    FOREIGN KEY (district_code, version) REFERENCES responsibility_list_version (district_code, version)
);

GRANT SELECT, INSERT ON responsibility_list_version, responsibility_entry TO {{app_role}};

-- Property companies (物业服务企业: organisations of kind property-management) linked to the compounds they manage (key
-- places of kind compound), one company per compound at a time; a link ended stays as history. A case counts against a
-- company when it was reported, while the link held, within radius_m of the compound's standard address.
CREATE TABLE property_company_compound (
    company_id text        NOT NULL REFERENCES registry_organisation (id),
    place_id   text        NOT NULL REFERENCES registry_key_place (id),
    radius_m   integer     NOT NULL DEFAULT 200 CHECK (radius_m BETWEEN 20 AND 2000),
    linked_by  text        NOT NULL,
    linked_at  timestamptz NOT NULL,
    ended_by   text,
    ended_at   timestamptz,
    PRIMARY KEY (company_id, place_id, linked_at),
    CHECK ((ended_at IS NULL) = (ended_by IS NULL))
);
CREATE UNIQUE INDEX property_company_compound_current ON property_company_compound (place_id) WHERE ended_at IS NULL;

GRANT SELECT, INSERT, UPDATE ON property_company_compound TO {{app_role}};
