-- 0024: machine clients (机器客户端) — departmental systems calling the API with OAuth 2.0 client credentials. A client is
-- registered by an administrator with a unit scope, permissions and a rate limit; its secrets are kept only as PBKDF2
-- hashes (ASP.NET Core's PasswordHasher, as operators' passwords). Rotating adds a secret and gives the ones before it an
-- end (expires_at), so both work through the overlap. Changes are rows of admin_change (entity kind 'machine-client').
CREATE TABLE machine_client (
    client_id        text        PRIMARY KEY,
    display_name     text        NOT NULL,
    unit_code        text        NOT NULL,
    permissions      text[]      NOT NULL,
    per_second       integer     NOT NULL CHECK (per_second > 0),
    burst            integer     NOT NULL CHECK (burst > 0),
    disabled         boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    created_by       text        NOT NULL
);
CREATE INDEX machine_client_by_unit ON machine_client (unit_code text_pattern_ops, client_id);

CREATE TABLE machine_client_secret (
    client_id    text        NOT NULL REFERENCES machine_client (client_id),
    secret_id    integer     NOT NULL,  -- 1 for the secret the client was created with, +1 per rotation
    secret_hash  text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,           -- null: current; set by a rotation to its time + the overlap
    PRIMARY KEY (client_id, secret_id)
);

ALTER TABLE admin_change DROP CONSTRAINT admin_change_entity_kind_check;
ALTER TABLE admin_change ADD CONSTRAINT admin_change_entity_kind_check
    CHECK (entity_kind IN ('operator', 'incident-category', 'department', 'supervision-schedule', 'collection', 'machine-client'));

GRANT SELECT, INSERT, UPDATE ON machine_client TO {{app_role}};
GRANT SELECT, INSERT, UPDATE ON machine_client_secret TO {{app_role}};
